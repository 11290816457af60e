# Issue "Datastores that converge": several projects with PostgreSQL on one machine.
# alpha then beta converge one after the other: alpha gets 5432, beta the next free port (5433);
# each has its own server and data, both are reachable, `devup env` of each shows its own
# port, and each keeps its port across `devup down` / up in any order. Then gamma and delta
# (postgres + redis, redis not yet installed) converge AT ONCE: two devup runs at the same time
# must share apt and must not pick the same ports.
source /e2e/lib.sh
export CI=1

# env_of PROJECT VAR: VAR as `devup env --format json` of PROJECT gives it.
env_of() {
    (cd "/scenario/$1" && devup env --format json) |
        sed -n "s/^ *\"$2\": \"\\(.*\\)\",\\{0,1\\}\$/\\1/p"
}
# q PORT DB SQL
q() { psql -X -tA -h 127.0.0.1 -p "$1" -U postgres -d "$2" -c "$3"; }

# converged PROJECT: a run in PROJECT changes nothing and its plan is empty.
converged() {
    cd "/scenario/$1"
    expect_exit 0 devup --yes
    assert_match "$OUT" '[0-9]+ ok, 0 changed, 0 failed, 0 skipped' "$1: summary of a converged run"
    expect_exit 0 devup plan
    cd /scenario
}

step "alpha converges first (fresh root): its postgres gets 5432"
cd /scenario/alpha
expect_exit 0 devup --yes
assert_match "$OUT" '[0-9]+ ok, [0-9]+ changed, 0 failed, 0 skipped' "alpha: first run"
assert_eq 5432 "$(env_of alpha PGPORT)" "alpha's PGPORT"
assert_eq "postgres://postgres@127.0.0.1:5432/alpha_dev" "$(env_of alpha DATABASE_URL)" "alpha's DATABASE_URL"

step "beta converges after it: the next free port, 5433"
cd /scenario/beta
expect_exit 2 devup plan
assert_contains "$OUT" "port 5432 is taken; using port 5433"
expect_exit 0 devup --yes
assert_match "$OUT" '[0-9]+ ok, [0-9]+ changed, 0 failed, 0 skipped' "beta: first run"
assert_eq 5433 "$(env_of beta PGPORT)" "beta's PGPORT"
assert_eq "postgres://postgres@127.0.0.1:5433/beta_dev" "$(env_of beta DATABASE_URL)" "beta's DATABASE_URL"
(eval "$(devup env)" && assert_eq 5433 "$PGPORT" "beta's PGPORT through eval")
cd /scenario

step "both reachable, each its own server and data"
assert_eq 1 "$(q 5432 alpha_dev 'SELECT 1')" "alpha_dev on 5432"
assert_eq 1 "$(q 5433 beta_dev 'SELECT 1')" "beta_dev on 5433"
alpha_data=$(q 5432 alpha_dev 'SHOW data_directory')
beta_data=$(q 5433 beta_dev 'SHOW data_directory')
assert_match "$alpha_data" '^/var/lib/devup/projects/alpha-[0-9a-f]+/postgres$' "alpha's data directory"
assert_match "$beta_data" '^/var/lib/devup/projects/beta-[0-9a-f]+/postgres$' "beta's data directory"
assert_eq 0 "$(q 5433 beta_dev "SELECT count(*) FROM pg_database WHERE datname = 'alpha_dev'")" "alpha_dev on beta's server"
assert_eq 0 "$(q 5432 alpha_dev "SELECT count(*) FROM pg_database WHERE datname = 'beta_dev'")" "beta_dev on alpha's server"
q 5432 alpha_dev "CREATE TABLE owner (name text); INSERT INTO owner VALUES ('alpha')"
q 5433 beta_dev "CREATE TABLE owner (name text); INSERT INTO owner VALUES ('beta')"

step "second runs change nothing; the ports stay"
converged alpha
converged beta
assert_eq 5432 "$(env_of alpha PGPORT)" "alpha's PGPORT"
assert_eq 5433 "$(env_of beta PGPORT)" "beta's PGPORT"

step "down both, then up in the other order: each keeps its own port and data"
(cd alpha && expect_exit 0 devup down && assert_contains "$OUT" "1 stopped, 0 failed")
(cd beta && expect_exit 0 devup down && assert_contains "$OUT" "1 stopped, 0 failed")
wait_for 30 bash -c '! pgrep -u postgres >/dev/null'
cd /scenario/beta
expect_exit 0 devup --yes
assert_match "$OUT" '[0-9]+ ok, [1-9][0-9]* changed, 0 failed, 0 skipped' "beta: restart"
assert_eq 5433 "$(env_of beta PGPORT)" "beta's PGPORT after the restart, 5432 free"
cd /scenario/alpha
expect_exit 0 devup --yes
assert_eq 5432 "$(env_of alpha PGPORT)" "alpha's PGPORT after the restart"
cd /scenario
assert_eq alpha "$(q 5432 alpha_dev 'SELECT name FROM owner')" "alpha's data"
assert_eq beta "$(q 5433 beta_dev 'SELECT name FROM owner')" "beta's data"
converged alpha
converged beta

step "gamma and delta converge AT ONCE (both install redis, both choose ports)"
for p in gamma delta; do
    (cd "$p" && rc=0 && { devup --yes >"/tmp/$p.out" 2>&1 || rc=$?; } && echo "$rc" >"/tmp/$p.rc") &
done
wait
for p in gamma delta; do
    echo "--- $p:"
    cat "/tmp/$p.out"
done
assert_eq 0 "$(cat /tmp/gamma.rc)" "gamma's exit code"
assert_eq 0 "$(cat /tmp/delta.rc)" "delta's exit code"
g_pg=$(env_of gamma PGPORT)
d_pg=$(env_of delta PGPORT)
assert_eq "5434 5435" "$(printf '%s\n' "$g_pg" "$d_pg" | sort -n | paste -sd' ')" "gamma's and delta's postgres ports"
g_redis=$(env_of gamma REDIS_URL)
d_redis=$(env_of delta REDIS_URL)
assert_ne "$g_redis" "$d_redis" "gamma's and delta's REDIS_URL"
assert_eq 1 "$(q "$g_pg" gamma_dev 'SELECT 1')" "gamma_dev on $g_pg"
assert_eq 1 "$(q "$d_pg" delta_dev 'SELECT 1')" "delta_dev on $d_pg"
for url in "$g_redis" "$d_redis"; do
    port=$(printf '%s' "$url" | sed -E 's#^redis://127\.0\.0\.1:([0-9]+)/0$#\1#')
    assert_eq PONG "$(redis-cli -p "$port" ping)" "redis of $url"
done
converged gamma
converged delta

step "all four projects still reachable on their own ports"
assert_eq alpha "$(q 5432 alpha_dev 'SELECT name FROM owner')" "alpha"
assert_eq beta "$(q 5433 beta_dev 'SELECT name FROM owner')" "beta"

step "done"
