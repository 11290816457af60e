//! What a command-line tool is expected to do: `--color`, NO_COLOR, coloured errors at a
//! terminal, a manual page.

use rexpect::process::WaitStatus;

use crate::support::Sandbox;

const ESC: &str = "\x1b[";

fn no_project() -> Sandbox {
    let sb = Sandbox::new();
    std::fs::remove_file(sb.path("devup.toml")).ok();
    sb
}

#[test]
fn color_always_and_never_override_the_terminal_and_no_color() {
    let sb = no_project();
    // The sandbox sets NO_COLOR and has no terminal: `auto` is plain, `always` colours anyway.
    let plain = sb.devup(&[]);
    plain.code(3).stderr_has("error: no devup.toml");
    assert!(!plain.stderr.contains(ESC), "{:?}", plain.stderr);
    let coloured = sb.devup(&["--color", "always"]);
    coloured.code(3);
    assert!(
        coloured.stderr.contains(&format!("{ESC}1;31merror:")) || coloured.stderr.contains(&format!("{ESC}31m")),
        "{:?}",
        coloured.stderr
    );
    assert!(coloured.stderr.contains("hint:") && coloured.stderr.matches(ESC).count() >= 2, "{:?}", coloured.stderr);
    let never = sb.devup(&["--color", "never", "plan"]);
    assert!(!never.stderr.contains(ESC), "{:?}", never.stderr);
    sb.devup(&["--color", "sometimes"]).code(3).stderr_has("[possible values: auto, always, never]");
}

/// At a terminal, `auto` colours errors, unless NO_COLOR is set.
#[test]
fn errors_are_coloured_at_a_terminal_unless_no_color() {
    let sb = no_project();
    for (no_color, coloured) in [(false, true), (true, false)] {
        let mut cmd = sb.command(&["plan"]);
        cmd.env_remove("CI").env_remove("NO_COLOR").env("TERM", "xterm");
        if no_color {
            cmd.env("NO_COLOR", "1");
        }
        let mut t = rexpect::session::spawn_command(cmd, Some(20_000)).unwrap();
        let text = t.exp_eof().unwrap();
        assert!(matches!(t.process().wait().unwrap(), WaitStatus::Exited(_, 3)), "{text}");
        assert!(text.contains("no devup.toml"), "{text:?}");
        assert_eq!(text.contains(ESC), coloured, "NO_COLOR={no_color}: {text:?}");
    }
}

#[test]
fn devup_man_prints_a_manual_page_from_the_command_line() {
    let sb = no_project();
    let run = sb.devup(&["man"]);
    run.code(0);
    let page = &run.stdout;
    assert!(page.contains(".TH devup 1"), "{page}");
    for part in [".SH NAME", ".SH SYNOPSIS", ".SH OPTIONS", ".SH SUBCOMMANDS", "\\-\\-color", "130 interrupted"] {
        assert!(page.contains(part), "{part:?} in\n{page}");
    }
    for command in ["devup\\-plan", "devup\\-trust", "devup\\-man"] {
        assert!(page.contains(command), "{command:?} in\n{page}");
    }
    assert!(!page.contains("hook\\-env"), "the hidden hook is not documented to people");
    // Each page it refers to exists: printed by name, and written with the others.
    let plan = sb.devup(&["man", "plan"]);
    plan.code(0).stdout_has(".TH devup-plan 1").stdout_has("\\-\\-json");
    sb.devup(&["man", "nothing"]).code(4).stderr_has("the commands: up, lock, plan");
    let dir = sb.root().join("man1");
    sb.devup(&["man", "--dir", dir.to_str().unwrap()]).code(0);
    for name in ["devup", "devup-plan", "devup-trust", "devup-man", "devup-exec"] {
        assert!(dir.join(format!("{name}.1")).is_file(), "{name}.1");
    }
    assert!(!dir.join("devup-hook-env.1").exists());
}
