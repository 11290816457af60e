# The devup binary is installed in the throwaway root and runs there.
source /e2e/lib.sh

step "devup is installed as /usr/local/bin/devup"
assert_eq /usr/local/bin/devup "$(command -v devup)"

step "devup --version"
expect_exit 0 devup --version
if [ -z "$OUT" ]; then
    # The CLI is still a skeleton; tighten this once --version exists.
    echo "NOTE: devup --version printed nothing (not implemented yet?)"
else
    assert_match "$OUT" '^devup [0-9]+\.[0-9]+\.[0-9]+' "devup --version"
fi

step "running devup --version installed nothing"
for c in python3 node psql redis-server; do assert_no_cmd "$c"; done
