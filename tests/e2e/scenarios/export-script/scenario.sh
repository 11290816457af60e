# Issue "devup export script": the exported POSIX shell script, run with `sh` on a blank
# Debian 12 root where devup converged nothing (devup is not even on PATH while it runs),
# converges the sample project as devup does: the sample's smoke test passes, `devup plan` then
# reports nothing to change, and running the script again changes nothing. Both directions
# agree afterwards: a devup repair is seen as done by the script, and the other way round.
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
head -n 12 /root/converge.sh
# Printed to stdout, it is the same script.
devup export script | cmp - /root/converge.sh
sh -n /root/converge.sh

step "the script converges the blank machine, without devup"
mv /usr/local/bin/devup /root/devup.away
started=$SECONDS
sh /root/converge.sh /root/sample 2>&1 | tee /root/first-run.log
echo "first script run: $((SECONDS - started)) s"
mv /root/devup.away /usr/local/bin/devup
# (redis-server, npm and python3-venv come with the packages earlier steps install: found ok.)
assert_match "$(tail -n 1 /root/first-run.log)" "^sample: [0-9]+ ok, [0-9]+ changed, 0 failed$" "summary of the first script run"
for c in python3 node npm psql redis-cli jq; do assert_cmd "$c"; done
assert_file .venv/bin/python
assert_file node_modules/is-number/package.json

step "the sample's smoke test passes"
smoke

step "devup plan: nothing to change; devup itself changes nothing"
DEVUP_TRUST=1 expect_exit 0 devup plan
assert_contains "$OUT" "all $SAMPLE_STEPS steps are satisfied"
# The repository is trusted from here on (the project's own step runs in devup's checks).
export DEVUP_TRUST=1
expect_converged

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

step "done"
