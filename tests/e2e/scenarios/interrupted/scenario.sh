# Issue "Fresh-machine and broken-machine end-to-end suite": devup killed mid-run.
# `devup --yes --trust` converges the sample project on a fresh root and is killed with SIGKILL,
# again and again, at 24 moments spread over the converge:
#   - 16 at random: the k-th run is killed after a random delay in [0.1, 0.8 + 0.1*k] s (the
#     seed is printed; set SEED below to replay one). Every other one takes the whole process
#     group (devup and what it runs: apt-get, dpkg, initdb, npm, pip; as a closed terminal or a
#     power cut would), the others devup alone (its children carry on, orphaned);
#   - 8 aimed: the whole group is killed the moment the run has a given command going (dpkg;
#     initdb as it starts and in its last phase; python3 -m venv, on a fresh project and while
#     rebuilding a deleted venv; pip install; npm ci; createdb), so each of these points is
#     covered on every run of the suite, not only when the dice say so; the run after such a
#     kill must converge on its own. Each starts once what earlier runs left running has ended,
#     with the project's own part undone (servers stopped; data, venv, node_modules, .env and
#     devup's state removed; jq and redis-server uninstalled) so that the command comes again;
#     the language packages stay installed.
# The runs after a kill carry on from where it stopped. When the random kills find the project
# converged, its own part is undone the same way, so that they land in the second half of a
# converge too.
# After each kill:
#   - the next run starts (the lock of a dead run is never stale) and carries on;
#   - the state is never unusable: `devup plan` never warns so, and every state.json seen
#     parses as JSON (copies are checked with python3 at the end, once devup has installed it).
# After the random kills ONE run converges everything (whatever the killed runs left running),
# the sample's smoke test passes, `devup plan` is 0; then come the aimed kills.
source /e2e/lib.sh
source /e2e/projects/sample-lib.sh
export CI=1
RANDOM_KILLS=16
# The aimed kill points, each `WHAT|RESET`: WHAT is a process named dpkg or a `pgrep -f` pattern
# for a command line in the run's session; RESET what is undone first so that it comes again
# (see reset_project). initdb: once as it starts, once in its last phase (the single-user
# backend making the databases). ensurepip: a venv rebuilt (deleted by hand) while devup's state
# still has the record of the old one, killed once the new one has its python but not yet pip.
AIMED=("dpkg|packages" "initdb -D|all" 'postgres"? --single|all' "python3 -m venv|all" "-m ensurepip|venv"
    "pip install|all" "^npm ci|all" "createdb -h|all")
SEED=${SEED:-$(($(date +%s) % 100000))}
RANDOM=$SEED
echo "seed: $SEED"

sample_copy /root/sample
mkdir -p /tmp/states
kills=0 runs=0 finished=0 resets=0

# delay K: sets D to a random delay in [0.1, 0.8 + 0.1*K] seconds (not in a $(subshell): its
# RANDOM would not advance ours).
delay() {
    local max_ms=$((800 + 100 * $1))
    local ms=$((100 + (RANDOM * 32768 + RANDOM) % (max_ms - 100)))
    D=$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))
}

# start: a devup run in a session of its own (its process group is devup and all it starts);
# sets PID.
start() {
    runs=$((runs + 1))
    setsid devup --yes --trust >"/tmp/run.$runs.log" 2>&1 &
    PID=$!
}

# killed HOW WHEN: SIGKILL the run PID (HOW: group or devup); records and prints the kill, or
# what the run did when it had ended by itself. Returns 1 when it had ended by itself.
killed() {
    local how=$1 when=$2 children doing rc=0
    children=$(pgrep -s "$PID" -d, -l | cut -c 1-120 || true)
    if [ "$how" = group ]; then kill -9 -- "-$PID" 2>/dev/null || true; else kill -9 "$PID" 2>/dev/null || true; fi
    wait "$PID" 2>/dev/null || rc=$?
    if [ "$rc" -eq 137 ]; then
        kills=$((kills + 1))
        doing=$(grep '^→ ' "/tmp/run.$runs.log" | tail -n 1 | cut -c 1-90 || true)
        step "kill $kills: run $runs $when, SIGKILL to $how; it was at: ${doing:-its checks}" \
            "(its processes: ${children:-devup alone})"
        return 0
    fi
    finished=$((finished + 1))
    step "run $runs ended by itself ($when; exit $rc)"
    grep -A 3 -E '^(failed|error|warning):' "/tmp/run.$runs.log" | cut -c 1-200 || true
    tail -n 1 "/tmp/run.$runs.log"
    return 1
}

# after_kill: the state is usable; keep a copy of state.json to check as JSON at the end.
after_kill() {
    local dir plan
    dir=$(state_dir)
    if [ -f "$dir/state.json" ]; then cp "$dir/state.json" "/tmp/states/$runs.json"; fi
    plan=$(devup plan 2>&1 || true)
    if [[ "$plan" == *unusable* ]]; then
        printf '%s\n' "$plan"
        fail "after run $runs the state was unusable"
    fi
    echo "state dir: $(ls -A "$dir" 2>/dev/null | tr '\n' ' ')"
}

# converged: devup plan says so.
converged() { devup plan >/dev/null 2>&1; }

# reset_project [all|packages|venv]: undo the project's own part (and two packages) so that a
# converge has work left for the kills: the language packages stay. With `packages`, only the
# servers are stopped and the two packages removed (no initdb runs next, to kill dpkg alone);
# with `venv`, only the venv is deleted.
reset_project() {
    resets=$((resets + 1))
    step "undo the project's part (reset $resets, after $kills kills: ${1:-all})"
    case "${1:-all}" in
    packages)
        devup down || true
        apt-get -o DPkg::Lock::Timeout=300 remove -y -q jq redis-server redis-tools >/dev/null || true
        return
        ;;
    venv)
        rm -rf .venv
        return
        ;;
    esac
    devup down || true
    local pid_file
    for pid_file in /var/lib/devup/projects/sample-*/{postgres/postmaster.pid,redis/redis.pid}; do
        [ -f "$pid_file" ] && kill "$(head -n 1 "$pid_file")" 2>/dev/null || true
    done
    wait_for 30 sh -c '! pgrep -x postgres && ! pgrep -x redis-server'
    rm -rf .venv node_modules .env /var/lib/devup/projects/sample-* "$(state_dir)"
    apt-get -o DPkg::Lock::Timeout=300 remove -y -q jq redis-server redis-tools >/dev/null || true
}

step "random kills: $RANDOM_KILLS"
while [ "$kills" -lt "$RANDOM_KILLS" ]; do
    if converged; then reset_project; fi
    delay "$kills"
    how=$([ $((kills % 2)) -eq 0 ] && echo group || echo devup)
    start
    sleep "$D"
    killed "$how" "after ${D}s" || true
    after_kill
done

step "$kills random kills in $runs runs ($finished ended by themselves); ONE run converges everything"
echo "processes the killed runs left behind (the last run must cope with them):"
pgrep -a -f "[a]pt-get|[d]pkg|[p]ython3 -m|[p]ip install|[n]pm ci|[i]nitdb|[c]reatedb" | cut -c 1-150 || echo "  none"
started=$SECONDS
rc=0
timeout 400 devup --yes --trust >/tmp/after-random.log 2>&1 || rc=$?
cat /tmp/after-random.log
echo "that run: $((SECONDS - started)) s, exit $rc"
if [ "$rc" -eq 0 ] && converged && [[ "$(cat /tmp/after-random.log)" != *unusable* ]] && ./smoke.sh; then
    expect_converged
else
    # Noted (the scenario fails at the end); the machine is brought back by hand so that the
    # aimed kills still run: what killed runs left running ends, dpkg is repaired, the
    # project's part undone.
    # What went wrong is repeated here, at the end of the log, where a CI summary shows it.
    why=$(grep -m 1 -A 4 -E '^(failed|error)' /tmp/after-random.log | tr '\n' ' ' | cut -c 1-400 || true)
    SOFT_FAILED+=("after the random kills (seed $SEED), one run did not converge (exit $rc): ${why:-see above}")
    wait_for 300 sh -c '! pgrep -f "[a]pt-get|[d]pkg|[p]ython3 -m|[p]ip install|[n]pm ci|[i]nitdb|[c]reatedb"'
    dpkg --configure -a || true
    apt-get -f install -y -q || true
    reset_project
    devup --yes --trust || fail "cannot bring the machine back to converged for the aimed kills"
fi

step "aimed kills: ${#AIMED[@]}"
for aimed in "${AIMED[@]}"; do
    target=${aimed%|*}
    for attempt in 1 2 3; do
        # Each from the same start: what killed runs left running has ended, the project's part
        # is undone (so that the command comes again).
        # (each pattern [x]yz: pgrep must not find the shell that runs it)
        wait_for 300 sh -c '! pgrep -f "[a]pt-get|[d]pkg|[p]ython3 -m|[p]ip install|[n]pm ci|[i]nitdb|[c]reatedb"'
        reset_project "${aimed#*|}"
        start
        # Wait (up to 120 s) for the command to run in the run's session, then kill the group.
        deadline=$((SECONDS + 120))
        if [ "$target" = dpkg ]; then match=(-x dpkg); else match=(-f -- "$target"); fi
        until pgrep -s "$PID" "${match[@]}" >/dev/null || ! kill -0 "$PID" 2>/dev/null || [ "$SECONDS" -ge "$deadline" ]; do
            sleep 0.005
        done
        if killed group "while it ran \`$target\`"; then
            after_kill
            # The next run carries on from exactly there: it converges, on its own.
            rc=0
            devup --yes --trust >/tmp/next.log 2>&1 || rc=$?
            if [ "$rc" -eq 0 ] && converged; then
                echo "the next run converged: $(tail -n 1 /tmp/next.log)"
            else
                grep -A 6 -E '^(failed|error):' /tmp/next.log | cut -c 1-200 || true
                why=$(grep -m 1 -A 4 -E '^(failed|error)' /tmp/next.log | tr '\n' ' ' | cut -c 1-400 || true)
                SOFT_FAILED+=("killed while it ran \`$target\`: the next run did not converge (exit $rc): ${why:-see above}")
            fi
            break
        fi
        after_kill
    done
done
[ "$kills" -ge 20 ] || fail "only $kills kills landed (want at least 20)"
echo "$kills kills in $runs runs ($finished ended by themselves, $resets resets)"

step "after the aimed kills: converged, the smoke test passes"
expect_exit 0 devup --yes --trust
smoke
expect_converged

step "every state.json seen after a kill parses as JSON"
copies=(/tmp/states/*.json)
echo "${#copies[@]} copies"
for f in "${copies[@]}"; do
    [ -e "$f" ] || continue
    python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); assert d["version"] == 1, d' "$f" \
        || fail "$f (a state.json after a kill) is not valid: $(head -c 300 "$f")"
done
dir=$(state_dir)
leftovers=$(ls -A "$dir" | grep -v -x -E 'state\.json|trust\.json|lock|running|logs' || true)
[ -z "$leftovers" ] || fail "files left in the state dir by killed runs: $leftovers"
# `logs` holds the newest runs' logs, killed ones included (what they finished), ten at most.
logs=$(ls -A "$dir/logs" | wc -l)
[ "$logs" -ge 1 ] && [ "$logs" -le 10 ] || fail "$logs files in $dir/logs: $(ls -A "$dir/logs")"
[ -z "$(ls -A "$dir/logs" | grep -v -E '\.log$')" ] || fail "not logs in $dir/logs: $(ls -A "$dir/logs")"
# `running` holds a record per command a run has going (for the run after a kill to wait for).
[ -z "$(ls -A "$dir/running" 2>/dev/null)" ] || fail "records of commands left: $(ls -A "$dir/running")"
soft_verdict
step "done"
