# Debian 12's dockerd in a scenario's throwaway root, where nothing starts it (PID 1 is not
# systemd) and no cgroup hierarchy is mounted. Source it; `start_dockerd` starts it in the
# background and waits until it answers, `stop_dockerd` (run at the scenario's exit) stops it and
# removes the cgroups made for it.
#
# docker needs cgroups, made by runc for each container (the cgroupfs driver). They are made
# below a cgroup of the scenario's own in each hierarchy of the host (`e2e-docker-<random>`,
# beside the scenario's own cgroup), which dockerd sees as the root of its cgroup namespace
# (dockerd-in-namespaces.sh). A cgroup is the one thing of a scenario the kernel keeps on the
# host after its processes are gone: stop_dockerd removes them, and a scenario that cannot is a
# failure. (A scenario killed with SIGKILL leaves them, empty.)
#
# Run on a host with cgroup v1 controllers and a cgroup2 hierarchy without controllers (hybrid).
# A cgroup2-only host takes the `v2` way of dockerd-in-namespaces.sh, tried on that hybrid
# host's cgroup2 hierarchy only.

DOCKERD_PID=
DOCKERD_CGROUPS=()   # the cgroups made for dockerd, in this root's view of the hierarchies
DOCKERD_LOG=/root/dockerd.log
DOCKERD_CGROUP_LAYOUT=   # v1: the host has cgroup v1 controllers; v2: its cgroup2 hierarchy only

# dockerd_said: the reason dockerd gives for failing, from its log.
dockerd_said() {
    grep -E 'failed to start daemon|level=(fatal|error)' "$DOCKERD_LOG" | tail -n 1 | cut -c1-300
}

# make_dockerd_cgroups: a new cgroup below the scenario's own in each hierarchy, the host's
# hierarchies mounted under /run/e2e-cgroups to reach them.
make_dockerd_cgroups() {
    local name id controllers path dir opts
    name=e2e-docker-$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
    if grep -q '^[0-9]*:[^:]' /proc/self/cgroup; then DOCKERD_CGROUP_LAYOUT=v1; else DOCKERD_CGROUP_LAYOUT=v2; fi
    while IFS=: read -r id controllers path; do
        case $controllers in
            '') dir=unified opts=(-t cgroup2) ;;
            name=*) dir=${controllers#name=} opts=(-t cgroup -o "none,$controllers") ;;
            *) dir=$controllers opts=(-t cgroup -o "$controllers") ;;
        esac
        mkdir -p "/run/e2e-cgroups/$dir"
        mount "${opts[@]}" cgroup "/run/e2e-cgroups/$dir" \
            || unavailable "cannot mount the host's cgroup hierarchy $dir (${controllers:-cgroup2}) for dockerd"
        dir=/run/e2e-cgroups/$dir${path%/}/$name
        mkdir "$dir" || unavailable "cannot make a cgroup for dockerd: $dir"
        DOCKERD_CGROUPS+=("$dir")
        # A new cpuset cgroup has no CPUs nor memory nodes: no process may join it until given some.
        if [ -f "$dir/cpuset.cpus" ]; then
            cat "$dir/../cpuset.cpus" >"$dir/cpuset.cpus"
            cat "$dir/../cpuset.mems" >"$dir/cpuset.mems"
        fi
    done </proc/self/cgroup
    echo "dockerd's cgroups: $name, in ${#DOCKERD_CGROUPS[@]} hierarchies (cgroup layout $DOCKERD_CGROUP_LAYOUT)"
}

start_dockerd() {
    trap stop_dockerd EXIT
    make_dockerd_cgroups
    local t0=$EPOCHREALTIME cgroup
    (
        for cgroup in "${DOCKERD_CGROUPS[@]}"; do echo "$BASHPID" >"$cgroup/cgroup.procs"; done
        exec unshare --cgroup --mount bash /scenario/dockerd-in-namespaces.sh "$DOCKERD_CGROUP_LAYOUT"
    ) >"$DOCKERD_LOG" 2>&1 &
    DOCKERD_PID=$!
    until docker version --format '{{.Server.Version}}' >/dev/null 2>&1; do
        if ! kill -0 "$DOCKERD_PID" 2>/dev/null; then
            grep -v 'module=grpc' "$DOCKERD_LOG" | tail -n 20
            unavailable "dockerd cannot start here: $(dockerd_said)"
        fi
        [ "$(awk "BEGIN {print ($EPOCHREALTIME - $t0 < 60)}")" = 1 ] \
            || unavailable "dockerd did not answer within 60 s: $(dockerd_said)"
        sleep 0.2
    done
    echo "dockerd answers after $(awk "BEGIN {printf \"%.1f\", $EPOCHREALTIME - $t0}") s"
    docker info --format 'storage driver {{.Driver}}, cgroup driver {{.CgroupDriver}}, cgroup v{{.CgroupVersion}}, runtime {{.DefaultRuntime}}'
}

# stop_dockerd: dockerd stops its containers and exits; whatever is left in its cgroups is
# killed, then they are removed (deepest first). One left behind fails the scenario.
stop_dockerd() {
    local rc=$? cgroup pids left=() i
    if [ -n "$DOCKERD_PID" ]; then
        kill -TERM "$DOCKERD_PID" 2>/dev/null || true
        for i in $(seq 100); do kill -0 "$DOCKERD_PID" 2>/dev/null || break; sleep 0.2; done
    fi
    for i in $(seq 50); do
        pids=$(cat $(for cgroup in "${DOCKERD_CGROUPS[@]}"; do find "$cgroup" -name cgroup.procs; done) 2>/dev/null || true)
        [ -n "$pids" ] || break
        kill -KILL $pids 2>/dev/null || true
        sleep 0.1
    done
    wait "$DOCKERD_PID" 2>/dev/null || true
    for cgroup in "${DOCKERD_CGROUPS[@]}"; do
        find "$cgroup" -depth -type d -exec rmdir {} + 2>/dev/null || true
        [ ! -d "$cgroup" ] || left+=("$cgroup")
    done
    if [ "${#left[@]}" -gt 0 ]; then
        printf 'FAIL: cgroups left on the host: %s\n' "${left[*]}" >&2
        exit 1
    fi
    exit "$rc"
}
