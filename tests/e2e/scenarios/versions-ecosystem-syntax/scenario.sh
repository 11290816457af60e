# Versions in their ecosystems' syntax, for real: python = "~=3.11.0" (PEP 440) is met by
# Debian 12's python 3.11 from apt; node = ">=20 <23" (an npm range) by the newest node 22 the
# npm registry offers, as a prebuilt build (Debian's node 18 does not satisfy it). The plan
# names what each resolves to before anything runs, one run converges, the second changes
# nothing, and a version the syntax refuses is an error naming the syntax, before anything runs.
source /e2e/lib.sh
export CI=1
prebuilt_node_trusts_the_machine
TOOLS=/opt/devup/tools
cd /scenario/project

in_env() { (eval "$(devup env)" && "$@"); }

step "the plan resolves each range to the newest release it admits"
assert_no_cmd node
expect_exit 2 devup plan
assert_contains "$OUT" "install node 22."
assert_contains "$OUT" "prebuilt, into $TOOLS/node/22."
assert_contains "$OUT" "(python3 3.11."

step "one run converges"
expect_exit 0 devup --yes
assert_match "$OUT" '[0-9]+ ok, [0-9]+ changed, 0 failed, 0 skipped' "summary of the first run"
assert_match "$(in_env node --version)" '^v22\.[0-9]+\.[0-9]+$' "node through devup env"
assert_match "$(in_env python3 --version)" '^Python 3\.11\.' "python3 through devup env"
assert_match "$(grep -A3 'languages.node' devup.lock)" 'version = "22\.' "the lock's node"

step "a second run changes nothing and starts no process"
expect_exit 0 devup --yes --timings
assert_match "$OUT" '[0-9]+ ok, 0 changed, 0 failed, 0 skipped' "summary of a converged run"
assert_contains "$OUT" "0 processes started"

step "an npm range with alternatives: the newest alternative is taken"
cp devup.toml devup.toml.orig
sed -i 's/^node = .*/node = "^18.0.0 || ^22.0.0"/' devup.toml
expect_exit 0 devup plan
assert_contains "$OUT" "satisfied"

step "a version the syntax refuses is an error naming it, before anything runs"
sed -i 's/^python = .*/python = "~=3"/' devup.toml
expect_exit 3 devup plan
assert_contains "$OUT" "is not a PEP 440 version specifier"
assert_contains "$OUT" "devup.toml:5:10"
assert_contains "$OUT" '"~=3.11"'
cp devup.toml.orig devup.toml
expect_exit 0 devup plan
