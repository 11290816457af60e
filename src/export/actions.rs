//! A step's actions ([`crate::step::action`]) as POSIX shell: the same description `devup up`
//! performs, written for the exported script. The helpers it calls (`say`, `tool_identity`,
//! `input_sha`) are the prelude's.

use super::{ScriptCx, exports, quote};
use crate::step::action::{Action, FileContent, Init, Run, RunAs, StampLine, Test};

/// The actions as the body of an apply function.
pub fn render(actions: &[Action], cx: &ScriptCx) -> String {
    let lines: Vec<String> = actions.iter().map(|action| render_one(action, cx)).collect();
    if lines.is_empty() { ":".to_string() } else { lines.join("\n") }
}

fn render_one(action: &Action, cx: &ScriptCx) -> String {
    match action {
        Action::Run(run) => render_run(run, cx),
        Action::MakeDir { path, mode } => {
            let path = cx.path(path);
            match mode {
                Some(mode) => format!("mkdir -p {path}\nchmod {mode:o} {path}"),
                None => format!("mkdir -p {path}"),
            }
        }
        // The script cannot ask: a real file in the way is kept as NAME.devup-backup, then replaced.
        Action::Link { path, target } => {
            let (shown, target) = (cx.rel(path), quote(&target.display().to_string()));
            let backup = quote(&format!("{shown}.devup-backup"));
            let path = cx.path(path);
            format!(
                "if [ -e {path} ] && [ ! -L {path} ]; then mv {path} {backup}; say {}; fi\nmkdir -p \"$(dirname {path})\"\nln -sfn {target} {path}",
                quote(&format!("    kept the old {shown} as {shown}.devup-backup"))
            )
        }
        Action::RemoveFile(path) => format!("rm -f {}", cx.path(path)),
        Action::Stamp { path, lines } => {
            let path = cx.path(path);
            format!("mkdir -p \"$(dirname {path})\"\n{{\n{}\n}} >{path}", stamp_lines(lines, cx))
        }
        Action::Fail { message, hint } => {
            let mut text = format!("printf 'error: %s\\n' {} >&2", quote(message));
            if let Some(hint) = hint {
                text.push_str(&format!("\nprintf 'hint: %s\\n' {} >&2", quote(hint)));
            }
            text.push_str("\nexit 1");
            text
        }
        Action::If { test, then, otherwise } => {
            let mut text = format!("if {}; then\n{}", render_test(test, cx), render(then, cx));
            if !otherwise.is_empty() {
                text.push_str(&format!("\nelse\n{}", render(otherwise, cx)));
            }
            text.push_str("\nfi");
            text
        }
        Action::WriteFile { path, content, mode } => write_file(path, content, *mode, cx),
        Action::SetMode { path, mode } => format!("chmod {mode:o} {}", cx.path(path)),
        Action::Fingerprint(_) => ": devup alone records what no check reads back".to_string(),
        Action::WaitFor { probe, timeout, what, hint } => wait_for(probe, *timeout, what, hint, cx),
    }
}

/// The probe asked five times a second until it answers; when the time is up the step fails
/// as devup's does, without the probe's last words (the shell's checks have none).
fn wait_for(
    probe: &crate::protocols::Probe,
    timeout: std::time::Duration,
    what: &str,
    hint: &Option<String>,
    cx: &ScriptCx,
) -> String {
    let probe = match super::client_checks::shell(probe, cx) {
        Ok(probe) => probe,
        Err(why) => return render_one(&Action::Fail { message: why, hint: None }, cx),
    };
    let secs = timeout.as_secs();
    let failed = Action::Fail { message: format!("{what} did not answer within {secs}s"), hint: hint.clone() };
    format!(
        "_n=0\nuntil {probe}; do\n_n=$((_n + 1))\nif [ \"$_n\" -gt {tries} ]; then\n{failed}\nfi\nsleep 0.2\ndone",
        tries = secs * 5,
        failed = render_one(&failed, cx),
    )
}

/// The script cannot tell a person's edit from devup's older content: a differing file is kept
/// as NAME.devup-backup, then replaced through a temporary file.
fn write_file(path: &std::path::Path, content: &FileContent, mode: Option<u32>, cx: &ScriptCx) -> String {
    let mode_word = mode.map(|m| format!(" {m:o}")).unwrap_or_default();
    match content {
        FileContent::Text(text) => format!("write_file {} {}{mode_word}", cx.path(path), quote(text)),
        // A copy keeps the bytes as they are, trailing newlines included.
        FileContent::CopyOf(from) => {
            let (from, shown) = (cx.path(from), cx.rel(path));
            let (backup, tmp) = (quote(&format!("{shown}.devup-backup")), quote(&format!("{shown}.devup-tmp")));
            let path = cx.path(path);
            let mut text = format!(
                "mkdir -p \"$(dirname {path})\"\n[ ! -f {path} ] || cmp -s {from} {path} || cp -p {path} {backup}\ncp {from} {tmp}\nmv -f {tmp} {path}"
            );
            if let Some(mode) = mode {
                text.push_str(&format!("\nchmod {mode:o} {path}"));
            }
            text
        }
    }
}

/// A command in its directory, with its variables: in a subshell, so that neither outlives it.
fn render_run(run: &Run, cx: &ScriptCx) -> String {
    let command = match &run.run_as {
        None => run.shell.clone(),
        // sudo resets the environment: the command's variables go as `env`'s arguments, as devup
        // passes them as sudo's.
        Some(RunAs::Root) if !run.env.is_empty() => {
            let env: Vec<String> = run.env.iter().map(|(k, v)| quote(&format!("{k}={v}"))).collect();
            format!("as_root env {} sh -c {}", env.join(" "), quote(&run.shell))
        }
        Some(RunAs::Root) => format!("as_root sh -c {}", quote(&run.shell)),
        Some(RunAs::User(user)) => format!("as_user {} {}", quote(user), quote(&run.shell)),
    };
    // As root the variables went with the command; otherwise they are exported for it.
    let exported = if run.run_as == Some(RunAs::Root) { String::new() } else { exports(&run.env) };
    if run.cwd.is_none() && exported.is_empty() {
        return command;
    }
    let cd = run.cwd.as_ref().map(|dir| format!("cd {}\n", cx.path(dir))).unwrap_or_default();
    format!("(\n{cd}{exported}{command}\n)")
}

/// A condition as a shell test.
pub fn render_test(test: &Test, cx: &ScriptCx) -> String {
    match test {
        Test::Exists(path) => format!("test -e {}", cx.path(path)),
        Test::NotADirectory(path) => format!("{{ test -e {0} && ! test -d {0}; }}", cx.path(path)),
        Test::Not(test) => format!("! {}", render_test(test, cx)),
        Test::InitSystem(init) => match init {
            // systemd's own test (`sd_booted`).
            Init::Systemd => "[ -d /run/systemd/system ]".to_string(),
            Init::OpenRc => "command -v rc-service >/dev/null 2>&1".to_string(),
            Init::Launchd => "[ \"$(uname -s)\" = Darwin ]".to_string(),
        },
    }
}

/// A record's lines as commands printing them, one per line: the text devup computes
/// ([`crate::step::action::stamp_text`]).
pub fn stamp_lines(lines: &[StampLine], cx: &ScriptCx) -> String {
    let printed: Vec<String> = lines
        .iter()
        .map(|line| match line {
            StampLine::Text(text) => format!("printf '%s\\n' {}", quote(text)),
            StampLine::Tool(name) => {
                format!("printf 'tool %s %s\\n' {} \"$(tool_identity {})\"", quote(name), quote(name))
            }
            StampLine::Input { shown, path } => {
                format!("printf 'input %s %s\\n' {} \"$(input_sha {})\"", quote(shown), cx.path(path))
            }
        })
        .collect();
    printed.join("\n")
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::facts::Facts;

    /// Runs the rendered actions with the script's prelude in `dir`, as the script does.
    fn run_in(dir: &Path, actions: &[Action]) -> std::process::Output {
        let facts = Facts::for_tests();
        let cx = ScriptCx::for_tests(&facts, dir, "test.step");
        let script = format!("{}\nset -eu\n{}\n", include_str!("prelude.sh"), render(actions, &cx));
        std::process::Command::new("sh").arg("-c").arg(script).current_dir(dir).output().unwrap()
    }

    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn a_written_file_replaces_a_differing_one_keeping_it_as_a_backup() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("conf/app.ini");
        let write = |text: &str| Action::WriteFile {
            path: path.clone(),
            content: FileContent::Text(text.into()),
            mode: Some(0o600),
        };
        assert!(run_in(dir.path(), &[write("a='1'\n")]).status.success());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "a='1'\n");
        assert_eq!(mode(&path), 0o600);
        let out = run_in(dir.path(), &[write("two")]);
        assert!(out.status.success(), "{out:?}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "two");
        assert_eq!(std::fs::read_to_string(dir.path().join("conf/app.ini.devup-backup")).unwrap(), "a='1'\n");
    }

    #[test]
    fn a_copy_created_once_is_then_only_given_its_mode() {
        let dir = tempfile::tempdir().unwrap();
        let (from, to) = (dir.path().join(".env.example"), dir.path().join(".env"));
        std::fs::write(&from, "KEY=example\n\n").unwrap();
        let once = [Action::If {
            test: Test::Not(Box::new(Test::Exists(to.clone()))),
            then: vec![Action::WriteFile {
                path: to.clone(),
                content: FileContent::CopyOf(from.clone()),
                mode: Some(0o600),
            }],
            otherwise: vec![Action::SetMode { path: to.clone(), mode: 0o600 }],
        }];
        assert!(run_in(dir.path(), &once).status.success());
        assert_eq!(std::fs::read_to_string(&to).unwrap(), "KEY=example\n\n", "the bytes as they are");
        assert_eq!(mode(&to), 0o600);
        std::fs::write(&to, "KEY=mine").unwrap();
        std::fs::set_permissions(&to, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
        assert!(run_in(dir.path(), &once).status.success());
        assert_eq!(std::fs::read_to_string(&to).unwrap(), "KEY=mine");
        assert_eq!(mode(&to), 0o600);

        let copy = [Action::WriteFile { path: to.clone(), content: FileContent::CopyOf(from), mode: None }];
        assert!(run_in(dir.path(), &copy).status.success());
        assert_eq!(std::fs::read_to_string(&to).unwrap(), "KEY=example\n\n");
        assert_eq!(std::fs::read_to_string(dir.path().join(".env.devup-backup")).unwrap(), "KEY=mine");
    }

    #[test]
    fn a_command_as_an_account_runs_in_its_directory_with_its_variables() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let me = String::from_utf8(std::process::Command::new("id").arg("-un").output().unwrap().stdout).unwrap();
        let run = Run::new("printf '%s %s' \"$GREETING\" \"$(basename \"$PWD\")\" > it")
            .cwd(dir.path().join("sub"))
            .envs(&[("GREETING".into(), "hi there".into())])
            .run_as(Some(RunAs::User(me.trim().to_string())));
        let out = run_in(dir.path(), &[Action::Run(run), Action::Fingerprint("sha".into())]);
        assert!(out.status.success(), "{out:?}");
        assert_eq!(std::fs::read_to_string(dir.path().join("sub/it")).unwrap(), "hi there sub");
    }

    #[test]
    fn a_command_as_root_passes_its_own_variables_through_sudo() {
        let facts = Facts::for_tests();
        let cx = ScriptCx::for_tests(&facts, Path::new("/p"), "s");
        let run = |env: &[(String, String)]| Run::new("systemctl start it").envs(env).run_as(Some(RunAs::Root));
        assert_eq!(render(&[Action::Run(run(&[]))], &cx), "as_root sh -c 'systemctl start it'");
        assert_eq!(
            render(&[Action::Run(run(&[("A".into(), "b c".into())]))], &cx),
            "as_root env 'A=b c' sh -c 'systemctl start it'"
        );
    }

    #[test]
    fn the_init_system_is_asked_of_the_machine_the_script_runs_on() {
        let facts = Facts::for_tests();
        let cx = ScriptCx::for_tests(&facts, Path::new("/p"), "s");
        let test = |init| render_test(&Test::InitSystem(init), &cx);
        assert_eq!(test(Init::Systemd), "[ -d /run/systemd/system ]");
        assert_eq!(test(Init::OpenRc), "command -v rc-service >/dev/null 2>&1");
        assert_eq!(test(Init::Launchd), "[ \"$(uname -s)\" = Darwin ]");
        let dir = tempfile::tempdir().unwrap();
        let darwin = [Action::If {
            test: Test::InitSystem(Init::Launchd),
            then: vec![Action::MakeDir { path: dir.path().join("darwin"), mode: None }],
            otherwise: vec![Action::MakeDir { path: dir.path().join("other"), mode: None }],
        }];
        assert!(run_in(dir.path(), &darwin).status.success());
        assert_eq!(dir.path().join("darwin").exists(), cfg!(target_os = "macos"));
        assert_eq!(dir.path().join("other").exists(), !cfg!(target_os = "macos"));
    }

    #[test]
    fn waiting_for_a_probe_ends_when_it_answers_or_fails_with_the_message_and_hint() {
        let dir = tempfile::tempdir().unwrap();
        let ready = dir.path().join("ready");
        let wait = |timeout: u64| Action::WaitFor {
            probe: crate::protocols::Probe::Path(ready.clone(), None),
            timeout: std::time::Duration::from_secs(timeout),
            what: "the server".into(),
            hint: Some("see its log".into()),
        };
        let out = run_in(dir.path(), &[wait(0)]);
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            "error: the server did not answer within 0s\nhint: see its log\n"
        );
        let started = Action::Run(Run::new("(sleep 0.3; touch ready) >/dev/null 2>&1 &"));
        let out = run_in(dir.path(), &[started, wait(10)]);
        assert!(out.status.success(), "{out:?}");
        assert!(ready.exists());
    }
}
