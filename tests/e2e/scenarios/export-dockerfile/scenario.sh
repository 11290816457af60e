# Issue "CI images and other machines from the same file": the exported Dockerfile, built
# unedited by a real builder (Debian 12's buildah, what `podman build` runs), from the blank
# Debian 12 root this scenario starts on, imported as the image `debian:12` (the host's CA
# inside, as everywhere in this suite). Then a container of it: its start command converges it,
# `devup plan` there finds nothing to change, the sample's smoke test passes. A local `.venv` and
# `node_modules` in the build context do not replace the image's. Rebuilds after a code change
# and after a change to each lockfile reuse the layers above them, and a lockfile's change
# reruns its own install only (timed, for the README).
#
# buildah runs here without a daemon, cgroups or an OCI runtime: `--isolation chroot` for the
# build's RUNs and for the container (a process in the image's root with its own mount
# namespace), storage on a tmpfs of its own (overlay on this root's overlay is refused by the
# kernel). Where the builder cannot work on this machine, the scenario says so and is skipped.
source /e2e/lib.sh
source /e2e/projects/sample-lib.sh
source /e2e/projects/image-lib.sh
export CI=1

expect_blank_machine

step "the blank root, as it is before anything is installed, is the image debian:12"
blank_root_tar /root/debian-12.tar

step "devup export dockerfile and devcontainer write them and change nothing on the machine"
export_image_files /root/context

step "exported with 5432 busy, from another home and path, they are the same"
perl -MIO::Socket::INET -e 'my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1:5432", Listen => 1, ReuseAddr => 1) or die "listen: $!"; sleep 300' &
busy=$!
wait_for 10 bash -c 'exec 3<>/dev/tcp/127.0.0.1/5432'
mkdir -p /home/someone-else /srv/other
cp -a . /srv/other/sample
(cd /srv/other/sample && HOME=/home/someone-else devup export dockerfile | cmp - /root/context/.devcontainer/Dockerfile)
(cd /srv/other/sample && HOME=/home/someone-else devup export devcontainer | cmp - /root/context/.devcontainer/devcontainer.json)
kill "$busy"
wait "$busy" 2>/dev/null || true
rm -rf /srv/other

step "Debian's buildah, with its storage on a tmpfs of its own"
apt-get update -qq
apt-get install -y -qq --no-install-recommends buildah >/dev/null
buildah --version
rm -rf /var/lib/apt/lists/*
mkdir -p /var/lib/containers
mount -t tmpfs -o size=6g,mode=700 e2e-containers /var/lib/containers \
    || unavailable "cannot mount a tmpfs for the builder's storage"
started=$SECONDS
base=$(buildah from scratch 2>&1) || unavailable "buildah cannot make a container here: $base"
buildah add -q "$base" /root/debian-12.tar / >/dev/null
buildah commit -q "$base" docker.io/library/debian:12 >/dev/null
buildah rm "$base" >/dev/null
rm /root/debian-12.tar
echo "imported debian:12 in $((SECONDS - started)) s"
# Whether this machine can build at all, apart from what devup exported.
mkdir /root/probe && printf 'FROM debian:12\nRUN ["/bin/sh", "-c", "echo builds here"]\n' >/root/probe/Dockerfile
if ! out=$(buildah bud --isolation chroot --pull=never -q /root/probe 2>&1); then
    printf '%s\n' "$out"
    unavailable "buildah cannot run a build on this machine: $(printf '%s\n' "$out" | tail -n 1)"
fi

# build [TAG]: the exported Dockerfile, unedited, as a devcontainer builds it (the project is the
# context). The apt cache of this root is lent to its RUNs, only to spare downloads.
build() {
    buildah bud --isolation chroot --layers --pull=never \
        -v /var/cache/apt/archives:/var/cache/apt/archives \
        -f .devcontainer/Dockerfile -t "${1:-sample-image}" . 2>&1 | tee /root/build.log
}

step "a local .venv and node_modules, as a developer's checkout has, are in the build context"
add_local_installs

step "the image builds, unedited"
started=$SECONDS
build
echo "first build: $((SECONDS - started)) s"

# in_container HOW SCRIPT [RUN-OPTION...]: a new container of the image runs `sh -euc SCRIPT`,
# from its WORKDIR, in the image's ENV: through the image's own entrypoint (it converges the
# project, then runs the command) when HOW is `start`; as the command alone when HOW is
# `devcontainer` (the devcontainer CLI replaces the entrypoint; its postStartCommand converges).
# devup is copied in, to check what was done. Its servers are stopped at the end (devup down).
entrypoint=$(buildah inspect --format '{{range .OCIv1.Config.Entrypoint}}{{.}} {{end}}' localhost/sample-image)
in_container() {
    local c how=$1 script=$2 rc=0 start=()
    shift 2
    [ "$how" = devcontainer ] || read -ra start <<<"$entrypoint"
    c=$(buildah from --pull=never sample-image)
    buildah copy -q "$c" /usr/local/bin/devup /usr/local/bin/devup >/dev/null
    buildah run --isolation chroot "$@" "$c" -- "${start[@]}" sh -euc "$script
DEVUP_TRUST=1 devup down" || rc=$?
    buildah rm "$c" >/dev/null
    return "$rc"
}

step "the image's start command converges a container; devup there finds nothing to change; the smoke test passes"
assert_eq "/usr/local/bin/devup-entrypoint " "$entrypoint" "the image's entrypoint"
in_container start "$IMAGE_CONVERGED_CHECKS"

step "the devcontainer: a fresh checkout bind-mounted, the installs' directories in volumes filled from the image"
json=$DEVCONTAINER_JSON
post=$(printf '%s\n' "$json" | sed -n 's/^ *"postStartCommand": "\(.*\)",\{0,1\}$/\1/p')
assert_eq "/usr/local/bin/devup-converge /workspace" "$post" "postStartCommand"
assert_contains "$json" '"forwardPorts": [
    5432,
    6379
  ]'
# A named volume starts as a copy of the image's directory (what docker does on first use).
c=$(buildah from --pull=never sample-image)
image_root=$(buildah mount "$c")
volumes=()
for target in $(printf '%s\n' "$json" | sed -n 's/.*,target=\([^,]*\),type=volume.*/\1/p'); do
    volume=/root/volumes/${target##*/}
    mkdir -p "$volume"
    cp -a "$image_root$target/." "$volume/"
    volumes+=(-v "$volume:$target")
done
buildah umount "$c" >/dev/null
buildah rm "$c" >/dev/null
assert_eq 2 "$((${#volumes[@]} / 2))" "volumes of the devcontainer"
rm -rf /root/checkout
cp -a /e2e/projects/sample /root/checkout
in_container devcontainer "$post; test -f .env; DEVUP_TRUST=1 devup plan; ./smoke.sh" -v /root/checkout:/workspace "${volumes[@]}"
# The project's own step wrote into the checkout; the installs stayed in the volumes (their
# mount points are left empty in the checkout, as docker leaves them).
assert_file /root/checkout/.env
assert_eq "" "$(ls -A /root/checkout/.venv /root/checkout/node_modules | grep -v ':$' || true)" "the checkout's .venv and node_modules"
assert_file /root/volumes/.venv/.devup-requirements

# timed_build: a rebuild; its wall time in $took (seconds, to a tenth).
timed_build() {
    local t0 tenths
    t0=$(date +%s%N)
    build >/dev/null
    tenths=$((($(date +%s%N) - t0) / 100000000))
    took="$((tenths / 10)).$((tenths % 10))"
}

# reran: the instructions the last build ran again. buildah prints `[STAGE] STEP n/m: ...` as it
# starts a step, and when it ends `--> ID`, after `--> Using cache FULL-ID` when it reused a layer.
# It builds a stage when another first needs it (at its `COPY --from`), so a step's end can come
# after a whole other stage: a step ends the most recent one still open.
reran() {
    awk '/^\[[0-9]+\/[0-9]+\] STEP [0-9]+\/[0-9]+: FROM / { next }
         /^\[[0-9]+\/[0-9]+\] STEP [0-9]+\/[0-9]+: / { s = $0; sub(/^[^:]*: /, "", s); open[++n] = s; cached = 0; next }
         /^--> Using cache / { if (n > 0) n--; cached = 1; next }
         /^--> / { if (cached) { cached = 0; next } if (n > 0) print open[n--]; next }
         END { while (n > 0) print open[n--] }' /root/build.log
}

step "layers stay cached: editing code rebuilds only the code's layers"
echo "# a change to the code" >>smoke.sh
timed_build
code_rebuild=$took
ran=$(reran)
printf '%s\n' "$ran" | cut -c1-100 | sed 's/^/ran again: /'
assert_contains "$ran" "COPY --from=code" "a code change's rebuild"
for what in apt-get "python3 -m venv" "pip install" "npm ci"; do assert_not_contains "$ran" "$what" "a code change's rebuild"; done
echo "rebuild after a code change: $code_rebuild s"

# image_stamp STAMP: devup's record of an install, as the last image built holds it.
image_stamp() {
    local c root
    c=$(buildah from --pull=never sample-image)
    root=$(buildah mount "$c")
    cat "$root/workspace/$1"
    buildah umount "$c" >/dev/null
    buildah rm "$c" >/dev/null
}

# Each install that builds a directory of the project (.venv, node_modules) has a stage of its
# own: a changed lockfile reruns its own install, and the image copies the other directory in
# as it was (a copy, not an install).
step "a changed requirements.txt reruns the venv's requirements install only: not npm ci"
printf '\n' >>requirements.txt
timed_build
requirements_rebuild=$took
ran=$(reran)
printf '%s\n' "$ran" | cut -c1-100 | sed 's/^/ran again: /'
assert_contains "$ran" "pip install" "a requirements change's rebuild"
for what in apt-get "python3 -m venv" "npm ci"; do assert_not_contains "$ran" "$what" "a requirements change's rebuild"; done
# The image holds the new install (its record names the new requirements.txt), not a cached copy.
assert_contains "$(image_stamp .venv/.devup-requirements)" "input requirements.txt $(sha256sum <requirements.txt | cut -d' ' -f1)" "the image's record of its requirements"
echo "rebuild after requirements.txt changed: $requirements_rebuild s"

step "a changed package-lock.json reruns npm ci only: not the venv's installs"
printf '\n' >>package-lock.json
timed_build
lock_rebuild=$took
ran=$(reran)
printf '%s\n' "$ran" | cut -c1-100 | sed 's/^/ran again: /'
assert_contains "$ran" "npm ci" "a package-lock change's rebuild"
# The venv's directory is copied in before node_modules': its layer is kept as it was.
for what in apt-get "python3 -m venv" "pip install" "COPY --from=install-venv"; do
    assert_not_contains "$ran" "$what" "a package-lock change's rebuild"
done
assert_contains "$(image_stamp node_modules/.devup-fingerprint)" "input package-lock.json $(sha256sum <package-lock.json | cut -d' ' -f1)" "the image's record of its node_modules"
echo "rebuild after package-lock.json changed: $lock_rebuild s"
echo "rebuilds: code $code_rebuild s, requirements.txt $requirements_rebuild s, package-lock.json $lock_rebuild s"

step "done"
