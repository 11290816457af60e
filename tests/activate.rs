//! Activation: a shell in a project's tree has the project's environment, and gets its own back
//! on leaving; one line when that switches, nothing otherwise; an unapproved or invalid project
//! is not activated. These drive bash without a terminal, calling the hook as bash does before
//! each prompt (`terminal.rs` does the same in real pseudo-terminals, in bash, zsh and fish).

use crate::support::{Run, Sandbox};

/// A project with its own variables, a datastore's and a venv whose `bin` goes first on PATH.
pub const SHOP: &str = r#"[project]
name = "shop"

[datastores]
redis = { port = 6390 }

[dependencies]
pip = {}

[env]
APP_MODE = "dev"
DATABASE_URL = "postgres://db.internal/shop"
"#;

pub const BLOG: &str = "[project]\nname = \"blog\"\n\n[env]\nDATABASE_URL = \"postgres://db.internal/blog\"\n";

/// The sandbox's project is the shop, with a tool in its venv; the blog, an unapproved project
/// and a directory outside any project are beside it. The shop and the blog are approved.
pub fn projects() -> Sandbox {
    let sb =
        Sandbox::new().manifest(SHOP).file("sub/keep", "").file(".venv/bin/shoptool", "#!/bin/sh\necho shop's tool\n");
    make_executable(&sb.path(".venv/bin/shoptool"));
    for (dir, text) in [("blog", BLOG), ("wild", "[project]\nname = \"wild\"\n[env]\nLD_PRELOAD = \"./evil.so\"\n")] {
        std::fs::create_dir_all(sb.root().join(dir)).unwrap();
        std::fs::write(sb.root().join(dir).join("devup.toml"), text).unwrap();
    }
    std::fs::create_dir_all(sb.root().join("out")).unwrap();
    approve(&sb, "project");
    approve(&sb, "blog");
    sb
}

pub fn approve(sb: &Sandbox, dir: &str) {
    let dir = sb.root().join(dir);
    sb.devup(&["-C", dir.to_str().unwrap(), "trust", "--yes"]).code(0);
}

pub fn make_executable(path: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// The bash hook, calling devup through a stub that logs each call (`sb.calls("devup-hook")`).
fn hook(sb: &Sandbox) -> String {
    let real = env!("CARGO_BIN_EXE_devup");
    let text = sb.devup(&["activate", "bash"]).code(0).stdout.clone();
    assert!(text.contains(real), "the hook names this devup:\n{text}");
    text.replace(real, &sb.root().join("bin").join("devup-hook").display().to_string())
}

/// Runs a bash script after the hook; `prompt` stands for what bash does before a prompt.
fn session(sb: Sandbox, script: &str) -> (Sandbox, Run) {
    let sb = sb.stub("devup-hook", &format!("exec '{}' \"$@\"", env!("CARGO_BIN_EXE_devup")));
    let root = sb.root().display().to_string();
    let text = format!(
        "set -u\n{}\nprompt() {{ _devup_hook; }}\nshow() {{ printf '[%s] mode=<%s> db=<%s> port=<%s> tool=<%s>\\n' \"$1\" \"${{APP_MODE-}}\" \"${{DATABASE_URL-}}\" \"${{REDIS_PORT-}}\" \"$(command -v shoptool)\"; }}\nROOT='{root}'\n{script}",
        hook(&sb)
    );
    let out = sb.program("bash", &["--norc", "--noprofile", "-c", &text]).output().unwrap();
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    (sb, run)
}

/// The lines devup said.
fn said(run: &Run) -> Vec<&str> {
    run.stderr.lines().filter(|l| l.starts_with("devup:")).collect()
}

#[test]
fn entering_applies_the_project_and_leaving_gives_the_shell_back_exactly() {
    let (sb, run) = session(
        projects(),
        r#"
export DATABASE_URL=mine
snapshot() { env | LC_ALL=C sort | grep -v -e '^PWD=' -e '^OLDPWD=' -e '^_=' -e '^SHLVL='; }
before=$(snapshot)
cd "$ROOT/out"; prompt; show out
cd "$ROOT/project"; prompt; show shop
cd sub; prompt; show sub
cd "$ROOT/blog"; prompt; show blog
cd "$ROOT/out"; prompt; show out
after=$(snapshot)
if [ "$before" = "$after" ]; then echo restored; else diff <(echo "$before") <(echo "$after"); fi
"#,
    );
    run.code(0);
    let venv_tool = sb.path(".venv/bin/shoptool").display().to_string();
    assert_eq!(
        run.stdout,
        format!(
            "[out] mode=<> db=<mine> port=<> tool=<>
[shop] mode=<dev> db=<postgres://db.internal/shop> port=<6390> tool=<{venv_tool}>
[sub] mode=<dev> db=<postgres://db.internal/shop> port=<6390> tool=<{venv_tool}>
[blog] mode=<> db=<postgres://db.internal/blog> port=<> tool=<>
[out] mode=<> db=<mine> port=<> tool=<>
restored
"
        )
    );
    assert_eq!(
        said(&run),
        [
            "devup: shop activated: 5 variables, 1 directory first on PATH",
            "devup: blog activated: 1 variable; shop deactivated",
            "devup: blog deactivated",
        ],
        "{}",
        run.stderr
    );
}

#[test]
fn outside_any_project_devup_is_not_started_and_in_one_it_is_silent_once_applied() {
    let (sb, run) = session(
        projects(),
        r#"
cd "$ROOT/out"; prompt; prompt; prompt
cd /; prompt
cd "$ROOT/project"; prompt
again=$("$ROOT/bin/devup-hook" hook-env bash 2>&1)
printf 'again=<%s>\n' "$again"
prompt; prompt
# An edit that keeps devup.toml's size, inode and mtime is not seen: the file is not read
# again while its stamp holds (a read would find it changed since its approval).
touch -r devup.toml stamp
text=$(cat devup.toml); printf '%s\n' "${text/\"dev\"/\"xyz\"}" > devup.toml
touch -r stamp devup.toml
prompt; show unread
touch devup.toml
prompt; show read
"#,
    );
    run.code(0).stdout_has("again=<>").stdout_has("[unread] mode=<dev>").stdout_has("[read] mode=<>");
    assert_eq!(
        said(&run),
        [
            "devup: shop activated: 5 variables, 1 directory first on PATH",
            "devup: shop deactivated: it changed since you approved it; review the change with `devup trust`"
        ],
        "{}",
        run.stderr
    );
    // Four prompts outside: no process. In the project: the activation, the explicit call, and
    // four prompts.
    assert_eq!(sb.calls("devup-hook").len(), 6, "{:?}", sb.calls("devup-hook"));
}

#[test]
fn an_unapproved_project_is_not_activated_and_the_line_says_how_to_approve_it() {
    let (_, run) = session(
        projects(),
        r#"
export LD_PRELOAD=
cd "$ROOT/wild"; prompt; prompt
printf 'preload=<%s>\n' "$LD_PRELOAD"
"$ROOT/bin/devup-hook" trust --yes >/dev/null 2>&1
prompt
printf 'preload=<%s>\n' "$LD_PRELOAD"
cd "$ROOT/out"; prompt
printf 'preload=<%s>\n' "$LD_PRELOAD"
"#,
    );
    run.code(0);
    assert_eq!(run.stdout, "preload=<>\npreload=<./evil.so>\npreload=<>\n");
    assert_eq!(
        said(&run),
        [
            "devup: wild not activated: its [env] is not approved on this machine; review with `devup trust`",
            "devup: wild activated: 1 variable",
            "devup: wild deactivated",
        ],
        "{}",
        run.stderr
    );
}

#[test]
fn an_edit_that_needs_approval_deactivates_until_approved() {
    let (_, run) = session(
        projects(),
        r#"
cd "$ROOT/project"; prompt; show before
sed -i 's/APP_MODE = "dev"/APP_MODE = "test"/' devup.toml
prompt; show edited; prompt
"$ROOT/bin/devup-hook" trust --yes >/dev/null 2>&1
prompt; show approved
"#,
    );
    run.code(0);
    let lines: Vec<&str> = run.stdout.lines().map(|l| &l[..l.find(" db=").unwrap()]).collect();
    assert_eq!(lines, ["[before] mode=<dev>", "[edited] mode=<>", "[approved] mode=<test>"]);
    assert_eq!(
        said(&run),
        [
            "devup: shop activated: 5 variables, 1 directory first on PATH",
            "devup: shop deactivated: it changed since you approved it; review the change with `devup trust`",
            "devup: shop activated: 5 variables, 1 directory first on PATH",
        ],
        "{}",
        run.stderr
    );
}

#[test]
fn a_change_of_what_devup_exports_updates_the_shell_and_names_what_changed() {
    // Nothing of the project's own to approve: a datastore's port moves.
    let sb = Sandbox::new().manifest("[project]\nname = \"cache\"\n[datastores]\nredis = { port = 6390 }\n");
    let (_, run) = session(
        sb,
        r#"
prompt; show first
sed -i 's/6390/6391/' devup.toml
prompt; show moved; prompt
"#,
    );
    run.code(0).stdout_has("[first] mode=<> db=<> port=<6390>").stdout_has("[moved] mode=<> db=<> port=<6391>");
    assert_eq!(
        said(&run),
        ["devup: cache activated: 3 variables", "devup: cache updated: REDIS_PORT, REDIS_URL"],
        "{}",
        run.stderr
    );
}

#[test]
fn an_invalid_project_file_is_said_once_and_activated_once_fixed() {
    let (_, run) = session(
        projects(),
        r#"
cp devup.toml good.toml
printf '[envv]\nX = 1\n' >> devup.toml
prompt; prompt; show broken
cp good.toml devup.toml
"$ROOT/bin/devup-hook" trust --yes >/dev/null 2>&1
prompt; show fixed
"#,
    );
    run.code(0).stdout_has("[broken] mode=<> db=<>").stdout_has("[fixed] mode=<dev>");
    let lines = said(&run);
    assert_eq!(lines.len(), 2, "{}", run.stderr);
    assert!(lines[0].starts_with("devup: project not activated: ") && lines[0].contains("envv"), "{}", lines[0]);
    assert!(lines[0].ends_with("(`devup plan` shows where)"), "{}", lines[0]);
    assert_eq!(lines[1], "devup: shop activated: 5 variables, 1 directory first on PATH");
}

#[test]
fn a_value_the_user_set_while_active_is_theirs_and_stays() {
    let (_, run) = session(
        projects(),
        r#"
export APP_MODE=before
cd "$ROOT/project"; prompt
export DATABASE_URL=edited-by-hand
PATH="/my/own/bin:$PATH"
cd "$ROOT/out"; prompt; show out
printf 'path=<%s>\n' "${PATH%%:*}"
case ":$PATH:" in *"/.venv/bin:"*) echo "the venv is still on PATH";; esac
"#,
    );
    run.code(0).stdout_has("[out] mode=<before> db=<edited-by-hand>").stdout_has("path=</my/own/bin>");
    assert!(!run.stdout.contains("still on PATH"), "{}", run.stdout);
}

#[test]
fn activation_never_runs_the_projects_commands() {
    let sb = Sandbox::new()
        .manifest("[project]\nname = \"steps\"\n[env]\nA = \"1\"\n[[step]]\nname = \"s\"\ncheck = \"step-check\"\napply = \"step-apply\"\n")
        .stub("step-check", "exit 1")
        .stub("step-apply", "exit 0");
    approve(&sb, "project");
    let (sb, run) = session(sb, "prompt; printf 'A=<%s>\\n' \"$A\"");
    run.code(0).stdout_has("A=<1>");
    assert!(sb.calls("step-check").is_empty() && sb.calls("step-apply").is_empty());
    // Nor converges: devup wrote nothing of its own for the project.
    assert!(
        !sb.state_dir().join("projects").read_dir().unwrap().flatten().any(|d| d.path().join("state.json").exists())
    );
}

#[test]
fn the_hooks_are_what_each_shell_evaluates() {
    let sb = Sandbox::new();
    for shell in ["bash", "zsh", "fish"] {
        let run = sb.devup(&["activate", shell]);
        run.code(0);
        let text = run.stdout.replace(env!("CARGO_BIN_EXE_devup"), "/path/to/devup");
        insta::assert_snapshot!(format!("hook_{shell}"), text);
    }
    sb.devup(&["activate", "tcsh"]).code(3).stderr_has("invalid value 'tcsh'");
}
