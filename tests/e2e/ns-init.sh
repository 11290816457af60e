#!/bin/bash
# PID 1 of a scenario's private mount/pid/uts/ipc/net namespaces (started by
# harness.py through `unshare`). Builds the throwaway root, runs scenario.sh
# in it with a timeout, writes its exit code to $E2E_RESULT and exits. Every
# mount below lives only in this mount namespace and every process in this PID
# namespace: when this script exits (or is killed) the kernel removes them all.
set -euo pipefail
say() { echo "=== e2e: $*"; }

M=$E2E_MNT
R=$M/root
mount -t tmpfs -o "size=$E2E_TMPFS_SIZE,mode=755" e2e "$M"
mkdir -p "$M"/{upper,work,root,apt-upper,apt-work}
mount -t overlay overlay -o "lowerdir=$E2E_BASE,upperdir=$M/upper,workdir=$M/work" "$R"
# Shared .deb cache: read-only lower layer, new downloads land in the tmpfs
# and are harvested at the end (no apt lock shared between scenarios).
mount -t overlay overlay \
    -o "lowerdir=$E2E_APT_CACHE,upperdir=$M/apt-upper,workdir=$M/apt-work" \
    "$R/var/cache/apt/archives"

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
# The host's local CAs (Debian's place for them): a network that intercepts TLS through a CA of
# its own (a proxy) works inside as well. Nothing to do where there are none, as on CI.
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$R/usr/local/share/ca-certificates/"
    chroot "$R" update-ca-certificates >/dev/null 2>&1 || say "update-ca-certificates failed"
fi

# Wait for the host side (slirp4netns is up when a network was asked for).
read -r -t 30 -u "$E2E_GO_FD" go || { say "host side never said go"; exit 1; }
exec {E2E_GO_FD}<&-
[ "$E2E_NETWORK" = 1 ] && say "network: $(ip -4 -o addr show tap0 | awk '{print $4}')"

say "running $E2E_NAME (timeout ${E2E_TIMEOUT}s)"
run_env=(env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
    HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}" DEBIAN_FRONTEND=noninteractive
    E2E_NAME="$E2E_NAME" E2E_HOST_NS_NET="$E2E_HOST_NS_NET"
    E2E_HOST_NS_PID="$E2E_HOST_NS_PID" E2E_HOST_NS_MNT="$E2E_HOST_NS_MNT")
set +e
if [ "$E2E_INTERACTIVE" = 1 ]; then
    chroot "$R" "${run_env[@]}" /bin/bash -c 'cd /scenario && exec bash ./scenario.sh'
else
    timeout --kill-after=5 "$E2E_TIMEOUT" chroot "$R" "${run_env[@]}" \
        /bin/bash -c 'cd /scenario && exec bash -euo pipefail ./scenario.sh' </dev/null
fi
rc=$?
set -e
say "scenario.sh exited $rc"
echo "$rc" >"$E2E_RESULT"

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
