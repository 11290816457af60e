# Issue "Fresh-machine and broken-machine end-to-end suite": the new hire.
# A fresh Debian 12 root (no python3, node, postgres, redis, jq). The README installs devup with
# ./install.sh, which builds it with cargo; the root has no cargo, so the harness copies the
# devup binary built from this tree to /usr/local/bin/devup instead (the same binary install.sh
# would put on PATH). Then ONE `devup --yes --trust` brings the sample project to a state where
# its own smoke test passes; a second run changes nothing and `devup plan` exits 0.
source /e2e/lib.sh
source /e2e/projects/sample-lib.sh
export CI=1

expect_blank_machine
sample_copy /root/sample

step "devup plan: every step is to do; the project's own step waits for trust"
expect_exit 2 devup plan
assert_contains "$OUT" "sample: $SAMPLE_STEPS of $SAMPLE_STEPS steps to change"
for id in packages languages.python languages.node datastores.postgres.packages datastores.postgres.server \
    "datastores.postgres.database[sample_dev]" datastores.redis.packages datastores.redis.server \
    dependencies.pip.venv dependencies.pip.requirements dependencies.npm.install step.env-file; do
    assert_contains "$OUT" "$id"
done
assert_contains "$OUT" "not trusted yet"

step "devup doctor on the blank machine: each problem with a fix devup will apply"
expect_exit 2 devup doctor --trust
assert_contains "$OUT" "$SAMPLE_STEPS problems"
# redis-server and npm come with the packages other steps install: nothing is left to the user,
# and every fix line says what devup will do.
soft assert_not_contains "$OUT" "will nothing" "doctor's fixes"

step "ONE devup --yes --trust converges the blank machine"
started=$SECONDS
expect_exit 0 devup --yes --trust
assert_match "$OUT" '[0-9]+ ok, [0-9]+ changed, 0 failed, 0 skipped in ' "summary of the first run"
echo "first run: $((SECONDS - started)) s"
for c in python3 node npm psql redis-cli jq; do assert_cmd "$c"; done
assert_file .venv/bin/python
assert_file node_modules/is-number/package.json
assert_eq "$(cat .env.example)" "$(cat .env)" ".env made from .env.example"
assert_eq 600 "$(stat -c %a .env)" "mode of .env"

step "the sample's smoke test passes (through the values of devup env)"
smoke

step "the second run changes nothing; devup plan exits 0; doctor finds no problem"
started=$SECONDS
expect_converged
echo "second run, plan and doctor: $((SECONDS - started)) s"
soft_verdict

step "done"
