# Checks the harness' systemd mode (systemd = true): the root is booted with
# systemd as PID 1, and installing a package starts its service, as on a
# real machine.
source /e2e/lib.sh

step "systemd is PID 1 and the system is up"
assert_eq systemd "$(cat /proc/1/comm)" "PID 1"
assert_file /run/systemd/system
state=$(systemctl is-system-running || true)
[ "$state" = running ] || [ "$state" = degraded ] || { systemctl --failed; fail "system is $state"; }
echo "system: $state"

step "own namespaces, hostname, the throwaway overlay"
assert_ne "$E2E_HOST_NS_PID" "$(readlink /proc/self/ns/pid)" "pid namespace"
assert_ne "$E2E_HOST_NS_MNT" "$(readlink /proc/self/ns/mnt)" "mount namespace"
assert_ne "$E2E_HOST_NS_NET" "$(readlink /proc/self/ns/net)" "net namespace"
assert_eq devup-e2e "$(hostname)" "hostname"
assert_eq /scenario "$PWD" "cwd"

step "the devup binary runs"
expect_exit 0 devup --version
assert_contains "$OUT" devup

step "installing redis-server makes systemd start redis-server.service"
assert_no_cmd redis-server
apt-get update -q
apt-get install -y -q --no-install-recommends redis-server
wait_for 30 systemctl is-active --quiet redis-server.service
systemctl status --no-pager redis-server.service | head -n 5
wait_for 10 redis-cli ping
assert_eq PONG "$(redis-cli ping)" "redis-cli ping"
assert_eq /system.slice/redis-server.service \
    "$(sed -n 's/^0:://p' "/proc/$(systemctl show -P MainPID redis-server)/cgroup")" "redis' cgroup"

step "a detached daemon is running (it must die with the container)"
setsid bash -c 'exec -a devup-e2e-canary-daemon sleep 100000' </dev/null >/dev/null 2>&1 &
wait_for 5 pgrep -f devup-e2e-canary-daemon
step "done"
