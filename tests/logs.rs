//! The run's log under the project's state, failures with both streams, `--verbose`.

use std::path::PathBuf;

use crate::support::Sandbox;

/// The logs of the sandbox's project, oldest first.
fn logs(sb: &Sandbox) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for project in std::fs::read_dir(sb.state_dir().join("projects")).unwrap() {
        let dir = project.unwrap().path().join("logs");
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("no {}: {e}", dir.display())) {
            found.push(entry.unwrap().path());
        }
    }
    found.sort();
    found
}

fn step(name: &str, apply: &str) -> String {
    format!("[[step]]\nname = \"{name}\"\ncheck = \"test -f {name}.done\"\napply = \"{apply}\"\n")
}

#[test]
fn every_up_writes_a_log_with_each_command_and_both_its_streams() {
    let sb = Sandbox::new().manifest(&format!(
        "[project]\nname = \"shop\"\n{}",
        step("x", "echo to-stdout; echo to-stderr >&2; touch x.done")
    ));
    sb.devup(&["--yes"]).code(0);
    let logs = logs(&sb);
    assert_eq!(logs.len(), 1, "{logs:?}");
    let name = logs[0].file_name().unwrap().to_str().unwrap().to_string();
    assert!(name.ends_with(".log") && name.starts_with("20"), "{name}");
    let text = std::fs::read_to_string(&logs[0]).unwrap();
    for expected in [
        "project shop (",
        "step.x: ran `test -f x.done` in ",
        "checked 1 steps\n",
        "step.x: apply: run `echo to-stdout; echo to-stderr >&2; touch x.done`",
        "step.x: ran `echo to-stdout; echo to-stderr >&2; touch x.done`",
        ": exit code 0 in ",
        "  stdout | to-stdout\n",
        "  stderr | to-stderr\n",
        "step.x: changed (",
        "0 ok, 1 changed, 0 failed, 0 skipped in ",
    ] {
        assert!(text.contains(expected), "the log lacks {expected:?}:\n{text}");
    }
    // A converged run logs too, without spawning anything for it.
    sb.devup(&["--timings"]).code(0).stderr_has("1 processes started");
    assert_eq!(self::logs(&sb).len(), 2);
    // `--json` names it.
    let json = sb.devup(&["--json"]).code(0).json();
    assert_eq!(json["log"].as_str().map(PathBuf::from), self::logs(&sb).pop());
}

#[test]
fn the_last_ten_logs_are_kept() {
    let sb = Sandbox::new().manifest(&step("x", "touch x.done"));
    sb.devup(&["--yes"]).code(0);
    let first = logs(&sb);
    for _ in 0..11 {
        sb.devup(&[]).code(0);
    }
    let kept = logs(&sb);
    assert_eq!(kept.len(), 10, "{kept:?}");
    assert!(!kept.contains(&first[0]), "the oldest went first: {kept:?}");
    let newest = std::fs::read_to_string(kept.last().unwrap()).unwrap();
    assert!(newest.contains("1 ok, 0 changed"), "{newest}");
}

#[test]
fn secrets_are_masked_in_the_log_and_in_live_output() {
    let sb = Sandbox::new().manifest("[dependencies]\nvault = { password = \"Open-Sesame-42\" }\n").file(
        ".devup/recipes/dependencies/vault.toml",
        r#"
description = "a login of the project's own"
[params.password]
type = "string"
secret = true

[[step]]
id = "login"
kind = "probe"
probe = { protocol = "path", path = "granted" }
apply = "echo stored password $PW; echo rejected $PW >&2; touch granted"
env = { PW = "{password}" }
secret = ["{password}"]
"#,
    );
    let run = sb.devup(&["--yes", "--verbose"]);
    run.code(0).stderr_has("stored password ***");
    assert!(!run.stderr.contains("Open-Sesame-42"), "{}", run.stderr);
    let text = std::fs::read_to_string(&logs(&sb)[0]).unwrap();
    assert!(text.contains("stdout | stored password ***") && text.contains("stderr | rejected ***"), "{text}");
    assert!(!text.contains("Open-Sesame-42"), "the password is in the log:\n{text}");
}

#[test]
fn a_failure_shows_the_tail_of_both_streams_and_where_the_log_is() {
    let sb = Sandbox::new().manifest(&step("x", "seq 1 30; echo the real reason >&2; exit 3"));
    let run = sb.devup(&["--yes"]);
    run.code(1)
        .stderr_has("failed: step.x: `seq 1 30; echo the real reason >&2; exit 3` failed (exit code 3)")
        .stderr_has("    stdout (last 20 of 30 lines):\n      11\n")
        .stderr_has("      30\n    stderr:\n      the real reason\n");
    assert!(!run.stderr.contains("      10\n"), "only the tail: {}", run.stderr);
    let log = logs(&sb).pop().unwrap();
    run.stderr_has(&format!("log: {}\n", log.display()));
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("  stdout | 1\n") && text.contains("  stdout | 30\n"), "the log has it all: {text}");
    assert!(text.contains("step.x: failed ("), "{text}");
    // A run where nothing fails does not point at its log.
    let ok = Sandbox::new().manifest(&step("y", "touch y.done"));
    assert!(!ok.devup(&["--yes"]).code(0).stderr.contains("log:"));
}

#[test]
fn verbose_streams_each_line_under_its_step_with_progress() {
    let manifest = format!("{}{}", step("a", "echo first; echo second >&2; touch a.done"), step("b", "touch b.done"));
    let quiet = Sandbox::new().manifest(&manifest);
    let run = quiet.devup(&["--yes"]);
    run.code(0).stderr_has("1/2 step.").stderr_has("2/2 step.");
    assert!(!run.stderr.contains("step.a: first\n"), "without -v no output is shown: {}", run.stderr);

    let sb = Sandbox::new().manifest(&manifest);
    let run = sb.devup(&["--yes", "-v", "-j", "1"]);
    run.code(0)
        .stderr_has("→ 1/2 step.a: run `echo first")
        .stderr_has("  step.a: first\n")
        .stderr_has("  step.a: second\n");
    let at = |text: &str| run.stderr.find(text).unwrap_or_else(|| panic!("no {text:?} in {}", run.stderr));
    assert!(at("  step.a: first") < at("changed step.a"), "shown while the step runs: {}", run.stderr);
}

/// Two steps printing at once: every line arrives whole, under its own step.
#[test]
fn parallel_steps_never_mix_within_a_line() {
    let long =
        |c: &str| format!("i=0; while [ $i -lt 300 ]; do echo {}; i=$((i+1)); done; touch {c}.done", c.repeat(300));
    let sb = Sandbox::new().manifest(&format!("{}{}", step("a", &long("a")), step("b", &long("b"))));
    let run = sb.devup(&["--yes", "-v", "-j", "2"]);
    run.code(0);
    let (mut a, mut b) = (0, 0);
    for line in run.stderr.lines().filter(|l| (l.contains("aaaa") || l.contains("bbbb")) && !l.contains("run `")) {
        match line {
            _ if line == format!("  step.a: {}", "a".repeat(300)) => a += 1,
            _ if line == format!("  step.b: {}", "b".repeat(300)) => b += 1,
            _ => panic!("a line was mixed: {line:?}"),
        }
    }
    assert_eq!((a, b), (300, 300));
}

/// At a terminal, with spinners: a line is shown while its command still runs (the command
/// waits for a file this test creates only once it has seen that line).
#[test]
fn verbose_output_is_live_in_a_terminal() {
    let sb = Sandbox::new().manifest(&step(
        "x",
        "echo waiting-for-go; i=0; while [ ! -f go ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i+1)); done; cat go; touch x.done",
    ));
    let mut cmd = sb.command(&["--yes", "-v"]);
    cmd.env_remove("CI").env("TERM", "xterm");
    let mut session = rexpect::session::spawn_command(cmd, Some(20_000)).expect("devup starts in a terminal");
    let before = session.exp_string("step.x: waiting-for-go").unwrap_or_else(|e| panic!("no live line: {e}"));
    assert!(before.contains("1/1"), "the spinner shows the progress: {before:?}");
    std::fs::write(sb.path("go"), "went\n").unwrap();
    session.exp_string("step.x: went").unwrap_or_else(|e| panic!("no second line: {e}"));
    session.exp_string("0 ok, 1 changed").unwrap_or_else(|e| panic!("no summary: {e}"));
    session.exp_eof().unwrap_or_else(|e| panic!("devup did not end: {e}"));
}

/// A run killed half-way (SIGKILL: nothing of devup's runs after it) leaves the steps it
/// finished in its log.
#[test]
fn a_killed_run_leaves_what_it_finished_in_its_log() {
    use std::io::BufRead;
    let sb = Sandbox::new().manifest(&format!(
        "{}{}",
        step("a", "echo made-a; touch a.done"),
        step("b", "sleep 5; touch b.done")
    ));
    let mut child =
        sb.command(&["--yes", "-j", "1"]).stderr(std::process::Stdio::piped()).spawn().expect("devup starts");
    let stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut seen = Vec::new();
    for line in stderr.lines() {
        let line = line.unwrap();
        seen.push(line.clone());
        if line.contains("step.b: run `sleep 5") {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(seen.iter().any(|l| l.starts_with("changed step.a")), "{seen:?}");
    let text = std::fs::read_to_string(&logs(&sb)[0]).unwrap();
    assert!(text.contains("  stdout | made-a\n") && text.contains("step.a: changed ("), "{text}");
    assert!(!text.contains(" changed, "), "no summary: the run did not end\n{text}");
}
