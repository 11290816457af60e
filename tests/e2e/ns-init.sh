#!/bin/bash
# PID 1 of a scenario's private mount/pid/uts/ipc/net namespaces (started by
# harness.py through `unshare`). Builds the throwaway root, runs scenario.sh
# in it with a timeout, writes its exit code to $E2E_RESULT and exits. Every
# mount below lives only in this mount namespace and every process in this PID
# namespace: when this script exits (or is killed) the kernel removes them all.
#
# With E2E_SYSTEMD=1 the root is not chrooted into but booted with
# `systemd-nspawn --boot` (systemd as its PID 1, in namespaces nested in these
# ones, sharing this network namespace), and scenario.sh runs in the booted
# container through nsenter. When the container cannot start at all on this
# machine, $E2E_RESULT gets `unavailable: <why>` instead of an exit code.
set -euo pipefail
say() { echo "=== e2e: $*"; }

M=$E2E_MNT
R=$M/root
SYSTEMD=${E2E_SYSTEMD:-0}

if [ "$SYSTEMD" = 1 ]; then
    # The scenario's own cgroups (made by harness.py), so that what nspawn and
    # the container's systemd create there is removed with them.
    for cg in $E2E_CGROUPS; do echo 0 >"$cg/host/cgroup.procs"; done
fi

mount -t tmpfs -o "size=$E2E_TMPFS_SIZE,mode=755" e2e "$M"
mkdir -p "$M"/{upper,work,root,apt-upper,apt-work}
mount -t overlay overlay -o "lowerdir=$E2E_BASE,upperdir=$M/upper,workdir=$M/work" "$R"
# Shared .deb cache: read-only lower layer, new downloads land in the tmpfs
# and are harvested at the end (no apt lock shared between scenarios).
mount -t overlay overlay \
    -o "lowerdir=$E2E_APT_CACHE,upperdir=$M/apt-upper,workdir=$M/apt-work" \
    "$R/var/cache/apt/archives"

# What a chroot needs mounted in the root. (nspawn mounts these itself.)
mount_chroot_fs() {
    mount -t proc proc "$R/proc"
    mount -t sysfs -o ro sysfs "$R/sys"
    mount -t tmpfs -o mode=755,size=16m dev "$R/dev"
    mknod -m 666 "$R/dev/null" c 1 3
    mknod -m 666 "$R/dev/zero" c 1 5
    mknod -m 666 "$R/dev/full" c 1 7
    mknod -m 666 "$R/dev/random" c 1 8
    mknod -m 666 "$R/dev/urandom" c 1 9
    mknod -m 666 "$R/dev/tty" c 5 0
    mkdir "$R/dev/pts" "$R/dev/shm"
    mount -t devpts -o newinstance,ptmxmode=0666,mode=620,gid=5 devpts "$R/dev/pts"
    ln -s pts/ptmx "$R/dev/ptmx"
    mount -t tmpfs -o mode=1777 shm "$R/dev/shm"
    ln -s /proc/self/fd "$R/dev/fd"
    ln -s /proc/self/fd/0 "$R/dev/stdin"
    ln -s /proc/self/fd/1 "$R/dev/stdout"
    ln -s /proc/self/fd/2 "$R/dev/stderr"
    mount -t tmpfs -o mode=755 run "$R/run"
    mkdir -m 1777 "$R/run/lock"
    mount -t tmpfs -o mode=1777 tmp "$R/tmp"
}

if [ "$SYSTEMD" = 1 ]; then
    # nspawn looks at its child in /proc (this PID namespace's, not the host's)
    # and keeps its state in /run: give it fresh ones, seen only from here.
    mount -t proc proc /proc
    mount -t tmpfs -o mode=755 run /run
else
    mount_chroot_fs
fi

hostname "$E2E_HOSTNAME"
echo "$E2E_HOSTNAME" >"$R/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n::1\tlocalhost ip6-localhost ip6-loopback\n' \
    "$E2E_HOSTNAME" >"$R/etc/hosts"
rm -f "$R/etc/resolv.conf"
echo "nameserver 10.0.2.3" >"$R/etc/resolv.conf"   # slirp4netns' DNS forwarder
ip link set lo up

cp -a "$E2E_SCENARIO_DIR" "$R/scenario"
install -D -m 644 "$E2E_LIB" "$R/e2e/lib.sh"
# Sample projects shared by several scenarios (tests/e2e/projects/NAME -> /e2e/projects/NAME).
if [ -d "${E2E_LIB%/*}/projects" ]; then cp -a "${E2E_LIB%/*}/projects" "$R/e2e/projects"; fi
if [ -n "$E2E_DEVUP" ]; then install -D -m 755 "$E2E_DEVUP" "$R/usr/local/bin/devup"; fi

# IN_ROOT: the command prefix that runs a command inside the root (nsenter once booted).
IN_ROOT=(chroot "$R")

# The host's local CAs (Debian's place for them): a network that intercepts TLS through a CA of
# its own (a proxy) works inside as well. Nothing to do where there are none, as on CI.
trust_host_cas() {
    if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
        cp /usr/local/share/ca-certificates/*.crt "$R/usr/local/share/ca-certificates/"
        "${IN_ROOT[@]}" update-ca-certificates >/dev/null 2>&1 || say "update-ca-certificates failed"
    fi
}

# systemd-nspawn's last words, for the log.
nspawn_said() { tail -n 5 "$M/nspawn.log" 2>/dev/null | awk 'NR > 1 { printf "; " } { printf "%s", $0 }'; }

# The container could not start on this machine: the scenario is skipped.
unavailable() {
    say "systemd container unavailable: $*"
    cat "$M/nspawn.log" 2>/dev/null || true
    echo "unavailable: $*" >"$E2E_RESULT"
    exit 0
}

# The container started but did not finish booting: a failure, with its state in the log.
boot_failed() {
    say "boot failed: $*"
    cat "$M/nspawn.log" 2>/dev/null || true
    if [ -n "${LEADER:-}" ]; then
        timeout 10 "${IN_ROOT[@]}" systemctl list-jobs --no-pager 2>&1 || true
        timeout 10 "${IN_ROOT[@]}" journalctl -b --no-pager -n 60 2>&1 || true
    fi
    echo "systemd container: $*" >"$E2E_RESULT"
    exit 0
}

# Boot the root with systemd as PID 1. Sets NSPAWN (nspawn's PID here), LEADER
# (the container's PID 1, as seen from here) and IN_ROOT (nsenter into it).
# --register=no --keep-unit: there is no systemd/machined on the host to ask
# for a scope or a machine registration; nspawn uses the cgroup it runs in.
# nspawn shares this network namespace (no --private-network): the container
# has loopback only, or slirp4netns' tap0 with needs = ["network"].
boot_container() {
    (
        for cg in $E2E_CGROUPS; do echo 0 >"$cg/nspawn/cgroup.procs"; done
        exec systemd-nspawn --quiet --boot --register=no --keep-unit --console=passive \
            --resolv-conf=off --timezone=off --link-journal=no \
            --machine="$E2E_HOSTNAME" --directory="$R"
    ) </dev/null >"$M/nspawn.log" 2>&1 &
    NSPAWN=$!
    local deadline=$((SECONDS + E2E_BOOT_TIMEOUT)) boot_t0=$EPOCHREALTIME my_pidns pid state
    my_pidns=$(readlink /proc/self/ns/pid)
    # The leader is nspawn's child in another PID namespace. nspawn may first fork a short-lived
    # helper there: a leader that is gone is looked for again.
    find_leader() {
        LEADER=
        while [ -z "${LEADER:-}" ]; do
            kill -0 "$NSPAWN" 2>/dev/null || unavailable "systemd-nspawn exited: $(nspawn_said)"
            [ "$SECONDS" -lt "$deadline" ] || boot_failed "no container process after ${E2E_BOOT_TIMEOUT}s"
            for pid in $(pgrep -P "$NSPAWN" || true); do
                if [ "$(readlink "/proc/$pid/ns/pid" 2>/dev/null)" != "$my_pidns" ]; then LEADER=$pid; fi
            done
            [ -n "${LEADER:-}" ] || sleep 0.02
        done
        IN_ROOT=(nsenter --target "$LEADER" --all --root --wd)
    }
    find_leader
    # systemctl fails until systemd listens on its socket; then --wait blocks until the boot is over.
    until case ${state:-} in running | degraded) true ;; *) false ;; esac; do
        kill -0 "$NSPAWN" 2>/dev/null || boot_failed "systemd-nspawn exited during boot: $(nspawn_said)"
        kill -0 "$LEADER" 2>/dev/null || find_leader
        [ "$SECONDS" -lt "$deadline" ] \
            || boot_failed "not running after ${E2E_BOOT_TIMEOUT}s (state: ${state:-none})"
        state=$(timeout $((deadline - SECONDS + 1)) "${IN_ROOT[@]}" \
            systemctl is-system-running --wait 2>/dev/null) || sleep 0.05
    done
    say "booted in $(awk "BEGIN {printf \"%.2f\", $EPOCHREALTIME - $boot_t0}")s: system $state"
    if [ "$state" = degraded ]; then "${IN_ROOT[@]}" systemctl --failed --no-pager || true; fi
}

# Kill the container (SIGKILL to its PID 1 takes its whole PID namespace):
# nothing of it is kept, so a clean shutdown would only cost time.
stop_container() {
    kill -KILL "$LEADER" 2>/dev/null || true
    wait "$NSPAWN" 2>/dev/null || true
}

# Before the boot too: the root's own /dev has the few nodes it needs for that.
trust_host_cas

# Wait for the host side (slirp4netns is up when a network was asked for).
read -r -t 30 -u "$E2E_GO_FD" go || { say "host side never said go"; exit 1; }
exec {E2E_GO_FD}<&-
[ "$E2E_NETWORK" = 1 ] && say "network: $(ip -4 -o addr show tap0 | awk '{print $4}')"

if [ "$SYSTEMD" = 1 ]; then
    boot_container
fi

say "running $E2E_NAME (timeout ${E2E_TIMEOUT}s)"
run_env=(env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
    HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}" DEBIAN_FRONTEND=noninteractive
    E2E_NAME="$E2E_NAME" E2E_HOST_NS_NET="$E2E_HOST_NS_NET"
    E2E_HOST_NS_PID="$E2E_HOST_NS_PID" E2E_HOST_NS_MNT="$E2E_HOST_NS_MNT")
set +e
if [ "$E2E_INTERACTIVE" = 1 ]; then
    "${IN_ROOT[@]}" "${run_env[@]}" /bin/bash -c 'cd /scenario && exec bash ./scenario.sh'
else
    # timeout signals its whole process group, which the command nsenter
    # forks inside the container belongs to as well.
    timeout --kill-after=5 "$E2E_TIMEOUT" "${IN_ROOT[@]}" "${run_env[@]}" \
        /bin/bash -c 'cd /scenario && exec bash -euo pipefail ./scenario.sh' </dev/null
fi
rc=$?
set -e
say "scenario.sh exited $rc"
[ "$SYSTEMD" = 1 ] && stop_container
# A scenario that finds this machine cannot run what it tests (lib.sh's `unavailable`) exits 77
# with its reason in /run/e2e-unavailable: skipped, with that reason, never a pass.
if [ "$rc" -eq 77 ] && [ -s "$R/run/e2e-unavailable" ]; then
    echo "unavailable: $(head -n 1 "$R/run/e2e-unavailable")" >"$E2E_RESULT"
else
    echo "$rc" >"$E2E_RESULT"
fi

if [ "$rc" -ne 0 ] && [ -n "$E2E_KEEP_DIR" ]; then
    mkdir -p "$E2E_KEEP_DIR"
    cp -a "$M/upper" "$E2E_KEEP_DIR/upper" && say "kept the root's changes in $E2E_KEEP_DIR/upper"
fi
# Harvest new downloads into the shared cache (atomic rename per file).
for f in "$M"/apt-upper/*.deb; do
    [ -f "$f" ] || continue
    b=${f##*/}
    [ -e "$E2E_APT_CACHE/$b" ] && continue
    cp "$f" "$E2E_APT_CACHE/.$b.$$" && mv "$E2E_APT_CACHE/.$b.$$" "$E2E_APT_CACHE/$b"
done
exit 0
