# Checks that the harness isolates a scenario from the host. run.py checks
# the other half after cleanup: no file or process named devup-e2e-canary
# may be visible on the host.
source /e2e/lib.sh

step "own PID namespace: few processes, PID 1 is the harness' init"
assert_ne "$E2E_HOST_NS_PID" "$(readlink /proc/self/ns/pid)" "pid namespace"
assert_match "$(cat /proc/1/cmdline | tr '\0' ' ')" "ns-init.sh" "PID 1"
nprocs=$(ps -e --no-headers | wc -l)
[ "$nprocs" -lt 15 ] || { ps -ef; fail "$nprocs processes visible: host processes leak in"; }

step "own mount, network and UTS namespaces; / is the throwaway overlay"
assert_ne "$E2E_HOST_NS_MNT" "$(readlink /proc/self/ns/mnt)" "mount namespace"
assert_ne "$E2E_HOST_NS_NET" "$(readlink /proc/self/ns/net)" "net namespace"
assert_eq devup-e2e "$(hostname)" "hostname"
assert_eq overlay "$(awk '$2 == "/" {print $3}' /proc/self/mounts)" "filesystem of /"
assert_file /scenario/scenario.sh
assert_eq /scenario "$PWD" "cwd"

step "base root lacks what devup must install"
for c in python3 node npm psql postgres redis-server; do assert_no_cmd "$c"; done

step "lib.sh helpers"
expect_exit 3 bash -c 'echo hi; exit 3'
assert_eq hi "$OUT"
expect_exit 0 true

step "apt works through the private network"
apt-get update -q
apt-get install -y -q --no-install-recommends hello
assert_eq "Hello, world!" "$(hello)"

step "writes to / and /etc stay in the throwaway root"
echo "must never reach the host" >/devup-e2e-canary
echo "must never reach the host" >/etc/devup-e2e-canary
assert_file /devup-e2e-canary

step "a detached daemon is running (it must die with the namespace)"
setsid bash -c 'exec -a devup-e2e-canary-daemon sleep 100000' </dev/null >/dev/null 2>&1 &
wait_for 5 pgrep -f devup-e2e-canary-daemon
pgrep -af devup-e2e-canary-daemon
step "done"
