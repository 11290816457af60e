# Issue "Datastores that converge": memcached and MySQL (MariaDB on Debian) with one database.
# From a fresh root ONE run installs both from apt, initializes and starts the project's own
# servers (mysqld under `mysql`, memcached under `nobody`: devup is root), creates the database;
# a second run changes nothing. Then a dropped database, a crashed mysqld, a killed memcached
# and `devup down` are each repaired by one run, with the data kept. A project wanting MySQL 8
# is refused with the version found (the recipe checks mysqld's version).
# Issue "A declared account is the account you get": a project declaring root with a password
# (and a user of its own), converged first by the recipe as it was before: today's recipe takes
# that server over without losing its data, and root's password then works over the socket,
# `localhost` and TCP; devup still administers the server (over its socket, as root known by it),
# recreates a dropped database, applies a changed password, restarts the server for a changed
# setting and stops it for `devup down`; no password is ever printed. Then the same as a
# developer's own account (not root): its server runs as it, and devup administers it as it.
source /e2e/lib.sh
export CI=1
cd /scenario/project

converged() {
    expect_exit 0 devup --yes
    assert_match "$OUT" '9 ok, 0 changed, 0 failed, 0 skipped' "summary of a converged run"
    expect_exit 0 devup plan
    assert_contains "$OUT" "all 9 steps are satisfied"
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
assert_contains "$OUT" "9 of 9 steps to change"

step "ONE devup --yes run converges from scratch"
started=$SECONDS
expect_exit 0 devup --yes
assert_match "$OUT" '[0-9] ok, [6-8] changed, 0 failed, 0 skipped' "summary of the first run"
for id in memcached.packages memcached.server mysql.packages mysql.server mysql.admin 'mysql.database[app_dev]'; do
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

ROOT_PW='r00t-Secret' APP_PW="app's pw"
cd /scenario/accounts
ALL_OUTPUT=''
# run CODE ARGS...: devup, its output kept to check that no password shows.
run() { expect_exit "$1" devup "${@:2}"; ALL_OUTPUT+=$OUT; }
# as WAY... -u USER [-pPASSWORD]: who the server says the client is (fails when refused).
as() { mariadb "$@" -N -B -e 'SELECT CURRENT_USER()'; }

step "the recipe as it was: root's password went to 'root'@'%' alone, so clients on this machine were refused"
mkdir -p .devup/recipes/datastores
cp before-mysql.toml .devup/recipes/datastores/mysql.toml
run 0 --yes --trust
assert_match "$OUT" '0 failed, 0 skipped' "the older recipe's run"
ADATA=$(echo /var/lib/devup/projects/accounts-*)
SOCK=$ADATA/mysql/mysqld.sock
eval "$(devup env)"
PORT=$MYSQL_TCP_PORT
assert_ne 3306 "$PORT" "the second project's port"
expect_exit 1 as -h localhost -S "$SOCK" -u root -p"$ROOT_PW"
assert_contains "$OUT" "Access denied for user 'root'@'localhost'"
expect_exit 1 as -h 127.0.0.1 -P "$PORT" -u root -p"$ROOT_PW"
mariadb -h localhost -S "$SOCK" -u root -e "CREATE TABLE shop_test.orders (id int) ENGINE=InnoDB; INSERT INTO shop_test.orders VALUES (7)"

step "today's recipe takes that server over: the plan says what it will do, without a password"
rm -r .devup
expect_pending "datastores.mysql.admin datastores.mysql.user[root] datastores.mysql.user[app]" \
    "no server account root (the account devup runs as) known by the server's socket" \
    "attributes devup cannot read back changed in devup.toml" "no user app (its accounts on localhost and %)"
ALL_OUTPUT+=$OUT
run 0 --yes
assert_contains "$OUT" "changed datastores.mysql.admin ("
assert_contains "$OUT" "changed datastores.mysql.user[root] ("
assert_eq 7 "$(mariadb -h localhost -S "$SOCK" -u root -N -B -e 'SELECT id FROM shop_test.orders')" "the data after the takeover"
run 0 --yes
assert_match "$OUT" ' 0 changed, 0 failed, 0 skipped' "the run after the takeover"

step "root and app log in with their passwords over the socket, localhost and TCP"
eval "$(devup env)"
assert_eq "$SOCK" "$MYSQL_UNIX_PORT" "MYSQL_UNIX_PORT: localhost is the project's server"
# The socket; `localhost` found by MYSQL_UNIX_PORT (by a client that reads no option file: Debian's
# names the machine's socket); `localhost` and 127.0.0.1 over TCP.
WAYS=("-h localhost -S $SOCK" "--no-defaults -h localhost" "--protocol=tcp -h localhost -P $PORT" "-h 127.0.0.1 -P $PORT")
for way in "${WAYS[@]}"; do
    assert_match "$(as $way -u root -p"$ROOT_PW")" '^root@' "root with its password, $way"
    assert_match "$(as $way -u app -p"$APP_PW")" '^app@' "app with its password, $way"
    assert_eq 7 "$(mariadb $way -u app -p"$APP_PW" -N -B -e 'SELECT id FROM shop_test.orders')" "app reads shop_test, $way"
done
# Another account of the machine that reaches the socket (the server's) is root by the password
# alone; with a wrong one, or none over TCP, it is refused.
assert_eq root@localhost "$(su mysql -s /bin/sh -c "mariadb -h localhost -S $SOCK -u root -p'$ROOT_PW' -N -B -e 'SELECT CURRENT_USER()'")" "root's password on the socket"
expect_exit 1 su mysql -s /bin/sh -c "mariadb -h localhost -S $SOCK -u root -pwrong -e 'SELECT 1'"
expect_exit 1 as -h 127.0.0.1 -P "$PORT" -u root -pwrong
expect_exit 1 as -h 127.0.0.1 -P "$PORT" -u root
expect_exit 1 as -h 127.0.0.1 -P "$PORT" -u app -pwrong

step "devup still administers it: a dropped database is recreated"
mariadb -h 127.0.0.1 -P "$PORT" -u root -p"$ROOT_PW" -e 'DROP DATABASE shop_test'
run 0 --yes
assert_contains "$OUT" "changed datastores.mysql.database[shop_test] ("
assert_eq shop_test "$(mariadb -h 127.0.0.1 -P "$PORT" -u app -p"$APP_PW" -N -B -e "SHOW DATABASES LIKE 'shop_test'")" "shop_test, recreated, app's"
mariadb -h 127.0.0.1 -P "$PORT" -u app -p"$APP_PW" -e "CREATE TABLE shop_test.orders (id int) ENGINE=InnoDB; INSERT INTO shop_test.orders VALUES (8)"

step "a changed password is applied everywhere; the old one no longer works"
sed -i "s/r00t-Secret/root/" devup.toml
run 2 plan
assert_match "$OUT" '~ datastores\.mysql\.user\[root\]' "plan of a changed password"
run 0 --yes
assert_contains "$OUT" "changed datastores.mysql.user[root] ("
for way in "${WAYS[@]}"; do
    assert_match "$(as $way -u root -proot)" '^root@' "root with its new password, $way"
done
expect_exit 1 as -h 127.0.0.1 -P "$PORT" -u root -p"$ROOT_PW"
run 0 --yes
assert_match "$OUT" ' 0 changed, 0 failed, 0 skipped' "the run after the change"
# devup's record of its way in lost: made again, and root keeps the password it has.
rm "$ADATA/mysql/devup-admin"
run 0 --yes
assert_contains "$OUT" "changed datastores.mysql.admin ("
assert_match "$(as -h 127.0.0.1 -P "$PORT" -u root -proot)" '^root@' "root's password after devup's way in was made again"
su mysql -s /bin/sh -c "mariadb -h localhost -S $SOCK -u root -proot -e 'SELECT 1'" >/dev/null || fail "root's password on the socket after devup's way in was made again"

step "a changed setting restarts the server root has a password on (stopped by its signal, no account)"
pid=$(head -n 1 "$ADATA/mysql/mysqld.pid")
sed -i 's/databases = \["shop_test"\]/databases = ["shop_test"], settings = { max_connections = "77" }/' devup.toml
run 0 --yes
assert_contains "$OUT" "changed datastores.mysql.server ("
assert_ne "$pid" "$(head -n 1 "$ADATA/mysql/mysqld.pid")" "mysqld's pid after the restart"
assert_eq 77 "$(mariadb -h 127.0.0.1 -P "$PORT" -u root -proot -N -B -e 'SELECT @@max_connections')" "max_connections"
run 0 --yes
assert_match "$OUT" ' 0 changed, 0 failed, 0 skipped' "the run after the restart"

step "devup down stops the server root has a password on; one run starts it again, data kept"
pid=$(head -n 1 "$ADATA/mysql/mysqld.pid")
run 0 down
assert_contains "$OUT" "1 stopped, 0 failed"
wait_for 30 bash -c "! kill -0 $pid 2>/dev/null"
run 0 --yes
assert_eq 8 "$(mariadb -h 127.0.0.1 -P "$PORT" -u root -proot -N -B -e 'SELECT id FROM shop_test.orders')" "the row after down/up"
run 0 --yes
assert_match "$OUT" ' 0 changed, 0 failed, 0 skipped' "converged after down/up"

step "no password was printed"
assert_not_contains "$ALL_OUTPUT" "$ROOT_PW"
assert_not_contains "$ALL_OUTPUT" "$APP_PW"
devup down >/dev/null

step "a developer's own account, not root: devup administers its server as that account"
# The same project in the home of `dev`, who runs devup: the server runs as dev, devup reaches it
# as 'dev'@'localhost' by the socket, and root (whose socket is not dev's) gets the password alone.
useradd --create-home dev
mkdir /home/dev/shop
sed 's/password = "root"/password = "dev-root-pw"/' devup.toml > /home/dev/shop/devup.toml
assert_contains "$(cat /home/dev/shop/devup.toml)" '{ name = "root", password = "dev-root-pw" }'

chown -R dev: /home/dev/shop
# dev RUN...: as dev, in the project, with the environment of this scenario (CI=1).
dev() { su dev -s /bin/bash -c "cd /home/dev/shop && $*"; }
expect_exit 0 dev devup --yes
ALL_OUTPUT+=$OUT
assert_match "$OUT" '0 failed, 0 skipped' "dev's first run"
DEV_SOCK=$(echo /home/dev/.local/share/devup/datastores/projects/accounts-*/mysql/mysqld.sock)
assert_eq dev "$(ps -o user= -p "$(head -n 1 "${DEV_SOCK%/*}/mysqld.pid")")" "the server's account"
DEV_PORT=$(dev 'eval "$(devup env)" && echo $MYSQL_TCP_PORT')
assert_eq dev@localhost "$(dev "mariadb -h localhost -S $DEV_SOCK -u dev -N -B -e 'SELECT CURRENT_USER()'")" "devup's account, by the socket"
for way in "-h localhost -S $DEV_SOCK" "--protocol=tcp -h localhost -P $DEV_PORT" "-h 127.0.0.1 -P $DEV_PORT"; do
    assert_match "$(dev "mariadb $way -u root -pdev-root-pw -N -B -e 'SELECT CURRENT_USER()'")" '^root@' "dev as root with its password, $way"
    assert_match "$(dev "mariadb $way -u app -p\"$APP_PW\" -N -B -e 'SELECT CURRENT_USER()'")" '^app@' "dev as app, $way"
done
expect_exit 1 dev "mariadb -h localhost -S $DEV_SOCK -u root -e 'SELECT 1'"
dev "mariadb -h 127.0.0.1 -P $DEV_PORT -u root -pdev-root-pw -e 'DROP DATABASE shop_test'"
expect_exit 0 dev devup --yes
ALL_OUTPUT+=$OUT
assert_contains "$OUT" "changed datastores.mysql.database[shop_test] ("
expect_exit 0 dev devup --yes
assert_match "$OUT" ' 0 changed, 0 failed, 0 skipped' "dev's run after the repair"
expect_exit 0 dev devup down
assert_contains "$OUT" "1 stopped, 0 failed"
assert_not_contains "$ALL_OUTPUT" "dev-root-pw"

step "done"
