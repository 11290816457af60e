# The devup binary is installed in the throwaway root and runs there.
source /e2e/lib.sh

step "devup is installed as /usr/local/bin/devup"
assert_eq /usr/local/bin/devup "$(command -v devup)"

step "devup --version"
expect_exit 0 devup --version
assert_match "$OUT" '^devup [0-9]+\.[0-9]+\.[0-9]+' "devup --version"

step "running devup --version installed nothing"
for c in python3 node psql redis-server; do assert_no_cmd "$c"; done
