# Issue "Datastores that converge": `mysql = { mode = "system" }`, the machine's shared MariaDB.
# From a fresh root one run installs it, starts it through its init script (no init system
# here), gives the account devup runs as (root) its server account, and creates the database
# and a user with a password; clients connect over the socket and over TCP. Second run:
# nothing. A stopped server is started again by one run, the data kept. root declared with a
# password gets it on every root account, so a client sending it gets in over the socket and over
# TCP, while the machine's root still gets in by the socket (Debian's maintenance does).
source /e2e/lib.sh
export CI=1
mkdir -p /root/shop && cd /root/shop
cat >devup.toml <<'TOML'
[project]
name = "shop"

[datastores]
mysql = { mode = "system", databases = ["shop_dev"], users = [{ name = "app", password = "it's secret" }] }
TOML

converged() {
    expect_exit 0 devup --yes
    assert_match "$OUT" ' 0 changed, 0 failed, 0 skipped' "summary of a converged run"
    expect_exit 0 devup plan
}

step "ONE devup --yes run converges from scratch"
assert_no_cmd mysql
expect_exit 0 devup --yes --trust
assert_match "$OUT" '0 failed, 0 skipped' "summary"
[[ "$OUT" != *"it's secret"* ]] || fail "the password was printed"
eval "$(devup env)"
echo "DATABASE_URL=$DATABASE_URL MYSQL_UNIX_PORT=$MYSQL_UNIX_PORT"
assert_eq 1 "$(mysql -N -e 'SELECT 1' shop_dev)" "a query over the socket"
assert_eq shop_dev "$(mysql -N -u app -p"it's secret" -h 127.0.0.1 -e 'SELECT DATABASE()' shop_dev)" "the user over TCP"

step "second run: zero changes"
converged

step "the machine's server stopped: one run starts it again, the data kept"
mysql shop_dev -e 'CREATE TABLE kept (v TEXT); INSERT INTO kept VALUES ("here")'
service mariadb stop
expect_exit 2 devup plan
assert_contains "$OUT" "datastores.mysql.server"
expect_exit 0 devup --yes
assert_eq here "$(mysql -N shop_dev -e 'SELECT v FROM kept')" "shop_dev's data"
converged

step "root declared with a password: it works over the socket and TCP; the socket still knows root"
sed -i 's/users = \[/users = [{ name = "root", password = "r00t-Secret" }, /' devup.toml
expect_exit 2 devup plan
assert_contains "$OUT" "datastores.mysql.user[root]"
expect_exit 0 devup --yes --trust
[[ "$OUT" != *"r00t-Secret"* ]] || fail "root's password was printed"
assert_eq root@localhost "$(su nobody -s /bin/sh -c "mysql -h localhost -S /run/mysqld/mysqld.sock -u root -pr00t-Secret -N -e 'SELECT CURRENT_USER()'")" "root by its password over the socket"
assert_match "$(mysql -h 127.0.0.1 -P 3306 -u root -pr00t-Secret -N -e 'SELECT CURRENT_USER()')" '^root@' "root by its password over TCP"
expect_exit 1 su nobody -s /bin/sh -c "mysql -h localhost -u root -pwrong -e 'SELECT 1'"
assert_eq 1 "$(mysql -N -e 'SELECT 1' shop_dev)" "root by the socket, no password"
converged
step "done"
