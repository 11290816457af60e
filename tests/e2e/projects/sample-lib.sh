# Helpers for the scenarios that work on the shared sample project (tests/e2e/projects/sample,
# in the throwaway root /e2e/projects/sample). Source it after /e2e/lib.sh.
# The sample: python + a pip venv, node + npm from a lockfile, postgres with a database, redis,
# one system package (jq), a [[step]] making .env from .env.example, and its own ./smoke.sh.

# expect_blank_machine: none of the sample's tools are here yet.
expect_blank_machine() {
    step "a blank machine: none of the sample's tools are here"
    local c
    for c in python3 node npm psql initdb redis-server redis-cli jq; do assert_no_cmd "$c"; done
}

# sample_copy DIR: a fresh copy of the sample project at DIR; cd there. The copy is where a
# developer would have cloned it (never under /scenario, which is the scenario's own files).
# Sets SAMPLE_STEPS: how many steps the sample expands to here (the plan's count, which depends
# on the recipes: 16 on Debian 12 as root when this was written).
sample_copy() {
    rm -rf "$1"
    cp -a /e2e/projects/sample "$1"
    cd "$1"
    export SAMPLE_STEPS
    SAMPLE_STEPS=$({ devup plan 2>/dev/null || true; } | sed -n 's/^sample: [0-9]* of \([0-9]*\) steps to change$/\1/p')
    [ -n "$SAMPLE_STEPS" ] || fail "devup plan did not say how many steps the sample has"
    echo "the sample has $SAMPLE_STEPS steps here"
}

# state_dir: the directory where devup keeps this project's state (doctor's `state:` line).
state_dir() {
    { devup doctor 2>/dev/null || true; } | sed -n 's/^state: *//p'
}

# expect_problem SUBJECT CAUSE FIX: the last `devup doctor` output ($OUT) has a line
# `problem: SUBJECT: <cause>` whose cause contains CAUSE, followed by a line `  fix: <fix>`
# whose fix contains FIX. SUBJECT is a step id or a machine-level subject (port, lock, trust...).
expect_problem() {
    local found cause fix
    found=$(printf '%s\n' "$OUT" | awk -v s="problem: $1: " 'index($0, s) == 1 { print; getline; print; exit }')
    [ -n "$found" ] || fail "devup doctor: no problem reported for '$1'"
    cause=$(printf '%s\n' "$found" | sed -n 1p)
    cause=${cause#"problem: $1: "}
    fix=$(printf '%s\n' "$found" | sed -n 2p)
    assert_match "$fix" '^  fix: ' "doctor's fix line for $1"
    assert_contains "$cause" "$2" "doctor's cause for $1"
    assert_contains "$fix" "$3" "doctor's fix for $1"
}

# expect_no_problem SUBJECT: the last `devup doctor` output ($OUT) names no problem for SUBJECT.
expect_no_problem() {
    if printf '%s\n' "$OUT" | grep -q "^problem: $1: "; then fail "devup doctor reports a problem for '$1'"; fi
}

# expect_converged: a run changes nothing, `devup plan` exits 0 and doctor finds no problem.
expect_converged() {
    expect_exit 0 devup --yes
    assert_match "$OUT" "(^|[^0-9])$SAMPLE_STEPS ok, 0 changed, 0 failed, 0 skipped in " "summary of a converged run"
    expect_exit 0 devup plan
    assert_contains "$OUT" "all $SAMPLE_STEPS steps are satisfied"
    expect_exit 0 devup doctor
    assert_contains "$OUT" "no problems: all $SAMPLE_STEPS steps are satisfied"
}

# expect_repair: ONE `devup --yes` run repairs what is broken (something changed, nothing
# failed), then `devup plan` exits 0.
expect_repair() {
    expect_exit 0 devup --yes
    assert_match "$OUT" '[0-9]+ ok, [1-9][0-9]* changed, 0 failed, 0 skipped in ' "summary of the repair"
    expect_exit 0 devup plan
}

# smoke: the sample's own smoke test passes.
smoke() {
    ./smoke.sh || fail "the sample's smoke test failed"
}

# soft ASSERTION...: run an assertion (in a subshell); when it fails, note it and go on, so that
# what devup does next is still seen. soft_verdict, at the end, fails if any of them failed.
SOFT_FAILED=()
soft() {
    local out
    if out=$( ("$@") 2>&1); then
        [ -z "$out" ] || printf '%s\n' "$out"
    else
        printf '%s\n' "$out"
        SOFT_FAILED+=("$(printf '%s\n' "$out" | grep '^FAIL: ' | tail -n 1 | cut -c 7-200)")
    fi
}
soft_verdict() {
    [ "${#SOFT_FAILED[@]}" -eq 0 ] || fail "$(printf '\n  - %s' "${SOFT_FAILED[@]}")"
}
