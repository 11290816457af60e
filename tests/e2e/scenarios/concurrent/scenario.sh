# Issue "Fresh-machine and broken-machine end-to-end suite": two runs at once.
# Two `devup --yes --trust` are started at the same moment on the sample project in a fresh root
# (a developer's terminal and an editor's "on open" hook, say). Exactly one of them waits for the
# other and says so on stderr, naming the other's pid; a third run with --no-wait meanwhile
# refuses with exit 5. Both finish with exit 0, the one that waited finds nothing left to do, and
# the result is converged and consistent: `devup plan` exits 0 and the smoke test passes.
source /e2e/lib.sh
source /e2e/projects/sample-lib.sh
export CI=1
sample_copy /root/sample

step "two devup --yes --trust started at once"
devup --yes --trust >/tmp/a.out 2>/tmp/a.err &
a=$!
devup --yes --trust >/tmp/b.out 2>/tmp/b.err &
b=$!
echo "run a: pid $a, run b: pid $b"

step "meanwhile, devup --no-wait refuses with exit 5, naming the run that holds the project"
sleep 3
kill -0 "$a" 2>/dev/null && kill -0 "$b" 2>/dev/null || fail "a run ended within 3 s: nothing to wait for"
expect_exit 5 devup --yes --trust --no-wait
assert_match "$OUT" "another devup run \(pid ($a|$b)\)" "--no-wait's message"
assert_contains "$OUT" "--no-wait"

step "both finish with exit 0"
rc_a=0 rc_b=0
wait "$a" || rc_a=$?
wait "$b" || rc_b=$?
for r in a b; do
    echo "=== run $r: stderr"; cat "/tmp/$r.err"
    echo "=== run $r: stdout"; cat "/tmp/$r.out"
done
assert_eq 0 "$rc_a" "exit code of run a"
assert_eq 0 "$rc_b" "exit code of run b"

step "exactly one of them waited, said so, and found nothing left to do"
waited_a=$(grep -c "waiting for another devup run (pid $b)" /tmp/a.err || true)
waited_b=$(grep -c "waiting for another devup run (pid $a)" /tmp/b.err || true)
assert_eq 1 "$((waited_a + waited_b))" "runs that said they waited for the other"
if [ "$waited_a" -ge 1 ]; then first=b second=a; else first=a second=b; fi
echo "run $first worked, run $second waited"
first_out=$(cat "/tmp/$first.out" "/tmp/$first.err")
second_out=$(cat "/tmp/$second.out" "/tmp/$second.err")
assert_match "$first_out" '[0-9]+ ok, [1-9][0-9]* changed, 0 failed, 0 skipped in ' "summary of the run that worked"
soft assert_match "$second_out" "(^|[^0-9])$SAMPLE_STEPS ok, 0 changed, 0 failed, 0 skipped in " \
    "summary of the run that waited (it must see what the other did, not repeat it)"

step "converged and consistent: the smoke test passes, devup plan exits 0, nothing is left to do"
smoke
expect_converged
soft_verdict
step "done"
