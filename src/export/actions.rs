//! A step's actions ([`crate::step::action`]) as POSIX shell: the same description `devup up`
//! performs, written for the exported script. The helpers it calls (`say`, `tool_identity`,
//! `input_sha`) are the prelude's.

use super::{ScriptCx, exports, quote, version_test};
use crate::step::action::{Action, Run, StampLine, Test};
use crate::tools::prebuilt::{Build, Spec};

/// The actions as the body of an apply function.
pub fn render(actions: &[Action], cx: &ScriptCx) -> String {
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
            let mut text = format!("if {}; then\n{}", render_test(test, cx), render(then, cx));
            // An `otherwise` that is one more condition is an `elif`: a chain reads as one.
            let mut rest = otherwise;
            while let [Action::If { test, then, otherwise }] = rest.as_slice() {
                text.push_str(&format!("\nelif {}; then\n{}", render_test(test, cx), render(then, cx)));
                rest = otherwise;
            }
            if !rest.is_empty() {
                text.push_str(&format!("\nelse\n{}", render(rest, cx)));
            }
            text.push_str("\nfi");
            text
        }
        Action::InstallPackages { names, .. } => {
            let names: Vec<String> = names.iter().map(|n| quote(n)).collect();
            format!("pkg_install {}", names.join(" "))
        }
        // The script's package functions have no reinstall: when a command's files were removed
        // by hand, its check afterwards says the command is still missing.
        Action::RestoreCommand { .. } => String::new(),
        Action::InstallPrebuilt { spec, build, want } => render_prebuilt(spec, build.as_ref(), want, cx),
        // The script's own failure says what to do next.
        Action::Hinted { actions, .. } => render(actions, cx),
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
    use super::*;
    use crate::facts::Facts;
    use crate::step::action::{Manager, SystemPackages};
    use crate::step::{Cx, Failure};
    use crate::version::Constraint;

    /// Runs a rendered apply with the prelude's helpers and a `pkg_candidate` offering 15.8.0.
    fn run(body: &str) -> (bool, String) {
        let script = format!(
            "{}\npkg_candidate() {{ echo 15.8.0; }}\npkg_install() {{ echo \"pkg_install $*\"; }}\n{body}\n",
            include_str!("prelude.sh")
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
        let install = Action::InstallPackages { manager: Manager(&Apt), names: vec!["nodejs".into(), "npm".into()] };
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
