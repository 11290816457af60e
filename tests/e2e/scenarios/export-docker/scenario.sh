# Issue "CI images and other machines from the same file", with docker: the exported Dockerfile,
# built unedited by Debian 12's docker.io (20.10) with both of its builders, the classic one
# (DOCKER_BUILDKIT=0) and BuildKit (DOCKER_BUILDKIT=1, the one embedded in dockerd: no frontend
# image to pull, Docker Hub is not reachable), from the blank Debian 12 root this scenario starts
# on, imported as the image `debian:12`. Then containers of each image: the entrypoint converges
# it, `devup` there finds nothing to change, the sample's smoke test passes; the devcontainer's
# way (the checkout bind-mounted, the installs in named volumes docker fills from the image).
# With each builder, a code change rebuilds only the code's layers and a changed lockfile reruns
# its own install only (timed, for the README).
#
# dockerd runs in the background in namespaces of its own (dockerd.sh): its storage on a tmpfs,
# no iptables and no bridge (builds and containers use this root's network: `--network host`),
# cgroups made for it below the scenario's. Where dockerd cannot start, or cannot run a
# container, the scenario says why and is reported as skipped.
source /e2e/lib.sh
source /e2e/projects/sample-lib.sh
source /e2e/projects/image-lib.sh
source /scenario/dockerd.sh
export CI=1

expect_blank_machine

step "the blank root, as it is before anything is installed, is the image debian:12"
blank_root_tar /root/debian-12.tar

step "devup export dockerfile and devcontainer write them and change nothing on the machine"
export_image_files /root/context

step "Debian's docker.io, its daemon started in the background"
apt-get update -qq
apt-get install -y -qq --no-install-recommends docker.io >/dev/null
rm -rf /var/lib/apt/lists/*
docker --version
runc --version | head -n 1
start_dockerd
started=$SECONDS
docker import /root/debian-12.tar debian:12 >/dev/null
rm /root/debian-12.tar
echo "imported debian:12 in $((SECONDS - started)) s"

step "whether docker can run a container and build here, apart from what devup exported"
if ! out=$(docker run --rm --network none debian:12 true 2>&1); then
    printf '%s\n' "$out"
    mkdir /root/no-run && printf 'FROM debian:12\nCOPY Dockerfile /probe\n' >/root/no-run/Dockerfile
    if DOCKER_BUILDKIT=0 docker build -q /root/no-run >/dev/null 2>&1; then
        unavailable "docker builds (an image without RUN) but cannot run a container here: $(printf '%s\n' "$out" | tail -n 1)"
    fi
    unavailable "docker can neither run a container nor build here: $(printf '%s\n' "$out" | tail -n 1)"
fi
mkdir /root/probe && printf 'FROM debian:12\nRUN ["/bin/sh", "-c", "echo builds here"]\n' >/root/probe/Dockerfile
for buildkit in 0 1; do
    if ! out=$(DOCKER_BUILDKIT=$buildkit docker build --network host -q /root/probe 2>&1); then
        printf '%s\n' "$out"
        unavailable "docker (DOCKER_BUILDKIT=$buildkit) runs containers but cannot build a RUN here: $(printf '%s\n' "$out" | tail -n 1)"
    fi
done

step "a local .venv and node_modules, as a developer's checkout has, are in the build context"
add_local_installs

# build BUILDKIT TAG: the exported Dockerfile, unedited, as a devcontainer builds it (the project
# is the context), by the classic builder (BUILDKIT 0) or BuildKit (1), with this root's network
# (no bridge here); the log in /root/build-TAG.log, the wall time in $took (seconds, to a tenth).
build() {
    local t0 tenths
    t0=$(date +%s%N)
    DOCKER_BUILDKIT=$1 BUILDKIT_PROGRESS=plain docker build --network host \
        -f .devcontainer/Dockerfile -t "$2" . >"/root/build-$2.log" 2>&1 \
        || { tail -n 40 "/root/build-$2.log"; fail "docker build (DOCKER_BUILDKIT=$1) failed"; }
    tenths=$((($(date +%s%N) - t0) / 100000000))
    took="$((tenths / 10)).$((tenths % 10))"
}

step "the classic builder builds the image, unedited"
build 0 sample-classic
classic_first=$took
grep -E '^Step [0-9]+/[0-9]+ : ' /root/build-sample-classic.log | cut -c1-100
echo "first build, classic builder: $classic_first s"

step "BuildKit builds it, unedited"
build 1 sample-buildkit
buildkit_first=$took
grep -E '^#[0-9]+ \[' /root/build-sample-buildkit.log | awk '!seen[$1]++' | cut -c1-100
echo "first build, BuildKit: $buildkit_first s"

# in_container HOW IMAGE SCRIPT [RUN-OPTION...]: a new container of IMAGE runs `sh -euc SCRIPT`,
# from its WORKDIR, on this root's network: through the image's own entrypoint (it converges the
# project, then runs the command) when HOW is `start`; as the command alone when HOW is
# `devcontainer` (the devcontainer CLI replaces the entrypoint; its postStartCommand converges).
# devup is mounted in, to check what was done. Its servers are stopped at the end (devup down).
in_container() {
    local how=$1 image=$2 script=$3 command=(sh -euc)
    shift 3
    [ "$how" = start ] || { set -- "$@" --entrypoint sh; command=(-euc); }
    docker run --rm --network host -v /usr/local/bin/devup:/usr/local/bin/devup:ro "$@" \
        "$image" "${command[@]}" "$script
DEVUP_TRUST=1 devup down"
}

for image in sample-classic sample-buildkit; do
    step "$image: its entrypoint converges a container; devup there finds nothing to change; the smoke test passes"
    assert_eq '["/usr/local/bin/devup-entrypoint"]' "$(docker image inspect --format '{{json .Config.Entrypoint}}' "$image")" "the entrypoint of $image"
    started=$SECONDS
    in_container start "$image" "$IMAGE_CONVERGED_CHECKS"
    echo "$image: container converged and checked in $((SECONDS - started)) s"
done

step "the devcontainer: a fresh checkout bind-mounted, the installs' directories in named volumes docker fills from the image"
post=$(printf '%s\n' "$DEVCONTAINER_JSON" | sed -n 's/^ *"postStartCommand": "\(.*\)",\{0,1\}$/\1/p')
assert_eq "/usr/local/bin/devup-converge /workspace" "$post" "postStartCommand"
# The mounts of devcontainer.json as docker takes them (`--mount`), the devcontainer's id named.
mounts=()
for mount in $(printf '%s\n' "$DEVCONTAINER_JSON" | sed -n 's/^ *"\(source=[^"]*,type=volume\)",\{0,1\}$/\1/p'); do
    mounts+=(--mount "${mount//\$\{devcontainerId\}/e2e}")
done
assert_eq 2 "$((${#mounts[@]} / 2))" "volumes of the devcontainer"
rm -rf /root/checkout
cp -a /e2e/projects/sample /root/checkout
# The devcontainer CLI replaces the entrypoint; its postStartCommand converges.
in_container devcontainer sample-buildkit "$post; test -f .env; DEVUP_TRUST=1 devup plan; ./smoke.sh" \
    --mount type=bind,source=/root/checkout,target=/workspace "${mounts[@]}"
# The project's own step wrote into the checkout; the installs stayed in the volumes, which
# docker filled from the image on first use (their mount points are left empty in the checkout).
assert_file /root/checkout/.env
assert_eq "" "$(ls -A /root/checkout/.venv /root/checkout/node_modules | grep -v ':$' || true)" "the checkout's .venv and node_modules"
docker run --rm -v devup-e2e-venv:/venv --entrypoint test sample-buildkit -f /venv/.devup-requirements \
    || fail "the venv's volume holds no record of its requirements"

# reran_classic / reran_buildkit TAG: the instructions the last build of TAG ran again. The
# classic builder prints `Step n/m : INSTRUCTION`, then ` ---> Using cache` when it reused the
# layer. BuildKit (plain progress) prints `#N [stage n/m] INSTRUCTION`, then `#N CACHED` or
# `#N DONE`.
reran_classic() {
    awk '/^Step [0-9]+\/[0-9]+ : / { if (s != "") print s; s = $0; sub(/^[^:]*: /, "", s); if (s ~ /^FROM /) s = ""; next }
         /^ ---> Using cache/ { s = ""; next }
         END { if (s != "") print s }' "/root/build-$1.log"
}
reran_buildkit() {
    awk '/^#[0-9]+ \[/ && !/^#[0-9]+ \[internal\]/ { s = $0; sub(/^#[0-9]+ \[[^]]*\] /, "", s); if (s !~ /^FROM /) name[$1] = s; next }
         /^#[0-9]+ DONE/ && ($1 in name) { print name[$1]; delete name[$1] }' "/root/build-$1.log"
}

# rebuild_with_each WHAT EXPECTED UNEXPECTED...: a rebuild with each builder after WHAT changed:
# what it ran again ($ran) has EXPECTED and none of UNEXPECTED. Their wall times are in
# $took_classic and $took_buildkit.
rebuild_with_each() {
    local what=$1 expected=$2 image unexpected
    shift 2
    for image in sample-classic sample-buildkit; do
        if [ "$image" = sample-classic ]; then
            build 0 "$image"
            ran=$(reran_classic "$image")
            took_classic=$took
        else
            build 1 "$image"
            ran=$(reran_buildkit "$image")
            took_buildkit=$took
        fi
        printf '%s\n' "$ran" | cut -c1-100 | sed "s/^/$image ran again: /"
        assert_contains "$ran" "$expected" "$image: the rebuild after $what changed"
        for unexpected in "$@"; do assert_not_contains "$ran" "$unexpected" "$image: the rebuild after $what changed"; done
        echo "$image: rebuild after $what changed: $took s"
    done
}

# image_stamp IMAGE STAMP: devup's record of an install, as IMAGE holds it.
image_stamp() {
    docker run --rm --network none --entrypoint cat "$1" "/workspace/$2"
}

step "layers stay cached: editing code rebuilds only the code's layers, with each builder"
echo "# a change to the code" >>smoke.sh
rebuild_with_each "the code" "COPY --from=code" apt-get "python3 -m venv" "pip install" "npm ci"
code_classic=$took_classic code_buildkit=$took_buildkit

# Each install that builds a directory of the project has a stage of its own: a changed lockfile
# reruns its own install, and the image copies the other directory in as it was.
step "a changed requirements.txt reruns the venv's requirements install only, with each builder"
printf '\n' >>requirements.txt
rebuild_with_each requirements.txt "pip install" apt-get "python3 -m venv" "npm ci"
requirements_classic=$took_classic requirements_buildkit=$took_buildkit
for image in sample-classic sample-buildkit; do
    assert_contains "$(image_stamp "$image" .venv/.devup-requirements)" "input requirements.txt $(sha256sum <requirements.txt | cut -d' ' -f1)" "$image's record of its requirements"
done

step "a changed package-lock.json reruns npm ci only, with each builder"
printf '\n' >>package-lock.json
rebuild_with_each package-lock.json "npm ci" apt-get "python3 -m venv" "pip install" "COPY --from=install-venv"
lock_classic=$took_classic lock_buildkit=$took_buildkit
for image in sample-classic sample-buildkit; do
    assert_contains "$(image_stamp "$image" node_modules/.devup-fingerprint)" "input package-lock.json $(sha256sum <package-lock.json | cut -d' ' -f1)" "$image's record of its node_modules"
done

step "done"
echo "classic builder: first build $classic_first s; rebuilds: code $code_classic s, requirements.txt $requirements_classic s, package-lock.json $lock_classic s"
echo "BuildKit: first build $buildkit_first s; rebuilds: code $code_buildkit s, requirements.txt $requirements_buildkit s, package-lock.json $lock_buildkit s"
# `devup export dockerfile` built by docker itself, with both builders, and its containers run by docker.
