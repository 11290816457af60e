# Issue "Datastores configured the way real projects need them".
# From a fresh root: a project declaring a role with CREATEDB and a password, wal_level =
# logical, a replication access rule and a seed SQL file converges in one run; a client logs in
# as the role, sees the setting and the seeded row (the database and what the seed made are the
# role's: it owns the database, and the seed runs as it); the password never shows in the output.
# Changing a setting that needs a restart restarts the server once; the next run is a no-op.
# Dropping the database brings it back, seeded again; the seed never runs twice.
source /e2e/lib.sh
export CI=1
cd /scenario/project

step "the seed SQL is the project's to approve (psql runs what it says); then the first converge"
expect_exit 4 devup --yes
assert_contains "$OUT" "db/schema.sql" "the refusal names the seed file"
expect_exit 0 devup trust --yes
expect_exit 0 devup --yes
FIRST=$OUT
assert_match "$FIRST" '0 failed, 0 skipped' "first run"
case "$FIRST" in *app-secret*) fail "the role's password appeared in devup's output" ;; esac
expect_exit 0 devup plan
eval "$(devup env)"

step "the role logs in and sees the setting and the seed"
assert_eq "logical" "$(psql -X -tA -h 127.0.0.1 -p "$PGPORT" -U app -d app_dev -c 'show wal_level')" "wal_level"
assert_eq "sprocket" "$(psql -X -tA -h 127.0.0.1 -p "$PGPORT" -U app -d app_dev -c 'select name from widgets')" "seeded row"
assert_eq "t" "$(psql -X -tA -h 127.0.0.1 -p "$PGPORT" -U postgres -c "select rolcreatedb from pg_roles where rolname = 'app'")" "CREATEDB"
# The database is the role's, and the seed ran as it: what it made is the role's to change.
assert_eq "app" "$(psql -X -tA -h 127.0.0.1 -p "$PGPORT" -U postgres -c "select pg_get_userbyid(datdba) from pg_database where datname = 'app_dev'")" "owner"
assert_eq "app" "$(psql -X -tA -h 127.0.0.1 -p "$PGPORT" -U postgres -d app_dev -c "select tableowner from pg_tables where tablename = 'widgets'")" "seed ran as the owner"
assert_contains "$(cat /var/lib/devup/projects/configured-*/postgres/pg_hba.conf)" "host replication app 127.0.0.1/32 trust" "access rule"

step "a second run changes nothing"
expect_exit 0 devup --yes
assert_match "$OUT" ' 0 changed, 0 failed' "second run"

step "a setting that needs a restart"
pid_before=$(head -1 /var/lib/devup/projects/configured-*/postgres/postmaster.pid)
sed -i 's/max_connections = "50"/max_connections = "60"/' devup.toml
expect_exit 2 devup plan
assert_contains "$OUT" "running with an older devup.conf" "plan names the change"
assert_contains "$OUT" "restarting it if a changed setting needs that" "plan says a restart may come"
expect_exit 0 devup --yes
pid_after=$(head -1 /var/lib/devup/projects/configured-*/postgres/postmaster.pid)
assert_ne "$pid_before" "$pid_after" "the server was restarted"
assert_eq "60" "$(psql -X -tA -h 127.0.0.1 -p "$PGPORT" -U postgres -c 'show max_connections')" "max_connections"
expect_exit 0 devup --yes
assert_match "$OUT" ' 0 changed, 0 failed' "no-op after the restart"
assert_eq "$pid_after" "$(head -1 /var/lib/devup/projects/configured-*/postgres/postmaster.pid)" "restarted only once"

step "the seed runs once per database, again only for a recreated one"
psql -X -q -h 127.0.0.1 -p "$PGPORT" -U postgres -d app_dev -c "insert into widgets values (2, 'gear')"
expect_exit 0 devup --yes
assert_eq "2" "$(psql -X -tA -h 127.0.0.1 -p "$PGPORT" -U postgres -d app_dev -c 'select count(*) from widgets')" "not seeded twice"
psql -X -q -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres -c "drop database app_dev"
expect_exit 2 devup plan
expect_exit 0 devup --yes
assert_eq "1" "$(psql -X -tA -h 127.0.0.1 -p "$PGPORT" -U postgres -d app_dev -c 'select count(*) from widgets')" "a recreated database is seeded"

step "a changed password is applied"
sed -i 's/app-secret/new-secret/' devup.toml
expect_exit 2 devup plan
expect_exit 0 devup --yes
case "$OUT" in *new-secret*) fail "the new password appeared in devup's output" ;; esac
devup down
