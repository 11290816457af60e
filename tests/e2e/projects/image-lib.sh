# Helpers for the scenarios that build the sample's exported image with a real builder
# (export-dockerfile: Debian's buildah; export-docker: Debian's docker). Source it after
# /e2e/lib.sh and /e2e/projects/sample-lib.sh.

# blank_root_tar FILE: this root's own files as a tarball at FILE, for the builder to import as
# the image `debian:12`: taken before anything is installed, it is what that image is (plus the
# host's CA, trusted everywhere in this suite). /proc, /dev, /run, /tmp and the .deb cache are
# other mounts; the scenario, the harness' files and devup are left out.
blank_root_tar() {
    local started=$SECONDS
    tar --one-file-system -C / --exclude=./scenario --exclude=./e2e --exclude=./usr/local/bin/devup \
        --exclude=".$1" -cf "$1" .
    echo "$(du -m "$1" | cut -f1) MB in $((SECONDS - started)) s"
}

# export_image_files DIR: a fresh copy of the sample at DIR (cd there), the build context, with
# `devup export dockerfile` and `devup export devcontainer` in .devcontainer/. They change
# nothing on the machine and use only what every builder reads. Sets DOCKERFILE and
# DEVCONTAINER_JSON to their text.
export_image_files() {
    sample_copy "$1"
    mkdir .devcontainer
    expect_exit 0 devup export dockerfile -o .devcontainer/Dockerfile
    expect_exit 0 devup export devcontainer -o .devcontainer/devcontainer.json
    assert_no_file /var/lib/devup
    assert_no_file /root/.local/state/devup
    assert_no_file .venv
    cat .devcontainer/Dockerfile
    cat .devcontainer/devcontainer.json
    DOCKERFILE=$(cat .devcontainer/Dockerfile)
    DEVCONTAINER_JSON=$(cat .devcontainer/devcontainer.json)
    assert_not_contains "$DOCKERFILE" "RUN <<" "the Dockerfile (here-documents need a newer builder)"
    assert_not_contains "$DOCKERFILE" "# syntax=" "the Dockerfile (a frontend image to pull)"
}

# add_local_installs: a local .venv and node_modules in the build context, as a developer's
# checkout has; the image must hold its own installs, not these (IMAGE_CONVERGED_CHECKS).
add_local_installs() {
    mkdir -p .venv/bin node_modules/is-number
    printf '#!/bin/sh\necho "the local venv" >&2; exit 1\n' >.venv/bin/python
    chmod +x .venv/bin/python
    echo local >.venv/decoy
    echo 'module.exports = () => false' >node_modules/is-number/index.js
}

# What a container of the image checks once its entrypoint has converged it (`sh -euc`, from its
# WORKDIR, devup copied or mounted in): the installs are the image's own, devup finds nothing
# to change, the smoke test passes, and the installs' tools are on the PATH of its commands.
IMAGE_CONVERGED_CHECKS='
    # The installs are the image'"'"'s own, not the local copies of the build context.
    test ! -e .venv/decoy && ! grep -q "() => false" node_modules/is-number/index.js
    for stamp in .venv/.devup-venv .venv/.devup-requirements node_modules/.devup-fingerprint; do test -f "$stamp"; done
    DEVUP_TRUST=1 devup plan
    ./smoke.sh
    # Its tools are on the PATH of the commands a container runs (the venv, node_modules/.bin).
    [ "$(command -v python)" = /workspace/.venv/bin/python ]
'
