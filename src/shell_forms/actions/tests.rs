//! Actions written as shell, run with the script's prelude.

use std::path::Path;

use super::*;
use crate::facts::Facts;

/// Runs the rendered actions with the script's prelude in `dir`, under `set -e` as the
/// script's apply functions run.
fn run_in(dir: &Path, actions: &[Action]) -> std::process::Output {
    let facts = Facts::for_tests();
    let cx = ScriptCx::for_tests(&facts, dir, "test.step");
    let script = format!("{}\nset -eu\n{}\n", include_str!("../../export/prelude.sh"), render(actions, &cx));
    std::process::Command::new("sh").arg("-c").arg(script).current_dir(dir).output().unwrap()
}

mod files_and_commands {
    use super::*;

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

mod packages {
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
        let prelude = include_str!("../../export/prelude.sh");
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

mod tools {
    use super::*;
    use crate::facts::Facts;
    use crate::step::action::{Manager, SystemPackages};
    use crate::step::{Cx, Failure};
    use crate::version::Constraint;

    /// Runs a rendered apply with the prelude's helpers and a `pkg_candidate` offering 15.8.0.
    fn run(body: &str) -> (bool, String) {
        let script = format!(
            "{}\npkg_candidate() {{ echo 15.8.0; }}\npkg_install() {{ echo \"pkg_install $*\"; }}\n{body}\n",
            include_str!("../../export/prelude.sh")
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

mod life_cycle {
    use std::path::{Path, PathBuf};
    use std::time::Duration;

    use super::*;
    use crate::facts::Facts;
    use crate::protocols::Probe;

    use super::run_in;

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
