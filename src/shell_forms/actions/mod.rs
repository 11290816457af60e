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
mod tests;
