# The reference benchmark, run by bench/run.py as an e2e scenario (tests/e2e/harness.py): as root
# in a throwaway Debian 12 root, from /scenario, a copy of bench/ in /scenario/bench and the
# parameters in /scenario/params.sh. Prints one `BENCH-RESULT {json}` line.
source /e2e/lib.sh
source /scenario/params.sh
export DEVUP_TRUST=1 CI=1
# When the host reaches PyPI and npm through a TLS-intercepting proxy, trust what it trusts.
if [ -f /scenario/host-ca-certificates.crt ]; then
    export SSL_CERT_FILE=/scenario/host-ca-certificates.crt PIP_CERT=/scenario/host-ca-certificates.crt \
        REQUESTS_CA_BUNDLE=/scenario/host-ca-certificates.crt NODE_EXTRA_CA_CERTS=/scenario/host-ca-certificates.crt
fi

P=/srv/bench-reference
cp -a /scenario/bench/reference "$P"
cd "$P"

step "devup converges the reference project (python, node, postgres, redis, packages...)"
# One run should do; a few are allowed, and counted (the report says how many it took).
t0=$(date +%s%N)
converge_runs=0
until [ "$converge_runs" -ge 4 ]; do
    converge_runs=$((converge_runs + 1))
    if devup --yes; then break; fi
    echo "=== bench: converge run $converge_runs failed"
done
t1=$(date +%s%N)
expect_exit 0 devup plan

step "tools for the measurement: strace, iproute2, and Ansible (python3-apt for its apt module)"
apt-get install -y -q --no-install-recommends strace iproute2 python3-apt >/dev/null
if [ "$ANSIBLE" = 1 ]; then
    python3 -m venv /opt/ansible
    /opt/ansible/bin/pip install -q --disable-pip-version-check ansible-core
fi

step "unplug the network: a converged run must not need it"
ip link set tap0 down
if ip route get 1.1.1.1 >/dev/null 2>&1; then fail "still a route out"; fi
if getent hosts deb.debian.org >/dev/null 2>&1; then fail "names still resolve"; fi
expect_exit 0 devup plan

step "time the no-op run (and Ansible on the same state)"
args=(--project "$P" --runs "$RUNS" --warmup "$WARMUP" --ansible-runs "$ANSIBLE_RUNS"
      --playbook /scenario/bench/ansible/playbook.yml
      --network-state "unplugged (tap0 down, no route, no DNS)"
      --converge-seconds "$(( (t1 - t0) / 1000000 ))e-3" --converge-runs "$converge_runs")
[ "$ANSIBLE" = 1 ] && args+=(--ansible /opt/ansible/bin/ansible-playbook)
python3 /scenario/bench/run.py _inroot "${args[@]}"
