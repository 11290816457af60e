# Two projects, one machine, different versions: newer/ asks for node 22 and PostgreSQL 16
# (prebuilt builds: Debian 12 has neither), older/ for node 18 and PostgreSQL 15 (Debian's
# packages). They converge in turn, newer, older, newer, older, from a blank root. After every
# run both plans exit 0 (a run of one never unsettles the other); `devup env` of each gives its
# own node, its npm install ran with that node, and its own server answers with its own
# version, both servers running at once on ports of their own. The machine's own node is the
# one apt installed for older/: the prebuilt node 22 is newer's alone.
# newer/ goes first so that its account for the prebuilt server exists before Debian's
# postgresql package, which makes the same account its own way, is installed.
source /e2e/lib.sh
export CI=1
prebuilt_node_trusts_the_machine

# within PROJECT CMD...: CMD in PROJECT's directory and environment (`eval "$(devup env)"`).
within() { (cd "/scenario/$1" && eval "$(devup env)" && shift && "$@"); }

# converge PROJECT: one run in PROJECT succeeds; then no project converged so far has
# anything to do.
CONVERGED=()
converge() {
    local p
    step "$1 converges; then every project converged so far has nothing to do"
    cd "/scenario/$1"
    expect_exit 0 devup --yes
    assert_match "$OUT" '[0-9]+ ok, [0-9]+ changed, 0 failed, 0 skipped' "$1's run"
    [[ " ${CONVERGED[*]} " == *" $1 "* ]] || CONVERGED+=("$1")
    for p in "${CONVERGED[@]}"; do
        cd "/scenario/$p"
        expect_exit 0 devup plan
    done
    cd /scenario
    each_its_own
}

# each_its_own: each project's environment has its own node and server, both answering.
each_its_own() {
    local p node server want_node want_pg
    for p in "${CONVERGED[@]}"; do
        if [ "$p" = newer ]; then want_node=22 want_pg=16; else want_node=18 want_pg=15; fi
        node=$(within "$p" node --version)
        assert_match "$node" "^v$want_node\\." "$p's node"
        assert_eq "$node" "$(cat "/scenario/$p/installed-with-node.txt")" "the node $p's npm install ran with"
        server=$(within "$p" psql -X -tA -c 'SELECT version()')
        assert_match "$server" "^PostgreSQL $want_pg\\." "$p's server"
        assert_eq "${p}_dev" "$(within "$p" psql -X -tA -c 'SELECT current_database()')" "$p's database"
        echo "$p: node $node, $(within "$p" sh -c 'echo "port $PGPORT"'), ${server%% on *}"
    done
}

step "a blank root"
for c in node npm psql postgres; do assert_no_cmd "$c"; done

converge newer
assert_no_cmd node
assert_eq 5432 "$(within newer sh -c 'echo "$PGPORT"')" "newer's port"
assert_match "$(within newer command -v node)" '^/opt/devup/tools/node/22\.[0-9.]+/bin/node$' "newer's node"
assert_match "$(within newer command -v postgres)" '^/opt/devup/tools/postgres/16\.[0-9.]+/native/bin/postgres$' \
    "newer's server"

converge older
assert_eq 5433 "$(within older sh -c 'echo "$PGPORT"')" "older's port"
assert_eq /usr/bin/node "$(within older command -v node)" "older's node, from apt"
assert_eq /usr/lib/postgresql/15/bin/postgres "$(within older command -v postgres)" "older's server, from apt"
dpkg -s nodejs postgresql-15 >/dev/null
step "the machine's own node is Debian's: the prebuilt one stays newer's"
assert_match "$(node --version)" '^v18\.' "node on the machine's PATH"

converge newer
converge older

step "both servers run at once, each on its own port with its own data"
for p in newer older; do
    within "$p" psql -X -q -v ON_ERROR_STOP=1 -c "CREATE TABLE owner (name text); INSERT INTO owner VALUES ('$p')"
done
assert_eq newer "$(within newer psql -X -tA -c 'SELECT name FROM owner')" "newer's data"
assert_eq older "$(within older psql -X -tA -c 'SELECT name FROM owner')" "older's data"
assert_eq 2 "$(pgrep -f -c -- '-c port=543[23] ')" "postgres servers running"

step "each lock holds its own versions"
cat newer/devup.lock older/devup.lock
grep -A2 '^\[tool\."languages\.node"\]' newer/devup.lock | grep -q '^version = "22\.' || fail "newer's locked node"
grep -A3 '^\[tool\."languages\.node"\]' newer/devup.lock | grep -q '^method = "prebuilt"' || fail "newer's node method"
grep -A2 '^\[tool\."languages\.node"\]' older/devup.lock | grep -q '^version = "18\.' || fail "older's locked node"
grep -A2 '^\[tool\."datastores\.postgres\.server-binaries"\]' newer/devup.lock | grep -q '^version = "16\.' ||
    fail "newer's locked server"
grep -A2 '^\[tool\."datastores\.postgres\.server-binaries"\]' older/devup.lock | grep -q '^version = "15\.' ||
    fail "older's locked server"

step "done"
