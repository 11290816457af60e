//! A step's actions ([`crate::step::action`]) as POSIX shell: the same description `devup up`
//! performs, written for the exported script. The helpers it calls (`say`, `tool_identity`,
//! `input_sha`) are the prelude's.

use crate::shell::{exports, quote, version_test};
use crate::step::ScriptCx;
use crate::step::action::{Action, FileContent, Init, Run, RunAs, StampLine, SystemPackage, Test};
use crate::tools::prebuilt::{Build, Spec};
use crate::version::Constraint;

/// The actions as the body of an apply function. A failure put off ([`Action::FailLater`])
/// fails it at its end.
pub fn render(actions: &[Action], cx: &ScriptCx) -> String {
    let body = render_list(actions, cx);
    if body.contains(FAILED_LATER) {
        format!("{FAILED_LATER}=0\n{body}\n[ \"${FAILED_LATER}\" = 0 ] || exit 1")
    } else {
        body
    }
}

/// The variable a failure put off sets.
const FAILED_LATER: &str = "_failed_later";

fn render_list(actions: &[Action], cx: &ScriptCx) -> String {
    let lines: Vec<String> =
        actions.iter().map(|action| render_one(action, cx)).filter(|line| !line.is_empty()).collect();
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
            let mut text = format!("if {}; then\n{}", render_test(test, cx), render_list(then, cx));
            // An `otherwise` that is one more condition is an `elif`: a chain reads as one.
            let mut rest = otherwise;
            while let [Action::If { test, then, otherwise }] = rest.as_slice() {
                text.push_str(&format!("\nelif {}; then\n{}", render_test(test, cx), render_list(then, cx)));
                rest = otherwise;
            }
            if !rest.is_empty() {
                text.push_str(&format!("\nelse\n{}", render_list(rest, cx)));
            }
            text.push_str("\nfi");
            text
        }
        Action::WriteFile { path, content, mode, owner } => {
            let written = write_file(path, content, *mode, cx);
            match owner {
                Some(owner) => format!("{written}\n{}", give_when_root(path, owner, cx)),
                None => written,
            }
        }
        Action::SetMode { path, mode } => format!("chmod {mode:o} {}", cx.path(path)),
        Action::Fingerprint(_) => ": devup alone records what no check reads back".to_string(),
        Action::InstallPackages { packages, .. } => install_packages(packages, cx),
        Action::InstallPackagesWith { names, .. } => {
            let names: Vec<String> = names.iter().map(|n| quote(n)).collect();
            format!("pkg_install {}", names.join(" "))
        }
        // The script's package functions have no reinstall: when a command's files were removed
        // by hand, its check afterwards says the command is still missing.
        Action::RestoreCommand { .. } => String::new(),
        Action::InstallPrebuilt { spec, build, want } => render_prebuilt(spec, build.as_ref(), want, cx),
        // The script's own failure says what to do next.
        Action::Hinted { actions, .. } => render_list(actions, cx),
        Action::WaitFor { probe, timeout, what, hint } => wait_for(probe, *timeout, what, hint, cx),
        Action::RemoveStalePidFiles(files) => {
            let lines: Vec<String> = files
                .iter()
                .map(|file| {
                    let file = numbers_apart(file, cx);
                    format!("if [ -f {file} ] && ! pid_alive {file}; then rm -f {file}; fi")
                })
                .collect();
            if lines.is_empty() { ":".to_string() } else { lines.join("\n") }
        }
        Action::RemoveDir(path) => format!("rm -rf {}", cx.path(path)),
        Action::MakeAccountDir { path, mode, account, .. } => {
            let dir = cx.path(path);
            format!("mkdir -p {dir}\nchmod {mode:o} {dir}\n{}", give_when_root(path, account, cx))
        }
        Action::InitInto { staging, data, init } => {
            let (staging_shown, staging, data) = (staging.display().to_string(), cx.path(staging), cx.path(data));
            let made = quote(&format!("what it made is in {staging_shown}"));
            format!(
                "{}\nif [ \"$_rc\" -ne 0 ]; then\n\
                 if [ -z \"$(ls -A {staging} 2>/dev/null)\" ]; then rm -rf {staging}; else printf 'hint: %s\\n' {made} >&2; fi\n\
                 exit \"$_rc\"\nfi\nrmdir {data} 2>/dev/null || true\nmv {staging} {data}",
                in_subshell(init, cx)
            )
        }
        Action::ClaimFiles(_) => ": devup alone records the files a program it ran wrote".to_string(),
        Action::FailLater(actions) => {
            format!("{}\n[ \"$_rc\" -eq 0 ] || {FAILED_LATER}=1", in_subshell(actions, cx))
        }
        Action::WithLog { log, actions, .. } => {
            let told = match log {
                Some(log) => {
                    let (shown, log) = (quote(&format!("its log is {}", log.display())), cx.path(log));
                    format!(
                        "if [ -f {log} ]; then printf 'hint: %s\\n' {shown} >&2; tail -n 10 {log} >&2; \
                         else printf 'hint: %s\\n' 'its output is above' >&2; fi"
                    )
                }
                None => "printf 'hint: %s\\n' 'its output is above' >&2".to_string(),
            };
            format!("{}\nif [ \"$_rc\" -ne 0 ]; then\n{told}\nexit \"$_rc\"\nfi", in_subshell(actions, cx))
        }
        Action::Context { message, actions } => format!(
            "{}\nif [ \"$_rc\" -ne 0 ]; then\nprintf 'error: %s\\n' {} >&2\nexit \"$_rc\"\nfi",
            in_subshell(actions, cx),
            quote(message)
        ),
        Action::FailQuoting { file, message, hint } => {
            let quoted = |text: &str| text.split("{found}").map(quote).collect::<Vec<_>>().join("\"$_found\"");
            format!(
                "_found=$(head -n 1 {} 2>/dev/null | tr -d ' \\t\\r')\nprintf 'error: %s\\n' {} >&2\nprintf 'hint: %s\\n' {} >&2\nexit 1",
                cx.path(file),
                quoted(message),
                quoted(hint)
            )
        }
    }
}

/// A file as a shell word whose name's numbers stand apart (`.s.PGSQL.""5432"".lock`), so that
/// the export can put a port's variable there: a server's socket lock names its port, and the
/// export replaces a port only where it is not inside a longer word.
fn numbers_apart(path: &std::path::Path, cx: &ScriptCx) -> String {
    let word = cx.path(path);
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let plain = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    let Some(dir) = word.strip_suffix(name.as_str()).filter(|_| plain) else {
        return word;
    };
    let mut apart = String::new();
    let mut in_number = false;
    for c in name.chars() {
        if c.is_ascii_digit() != in_number {
            apart.push_str("\"\"");
            in_number = !in_number;
        }
        apart.push(c);
    }
    if in_number {
        apart.push_str("\"\"");
    }
    format!("{dir}{apart}")
}

/// Actions in a subshell that stops at their first failure, its exit code left in `_rc`: the
/// apply's `set -e` would otherwise end the step before what follows a failure is done.
fn in_subshell(actions: &[Action], cx: &ScriptCx) -> String {
    format!("set +e\n(\nset -e\n{}\n)\n_rc=$?\nset -e", render_list(actions, cx))
}

/// A file or directory given to `account` when the script runs as root.
fn give_when_root(path: &std::path::Path, account: &str, cx: &ScriptCx) -> String {
    format!("if [ \"$(id -u)\" = 0 ]; then chown {}: {}; fi", quote(account), cx.path(path))
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
    let probe = match crate::shell_forms::client_checks::shell(probe, cx) {
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

/// A prebuilt build as the script installs it: the one given, else the one devup.lock records
/// for the platform; without either (or with links the script cannot make) it says so rather
/// than installing another version.
fn render_prebuilt(spec: &Spec, build: Option<&Build>, want: &str, cx: &ScriptCx) -> String {
    let locked = cx.locked.filter(|l| l.is_prebuilt() && l.platform.as_deref() == Some(cx.platform)).and_then(|l| {
        Some(Build { version: l.version.clone(), url: l.source.clone()?, checksum: l.checksum.clone()? })
    });
    match build.cloned().or(locked).filter(|_| spec.links.is_none()).and_then(|b| prebuilt_install(spec, &b, cx).ok()) {
        Some(install) => install,
        None => {
            let text = format!(
                "error: no way here gives {want}: devup installs a prebuilt {} for it, which the exported script installs only when devup.lock records the build for {} (and its links are not a list to read); hint: run `devup lock` on a machine of that platform, commit devup.lock, and export again",
                spec.name, cx.platform
            );
            format!("printf '%s\\n' {} >&2\nexit 1", quote(&text))
        }
    }
}

/// `prebuilt_install` (the prelude's) with the build's address, checksum, home and links; an
/// error when the checksum is not one devup knows.
pub fn prebuilt_install(spec: &Spec, build: &Build, cx: &ScriptCx) -> Result<String, String> {
    let home = spec.home(cx.tools_root, &build.version);
    let sum = crate::system::Checksum::parse(&build.checksum)
        .map_err(|e| format!("devup.lock's checksum for {}: {e}", spec.name))?
        .file_name();
    let (algorithm, digest) = sum.split_once('-').expect("algorithm-hex");
    let mut words = vec![
        quote(&build.url),
        quote(&build.checksum),
        algorithm.to_string(),
        digest.to_string(),
        spec.strip.to_string(),
        cx.path(&home),
    ];
    for (link, target) in &spec.symlinks {
        let from = home.join(link);
        let points_to = crate::tools::relative_to(&home.join(target), from.parent().unwrap_or(&home));
        words.push(quote(link));
        words.push(quote(&points_to.display().to_string()));
    }
    Ok(format!("prebuilt_install {}", words.join(" ")))
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
        Some(RunAs::AccountWhenRoot(user)) => format!("as_account {} {}", quote(user), quote(&run.shell)),
    };
    // As root the variables went with the command; otherwise they are exported for it.
    let mut exported = if run.run_as == Some(RunAs::Root) { String::new() } else { exports(&run.env) };
    exported.push_str(&path_first(&run.path_first));
    if run.cwd.is_none() && exported.is_empty() {
        return command;
    }
    let cd = run.cwd.as_ref().map(|dir| format!("cd {}\n", cx.path(dir))).unwrap_or_default();
    format!("(\n{cd}{exported}{command}\n)")
}

/// PATH beginning with the directories the patterns match where the script runs, the newest
/// version first (`glob_dirs`).
fn path_first(patterns: &[String]) -> String {
    if patterns.is_empty() {
        return String::new();
    }
    let mut text = String::from("_dirs=''\n");
    for pattern in patterns {
        let words: Vec<String> = pattern.split('*').map(quote).collect();
        text.push_str(&format!(
            "_d=$(glob_dirs {})\n[ -z \"$_d\" ] || _dirs=\"$_dirs${{_dirs:+:}}$_d\"\n",
            words.join("*")
        ));
    }
    text.push_str("[ -z \"$_dirs\" ] || PATH=\"$_dirs:$PATH\"\nexport PATH\n");
    text
}

/// A condition as a shell test.
pub fn render_test(test: &Test, cx: &ScriptCx) -> String {
    match test {
        Test::Exists(path) => format!("test -e {}", cx.path(path)),
        Test::NotADirectory(path) => format!("{{ test -e {0} && ! test -d {0}; }}", cx.path(path)),
        Test::Not(test) => format!("! {}", render_test(test, cx)),
        Test::CommandFound(name) => format!("command -v {} >/dev/null 2>&1", quote(name)),
        // The script does not ask whether it may install: `pkg_install` says so when it cannot.
        Test::PackageOffers { package, version, .. } => match version_test(version, "_v") {
            Some(test) => format!("_v=$(pkg_candidate {}) && [ -n \"$_v\" ] && {test}", quote(package)),
            None => "true".to_string(),
        },
        Test::All(tests) if tests.is_empty() => "true".to_string(),
        Test::All(tests) => {
            let tests: Vec<String> = tests.iter().map(|test| render_test(test, cx)).collect();
            format!("{{ {}; }}", tests.join(" && "))
        }
        Test::InitSystem(init) => match init {
            // systemd's own test (`sd_booted`).
            Init::Systemd => "[ -d /run/systemd/system ]".to_string(),
            Init::OpenRc => "command -v rc-service >/dev/null 2>&1".to_string(),
            Init::Launchd => "[ \"$(uname -s)\" = Darwin ]".to_string(),
        },
        // A probe the shell cannot ask never holds (the step's check, asking it too, already
        // refused to export).
        Test::Probe(probe) => {
            crate::shell_forms::client_checks::shell(probe, cx).unwrap_or_else(|_| "false".to_string())
        }
        Test::ProbeSoon { probe, within } => {
            let probe = crate::shell_forms::client_checks::shell(probe, cx).unwrap_or_else(|_| "false".to_string());
            let tries = within.as_millis().div_ceil(100);
            format!(
                "{{ _t=0; until sleep 0.1 && {probe}; do _t=$((_t + 1)); [ \"$_t\" -lt {tries} ] || break; done; [ \"$_t\" -lt {tries} ]; }}"
            )
        }
        Test::PidAlive(file) => format!("pid_alive {}", cx.path(file)),
        Test::SameContent(path, text) => format!("same_content {} {}", cx.path(path), quote(text)),
        Test::HoldsFiles(dir) => format!("[ -n \"$(ls -A {} 2>/dev/null)\" ]", cx.path(dir)),
        Test::VersionIn { file, constraint } => {
            let file = cx.path(file);
            match version_test(constraint, "_v") {
                Some(test) => format!(
                    "{{ _v=$(awk -F. 'NR == 1 {{ printf \"%d.%d.%d\\n\", $1, $2, $3 }}' {file} 2>/dev/null) && [ -n \"$_v\" ] && {test}; }}"
                ),
                None => format!("test -f {file}"),
            }
        }
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
        let script = format!("{}\nset -eu\n{}\n", include_str!("../export/prelude.sh"), render(actions, &cx));
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
            owner: None,
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
                owner: None,
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

        let copy =
            [Action::WriteFile { path: to.clone(), content: FileContent::CopyOf(from), mode: None, owner: None }];
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

/// The packages not installed at a wanted version, as the platform's manager functions tell
/// (`pkg_installed`, `pkg_version`), installed in one `pkg_install`.
fn install_packages(packages: &[SystemPackage], cx: &ScriptCx) -> String {
    let manager = crate::packages::for_facts(cx.facts).map_or("", |m| m.name());
    let pending: Vec<String> = packages
        .iter()
        .map(|package| {
            let name = package.name_on(manager);
            format!("{} || _pending=\"$_pending {name}\"", package_installed(name, &package.constraint))
        })
        .collect();
    format!("_pending=''\n{}\n# shellcheck disable=SC2086\npkg_install $_pending", pending.join("\n"))
}

/// A shell test: the package `name` is installed at a version `constraint` accepts.
pub fn package_installed(name: &str, constraint: &Constraint) -> String {
    let name = quote(name);
    match version_test(constraint, "_v") {
        None => format!("pkg_installed {name}"),
        Some(test) => format!("{{ pkg_installed {name} && _v=$(pkg_version {name}) && {test}; }}"),
    }
}

#[cfg(test)]
mod install_packages_tests {
    use super::*;
    use crate::facts::Facts;
    use crate::packages::pending::machine;

    /// Runs the rendered install after the script's prelude, with stand-ins for the manager's
    /// functions: `git` 2.39 and `libpq-dev` 13.4 are installed; `pkg_install` prints what it
    /// is given.
    fn run(action: &Action) -> String {
        let facts = Facts::for_tests();
        let dir = tempfile::tempdir().unwrap();
        let cx = ScriptCx::for_tests(&facts, dir.path(), "test.step");
        let stand_ins = "pkg_installed() { case $1 in git|libpq-dev) return 0;; esac; return 1; }\n\
                         pkg_version() { case $1 in git) echo 2.39;; libpq-dev) echo 13.4;; esac; }\n\
                         pkg_install() { echo \"install:$*\"; }\n";
        let prelude = include_str!("../export/prelude.sh");
        let script = format!("set -eu\n{prelude}\n{stand_ins}{}", render(std::slice::from_ref(action), &cx));
        let out = std::process::Command::new("sh").arg("-c").arg(script).current_dir(dir.path()).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    }

    fn package(name: &str, apt: Option<&str>, version: &str) -> SystemPackage {
        SystemPackage {
            name: name.to_string(),
            per_manager: apt.map(|n| ("apt", n.to_string())).into_iter().collect(),
            constraint: if version.is_empty() { Constraint::any() } else { Constraint::parse(version).unwrap() },
        }
    }

    #[test]
    fn only_the_missing_and_the_wrong_versions_are_installed_by_their_name_on_the_platform() {
        let packages = vec![
            package("git", None, ""),
            package("libpq", Some("libpq-dev"), ">=15"),
            package("make", None, ""),
            package("git-too", Some("git"), ">=2"),
        ];
        let out = run(&Action::InstallPackages { installer: machine(), packages });
        assert_eq!(out, "install:libpq-dev make\n");
    }
}

#[cfg(test)]
mod binary_tests {
    use super::*;
    use crate::facts::Facts;
    use crate::step::action::{Manager, SystemPackages};
    use crate::step::{Cx, Failure};
    use crate::version::Constraint;

    /// Runs a rendered apply with the prelude's helpers and a `pkg_candidate` offering 15.8.0.
    fn run(body: &str) -> (bool, String) {
        let script = format!(
            "{}\npkg_candidate() {{ echo 15.8.0; }}\npkg_install() {{ echo \"pkg_install $*\"; }}\n{body}\n",
            include_str!("../export/prelude.sh")
        );
        let out = std::process::Command::new("sh").arg("-c").arg(script).output().unwrap();
        (out.status.success(), String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    struct Apt;
    impl SystemPackages for Apt {
        fn manager_name(&self) -> &'static str {
            "apt"
        }
        fn can_install(&self, _cx: &Cx) -> bool {
            true
        }
        fn offered(&self, _cx: &Cx, _name: &str) -> Option<String> {
            None
        }
        fn install_all(&self, _cx: &Cx, _names: &[String]) -> Result<(), Failure> {
            Ok(())
        }
        fn restore(&self, _cx: &Cx, _files: &[std::path::PathBuf], _names: &[String]) -> Result<(), Failure> {
            Ok(())
        }
    }

    fn offers(version: &str) -> Test {
        Test::PackageOffers {
            manager: Manager(&Apt),
            package: "postgresql".into(),
            version: Constraint::parse(version).unwrap(),
        }
    }

    fn echo(text: &str) -> Vec<Action> {
        vec![Action::Run(Run::new(format!("echo {text}")))]
    }

    #[test]
    fn a_chain_of_conditions_is_one_if_elif_else_that_takes_the_first_that_holds() {
        let facts = Facts::for_tests();
        let dir = std::path::Path::new("/project");
        let cx = ScriptCx::for_tests(&facts, dir, "test.step");
        let chain = |first: Test| {
            vec![Action::If {
                test: first,
                then: echo("first"),
                otherwise: vec![Action::If {
                    test: Test::CommandFound("sh".into()),
                    then: echo("sh"),
                    otherwise: vec![Action::Fail { message: "none".into(), hint: None }],
                }],
            }]
        };
        let text = render(&chain(Test::CommandFound("devup-no-such-tool".into())), &cx);
        assert_eq!((text.matches("elif ").count(), text.matches("\nfi").count()), (1, 1), "{text}");
        assert_eq!(run(&text), (true, "sh".to_string()));
        // The system's package, by the version it would install.
        assert_eq!(run(&render(&chain(offers("15")), &cx)), (true, "first".to_string()));
        assert_eq!(run(&render(&chain(offers(">=16")), &cx)), (true, "sh".to_string()));
        assert_eq!(render_test(&offers("*"), &cx), "true");
        let both = Test::All(vec![Test::CommandFound("sh".into()), offers(">=16")]);
        assert_eq!(run(&render(&chain(both), &cx)), (true, "sh".to_string()));
    }

    #[test]
    fn packages_are_installed_with_the_scripts_function_and_a_hint_is_the_scripts_own() {
        let facts = Facts::for_tests();
        let cx = ScriptCx::for_tests(&facts, std::path::Path::new("/project"), "test.step");
        let install =
            Action::InstallPackagesWith { manager: Manager(&Apt), names: vec!["nodejs".into(), "npm".into()] };
        let restore = Action::RestoreCommand {
            manager: Manager(&Apt),
            names: vec!["nodejs".into()],
            command: "node".into(),
            dirs: Vec::new(),
        };
        let hinted = Action::Hinted { hint: "try another way".into(), actions: vec![install, restore] };
        assert_eq!(render(&[hinted], &cx), "pkg_install nodejs npm");
    }

    #[test]
    fn a_prebuilt_build_is_installed_only_as_given_or_locked() {
        let facts = Facts::for_tests();
        let dir = std::path::Path::new("/project");
        let spec: Spec =
            toml::from_str("name = 'tool'\nindex = 'npm'\nbase = 'http://127.0.0.1:9'\nstrip = 1").unwrap();
        let build = Build {
            version: "2.1.0".into(),
            url: "https://example.org/tool-2.1.0.tgz".into(),
            checksum: format!("{:0>64}", "ab"),
        };
        let install = |build: Option<Build>| Action::InstallPrebuilt {
            spec: Box::new(spec.clone()),
            build,
            want: "`tool` 2".into(),
        };
        let cx = ScriptCx::for_tests(&facts, dir, "test.step");
        let refused = render(&[install(None)], &cx);
        assert!(refused.contains("error: no way here gives `tool` 2") && refused.ends_with("exit 1"), "{refused}");
        let (ok, _) = run(&refused);
        assert!(!ok);
        let given = render(&[install(Some(build.clone()))], &cx);
        let sum = format!("{:0>64}", "ab");
        assert_eq!(
            given,
            format!("prebuilt_install https://example.org/tool-2.1.0.tgz {sum} sha256 {sum} 1 /tools/tool/2.1.0")
        );
        let locked = crate::tools::lockfile::Locked {
            version: build.version.clone(),
            method: "prebuilt".into(),
            platform: Some(cx.platform.to_string()),
            source: Some(build.url.clone()),
            checksum: Some(build.checksum.clone()),
        };
        let cx = ScriptCx { locked: Some(&locked), ..cx };
        assert_eq!(render(&[install(None)], &cx), given);
    }
}

#[cfg(test)]
mod life_cycle_tests {
    use std::path::{Path, PathBuf};
    use std::time::Duration;

    use super::*;
    use crate::facts::Facts;
    use crate::protocols::Probe;

    /// Runs the rendered actions after the script's prelude in `dir`, under `set -e` as the
    /// script's apply functions run.
    fn run_in(dir: &Path, actions: &[Action]) -> std::process::Output {
        let facts = Facts::for_tests();
        let cx = ScriptCx::for_tests(&facts, dir, "test.step");
        let script = format!("{}\nset -eu\n{}\n", include_str!("../export/prelude.sh"), render(actions, &cx));
        std::process::Command::new("sh").arg("-c").arg(script).current_dir(dir).output().unwrap()
    }

    fn stderr(out: &std::process::Output) -> String {
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    fn fail(message: &str) -> Action {
        Action::Fail { message: message.into(), hint: None }
    }

    fn made(path: PathBuf) -> Action {
        Action::MakeDir { path, mode: None }
    }

    #[test]
    fn a_failure_put_off_fails_the_step_only_once_the_rest_succeeded() {
        let dir = tempfile::tempdir().unwrap();
        let actions = [
            Action::If {
                test: Test::Exists(dir.path().to_path_buf()),
                then: vec![Action::FailLater(vec![fail("kept"), made(dir.path().join("no"))])],
                otherwise: vec![],
            },
            made(dir.path().join("after")),
        ];
        let out = run_in(dir.path(), &actions);
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(stderr(&out), "error: kept\n");
        assert!(dir.path().join("after").is_dir() && !dir.path().join("no").exists());
    }

    #[test]
    fn an_init_fills_its_staging_directory_which_is_renamed_into_place_or_set_apart() {
        let dir = tempfile::tempdir().unwrap();
        let (staging, data) = (dir.path().join("data.init"), dir.path().join("data"));
        let init = |script: &str| {
            vec![
                Action::RemoveDir(staging.clone()),
                made(staging.clone()),
                Action::InitInto {
                    staging: staging.clone(),
                    data: data.clone(),
                    init: vec![Action::Run(Run::new(script).cwd(&staging))],
                },
            ]
        };
        let out = run_in(dir.path(), &init("false"));
        assert_eq!(out.status.code(), Some(1));
        assert!(!staging.exists(), "an init that made nothing leaves nothing");
        let out = run_in(dir.path(), &init("echo 1 > VERSION && false"));
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(stderr(&out), format!("hint: what it made is in {}\n", staging.display()));
        assert!(staging.join("VERSION").exists() && !data.exists());

        std::fs::create_dir(&data).unwrap();
        let out = run_in(dir.path(), &init("echo 2 > VERSION"));
        assert!(out.status.success(), "{out:?}");
        assert_eq!(std::fs::read_to_string(data.join("VERSION")).unwrap(), "2\n", "over an empty directory");
        assert!(!staging.exists());
    }

    #[test]
    fn a_programs_failure_names_its_log_and_shows_its_end_in_its_context() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("log");
        let lines: Vec<String> = (1..=12).map(|n| format!("line {n}")).collect();
        std::fs::write(&log, lines.join("\n") + "\n").unwrap();
        let actions = [Action::Context {
            message: "fake did not come back".into(),
            actions: vec![Action::WithLog { name: "fake".into(), log: Some(log.clone()), actions: vec![fail("no")] }],
        }];
        let out = run_in(dir.path(), &actions);
        assert_eq!(out.status.code(), Some(1));
        let told = format!(
            "error: no\nhint: its log is {}\n{}\nerror: fake did not come back\n",
            log.display(),
            lines[2..].join("\n")
        );
        assert_eq!(stderr(&out), told);

        let actions =
            [Action::WithLog { name: "fake".into(), log: Some(dir.path().join("none")), actions: vec![fail("no")] }];
        assert_eq!(stderr(&run_in(dir.path(), &actions)), "error: no\nhint: its output is above\n");
    }

    #[test]
    fn a_refusal_quotes_what_it_found_where_it_runs() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("PG_VERSION"), "14\n").unwrap();
        let refusal = Action::FailQuoting {
            file: dir.path().join("PG_VERSION"),
            message: "data from postgres {found}; it's kept".into(),
            hint: "use {found}'s tools".into(),
        };
        let out = run_in(dir.path(), &[refusal]);
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(stderr(&out), "error: data from postgres 14; it's kept\nhint: use 14's tools\n");
    }

    /// Each test decides whether a directory named after it is made.
    #[test]
    fn conditions_on_a_servers_files_are_read_where_the_script_runs() {
        let dir = tempfile::tempdir().unwrap();
        let at = |name: &str| dir.path().join(name);
        std::fs::write(at("own.pid"), format!("{}\n", std::process::id())).unwrap();
        std::fs::write(at("garbage.pid"), "none\n").unwrap();
        std::fs::write(at("conf"), "a='1'\n").unwrap();
        std::fs::create_dir(at("empty")).unwrap();
        std::fs::write(at("VERSION"), "15\n").unwrap();
        let version_in = |want: &str| Test::VersionIn {
            file: at("VERSION"),
            constraint: crate::version::Constraint::parse(want).unwrap(),
        };
        let tests = [
            ("pid-alive", Test::PidAlive(at("own.pid")), true),
            ("pid-garbage", Test::PidAlive(at("garbage.pid")), false),
            ("same", Test::SameContent(at("conf"), "a='1'\n".into()), true),
            ("differs", Test::SameContent(at("conf"), "a='1'".into()), false),
            ("holds-files", Test::HoldsFiles(dir.path().to_path_buf()), true),
            ("holds-none", Test::HoldsFiles(at("empty")), false),
            ("version-15", version_in("15"), true),
            ("version-16", version_in("16"), false),
            ("all", Test::All(vec![version_in("15"), Test::Exists(at("conf"))]), true),
            ("not-all", Test::All(vec![version_in("15"), version_in("16")]), false),
            ("probe", Test::Probe(Probe::Path(at("conf"), None)), true),
            ("no-probe", Test::Probe(Probe::Path(at("absent"), None)), false),
        ];
        let actions: Vec<Action> = tests
            .iter()
            .map(|(name, test, _)| Action::If { test: test.clone(), then: vec![made(at(name))], otherwise: vec![] })
            .collect();
        let out = run_in(dir.path(), &actions);
        assert!(out.status.success(), "{out:?}");
        for (name, _, holds) in &tests {
            assert_eq!(at(name).exists(), *holds, "{name}");
        }
    }

    #[test]
    fn a_probe_asked_within_a_moment_answers_once_it_is_ready() {
        let dir = tempfile::tempdir().unwrap();
        let ready = dir.path().join("ready");
        let soon = |name: &str| Action::If {
            test: Test::ProbeSoon { probe: Probe::Path(ready.clone(), None), within: Duration::from_secs(1) },
            then: vec![made(dir.path().join(name))],
            otherwise: vec![],
        };
        assert!(run_in(dir.path(), &[soon("never")]).status.success());
        assert!(!dir.path().join("never").exists());
        let later = Action::Run(Run::new("(sleep 0.3; touch ready) >/dev/null 2>&1 &"));
        assert!(run_in(dir.path(), &[later, soon("soon")]).status.success());
        assert!(dir.path().join("soon").exists());
    }

    #[test]
    fn only_pid_files_of_processes_that_are_gone_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let mut child = std::process::Command::new("true").spawn().unwrap();
        child.wait().unwrap();
        std::fs::write(dir.path().join("own.pid"), format!("{}\n", std::process::id())).unwrap();
        std::fs::write(dir.path().join("dead.lock"), format!("{}\n", child.id())).unwrap();
        let files = vec![dir.path().join("own.pid"), dir.path().join("dead.lock"), dir.path().join("absent")];
        assert!(run_in(dir.path(), &[Action::RemoveStalePidFiles(files)]).status.success());
        assert!(dir.path().join("own.pid").exists());
        assert!(!dir.path().join("dead.lock").exists());

        std::fs::write(dir.path().join(".s.PGSQL.5432.lock"), format!("{}\n", child.id())).unwrap();
        let lock = vec![dir.path().join(".s.PGSQL.5432.lock")];
        let facts = Facts::for_tests();
        let cx = ScriptCx::for_tests(&facts, dir.path(), "s");
        assert!(render(&[Action::RemoveStalePidFiles(lock.clone())], &cx).contains(".s.PGSQL.\"\"5432\"\".lock"));
        assert!(run_in(dir.path(), &[Action::RemoveStalePidFiles(lock)]).status.success());
        assert!(!dir.path().join(".s.PGSQL.5432.lock").exists(), "a port in its name stands apart, the same file");
    }

    #[test]
    fn a_servers_command_runs_as_its_account_with_the_newest_matching_directory_first_on_path() {
        let dir = tempfile::tempdir().unwrap();
        for version in ["9", "15", "14"] {
            let bin = dir.path().join(format!("lib/{version}/bin"));
            std::fs::create_dir_all(&bin).unwrap();
            std::fs::write(bin.join("which-version"), format!("#!/bin/sh\necho {version} > found\n")).unwrap();
            std::fs::set_permissions(bin.join("which-version"), std::os::unix::fs::PermissionsExt::from_mode(0o755))
                .unwrap();
        }
        let me = String::from_utf8(std::process::Command::new("id").arg("-un").output().unwrap().stdout).unwrap();
        let run = Run::new("which-version")
            .cwd(dir.path())
            .run_as(Some(RunAs::AccountWhenRoot(me.trim().to_string())))
            .path_first(&[format!("{}/lib/*/bin", dir.path().display())]);
        let out = run_in(dir.path(), &[Action::Run(run)]);
        assert!(out.status.success(), "{out:?}");
        assert_eq!(std::fs::read_to_string(dir.path().join("found")).unwrap(), "15\n");
    }

    #[test]
    fn a_servers_directory_and_files_are_given_to_its_account_only_as_root() {
        let facts = Facts::for_tests();
        let cx = ScriptCx::for_tests(&facts, Path::new("/p"), "s");
        let dir = Action::MakeAccountDir {
            path: "/p/data".into(),
            mode: 0o700,
            account: "postgres".into(),
            what: "x".into(),
        };
        assert_eq!(
            render(&[dir], &cx),
            "mkdir -p data\nchmod 700 data\nif [ \"$(id -u)\" = 0 ]; then chown postgres: data; fi"
        );
        let conf = Action::WriteFile {
            path: "/p/data/a.conf".into(),
            content: FileContent::Text("a=1".into()),
            mode: Some(0o600),
            owner: Some("postgres".into()),
        };
        assert_eq!(
            render(&[conf], &cx),
            "write_file data/a.conf 'a=1' 600\nif [ \"$(id -u)\" = 0 ]; then chown postgres: data/a.conf; fi"
        );
    }
}
