# The broken states of the repair scenario: one function `case_NAME` each, run by scenario.sh in
# a bash of its own (set -euo pipefail, cwd the converged sample project /root/sample, CI=1).
# Each breaks the converged machine, asserts what `devup doctor` says (exit 2, the cause and a
# fix line), repairs with ONE `devup --yes` run and checks that it converged again. What doctor
# says is asserted with `soft` (a wrong text is reported, and the repair is still tried).

# The sample's postgres data directory (devup keeps datastores under /var/lib/devup as root).
pg_data() {
    local dirs=(/var/lib/devup/projects/sample-*/postgres)
    assert_file "${dirs[0]}/PG_VERSION"
    echo "${dirs[0]}"
}

# The venv is deleted (rm -rf .venv, as people do to "start clean").
case_venv_deleted() {
    rm -rf .venv
    expect_exit 2 devup doctor
    soft expect_problem dependencies.pip.venv ".venv/bin/python is missing" "python3 -m venv"
    soft expect_problem dependencies.pip.requirements ".venv/.devup-requirements is missing" "pip install"
    expect_repair
    assert_eq 1.16.0 "$(.venv/bin/python -c 'import six; print(six.__version__)')" "six in the new venv"
    smoke
}

# The interpreter the venv links to is gone: .venv/bin/python -> python3 -> /usr/bin/python3 ->
# python3.11, and that file is removed (a broken upgrade, a careless rm). python3 is also the
# system's python: apt still believes it is installed, so putting it back is devup's job.
case_python_removed() {
    local real
    real=$(readlink -f .venv/bin/python)
    echo "the venv's interpreter is $real"
    assert_match "$real" '^/usr/bin/python3\.[0-9]+$' "the venv's interpreter"
    cp -a "$real" /root/interpreter.backup   # for scenario.sh to put back if devup cannot
    rm "$real"
    [ ! -e .venv/bin/python ] || fail ".venv/bin/python still resolves"
    expect_exit 2 devup doctor
    soft expect_problem languages.python "python3" "python3"
    soft expect_problem dependencies.pip.venv ".venv/bin/python is missing" "python3 -m venv"
    expect_repair
    assert_file "$real"
    assert_eq 1.16.0 "$(.venv/bin/python -c 'import six; print(six.__version__)')" "six in the new venv"
    smoke
}

# python3 is there but its venv module is not (python3-venv removed; a stock Debian or Ubuntu
# has python3 without it, and an install of python3 interrupted before python3-venv leaves the
# same): `python3 -m venv` cannot work, and installing python3-venv is devup's job.
case_python_venv_removed() {
    apt-get remove -y -q python3-venv "python3.$(python3 -c 'import sys; print(sys.version_info[1])')-venv"
    rm -rf .venv
    expect_exit 2 devup doctor
    soft expect_problem dependencies.pip.venv ".venv/bin/python is missing" "python3 -m venv"
    expect_repair
    dpkg-query -W python3-venv
    smoke
}

# The lockfile changes (a pull brings is-number 6.0.0 in package.json and package-lock.json).
case_lockfile_changed() {
    cp /scenario/lockfile-6.0.0/package.json /scenario/lockfile-6.0.0/package-lock.json .
    expect_exit 2 devup doctor
    soft expect_problem dependencies.npm.install "package-lock.json" "npm ci"
    expect_repair
    assert_eq 6.0.0 "$(node -p 'require("./node_modules/is-number/package.json").version')" "is-number after the change"
    smoke
}

# node_modules is deleted.
case_node_modules_deleted() {
    rm -rf node_modules
    expect_exit 2 devup doctor
    soft expect_problem dependencies.npm.install "node_modules is missing" "npm ci"
    expect_repair
    assert_file node_modules/is-number/package.json
    smoke
}

# npm is removed. Debian packs it apart from nodejs, so a machine may well have node and no npm
# (or an install of both interrupted between the two); npm is devup's to install then. The npm
# recipe's first way is npm from the registry, beside the project's node: it becomes the
# project's (on its PATH through `devup env`), not a command of the machine's PATH.
case_npm_removed() {
    apt-get remove -y -q npm
    assert_no_cmd npm
    assert_cmd node
    expect_exit 2 devup doctor
    soft expect_problem dependencies.npm "npm" "prebuilt"
    expect_repair
    assert_no_cmd npm
    assert_match "$(eval "$(devup env)" && command -v npm)" '^/opt/devup/tools/npm/[0-9.]+/devup-bin/npm$' \
        "the project's npm"
    smoke
}

# The postmaster is killed with SIGKILL (a crash, the OOM killer): its pid file stays behind.
case_postgres_killed() {
    local data pid
    data=$(pg_data)
    pid=$(head -n 1 "$data/postmaster.pid")
    kill -9 "$pid"
    wait_for 30 sh -c '! pgrep -x postgres'   # the postmaster's children exit when it dies
    assert_file "$data/postmaster.pid"
    expect_exit 2 devup doctor
    soft expect_problem datastores.postgres.server "stale pid file for pid $pid" "start postgres"
    expect_repair
    assert_ne "$pid" "$(head -n 1 "$data/postmaster.pid")" "pid of the new postmaster"
    smoke
}

# The database is dropped (by a test suite's teardown, a person).
case_database_dropped() {
    eval "$(devup env)"
    dropdb sample_dev
    expect_exit 2 devup doctor
    soft expect_problem "datastores.postgres.database[sample_dev]" "sample_dev" "CREATE DATABASE"
    expect_repair
    smoke
}

# Redis is stopped.
case_redis_stopped() {
    eval "$(devup env)"
    redis-cli -u "$REDIS_URL" shutdown nosave || true
    wait_for 30 sh -c '! pgrep -x redis-server'
    expect_exit 2 devup doctor
    soft expect_problem datastores.redis.server "not running" "start redis"
    expect_repair
    smoke
}

# One of the project's [packages] is removed.
case_package_removed() {
    apt-get remove -y -q jq
    assert_no_cmd jq
    expect_exit 2 devup doctor
    soft expect_problem packages "not installed: jq" "apt-get"
    expect_repair
    assert_cmd jq
    smoke
}

# dpkg was interrupted mid-install: jq is unpacked but never configured (what a power cut or a
# killed dpkg between unpack and configure leaves). Made for real with `dpkg --unpack`.
case_dpkg_interrupted() {
    local deb
    apt-get remove -y -q jq
    apt-get download -q jq 2>/dev/null || true
    deb=$(ls /var/cache/apt/archives/jq_*.deb ./jq_*.deb 2>/dev/null | head -n 1)
    [ -n "$deb" ] || fail "no jq .deb to unpack"
    dpkg --unpack "$deb"
    rm -f ./jq_*.deb
    assert_match "$(dpkg-query -W -f '${Status}' jq)" 'unpacked$' "jq's dpkg status"
    expect_exit 2 devup doctor
    soft expect_problem packages "interrupted" "dpkg --configure -a"
    expect_repair
    assert_eq "install ok installed" "$(dpkg-query -W -f '${Status}' jq)" "jq's dpkg status"
    smoke
    step "the same, as dpkg's database says after a crash in a package's configure script"
    sed -i '/^Package: redis-server$/,/^$/ s/^Status: install ok installed$/Status: install ok half-configured/' \
        /var/lib/dpkg/status
    assert_eq "install ok half-configured" "$(dpkg-query -W -f '${Status}' redis-server)" "redis-server's dpkg status"
    expect_exit 2 devup doctor
    soft expect_problem datastores.redis.packages "redis-server" "dpkg --configure -a"
    expect_repair
    assert_eq "install ok installed" "$(dpkg-query -W -f '${Status}' redis-server)" "redis-server's dpkg status"
    smoke
}

# A wrong version earlier on PATH: an old node (a fake printing v12) in /usr/local/bin, before
# the good /usr/bin/node. devup leaves a person's PATH alone, and the project's is its own: the
# node that fits (/usr/bin/node) comes first on it (`devup env`, the commands devup runs), so
# nothing is broken and nothing needs repair, and the person's node stays theirs.
case_wrong_node_on_path() {
    printf '#!/bin/sh\necho v12.22.12\n' >/usr/local/bin/node
    chmod 755 /usr/local/bin/node
    hash -r
    expect_exit 0 devup doctor
    soft expect_no_problem languages.node
    expect_converged
    assert_eq v12.22.12 "$(node)" "the person's node, first on the machine's PATH"
    assert_eq /usr/bin/node "$(eval "$(devup env)" && command -v node)" "the project's node"
    smoke
    step "the person removes the old node; nothing changes for the project"
    rm /usr/local/bin/node
    hash -r
    expect_converged
    smoke
}

# The developer edits .env (made by the project's own step from .env.example): it is theirs.
case_env_edited() {
    local before
    printf 'SECRET_KEY=my-own-secret\nDEBUG=1\n' >.env
    before=$(sha256sum .env)
    expect_exit 0 devup doctor
    soft expect_no_problem step.env-file
    expect_converged
    assert_eq "$before" "$(sha256sum .env)" ".env after devup"
    assert_eq 600 "$(stat -c %a .env)" "mode of .env"
}

# devup's state directory is deleted. The approval of the project's commands lived there too,
# so it has to be given again; the installs devup has no record of are repeated. The servers
# the project runs keep their ports: they are the project's own (their pid files say so).
case_state_deleted() {
    local dir env_before
    dir=$(state_dir)
    env_before=$(devup env)
    assert_file "$dir/state.json"
    rm -rf "$dir"
    expect_exit 2 devup doctor
    soft expect_problem trust "not trusted" "devup trust"
    soft expect_no_problem port
    expect_exit 4 devup --yes
    assert_contains "$OUT" "devup trust"
    expect_exit 0 devup --yes --trust
    assert_match "$OUT" '[0-9]+ ok, [0-9]+ changed, 0 failed, 0 skipped in ' "summary of the run"
    expect_exit 0 devup plan
    assert_eq "$env_before" "$(devup env)" "devup env after the state was lost"
    assert_file "$dir/state.json"
    smoke
    expect_converged
}

# devup's state file is corrupt (garbage in state.json: a full disk, a bad editor save).
case_state_corrupt() {
    local dir env_before
    dir=$(state_dir)
    env_before=$(devup env)
    printf 'garbage{"version": 1,' >"$dir/state.json"
    expect_exit 2 devup doctor
    soft expect_problem state "unusable" "devup"
    soft expect_no_problem port
    expect_exit 0 devup --yes
    assert_contains "$OUT" "unusable"
    assert_file "$dir/state.json.corrupt"
    python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$dir/state.json"
    expect_exit 0 devup plan
    assert_eq "$env_before" "$(devup env)" "devup env after the state was rebuilt"
    smoke
    expect_converged
}
