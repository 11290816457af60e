# Issue "Fresh-machine and broken-machine end-to-end suite": a doctor that explains.
# Causes that live in the machine rather than in one step, each reported by `devup doctor` as
# `problem: SUBJECT: cause` with one `fix:` line:
#   - an untrusted project file: doctor says so; `devup` without a terminal refuses (exit 4)
#     naming `devup trust`, and changes nothing;
#   - low disk: the project and devup's state on a small, nearly full tmpfs;
#   - a datastore's port held by another process (6379, before the first converge): doctor and
#     plan say which port was chosen instead, `devup env` carries it, the project works on it;
#   - a held lock: doctor while a `devup --yes` run is converging.
source /e2e/lib.sh
source /e2e/projects/sample-lib.sh
sample_copy /root/sample

step "an untrusted project: doctor names it and the fix"
expect_exit 2 devup doctor
soft expect_problem trust "not trusted" "devup trust"
assert_contains "$OUT" "step.env-file"

step "devup without a terminal (stdin is /dev/null, no CI, no --yes) refuses with exit 4, changing nothing"
expect_exit 4 env -u CI devup
assert_contains "$OUT" "devup trust"
assert_contains "$OUT" "cp .env.example .env"
assert_no_file .env
for c in python3 node jq; do assert_no_cmd "$c"; done
export CI=1

step "low disk: a copy of the project and its state on a 200 MiB tmpfs, 180 MiB of it filled"
mkdir -p /mnt/small
mount -t tmpfs -o size=200m small /mnt/small
cp -a /e2e/projects/sample /mnt/small/sample
dd if=/dev/zero of=/mnt/small/filler bs=1M count=180 status=none
expect_exit 2 env DEVUP_STATE_DIR=/mnt/small/state devup doctor -C /mnt/small/sample
soft expect_problem disk "MiB free where /mnt/small/" "free some space"
umount /mnt/small

step "a port held by another process: something listens on 6379 before the first converge"
setsid perl -MIO::Socket::INET -e '
    my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 6379, Listen => 5, ReuseAddr => 1)
        or die "cannot listen on 6379: $!";
    while (1) { my $c = $s->accept; close $c if $c }' </dev/null >/dev/null 2>&1 &
holder=$!
wait_for 10 bash -c 'exec 3<>/dev/tcp/127.0.0.1/6379'
expect_exit 2 devup plan
assert_contains "$OUT" "port 6379 is taken; using port 6380"
expect_exit 2 devup doctor
soft expect_problem port "datastores.redis: port 6379 is taken; using port 6380" "devup env"
assert_contains "$(devup env)" "REDIS_URL=redis://127.0.0.1:6380/0"

step "a held lock: devup doctor while devup --yes --trust converges"
devup --yes --trust >/tmp/up.out 2>&1 &
up=$!
wait_for 30 bash -c 'devup doctor | grep -q "^problem: lock: "'
expect_exit 2 devup doctor
soft expect_problem lock "another devup run is working on this project" "wait for it to finish"
rc=0
wait "$up" || rc=$?
tail -n 20 /tmp/up.out
assert_eq 0 "$rc" "exit code of the converging run"

step "converged on the chosen port: redis answers on 6380, the other process still holds 6379"
assert_eq PONG "$(redis-cli -p 6380 ping)" "redis on 6380"
kill -0 "$holder" || fail "the process holding 6379 is gone"
assert_contains "$(devup env)" "REDIS_URL=redis://127.0.0.1:6380/0"
smoke
expect_converged
soft_verdict
step "done"
