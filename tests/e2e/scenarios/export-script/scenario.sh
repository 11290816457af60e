# Issue "devup export script": the exported POSIX shell script, run with `sh` on a blank
# Debian 12 root where devup converged nothing (devup is not even on PATH while it runs),
# converges the sample project as devup does: the sample's smoke test passes, `devup plan` then
# reports nothing to change, and running the script again changes nothing. Both directions
# agree afterwards: a devup repair is seen as done by the script, and the other way round.
# Issue "CI images and other machines from the same file": the script is exported with 5432
# busy and another HOME, and is the same as without; it runs on a clone of the project at
# another path, where devup afterwards finds nothing to change and starts no second server.
source /e2e/lib.sh
source /e2e/projects/sample-lib.sh
export CI=1

expect_blank_machine
sample_copy /root/sample

step "devup export script writes the script and changes nothing on the machine"
expect_exit 0 devup export script -o /root/converge.sh
assert_no_file /var/lib/devup
assert_no_file /root/.local/state/devup
assert_no_file .venv
head -n 14 /root/converge.sh
# Printed to stdout, it is the same script.
devup export script | cmp - /root/converge.sh
sh -n /root/converge.sh

step "exported with 5432 busy, from another home, it is the same script"
perl -MIO::Socket::INET -e 'my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1:5432", Listen => 1, ReuseAddr => 1) or die "listen: $!"; sleep 300' &
busy=$!
wait_for 10 bash -c 'exec 3<>/dev/tcp/127.0.0.1/5432'
DEVUP_TRUST=1 expect_exit 2 devup plan
assert_contains "$OUT" "port 5432 is taken; using port 5433" "devup here"
mkdir -p /home/someone-else
HOME=/home/someone-else devup export script | cmp - /root/converge.sh
kill "$busy"
wait "$busy" 2>/dev/null || true
for leak in /root/sample /root/.local 5433 "$(state_dir)"; do
    if grep -qF -- "$leak" /root/converge.sh; then fail "the script names $leak of the machine it was exported on"; fi
done

step "the project is cloned at another path, where the script will run"
mkdir -p /srv/checkouts
cp -a /root/sample /srv/checkouts/sample
rm -rf /root/sample
cd /srv/checkouts/sample

step "the script converges the blank machine, without devup"
mv /usr/local/bin/devup /root/devup.away
started=$SECONDS
sh /root/converge.sh 2>&1 | tee /root/first-run.log
echo "first script run: $((SECONDS - started)) s"
mv /root/devup.away /usr/local/bin/devup
# (redis-server, npm and python3-venv come with the packages earlier steps install: found ok.)
assert_match "$(tail -n 1 /root/first-run.log)" "^sample: [0-9]+ ok, [0-9]+ changed, 0 failed$" "summary of the first script run"
for c in python3 node npm psql redis-cli jq; do assert_cmd "$c"; done
assert_file .venv/bin/python
assert_file node_modules/is-number/package.json

step "the sample's smoke test passes"
smoke

step "devup plan at that path: nothing to change; devup itself changes nothing, starts no second server"
DEVUP_TRUST=1 expect_exit 0 devup plan
assert_contains "$OUT" "all $SAMPLE_STEPS steps are satisfied"
# servers: the postgres servers (their postmaster: workers are `postgres: ...`) and redis servers running.
servers() {
    echo "$(ps -eo args= | grep -c '^/usr/lib/postgresql/[0-9]*/bin/postgres ' || true) postgres," \
        "$(ps -eo comm= | grep -c '^redis-server$' || true) redis-server"
}
before=$(servers)
assert_eq "1 postgres, 1 redis-server" "$before" "the servers the script started"
# The repository is trusted from here on (the project's own step runs in devup's checks).
export DEVUP_TRUST=1
expect_converged
assert_eq "$before" "$(servers)" "the servers running after devup"

step "the script a second time changes nothing"
started=$SECONDS
expect_exit 0 sh /root/converge.sh
echo "second script run: $((SECONDS - started)) s"
assert_contains "$OUT" "sample: $SAMPLE_STEPS ok, 0 changed, 0 failed"

step "devup repairs a deleted venv; the script then finds it done"
rm -rf .venv
expect_repair
expect_exit 0 sh /root/converge.sh
assert_contains "$OUT" "sample: $SAMPLE_STEPS ok, 0 changed, 0 failed"

step "the script repairs deleted node_modules and a stopped redis; devup then finds them done"
rm -rf node_modules
(eval "$(devup env)" && redis-cli -u "$REDIS_URL" shutdown nosave) || true
expect_exit 0 sh /root/converge.sh
assert_contains "$OUT" "changed  dependencies.npm.install"
assert_contains "$OUT" "changed  datastores.redis.server"
expect_exit 0 devup plan
smoke

step "a declared version the system's package does not give: never Debian's in silence"
# node 20 with nothing recorded: apt's nodejs is 18, the script says why it cannot, installs nothing.
mkdir -p /root/node20 && cd /root/node20
printf '[project]\nname = "node20"\n[languages]\nnode = "20"\n' >devup.toml
devup export script -o /root/node20.sh
expect_exit 1 sh /root/node20.sh
assert_contains "$OUT" "error: no way here gives \`node\` 20"
assert_contains "$OUT" "run \`devup lock\`"
# node 22 as devup.lock records it, prebuilt: the script installs that build, as devup would.
mkdir -p /root/node22 && cd /root/node22
printf '[project]\nname = "node22"\n[languages]\nnode = "22"\n' >devup.toml
cp /scenario/node22.lock devup.lock
devup export script -o /root/node22.sh
expect_exit 0 sh /root/node22.sh
assert_contains "$OUT" "changed  languages.node"
assert_file /opt/devup/tools/node/22.11.0/bin/node
assert_eq "v22.11.0" "$(/opt/devup/tools/node/22.11.0/bin/node --version)" "the prebuilt node"
DEVUP_TRUST=1 expect_exit 0 devup plan
assert_contains "$OUT" "all 1 steps are satisfied"

step "done"
