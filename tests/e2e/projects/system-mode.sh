# Shared by the scenarios datastores-system (no init system) and datastores-system-systemd
# (systemd as PID 1). Issue "Datastores that converge": `mode = "system"`, the machine's shared
# servers.
# A project declaring the machine's PostgreSQL (two databases, pgcrypto) and Redis converges
# from a fresh root in one run: apt installs the servers, the machine starts them its own way
# (here, with no init system: Debian's init scripts through `service`; the -systemd variant
# runs the same script with systemd as PID 1), devup creates a role for the account it runs
# as and the databases. Clients connect with `devup env`'s variables. Second run: nothing.
# Then a stopped server is started again, a dropped database recreated, a second project
# shares the same server, and `devup down` leaves the machine's servers running.
source /e2e/lib.sh
export CI=1

INIT=$(cat /proc/1/comm)
echo "PID 1: $INIT"

project() {
    mkdir -p "/root/$1" && cd "/root/$1"
    cat >devup.toml <<TOML
[project]
name = "$1"

[datastores]
postgres = { mode = "system", databases = [$2], extensions = ["pgcrypto"] }
redis = { mode = "system" }
TOML
}

# stop_machine_service NAME: stop a server the machine's way.
stop_machine_service() {
    if [ "$INIT" = systemd ]; then systemctl stop "$1"; else service "$1" stop; fi
}

converged() {
    expect_exit 0 devup --yes
    assert_match "$OUT" ' 0 changed, 0 failed, 0 skipped' "summary of a converged run"
    expect_exit 0 devup plan
}

step "a fresh root: no postgres, no redis"
for c in psql redis-server; do assert_no_cmd "$c"; done
project shop '"shop_dev", "shop_test"'
expect_exit 2 devup plan
assert_contains "$OUT" "start the machine's postgres"

step "ONE devup --yes run converges from scratch"
expect_exit 0 devup --yes --trust
assert_match "$OUT" '0 failed, 0 skipped' "summary"
eval "$(devup env)"
echo "DATABASE_URL=$DATABASE_URL REDIS_URL=$REDIS_URL"
assert_eq "postgres:///shop_dev?host=/var/run/postgresql&port=5432" "$DATABASE_URL"
assert_eq 1 "$(psql -X -tA "$DATABASE_URL" -c 'SELECT 1')" "a query through DATABASE_URL"
assert_eq 36 "$(psql -X -tA -d shop_test -c 'SELECT length(gen_random_uuid()::text)')" "pgcrypto in shop_test"
assert_eq PONG "$(redis-cli -u "$REDIS_URL" ping)"

step "they are the machine's servers, not the project's"
pg_lsclusters
assert_match "$(pg_lsclusters -h)" '5432 online' "the machine's cluster"
assert_no_file /var/lib/devup/projects
if [ "$INIT" = systemd ]; then
    assert_eq active "$(systemctl is-active redis-server)"
    assert_eq enabled "$(systemctl is-enabled redis-server)"
    systemctl list-units --no-pager 'postgresql*'
fi

step "second run: zero changes"
converged

step "the machine's redis stopped: one run starts it again"
stop_machine_service redis-server
wait_for 20 sh -c '! redis-cli ping'
expect_exit 2 devup plan
assert_contains "$OUT" "datastores.redis.server"
expect_exit 0 devup --yes
assert_eq PONG "$(redis-cli ping)"
converged

step "a dropped database is recreated, the other untouched"
psql -X -q -d shop_test -c 'CREATE TABLE kept (v text); INSERT INTO kept VALUES ($$here$$)'
dropdb shop_dev
expect_exit 2 devup plan
assert_contains "$OUT" "no database shop_dev"
expect_exit 0 devup --yes
assert_eq here "$(psql -X -tA -d shop_test -c 'SELECT v FROM kept')" "shop_test's data"
assert_eq 1 "$(psql -X -tA -d shop_dev -c 'SELECT 1')"
converged

step "a declared version the machine's server does not run is reported with the fix, never 'fixed'"
sed -i 's/postgres = { mode = "system", /postgres = { mode = "system", version = "13", /' devup.toml
expect_exit 2 devup plan
assert_contains "$OUT" "the server is PostgreSQL 15."
assert_contains "$OUT" "nothing devup changes itself"
expect_exit 1 devup --yes
assert_contains "$OUT" "hint: devup does not replace the machine's server"
assert_match "$(pg_lsclusters -h)" '^15 main 5432 online' "the machine's cluster, untouched"
sed -i 's/version = "13"/version = "15"/' devup.toml
converged

step "a second project shares the same server"
project blog '"blog_dev"'
expect_exit 0 devup --yes --trust
eval "$(devup env)"
assert_eq 5432 "$PGPORT"
dbs=$(psql -X -tA -d postgres -c "SELECT string_agg(datname, ' ' ORDER BY datname) FROM pg_database WHERE datname LIKE '%_dev' OR datname LIKE '%_test'")
assert_eq "blog_dev shop_dev shop_test" "$dbs" "databases of both projects in one server"
converged

step "devup down leaves the machine's servers running"
expect_exit 0 devup down
assert_contains "$OUT" "left datastores.postgres.server running: the machine's own"
assert_eq PONG "$(redis-cli ping)"
assert_eq 1 "$(psql -X -tA -d blog_dev -c 'SELECT 1')"
step "done"
