source /e2e/lib.sh
source /e2e/projects/corpus-lib.sh
corpus_shape
step "two servers, each of its own major version, on two ports"
assert_contains "$(cat devup.toml)" 'postgres-5433 = { recipe = "postgres", version = "15"'
OUT=$(corpus_in_env 'psql "$LEDGER_DB" -Atc "show port"; psql "$LEDGER_OLD_DB" -Atc "show port"')
[ "$(printf '%s\n' "$OUT" | sort -u | wc -l)" -eq 2 ] || fail "both servers on one port: $OUT"
