#!/bin/bash
# dockerd, run by dockerd.sh (`start_dockerd`) through `unshare --cgroup --mount` from the cgroups
# made for it: in this cgroup namespace those cgroups are the root, so the cgroup hierarchies
# mounted here show dockerd only them, and every cgroup docker makes (`/docker/<id>`,
# `/docker/buildkit/<id>`) is below them. The mounts (those and docker's storage) are in this
# mount namespace only, and go with it.
set -euo pipefail

# LAYOUT (dockerd.sh's argument): `v1` where the host has cgroup v1 controllers (all v1, or a
# hybrid layout), `v2` where it has the cgroup2 hierarchy only.
case $1 in
    v1)
        # Each v1 controller, where runc looks for it. Neither the named `name=systemd`
        # hierarchy nor the cgroup2 one of a hybrid host: with both mounted, runc (Debian 12's
        # 1.1.5, cgroupfs driver) makes no cgroup in the named one for a container, then fails
        # to bind-mount it into the container (`stat /sys/fs/cgroup/systemd/docker/<id>: no
        # such file or directory`). The controllers are what docker needs.
        mount -t tmpfs -o mode=755 e2e-cgroups /sys/fs/cgroup
        while IFS=: read -r _ controllers _; do
            case $controllers in '' | name=*) continue ;; esac
            mkdir "/sys/fs/cgroup/$controllers"
            mount -t cgroup -o "$controllers" cgroup "/sys/fs/cgroup/$controllers"
        done </proc/self/cgroup
        ;;
    v2)
        # dockerd leaves the root of its namespace for a leaf: runc enables controllers in the
        # cgroups above a container's, which cgroup2 refuses for a cgroup that holds processes.
        mount -t cgroup2 cgroup2 /sys/fs/cgroup
        mkdir /sys/fs/cgroup/dockerd
        echo $$ >/sys/fs/cgroup/dockerd/cgroup.procs
        ;;
    *) echo "usage: $0 v1|v2" >&2; exit 2 ;;
esac

# Storage on a tmpfs of its own: overlay2 on this root's overlay is refused by the kernel, on a
# tmpfs it works (vfs, a full copy per layer, would need several times the space).
mkdir -p /var/lib/docker
mount -t tmpfs -o size=10g,mode=710 e2e-docker /var/lib/docker

# No iptables (no NAT, no bridge): builds and containers use the root's own network
# (`--network host`). The cgroupfs driver: there is no systemd to ask for cgroups.
exec dockerd --storage-driver=overlay2 --iptables=false --ip6tables=false --bridge=none \
    --exec-opt native.cgroupdriver=cgroupfs
