# Helpers for e2e scenario scripts. In the throwaway root this file is
# /e2e/lib.sh; a scenario starts with `source /e2e/lib.sh`.
# scenario.sh runs under `set -euo pipefail`: any failing command fails it.

# step MESSAGE...: announce what the scenario does next (shows in the log).
step() { printf '\n--- [%s] %s\n' "$(date +%T)" "$*"; }

# fail MESSAGE...: stop the scenario with an error.
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

# unavailable REASON...: this machine cannot run what the scenario tests (a tool it needs will
# not work here): the scenario ends, reported as skipped with REASON (a failure with
# run.py --require), never as a pass.
unavailable() {
    printf 'UNAVAILABLE: %s\n' "$*" >&2
    printf '%s\n' "$*" >/run/e2e-unavailable
    exit 77
}

# assert_eq EXPECTED ACTUAL [WHAT]
assert_eq() {
    [ "$1" == "$2" ] || fail "${3:-value}: expected '$1', got '$2'"
}

# assert_ne UNEXPECTED ACTUAL [WHAT]
assert_ne() {
    [ "$1" != "$2" ] || fail "${3:-value}: expected something other than '$1'"
}

# assert_contains HAYSTACK NEEDLE [WHAT]
assert_contains() {
    [[ "$1" == *"$2"* ]] || fail "${3:-output}: '$2' not found in: $1"
}

# assert_not_contains HAYSTACK NEEDLE [WHAT]
assert_not_contains() {
    [[ "$1" != *"$2"* ]] || fail "${3:-output}: '$2' found in: $(printf '%s\n' "$1" | grep -F -- "$2")"
}

# assert_match STRING EXTENDED_REGEX [WHAT]
assert_match() {
    [[ "$1" =~ $2 ]] || fail "${3:-value}: '$1' does not match /$2/"
}

# assert_file PATH: PATH exists.   assert_no_file PATH: it does not.
assert_file() { [ -e "$1" ] || fail "expected $1 to exist"; }
assert_no_file() { [ ! -e "$1" ] || fail "expected $1 not to exist"; }

# assert_cmd NAME / assert_no_cmd NAME: NAME is / is not on PATH.
assert_cmd() { command -v "$1" >/dev/null || fail "command '$1' not found"; }
assert_no_cmd() { ! command -v "$1" >/dev/null || fail "command '$1' unexpectedly present"; }

# expect_exit CODE CMD...: run CMD, require exit status CODE. Its output is
# shown and also kept in $OUT (stdout+stderr) for further asserts.
expect_exit() {
    local want=$1 got=0
    shift
    OUT=$("$@" 2>&1) || got=$?
    printf '%s\n' "$OUT"
    [ "$got" -eq "$want" ] || fail "'$*' exited $got, expected $want"
}

# wait_for SECONDS CMD...: retry CMD every 0.2 s until it succeeds.
wait_for() {
    local deadline=$((SECONDS + $1))
    shift
    until "$@" >/dev/null 2>&1; do
        [ "$SECONDS" -lt "$deadline" ] || fail "timed out waiting for: $*"
        sleep 0.2
    done
}

# expect_pending "IDS" CAUSE...: `devup plan` exits 2, lists exactly the steps IDS (in its
# order, space-separated), and names each CAUSE.
expect_pending() {
    local ids=$1 cause
    shift
    expect_exit 2 devup plan
    for cause in "$@"; do assert_contains "$OUT" "$cause" "devup plan"; done
    assert_eq "$ids" "$(printf '%s\n' "$OUT" | awk '$1 ~ /^[+~?]$/ {print $2}' | paste -sd' ')" "pending steps"
}

# repair: one run repairs without failing (its output stays in $RUN), then nothing is pending.
repair() {
    expect_exit 0 devup --yes
    RUN=$OUT
    assert_match "$RUN" '[0-9]+ ok, [1-9][0-9]* changed, 0 failed, 0 skipped' "summary of the repair"
    expect_exit 0 devup plan
}

# prebuilt_node_trusts_the_machine: a node devup installs prebuilt trusts the CA list built into
# it, not the machine's store, where the harness puts the CA of a network that intercepts TLS
# (none on CI). Pointed at the machine's bundle, as a developer behind such a proxy would do,
# npm reaches the registry through it. Says so when it does.
prebuilt_node_trusts_the_machine() {
    if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
        echo "this network intercepts TLS: NODE_EXTRA_CA_CERTS is the machine's bundle"
        export NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
    fi
}
