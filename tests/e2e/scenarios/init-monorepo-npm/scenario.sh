source /e2e/lib.sh
source /e2e/projects/corpus-lib.sh
corpus_shape
step "each app has its own entry"
assert_contains "$(cat devup.toml)" 'web = { recipe = "npm", dir = "apps/web" }'
assert_file apps/web/node_modules/escape-html/package.json
assert_file apps/pricing/node_modules/ms/package.json
