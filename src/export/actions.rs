//! A step's actions ([`crate::step::action`]) as POSIX shell: the same description `devup up`
//! performs, written for the exported script. The helpers it calls (`say`, `tool_identity`,
//! `input_sha`) are the prelude's.

use super::{ScriptCx, exports, quote, version_test};
use crate::step::action::{Action, Run, StampLine, SystemPackage, Test};
use crate::version::Constraint;

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
        Action::InstallPackages { packages, .. } => install_packages(packages, cx),
    }
}

/// A command in its directory, with its variables: in a subshell, so that neither outlives it.
fn render_run(run: &Run, cx: &ScriptCx) -> String {
    if run.cwd.is_none() && run.env.is_empty() {
        return run.shell.clone();
    }
    let cd = run.cwd.as_ref().map(|dir| format!("cd {}\n", cx.path(dir))).unwrap_or_default();
    format!("(\n{cd}{}{}\n)", exports(&run.env), run.shell)
}

/// A condition as a shell test.
pub fn render_test(test: &Test, cx: &ScriptCx) -> String {
    match test {
        Test::Exists(path) => format!("test -e {}", cx.path(path)),
        Test::NotADirectory(path) => format!("{{ test -e {0} && ! test -d {0}; }}", cx.path(path)),
        Test::Not(test) => format!("! {}", render_test(test, cx)),
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
        let prelude = include_str!("prelude.sh");
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
