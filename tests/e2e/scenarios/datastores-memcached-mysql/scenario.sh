# Issue "Datastores that converge": memcached and MySQL (MariaDB on Debian) with one database.
# From a fresh root ONE run installs both from apt, initializes and starts the project's own
# servers (mysqld under `mysql`, memcached under `nobody`: devup is root), creates the database;
# a second run changes nothing. Then a dropped database, a crashed mysqld, a killed memcached
# and `devup down` are each repaired by one run, with the data kept. A project wanting MySQL 8
# is refused with the version found (the recipe checks mysqld's version).
source /e2e/lib.sh
export CI=1
cd /scenario/project

converged() {
    expect_exit 0 devup --yes
    assert_match "$OUT" '8 ok, 0 changed, 0 failed, 0 skipped' "summary of a converged run"
    expect_exit 0 devup plan
    assert_contains "$OUT" "all 8 steps are satisfied"
    expect_exit 0 devup status
}

sql() { mariadb -h 127.0.0.1 -P "$MYSQL_TCP_PORT" -u root -N -B -e "$1"; }
# mc COMMAND...: memcached's text protocol on its port, one line per command, then `quit`.
mc() {
    local port=${MEMCACHED_SERVERS##*:} c
    {
        for c in "$@"; do printf '%s\r\n' "$c"; done
        printf 'quit\r\n'
    } | timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port && cat >&3 && cat <&3" | tr -d '\r'
}
pid_of() { head -n 1 "$DATA/$1"; }

step "a fresh root: no mysqld, no memcached; everything is to do"
for c in mysqld mariadb memcached; do assert_no_cmd "$c"; done
expect_exit 2 devup plan
assert_contains "$OUT" "8 of 8 steps to change"

step "ONE devup --yes run converges from scratch"
started=$SECONDS
expect_exit 0 devup --yes
assert_match "$OUT" '[0-9] ok, [5-7] changed, 0 failed, 0 skipped' "summary of the first run"
for id in memcached.packages memcached.server mysql.packages mysql.server 'mysql.database[app_dev]'; do
    assert_contains "$OUT" "changed datastores.$id ("
done
echo "first run: $((SECONDS - started)) s"

step "the ports come from devup env"
eval "$(devup env)"
assert_eq 3306 "$MYSQL_TCP_PORT" "MYSQL_TCP_PORT"
assert_eq "mysql://root@127.0.0.1:3306/app_dev" "$DATABASE_URL" "DATABASE_URL"
assert_eq "127.0.0.1:11211" "$MEMCACHED_SERVERS" "MEMCACHED_SERVERS"
expect_exit 0 devup env --format json
assert_contains "$OUT" '"MYSQL_TCP_PORT": "3306"'

step "MariaDB: the project's own server, as mysql, data under /var/lib/devup; app_dev exists"
DATA=$(echo /var/lib/devup/projects/cache-sql-sample-*)
assert_eq mysql "$(ps -o user= -p "$(pid_of mysql/mysqld.pid)")" "mysqld's account"
assert_eq mysql "$(stat -c %U "$DATA/mysql")" "owner of the data directory"
expect_exit 0 mariadb -h 127.0.0.1 -P "$MYSQL_TCP_PORT" -u root -e 'show databases'
assert_match "$OUT" '(^|[[:space:]])app_dev([[:space:]]|$)' "show databases"
assert_match "$(sql 'SELECT VERSION()')" '^10\.11\..*MariaDB' "server version"
assert_eq "$DATA/mysql/" "$(sql 'SELECT @@datadir')" "datadir"
# In the character set apps expect, not MariaDB's latin1.
assert_eq utf8mb4 "$(sql "SELECT DEFAULT_CHARACTER_SET_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'app_dev'")" "app_dev's character set"
assert_eq utf8mb4 "$(sql 'SELECT @@character_set_server')" "the server's character set"
sql "CREATE TABLE app_dev.notes (body varchar(100)) ENGINE=InnoDB; INSERT INTO app_dev.notes VALUES ('kept')"

step "memcached: the project's own, as nobody, answers on its port"
assert_eq nobody "$(ps -o user= -p "$(pid_of memcached/memcached.pid)")" "memcached's account"
assert_match "$(mc version)" '^VERSION 1\.6\.' "memcached version"
assert_contains "$(mc 'set devup 0 0 4' 'e2e!' 'get devup')" "VALUE devup 0 4"

step "devup status: both running, exit 0"
expect_exit 0 devup status
assert_contains "$OUT" "datastores.mysql: port 3306"
assert_contains "$OUT" "datastores.memcached: port 11211"

step "the second run changes nothing"
converged

step "drop the database: one run recreates it"
sql 'DROP DATABASE app_dev'
# Its character set goes with it: the database is made in it again.
expect_pending "datastores.mysql.database[app_dev] datastores.mysql.charset[app_dev]" "mysql/app_dev does not exist"
repair
assert_contains "$RUN" "changed datastores.mysql.database[app_dev] ("
assert_eq app_dev "$(sql "SHOW DATABASES LIKE 'app_dev'")" "app_dev after the repair"
sql "CREATE TABLE app_dev.notes (body varchar(100)) ENGINE=InnoDB; INSERT INTO app_dev.notes VALUES ('kept')"
converged

step "crash: kill -9 mysqld; one run restarts it, the row is kept"
old_pid=$(pid_of mysql/mysqld.pid)
kill -9 "$old_pid"
wait_for 10 bash -c "! kill -0 $old_pid 2>/dev/null"
expect_pending "datastores.mysql.server" "not running: it stopped or crashed (stale pid file for pid $old_pid)"
repair
assert_contains "$RUN" "changed datastores.mysql.server ("
assert_ne "$old_pid" "$(pid_of mysql/mysqld.pid)" "mysqld's pid"
assert_eq kept "$(sql 'SELECT body FROM app_dev.notes')" "the row after the crash"
converged

step "memcached killed: one run restarts it"
old_pid=$(pid_of memcached/memcached.pid)
kill "$old_pid"
wait_for 10 bash -c "! kill -0 $old_pid 2>/dev/null"
expect_pending "datastores.memcached.server" "not running"
repair
assert_match "$(mc version)" '^VERSION 1\.6\.' "memcached after the restart"
converged

step "devup down stops both; status exit 2; one run starts them again, data kept"
expect_exit 0 devup down
assert_contains "$OUT" "2 stopped, 0 failed"
wait_for 30 bash -c '! pgrep -x mariadbd >/dev/null && ! pgrep -x mysqld >/dev/null && ! pgrep -x memcached >/dev/null'
expect_exit 2 devup status
assert_match "$OUT" 'datastores\.mysql\.server +not running' "status of mysql"
assert_match "$OUT" 'datastores\.memcached\.server +not running' "status of memcached"
repair
assert_eq kept "$(sql 'SELECT body FROM app_dev.notes')" "the row after down/up"
converged

step "a project wanting MySQL 8 is told MariaDB 10.11 does not do; nothing is started for it"
cd /scenario/wants-mysql-8
expect_exit 2 devup plan
assert_match "$OUT" '~ datastores\.mysql\.mysqld +have 10\.11\.[0-9]+ at /usr/sbin/mysqld.*, want `mysqld` 8' "plan of wants-mysql-8"
expect_exit 1 devup --yes
assert_contains "$OUT" 'devup has no way to install `mysqld` 8 here'
assert_contains "$OUT" 'it was applied because: have 10.11.'
assert_contains "$OUT" "skipped: datastores.mysql.server"
[ -z "$(ls /var/lib/devup/projects/wants-mysql-8-* 2>/dev/null)" ] || fail "data was created for wants-mysql-8"
cd /scenario/project
converged

step "done"
