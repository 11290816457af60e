source /e2e/lib.sh
source /e2e/projects/corpus-lib.sh
corpus_shape

step "the schema before_script loads is the database's init_sql"
cd /root/travis
assert_contains "$(cat devup.toml)" 'init_sql = "schema.sql"'
