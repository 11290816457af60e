# Issue "devup export dockerfile": the Dockerfile, built for real without a Docker engine. Its
# instructions are executed in order on a blank Debian 12 root, which is what its
# `FROM debian:12` image is, the way `docker build` would: dockerfile.py (beside this file, with
# its own tests) runs WORKDIR, ENV, COPY from the project as the build context, RUN with
# /bin/sh -c in the WORKDIR with only the image's environment and the ENV so far, and refuses
# any instruction it does not understand. Then, in that "container": the dependency installs
# are done, and devup agrees (its plan lists only what cannot exist at build time: the servers
# and what they hold); `devup --yes` converges, the smoke test passes, a second run changes
# nothing. The devcontainer.json is checked against what was executed.
source /e2e/lib.sh
source /e2e/projects/sample-lib.sh
export CI=1

expect_blank_machine
sample_copy /root/context

step "devup export dockerfile and devcontainer write them and change nothing on the machine"
mkdir .devcontainer
expect_exit 0 devup export dockerfile -o .devcontainer/Dockerfile
expect_exit 0 devup export devcontainer -o .devcontainer/devcontainer.json
assert_no_file /var/lib/devup
assert_no_file /root/.local/state/devup
assert_no_file .venv
cat .devcontainer/Dockerfile
cat .devcontainer/devcontainer.json
# What the installs build is the image's own: the Dockerfile says to keep a local copy out.
printf '.venv/\nnode_modules/\n' >.dockerignore

step "a python for the interpreter, kept apart from the root (which has none; the image installs its own)"
# The .debs are unpacked under /opt/e2e-python: dpkg's database and /usr stay as they were, and
# the package lists are removed again, so the root is as blank as before for the build.
apt-get update -qq
mkdir -p /root/py && chown _apt /root/py && (cd /root/py && apt-get download -qq python3.11-minimal libpython3.11-minimal libpython3.11-stdlib libexpat1)
for deb in /root/py/*.deb; do dpkg-deb -x "$deb" /opt/e2e-python; done
rm -rf /var/lib/apt/lists/* /root/py
assert_no_cmd python3
py() { env LD_LIBRARY_PATH=/opt/e2e-python/lib/x86_64-linux-gnu:/opt/e2e-python/usr/lib/x86_64-linux-gnu PYTHONHOME=/opt/e2e-python/usr /opt/e2e-python/usr/bin/python3.11 "$@"; }
py /scenario/dockerfile.py test

step "the Dockerfile's instructions, executed in order on this root as docker build would"
mv /usr/local/bin/devup /root/devup.away
started=$SECONDS
# The project is gone from where it was exported: only the image's /workspace remains.
py /scenario/dockerfile.py build --context /root/context --from debian:12 --record /root/build.json \
    /root/context/.devcontainer/Dockerfile 2>&1 | tee /root/build.log
echo "build: $((SECONDS - started)) s"
mv /root/devup.away /usr/local/bin/devup
mv /root/context /root/context.away

step "the dependency installs are done, with devup's records"
cd /workspace
assert_file .venv/bin/python
assert_file node_modules/is-number/package.json
for stamp in .venv/.devup-venv .venv/.devup-requirements node_modules/.devup-fingerprint; do
    assert_file "$stamp"
    echo "--- $stamp"; cat "$stamp"
done
assert_no_file .env
for c in python3 node npm psql redis-cli jq; do assert_cmd "$c"; done
# Nothing is running: a layer keeps files, not processes.
if pgrep -x postgres >/dev/null || pgrep -x redis-server >/dev/null; then fail "a server runs after the build"; fi

step "devup plan in the container: only what cannot exist at build time"
export DEVUP_TRUST=1
expect_exit 2 devup plan
plan=$OUT
# The servers, what they hold, and the project's own [[step]] (`.env`, written where a
# developer's copy is: in a devcontainer, the bind-mounted project).
want=$(printf '%s\n' datastores.postgres.server 'datastores.postgres.database[sample_dev]' \
    datastores.redis.server step.env-file | sort | tr '\n' ' ')
got=$(printf '%s\n' "$plan" | sed -n 's/^  [+~!?] \([^ ]*\) .*/\1/p' | sort | tr '\n' ' ')
assert_eq "$want" "$got" "the steps left to do"
assert_contains "$plan" "sample: 4 of $SAMPLE_STEPS steps to change"
for word in pip npm venv node_modules; do assert_not_contains "$plan" "$word" "the plan"; done

step "devup --yes converges the container; the smoke test passes"
started=$SECONDS
expect_exit 0 devup --yes
echo "converge: $((SECONDS - started)) s"
assert_match "$OUT" "(^|[^0-9])$((SAMPLE_STEPS - 4)) ok, 4 changed, 0 failed, 0 skipped in " "summary of the converge"
smoke

step "a second devup changes nothing"
expect_converged

step "the devcontainer.json agrees with what was executed"
py - /root/context.away/.devcontainer/devcontainer.json /root/build.json /root/context.away <<'PY'
import json, os, sys, urllib.parse
dc, build, context = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        sys.exit(1)
here = os.path.dirname(sys.argv[1])
check(os.path.realpath(os.path.join(here, dc["build"]["dockerfile"])) == os.path.join(context, ".devcontainer/Dockerfile"),
      "build.dockerfile is the Dockerfile that was executed")
check(os.path.realpath(os.path.join(here, dc["build"]["context"])) == build["context"].replace("/root/context", context),
      "build.context is the project, the context it was executed with")
check(dc["workspaceFolder"] == build["workdir"], f"workspaceFolder is the image's WORKDIR {build['workdir']}")
check(dc["workspaceMount"].split(",")[1] == "target=" + build["workdir"], "the project is mounted at WORKDIR")
ports = {int(v) for k, v in build["env"].items() if k.endswith("PORT")}
ports |= {urllib.parse.urlsplit(v).port for k, v in build["env"].items() if k.endswith("_URL")}
check(set(dc["forwardPorts"]) == ports, f"forwardPorts {dc['forwardPorts']} are the ports of ENV {sorted(ports)}")
targets = [m.split("target=")[1].split(",")[0] for m in dc.get("mounts", [])]
check(sorted(targets) == sorted(os.path.join(build["workdir"], d) for d in (".venv", "node_modules")),
      f"a volume over each directory the installs built: {targets}")
for t in targets:
    stamps = [f for f in os.listdir(t) if f.startswith(".devup-")]
    check(bool(stamps), f"{t} holds devup's record of its install ({', '.join(stamps)}), which the volume starts with")
check(all(build["env"].get(k) == v for k, v in dc.get("containerEnv", {}).items()), "containerEnv agrees with ENV")
check("devup --yes" in dc["postStartCommand"], "postStartCommand converges with devup")
PY

step "done"
