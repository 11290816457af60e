# Issue "Datastores that converge".
# A project with its own PostgreSQL 15 (databases app_dev and app_test, pgcrypto in each) and
# Redis 7 converges from a fresh root in ONE run: apt installs the servers (no machine-wide
# cluster is created or started), devup runs them as the project's own instances (postgres
# under the `postgres` account since devup is root, data under /var/lib/devup). A second run
# changes nothing. Then a crash (kill -9 of the postmaster), a dropped database and a redis
# shutdown are each seen by `devup plan` and repaired by one run, with the data kept;
# `devup status` and `devup down` report and stop.
source /e2e/lib.sh
export CI=1
cd /scenario/project

# converged: a run changes nothing, the plan and the status are clean.
converged() {
    expect_exit 0 devup --yes
    assert_match "$OUT" '11 ok, 0 changed, 0 failed, 0 skipped' "summary of a converged run"
    expect_exit 0 devup plan
    assert_contains "$OUT" "all 11 steps are satisfied"
    expect_exit 0 devup status
}

q() { psql -X -tA -h 127.0.0.1 -p "$PGPORT" -U postgres "$@"; }
has_pgcrypto() { assert_eq pgcrypto "$(q -d "$1" -c "SELECT extname FROM pg_extension WHERE extname = 'pgcrypto'")" "pgcrypto in $1"; }
postmaster_pid() { head -n 1 "$DATA/postgres/postmaster.pid"; }

# 11 steps: postgres's no-main-cluster, client packages, server binaries (apt's postgresql here),
# account, server, 2 databases and the extension; redis's package, command and server. The
# account and redis' command come with the packages: the first run finds them ok.
step "a fresh root: no postgres, no redis; everything is to do"
for c in psql pg_ctlcluster redis-server redis-cli; do assert_no_cmd "$c"; done
expect_exit 2 devup plan
assert_contains "$OUT" "11 of 11 steps to change"

step "ONE devup --yes run converges from scratch (with -v: apt's and the servers' output live)"
started=$SECONDS
expect_exit 0 devup --yes -v
assert_match "$OUT" '2 ok, 9 changed, 0 failed, 0 skipped' "summary of the first run"
for id in packages server-binaries server 'database[app_dev]' 'database[app_test]' 'extension[pgcrypto]'; do
    assert_contains "$OUT" "changed datastores.postgres.$id ("
done
assert_contains "$OUT" "changed datastores.redis.server ("
assert_match "$OUT" $'\n  datastores\\.postgres\\.[^:]+: [^\n]*(Setting up|Unpacking)' "apt's output under its step"
assert_match "$OUT" $'\n→ [0-9]+/11 datastores\\.redis\\.server: ' "progress of the run"
echo "first run: $((SECONDS - started)) s"

step "the run's log: every command with its output, under the project's state"
LOGS=(/root/.local/state/devup/projects/datastores-sample-*/logs/*.log)
assert_eq 1 "${#LOGS[@]}" "logs after one run"
LOG=$(cat "${LOGS[0]}")
assert_contains "$LOG" "checked 11 steps"
assert_contains "$LOG" "datastores.postgres.server: ran \`"
assert_contains "$LOG" ": exit code 0 in "
assert_match "$LOG" $'stdout \\| [^\n]*Setting up' "apt's stdout in the log"
assert_contains "$LOG" "0 failed, 0 skipped in "
assert_eq 600 "$(stat -c %a "${LOGS[0]}")" "the log's mode"

step "the ports come from devup env (json and shell)"
expect_exit 0 devup env --format json
assert_contains "$OUT" '"PGPORT": "5432"'
assert_contains "$OUT" '"REDIS_URL": "redis://127.0.0.1:6379/0"'
eval "$(devup env)"
assert_eq 5432 "$PGPORT" "PGPORT"
assert_eq "postgres://postgres@127.0.0.1:5432/app_dev" "$DATABASE_URL" "DATABASE_URL"
REDIS_PORT=$(printf '%s' "$REDIS_URL" | sed -E 's#^redis://127\.0\.0\.1:([0-9]+)/0$#\1#')
assert_eq 6379 "$REDIS_PORT" "redis port"

step "postgres: the project's own server, as postgres, data under /var/lib/devup"
DATA=$(echo /var/lib/devup/projects/datastores-sample-*)
assert_file "$DATA/postgres/PG_VERSION"
assert_eq 15 "$(cat "$DATA/postgres/PG_VERSION")" "PG_VERSION"
assert_eq postgres "$(ps -o user= -p "$(postmaster_pid)")" "the postmaster's account"
assert_eq postgres "$(stat -c %U "$DATA/postgres")" "owner of the data directory"
[ ! -d /var/lib/postgresql/15/main ] || fail "a machine-wide cluster was created"
for db in app_dev app_test; do
    assert_eq 1 "$(q -d "$db" -c 'SELECT 1')" "connect to $db"
    has_pgcrypto "$db"
done
assert_eq 64 "$(q -d app_dev -c "SELECT length(encode(digest('devup', 'sha256'), 'hex'))")" "pgcrypto works"
assert_match "$(q -d app_dev -c 'SHOW server_version')" '^15\.' "server version"

step "redis: answers PONG on the port devup env gives"
assert_eq PONG "$(redis-cli -p "$REDIS_PORT" ping)" "redis ping"

step "both servers answer on ::1 too: a client may take localhost for ::1 alone (node 18)"
assert_eq 1 "$(psql -X -tA -h ::1 -p "$PGPORT" -U postgres -d app_dev -c 'SELECT 1')" "postgres on ::1"
assert_eq PONG "$(redis-cli -h ::1 -p "$REDIS_PORT" ping)" "redis on ::1"
assert_match "$(redis-cli -p "$REDIS_PORT" info server)" 'redis_version:7\.' "redis version"

step "devup status: both running, exit 0"
expect_exit 0 devup status
assert_contains "$OUT" "datastores.postgres: port 5432"
assert_contains "$OUT" "datastores.redis: port 6379"

step "the second run changes nothing"
converged

step "crash: kill -9 the postmaster (a table with a row exists)"
q -d app_dev -c "CREATE TABLE notes (body text); INSERT INTO notes VALUES ('kept across a crash')"
redis-cli -p "$REDIS_PORT" set devup:e2e kept >/dev/null
old_pid=$(postmaster_pid)
kill -9 "$old_pid"
wait_for 10 bash -c "! kill -0 $old_pid 2>/dev/null"
expect_pending "datastores.postgres.server datastores.postgres.database[app_dev] datastores.postgres.database[app_test] datastores.postgres.extension[pgcrypto]" \
    "not running: it stopped or crashed (stale pid file for pid $old_pid)"
# The crashed server's children notice and leave; no orphan may keep the data directory.
wait_for 30 bash -c '! pgrep -u postgres >/dev/null'
repair
assert_contains "$RUN" "changed datastores.postgres.server ("
assert_ne "$old_pid" "$(postmaster_pid)" "postmaster pid"
assert_eq "kept across a crash" "$(q -d app_dev -c 'SELECT body FROM notes')" "the row after the crash"
has_pgcrypto app_test
converged

step "drop one database: only it is recreated, the other is untouched"
dropdb -h 127.0.0.1 -p "$PGPORT" -U postgres app_test
expect_pending "datastores.postgres.database[app_test] datastores.postgres.extension[pgcrypto]" \
    'database "app_test" does not exist'
repair
assert_contains "$RUN" "changed datastores.postgres.database[app_test] ("
[[ "$RUN" != *"changed datastores.postgres.database[app_dev]"* ]] || fail "app_dev was touched"
has_pgcrypto app_test
assert_eq 0 "$(q -d app_test -c "SELECT count(*) FROM pg_tables WHERE tablename = 'notes'")" "app_test is new"
assert_eq "kept across a crash" "$(q -d app_dev -c 'SELECT body FROM notes')" "app_dev untouched"
converged

step "stop redis (redis-cli shutdown): one run restarts it, its data kept"
redis-cli -p "$REDIS_PORT" shutdown
wait_for 10 bash -c "! redis-cli -p $REDIS_PORT ping"
expect_pending "datastores.redis.server" "not running"
repair
assert_contains "$RUN" "changed datastores.redis.server ("
assert_eq PONG "$(redis-cli -p "$REDIS_PORT" ping)" "redis ping after the restart"
assert_eq kept "$(redis-cli -p "$REDIS_PORT" get devup:e2e)" "redis key after the restart"
converged

step "devup down stops both; status says so (exit 2); down again has nothing to stop"
expect_exit 0 devup down
assert_contains "$OUT" "stopped datastores.postgres.server"
assert_contains "$OUT" "stopped datastores.redis.server"
assert_contains "$OUT" "2 stopped, 0 failed"
! pg_isready -q -h 127.0.0.1 -p "$PGPORT" || fail "postgres still answers after devup down"
! redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 || fail "redis still answers after devup down"
wait_for 30 bash -c '! pgrep -u postgres >/dev/null'
expect_exit 2 devup status
assert_match "$OUT" 'datastores\.postgres\.server +not running' "status of postgres"
assert_match "$OUT" 'datastores\.redis\.server +not running' "status of redis"
expect_exit 0 devup down
assert_contains "$OUT" "0 stopped, 0 failed"
assert_file "$DATA/postgres/PG_VERSION"

step "after devup down, one run starts both again, data kept"
expect_pending "datastores.postgres.server datastores.postgres.database[app_dev] datastores.postgres.database[app_test] datastores.postgres.extension[pgcrypto] datastores.redis.server" \
    "not running"
repair
assert_eq "kept across a crash" "$(q -d app_dev -c 'SELECT body FROM notes')" "the row after down/up"
assert_eq kept "$(redis-cli -p "$REDIS_PORT" get devup:e2e)" "redis key after down/up"
converged

step "done"
