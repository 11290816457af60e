source /e2e/lib.sh
source /e2e/projects/corpus-lib.sh
corpus_shape

step "the draft has tox's deps and the setting the CI step makes"
cd /root/tox
assert_contains "$(cat devup.toml)" 'packages = ["pytest>=7", "psycopg2-binary>=2.9"]'
assert_contains "$(cat devup.toml)" 'settings = { wal_level = "logical" }'
