source /e2e/lib.sh
source /e2e/projects/corpus-lib.sh
corpus_shape

step "the binding CI installs with apt-get was drafted in [packages]"
assert_contains "$(cat devup.toml)" 'ruby-mysql2 = { apt = "ruby-mysql2" }'
