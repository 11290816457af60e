//! `devup exec`: a command in the project's environment, its exit code passed through, no shell
//! unless asked for; with no command, the user's shell.

use crate::activate::{SHOP, make_executable};
use crate::support::Sandbox;

fn shop() -> Sandbox {
    let sb = Sandbox::new().manifest(SHOP).file(".venv/bin/shoptool", "#!/bin/sh\necho \"shop's tool: $APP_MODE\"\n");
    make_executable(&sb.path(".venv/bin/shoptool"));
    sb
}

#[test]
fn a_command_runs_in_the_projects_environment_and_its_exit_code_is_devups() {
    let sb = shop();
    let run = sb.devup(&["exec", "--", "sh", "-c", "echo \"$DATABASE_URL $REDIS_PORT\"; command -v shoptool; exit 7"]);
    run.code(7);
    assert_eq!(run.stdout, format!("postgres://db.internal/shop 6390\n{}\n", sb.path(".venv/bin/shoptool").display()));
    // Found on the project's PATH, without a shell.
    sb.devup(&["exec", "--", "shoptool"]).code(0).stdout_has("shop's tool: dev");
    // From a subdirectory, and without `--`.
    std::fs::create_dir_all(sb.path("src")).unwrap();
    let mut cmd = sb.command(&["exec", "shoptool"]);
    cmd.current_dir(sb.path("src"));
    let out = cmd.output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "shop's tool: dev\n");
}

#[test]
fn no_shell_runs_the_command_unless_asked() {
    let sb = shop();
    let run = sb.devup(&["exec", "--", "printf", "%s|", "$HOME", "a;b", "*", "--flag"]);
    run.code(0);
    assert_eq!(run.stdout, "$HOME|a;b|*|--flag|");
}

#[test]
fn a_command_that_cannot_start_exits_as_in_a_shell() {
    let sb = shop().file("not-executable", "echo hi\n");
    sb.devup(&["exec", "--", "no-such-command-here"]).code(127).stderr_has("cannot run `no-such-command-here`");
    let path = sb.path("not-executable").display().to_string();
    sb.devup(&["exec", "--", &path]).code(126).stderr_has("Permission denied");
}

#[test]
fn with_no_command_the_users_shell_opens_in_the_environment() {
    let sb = shop().stub("my-shell", "echo \"in my shell: $APP_MODE $*\"; exit 3");
    let shell = sb.root().join("bin").join("my-shell").display().to_string();
    let run = sb.env("SHELL", &shell).devup(&["exec"]);
    run.code(3).stdout_has("in my shell: dev \n").stderr_has("devup: shop activated in a new my-shell: 5 variables");
}

#[test]
fn an_unapproved_project_is_refused_without_a_terminal_unless_trust_is_given() {
    let sb = shop().untrusted();
    sb.devup(&["exec", "--", "true"])
        .code(4)
        .stderr_has("the project's [env] has not been approved")
        .stderr_has("APP_MODE = \"dev\"")
        .stderr_has("devup trust");
    sb.devup(&["--trust", "exec", "--", "sh", "-c", "echo $APP_MODE"]).code(0).stdout_has("dev");
    // Recorded: no flag needed any more.
    sb.devup(&["exec", "--", "true"]).code(0);
}

#[test]
fn in_an_activated_shell_the_project_is_not_applied_twice() {
    let sb = shop();
    sb.devup(&["trust", "--yes"]).code(0);
    let hook = sb.devup(&["activate", "bash"]).stdout.clone();
    let script = format!(
        "{hook}\nexport DATABASE_URL=mine\n_devup_hook\nunset -f _devup_hook\n\"$DEVUP\" exec -- sh -c 'echo \"$PATH\"; echo \"$DATABASE_URL\"'"
    );
    let run = {
        let out =
            sb.program("bash", &["--norc", "-c", &script]).env("DEVUP", env!("CARGO_BIN_EXE_devup")).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let venv = sb.path(".venv/bin").display().to_string();
    let mut lines = run.lines();
    let path = lines.next().unwrap();
    assert_eq!(path.matches(&venv).count(), 1, "{path}");
    assert!(path.starts_with(&venv), "{path}");
    assert_eq!(lines.next(), Some("postgres://db.internal/shop"));
}
