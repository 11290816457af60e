//! Ctrl-C and the prompt, as a person meets them: devup in a real pseudo-terminal (rexpect),
//! the Ctrl-C typed, so the terminal's line discipline sends SIGINT to devup and its commands.

use std::time::{Duration, Instant};

use rexpect::process::WaitStatus;
use rexpect::session::PtySession;

use crate::support::Sandbox;

const SHOW_CURSOR: &str = "\x1b[?25h";

/// `quick`, then `slow` (which waits until it is told to finish by a file), then `last`.
fn project() -> Sandbox {
    Sandbox::new().manifest(
        "[[step]]\nname = \"quick\"\ncheck = \"test -f quick\"\napply = \"touch quick\"\n\n\
         [[step]]\nname = \"slow\"\ncheck = \"test -f slow\"\n\
         apply = \"touch slow-started; if [ -f go ]; then touch slow; else sleep 30; fi\"\nrequires = [\"quick\"]\n\n\
         [[step]]\nname = \"last\"\ncheck = \"test -f last\"\napply = \"touch last\"\nrequires = [\"slow\"]\n",
    )
}

fn at_terminal(sb: &Sandbox, args: &[&str]) -> PtySession {
    let mut cmd = sb.command(args);
    cmd.env_remove("CI").env("TERM", "xterm");
    rexpect::session::spawn_command(cmd, Some(20_000)).expect("devup starts in a terminal")
}

fn exit_code(session: &PtySession) -> i32 {
    match session.process().wait().unwrap() {
        WaitStatus::Exited(_, code) => code,
        other => panic!("devup did not exit: {other:?}"),
    }
}

#[test]
fn ctrl_c_at_the_prompt_gives_the_terminal_back_and_changes_nothing() {
    let sb = project();
    let mut t = at_terminal(&sb, &[]);
    t.exp_string("Apply 3 change(s)?").unwrap();
    t.send_control('c').unwrap();
    let rest = t.exp_eof().unwrap();
    assert_eq!(exit_code(&t), 130, "{rest}");
    assert!(rest.contains(SHOW_CURSOR), "the cursor is shown again: {rest:?}");
    assert!(rest.contains("interrupted: nothing was changed"), "{rest:?}");
    assert!(!sb.path("quick").exists());
}

#[test]
fn ctrl_c_during_apply_stops_the_commands_says_what_was_done_and_the_next_run_finishes() {
    let sb = project();
    let mut t = at_terminal(&sb, &["--yes"]);
    let deadline = Instant::now() + Duration::from_secs(20);
    while !sb.path("slow-started").exists() {
        assert!(Instant::now() < deadline, "the slow step never started");
        std::thread::sleep(Duration::from_millis(50));
    }
    let pressed = Instant::now();
    t.send_control('c').unwrap();
    let rest = t.exp_eof().unwrap();
    assert_eq!(exit_code(&t), 130, "{rest}");
    assert!(pressed.elapsed() < Duration::from_secs(10), "the running command was stopped, not waited for");
    let rest = console::strip_ansi_codes(&rest).replace('\r', "");
    assert!(
        rest.contains(
            "interrupted: 1 changed, 1 stopped while running, 1 not started\n  done: step.quick\n  stopped: step.slow\n  not started: step.last\nrun `devup` again to finish"
        ),
        "{rest}"
    );
    assert!(rest.contains("stopped step.slow") && !rest.contains("failed step.slow"), "{rest}");
    assert!(sb.path("quick").exists() && !sb.path("last").exists());

    // The next run carries on: only what was not done.
    sb.write("go", "");
    let run = sb.devup(&["--yes"]);
    run.code(0);
    assert_eq!(run.summary(), (1, 2, 0, 0), "{}", run.stderr);
    assert!(sb.path("last").exists());
}

#[test]
fn quiet_at_a_terminal_shows_the_plan_before_asking() {
    let sb = project();
    let mut t = at_terminal(&sb, &["--quiet"]);
    let before = t.exp_string("Apply 3 change(s)?").unwrap();
    // The key is typed once the prompt reads keys (it hides the cursor then).
    t.exp_string("\x1b[?25l").unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let before = console::strip_ansi_codes(&before).replace('\r', "");
    assert!(before.contains("3 of 3 steps to change") && before.contains("+ step.quick"), "{before}");
    t.send("n").unwrap();
    t.flush().unwrap();
    let rest = t.exp_eof().unwrap();
    assert_eq!(exit_code(&t), 4, "{rest}");
    assert!(!sb.path("quick").exists());
    // With --yes it does not ask, and --quiet keeps the plan to itself.
    sb.write("go", "");
    let mut t = at_terminal(&sb, &["--quiet", "--yes"]);
    let all = console::strip_ansi_codes(&t.exp_eof().unwrap()).replace('\r', "");
    assert_eq!(exit_code(&t), 0, "{all}");
    assert!(!all.contains("Apply") && !all.contains("steps to change"), "{all}");
    assert!(sb.path("last").exists());
}
