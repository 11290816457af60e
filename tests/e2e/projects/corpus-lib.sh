# The init corpus: repository shapes written for the tests, each a scenario `init-<shape>/` with
# `repo/` (a small project as it would be cloned: CI files, dependency lists, and a test suite of
# its own that fails unless its environment is right) and `suite` (the project's test command,
# one line, run from the repository's root as its CI would). Source after /e2e/lib.sh and call
# `corpus_shape`: on a blank root, `devup init && devup --yes` must make the suite pass, with no
# edit, and a second run must change nothing.

# corpus_shape: the whole scenario for /scenario/repo and /scenario/suite.
corpus_shape() {
    local project=/root/${E2E_NAME#init-} suite
    suite=$(cat /scenario/suite)
    rm -rf "$project"
    cp -a /scenario/repo "$project"
    cd "$project"
    export CI=1
    # A prebuilt node trusts only its own CA list: where the network intercepts TLS, point it at
    # the machine's bundle (nothing changes on a network that does not).
    prebuilt_node_trusts_the_machine

    step "devup init drafts devup.toml from what the repository says"
    expect_exit 0 devup init
    assert_file devup.toml
    cat devup.toml

    step "the person who read the draft approves what it runs (seed SQL, steps): devup trust --yes"
    expect_exit 0 devup trust --yes

    step "devup --yes converges the blank machine"
    expect_exit 0 devup --yes
    assert_match "$OUT" '[0-9]+ ok, [0-9]+ changed, 0 failed, 0 skipped in ' "summary of the first run"

    step "the project's own suite passes: $suite"
    corpus_in_env "$suite" || fail "the project's suite failed in the environment devup made"

    step "a second run changes nothing, and devup plan exits 0"
    expect_exit 0 devup --yes
    assert_match "$OUT" '[0-9]+ ok, 0 changed, 0 failed, 0 skipped in ' "summary of the second run"
    expect_exit 0 devup plan
    step "done"
}

# corpus_in_env COMMAND: run COMMAND (a shell line) in the project's environment, as a developer
# would after `eval "$(devup env)"`, in a child shell so that this script's own is untouched.
corpus_in_env() {
    bash -c 'set -euo pipefail; eval "$(devup env)"; eval "$1"' corpus "$1"
}
