//! Actions performed in a sandbox.

mod performing {
    use std::path::Path;

    use super::super::*;
    use crate::step::testing::Sandbox;

    fn mode(path: &Path) -> Option<u32> {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).ok().map(|m| m.permissions().mode() & 0o7777)
    }

    fn write(path: &Path, text: &str, mode: Option<u32>) -> Action {
        Action::WriteFile { path: path.to_path_buf(), content: FileContent::Text(text.into()), mode, owner: None }
    }

    #[test]
    fn a_written_file_replaces_devups_own_older_content_but_keeps_a_persons_edit() {
        let mut sb = Sandbox::new();
        let path = sb.path("conf/app.ini");
        perform(&[write(&path, "one", Some(0o600))], &sb.cx()).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "one");
        assert_eq!(mode(&path), Some(0o600));
        perform(&[write(&path, "two", Some(0o600))], &sb.cx()).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "two", "devup's own content is replaced");

        sb.write("conf/app.ini", "mine");
        let refused = perform(&[write(&path, "two", None)], &sb.cx()).unwrap_err();
        assert!(refused.hint.unwrap().contains("--replace-files"));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "mine");
        sb.replace_files = true;
        perform(&[write(&path, "two", None)], &sb.cx()).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "two");
        assert_eq!(std::fs::read_to_string(sb.path("conf/app.ini.devup-backup")).unwrap(), "mine");
    }

    #[test]
    fn a_file_already_holding_its_content_is_only_given_its_mode() {
        let sb = Sandbox::new();
        sb.write("f", "same");
        let path = sb.path("f");
        perform(&[write(&path, "same", Some(0o640))], &sb.cx()).unwrap();
        assert_eq!(mode(&path), Some(0o640));
        assert!(!sb.path("f.devup-backup").exists(), "nothing was replaced");
        perform(&[Action::SetMode { path: path.clone(), mode: 0o600 }], &sb.cx()).unwrap();
        assert_eq!(mode(&path), Some(0o600));
    }

    #[test]
    fn a_copy_takes_the_other_files_bytes_where_it_runs() {
        let sb = Sandbox::new();
        sb.write("from", "A=1\n\n");
        let copy = Action::WriteFile {
            path: sb.path("to"),
            content: FileContent::CopyOf(sb.path("from")),
            mode: None,
            owner: None,
        };
        perform(std::slice::from_ref(&copy), &sb.cx()).unwrap();
        assert_eq!(std::fs::read_to_string(sb.path("to")).unwrap(), "A=1\n\n");
        std::fs::remove_file(sb.path("from")).unwrap();
        let failure = perform(&[copy], &sb.cx()).unwrap_err();
        assert!(failure.message.starts_with("cannot read "), "{}", failure.message);
    }

    #[test]
    fn a_failed_command_is_shown_masked_with_its_hint_and_as_devups_own_account_runs_as_is() {
        let sb = Sandbox::new();
        let secret = vec!["s3cret".to_string()];
        // The facts' account is devup's own: the command runs as is, in its directory.
        let run = Run::new("test \"$(basename \"$PWD\")\" = sub && echo \"$PASSWORD rejected\" >&2 && false")
            .cwd(sb.path("sub"))
            .envs(&[("PASSWORD".into(), "s3cret".into())])
            .run_as(Some(RunAs::User(sb.facts.user.clone())))
            .masked("create role app with '***'", &secret)
            .hint("check the server's log");
        std::fs::create_dir_all(sb.path("sub")).unwrap();
        let failure = perform(&[Action::Run(run), Action::Fingerprint("sha".into())], &sb.cx()).unwrap_err();
        assert_eq!(failure.message, "`create role app with '***'` failed (exit code 1)");
        assert_eq!(failure.output.as_deref(), Some("stderr:\n  *** rejected"));
        assert_eq!(failure.hint.as_deref(), Some("check the server's log"));
        assert_eq!(sb.memory.fingerprint("test.step"), None, "nothing is recorded after a failure");
    }

    #[test]
    fn a_fingerprint_is_recorded_for_the_step_once_the_actions_before_it_succeeded() {
        let sb = Sandbox::new();
        perform(&[Action::Run(Run::new("true")), Action::Fingerprint("sha".into())], &sb.cx()).unwrap();
        assert_eq!(sb.memory.fingerprint("test.step").as_deref(), Some("sha"));
    }

    /// The way each init system starts a server, chosen by the facts; the one for any other last.
    fn start_by_init(sb: &Sandbox) -> Vec<Action> {
        let made = |name: &str| vec![Action::MakeDir { path: sb.path(name), mode: None }];
        let mut chain = made("by-service");
        for init in [Init::Launchd, Init::OpenRc, Init::Systemd] {
            chain = vec![Action::If { test: Test::InitSystem(init), then: made(init.name()), otherwise: chain }];
        }
        chain
    }

    #[test]
    fn the_init_system_in_the_facts_decides_which_way_is_taken() {
        let mut sb = Sandbox::new();
        sb.facts.init = "openrc".into();
        perform(&start_by_init(&sb), &sb.cx()).unwrap();
        sb.facts.init = "none".into();
        perform(&start_by_init(&sb), &sb.cx()).unwrap();
        let taken: Vec<bool> =
            ["systemd", "openrc", "launchd", "by-service"].iter().map(|name| sb.path(name).exists()).collect();
        assert_eq!(taken, [false, true, false, true]);
    }

    #[test]
    fn waiting_for_a_probe_ends_when_it_answers_or_fails_with_its_last_words_and_the_hint() {
        let sb = Sandbox::new();
        let ready = sb.path("ready");
        let wait = |timeout: u64| Action::WaitFor {
            probe: Probe::Path(ready.clone(), None),
            timeout: Duration::from_secs(timeout),
            what: "the server".into(),
            hint: Some("see its log".into()),
        };
        let failure = perform(&[wait(0)], &sb.cx()).unwrap_err();
        assert_eq!(failure.message, format!("the server did not answer within 0s: {} does not exist", ready.display()));
        assert_eq!(failure.hint.as_deref(), Some("see its log"));
        // Written a moment after the wait began.
        let started = Action::Run(Run::new(format!("(sleep 0.3; touch {}) >/dev/null 2>&1 &", ready.display())));
        perform(&[started, wait(10)], &sb.cx()).unwrap();
    }
}

mod packages {
    use std::sync::Mutex;

    use super::super::*;
    use crate::step::testing::Sandbox;

    /// A package manager that offers one version, may refuse to install, and records what it
    /// was asked to do.
    struct Recording {
        offers: Option<&'static str>,
        can: bool,
        done: Mutex<Vec<String>>,
    }

    impl SystemPackages for Recording {
        fn manager_name(&self) -> &'static str {
            "recording"
        }
        fn can_install(&self, _cx: &Cx) -> bool {
            self.can
        }
        fn offered(&self, _cx: &Cx, _name: &str) -> Option<String> {
            self.offers.map(str::to_string)
        }
        fn install_all(&self, _cx: &Cx, names: &[String]) -> Result<(), Failure> {
            self.done.lock().unwrap().push(format!("install {}", names.join(" ")));
            Ok(())
        }
        fn restore(&self, _cx: &Cx, files: &[PathBuf], names: &[String]) -> Result<(), Failure> {
            let files: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
            self.done.lock().unwrap().push(format!("restore {} from {}", names.join(" "), files.join(" ")));
            Ok(())
        }
    }

    fn recording(offers: Option<&'static str>, can: bool) -> (&'static Recording, Manager) {
        let manager: &'static Recording = Box::leak(Box::new(Recording { offers, can, done: Mutex::new(Vec::new()) }));
        (manager, Manager(manager))
    }

    fn constraint(text: &str) -> Constraint {
        Constraint::parse(text).unwrap()
    }

    #[test]
    fn a_command_is_found_on_the_projects_path() {
        let sb = Sandbox::new();
        sb.write("bin/devup-test-tool", "#!/bin/sh\n");
        sb.system.set_mode(&sb.path("bin/devup-test-tool"), 0o755).unwrap();
        let env = [("PATH".to_string(), sb.path("bin").display().to_string())];
        let cx = sb.cx();
        let found = Test::CommandFound("devup-test-tool".into());
        assert!(holds(&found, &cx.with_env(&env)));
        assert!(!holds(&found, &cx));
        assert!(!holds(&Test::CommandFound("devup-no-such-tool".into()), &cx.with_env(&env)));
    }

    #[test]
    fn a_package_is_offered_when_it_can_be_installed_at_a_version_that_satisfies() {
        let sb = Sandbox::new();
        let offers = |manager, version: &str| Test::PackageOffers {
            manager,
            package: "postgresql".into(),
            version: constraint(version),
        };
        let (_, at_15) = recording(Some("15.8.0"), true);
        assert!(holds(&offers(at_15, "15"), &sb.cx()));
        assert!(!holds(&offers(at_15, ">=16"), &sb.cx()));
        let (_, none) = recording(None, true);
        assert!(!holds(&offers(none, "15"), &sb.cx()));
        assert!(holds(&offers(none, "*"), &sb.cx()), "any version: whatever it installs");
        let (_, no_root) = recording(Some("15.8.0"), false);
        assert!(!holds(&offers(no_root, "15"), &sb.cx()));
        assert!(!holds(&Test::All(vec![offers(at_15, "15"), offers(at_15, "16")]), &sb.cx()));
        assert!(holds(&Test::All(vec![offers(at_15, "15"), Test::Exists(sb.path(""))]), &sb.cx()));
    }

    #[test]
    fn packages_are_installed_then_a_command_removed_by_hand_is_restored() {
        let sb = Sandbox::new();
        let (record, manager) = recording(None, true);
        let names = vec!["devup-test-pkg".to_string()];
        let dir = sb.path("bin").display().to_string();
        std::fs::create_dir_all(sb.path("bin")).unwrap();
        let restore = Action::RestoreCommand {
            manager,
            names: names.clone(),
            command: "devup-test-tool".into(),
            dirs: vec![dir.clone()],
        };
        perform(&[Action::InstallPackagesWith { manager, names: names.clone() }, restore.clone()], &sb.cx()).unwrap();
        assert_eq!(record.done.lock().unwrap()[0], "install devup-test-pkg");
        assert!(record.done.lock().unwrap()[1].starts_with("restore devup-test-pkg from "));
        assert!(record.done.lock().unwrap()[1].contains(&format!("{dir}/devup-test-tool")));
        // Present again: nothing to restore.
        sb.write("bin/devup-test-tool", "#!/bin/sh\n");
        sb.system.set_mode(&sb.path("bin/devup-test-tool"), 0o755).unwrap();
        perform(&[restore], &sb.cx()).unwrap();
        assert_eq!(record.done.lock().unwrap().len(), 2);
    }

    #[test]
    fn a_failure_inside_hinted_actions_carries_the_hint_after_its_own() {
        let sb = Sandbox::new();
        let hinted = |actions| Action::Hinted { hint: "try another way".into(), actions };
        let plain = perform(&[hinted(vec![Action::Run(Run::new("exit 3"))])], &sb.cx()).unwrap_err();
        assert_eq!(plain.hint.as_deref(), Some("try another way"));
        let fail = Action::Fail { message: "no".into(), hint: Some("its own".into()) };
        let both = perform(&[hinted(vec![fail])], &sb.cx()).unwrap_err();
        assert_eq!(both.hint.as_deref(), Some("its own; try another way"));
        perform(&[hinted(vec![Action::Run(Run::new("true"))])], &sb.cx()).unwrap();
    }

    #[test]
    fn a_prebuilt_install_without_a_build_nor_a_lock_is_refused() {
        let sb = Sandbox::new();
        let spec: Spec = toml::from_str("name = 'tool'\nindex = 'npm'\nbase = 'http://127.0.0.1:9'").unwrap();
        let install = Action::InstallPrebuilt { spec: Box::new(spec), build: None, want: "`tool` 2".into() };
        let failure = perform(&[install], &sb.cx()).unwrap_err();
        assert!(failure.message.contains("devup has no way to install `tool` 2 here"), "{}", failure.message);
    }
}

mod life_cycle {
    use super::super::*;
    use crate::step::testing::Sandbox;

    /// A pid no process has: a child's, once it was waited for.
    fn dead_pid() -> u32 {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        child.wait().unwrap();
        child.id()
    }

    fn fail(message: &str) -> Action {
        Action::Fail { message: message.into(), hint: None }
    }

    #[test]
    fn a_failure_put_off_fails_the_actions_only_once_the_rest_succeeded() {
        let sb = Sandbox::new();
        let actions = [
            Action::If {
                test: Test::Exists(sb.path("")),
                then: vec![Action::FailLater(vec![fail("kept"), Action::MakeDir { path: sb.path("no"), mode: None }])],
                otherwise: vec![],
            },
            Action::MakeDir { path: sb.path("after"), mode: None },
        ];
        let failure = perform(&actions, &sb.cx()).unwrap_err();
        assert_eq!(failure.message, "kept");
        assert!(sb.path("after").is_dir(), "what follows is done");
        assert!(!sb.path("no").exists(), "the put-off actions stop at their failure");
        let failure = perform(&[Action::FailLater(vec![fail("first")]), fail("second")], &sb.cx()).unwrap_err();
        assert_eq!(failure.message, "second", "a failure of its own comes first");
    }

    #[test]
    fn an_init_fills_its_staging_directory_which_is_renamed_into_place_or_set_apart() {
        let sb = Sandbox::new();
        let (staging, data) = (sb.path("data.init"), sb.path("data"));
        let init = |script: &str| Action::InitInto {
            staging: staging.clone(),
            data: data.clone(),
            init: vec![Action::Run(Run::new(script).cwd(&staging).hint("initializing it failed"))],
        };
        let made = |s: &Sandbox| Action::MakeDir { path: s.path("data.init"), mode: None };

        let failure = perform(&[made(&sb), init("false")], &sb.cx()).unwrap_err();
        assert_eq!(failure.hint.as_deref(), Some("initializing it failed"));
        assert!(!staging.exists(), "an init that made nothing leaves nothing");

        let failure = perform(&[made(&sb), init("echo 1 > VERSION && false")], &sb.cx()).unwrap_err();
        let hint = format!("initializing it failed; what it made is in {}", staging.display());
        assert_eq!(failure.hint, Some(hint));
        assert!(staging.join("VERSION").exists() && !data.exists());

        std::fs::create_dir(&data).unwrap();
        perform(&[Action::RemoveDir(staging.clone()), made(&sb), init("echo 2 > VERSION")], &sb.cx()).unwrap();
        assert_eq!(std::fs::read_to_string(data.join("VERSION")).unwrap(), "2\n", "over an empty directory");
        assert!(!staging.exists());
    }

    #[test]
    fn a_programs_failure_names_its_log_and_shows_its_end() {
        let sb = Sandbox::new();
        let log = sb.path("log");
        let lines: Vec<String> = (1..=12).map(|n| format!("line {n}")).collect();
        sb.write("log", &lines.join("\n"));
        let with_log =
            |log: Option<PathBuf>, actions: Vec<Action>| Action::WithLog { name: "fake".into(), log, actions };

        let run = Action::Run(Run::new("echo oops >&2; false").hint("starting fake failed"));
        let failure = perform(&[with_log(Some(log.clone()), vec![run.clone()])], &sb.cx()).unwrap_err();
        assert_eq!(failure.hint, Some(format!("starting fake failed; its log is {}", log.display())));
        let output = failure.output.unwrap();
        assert!(output.starts_with("stderr:\n  oops\n--- end of fake:\nline 3\n"), "{output}");
        assert!(output.ends_with("line 12"), "{output}");

        let failure = perform(&[with_log(Some(log.clone()), vec![fail("it did not answer")])], &sb.cx()).unwrap_err();
        assert_eq!(failure.output.as_deref(), Some(lines[2..].join("\n").as_str()), "the log's last ten lines");

        let failure = perform(&[with_log(Some(sb.path("none")), vec![run])], &sb.cx()).unwrap_err();
        assert_eq!(failure.hint.as_deref(), Some("starting fake failed; its output is above"));
    }

    #[test]
    fn a_failure_is_told_in_its_context_and_a_refusal_quotes_what_it_found() {
        let sb = Sandbox::new();
        let context = Action::Context { message: "fake did not come back".into(), actions: vec![fail("no answer")] };
        assert_eq!(perform(&[context], &sb.cx()).unwrap_err().message, "fake did not come back: no answer");

        sb.write("PG_VERSION", "14\n");
        let refusal = Action::FailQuoting {
            file: sb.path("PG_VERSION"),
            message: "data from postgres {found}".into(),
            hint: "use {found}'s tools".into(),
        };
        let failure = perform(&[refusal], &sb.cx()).unwrap_err();
        assert_eq!(
            (failure.message.as_str(), failure.hint.as_deref()),
            ("data from postgres 14", Some("use 14's tools"))
        );
    }

    #[test]
    fn conditions_on_a_servers_files_are_read_where_it_runs() {
        let sb = Sandbox::new();
        let cx = sb.cx();
        sb.write("own.pid", &format!("{}\n", std::process::id()));
        sb.write("dead.pid", &format!("{}\n", dead_pid()));
        sb.write("garbage.pid", "not a pid\n");
        assert!(holds(&Test::PidAlive(sb.path("own.pid")), &cx));
        assert!(!holds(&Test::PidAlive(sb.path("dead.pid")), &cx));
        assert!(!holds(&Test::PidAlive(sb.path("garbage.pid")), &cx));
        assert!(!holds(&Test::PidAlive(sb.path("absent.pid")), &cx));

        sb.write("conf", "a=1\n");
        assert!(holds(&Test::SameContent(sb.path("conf"), "a=1\n".into()), &cx));
        assert!(!holds(&Test::SameContent(sb.path("conf"), "a=1".into()), &cx));
        assert!(!holds(&Test::SameContent(sb.path("absent"), String::new()), &cx));

        std::fs::create_dir(sb.path("empty")).unwrap();
        assert!(!holds(&Test::HoldsFiles(sb.path("empty")), &cx));
        assert!(!holds(&Test::HoldsFiles(sb.path("absent")), &cx));
        assert!(holds(&Test::HoldsFiles(sb.path("")), &cx));

        sb.write("VERSION", "15\n");
        let version_in =
            |want: &str| Test::VersionIn { file: sb.path("VERSION"), constraint: Constraint::parse(want).unwrap() };
        assert!(holds(&version_in("15"), &cx));
        assert!(!holds(&version_in("16"), &cx));
        assert!(holds(&Test::All(vec![version_in("15"), Test::Exists(sb.path("conf"))]), &cx));
        assert!(!holds(&Test::All(vec![version_in("15"), version_in("16")]), &cx));
        assert!(holds(&Test::All(vec![]), &cx));
    }

    #[test]
    fn a_probe_is_asked_now_or_a_few_times_within_a_moment() {
        let sb = Sandbox::new();
        let ready = sb.path("ready");
        let probe = Probe::Path(ready.clone(), None);
        assert!(!holds(&Test::Probe(probe.clone()), &sb.cx()));
        let soon = Test::ProbeSoon { probe: probe.clone(), within: Duration::from_secs(1) };
        assert!(!holds(&soon, &sb.cx()));
        perform(
            &[Action::Run(Run::new(format!("(sleep 0.3; touch {}) >/dev/null 2>&1 &", ready.display())))],
            &sb.cx(),
        )
        .unwrap();
        assert!(holds(&soon, &sb.cx()), "written a moment after the asking began");
        assert!(holds(&Test::Probe(probe), &sb.cx()));
    }

    #[test]
    fn only_pid_files_of_processes_that_are_gone_are_removed() {
        let sb = Sandbox::new();
        sb.write("own.pid", &format!("{}\n", std::process::id()));
        sb.write("dead.lock", &format!("{}\n", dead_pid()));
        let files = vec![sb.path("own.pid"), sb.path("dead.lock"), sb.path("absent")];
        perform(&[Action::RemoveStalePidFiles(files)], &sb.cx()).unwrap();
        assert!(sb.path("own.pid").exists());
        assert!(!sb.path("dead.lock").exists());
    }

    #[test]
    fn a_servers_directory_is_its_accounts_only_when_devup_is_root() {
        let mut sb = Sandbox::new();
        let dir = sb.path("data/server");
        let make = Action::MakeAccountDir {
            path: dir.clone(),
            mode: 0o700,
            account: "devup-no-such-account".into(),
            what: "fake".into(),
        };
        sb.facts.root = false;
        perform(std::slice::from_ref(&make), &sb.cx()).unwrap();
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&dir).unwrap().permissions().mode() & 0o7777, 0o700);
        sb.facts.root = true;
        let failure = perform(&[make], &sb.cx()).unwrap_err();
        assert!(failure.message.starts_with("fake must run as `devup-no-such-account` when devup is root: "));
        assert_eq!(
            failure.hint.as_deref(),
            Some("install the fake package (it creates the account), or run devup as a normal user")
        );
    }

    #[test]
    fn files_a_program_wrote_are_claimed_as_devups_own() {
        let sb = Sandbox::new();
        sb.write("pg_hba.conf", "initdb's\n");
        perform(&[Action::ClaimFiles(vec![sb.path("pg_hba.conf"), sb.path("absent")])], &sb.cx()).unwrap();
        assert_eq!(sb.memory.written(&sb.path("pg_hba.conf")), Some(crate::state::sha256_hex(b"initdb's\n")));
        assert_eq!(sb.memory.written(&sb.path("absent")), None);
        // Now devup's own: replaced without a word.
        let write = Action::WriteFile {
            path: sb.path("pg_hba.conf"),
            content: FileContent::Text("devup's\n".into()),
            mode: Some(0o600),
            owner: Some("devup-no-such-account".into()),
        };
        perform(&[write], &sb.cx()).unwrap();
        assert_eq!(std::fs::read_to_string(sb.path("pg_hba.conf")).unwrap(), "devup's\n");
    }

    #[test]
    fn a_servers_command_finds_the_newest_matching_directory_first_on_its_path() {
        let mut sb = Sandbox::new();
        sb.facts.root = false;
        for version in ["9", "15", "14"] {
            sb.write(&format!("lib/{version}/bin/which-version"), &format!("#!/bin/sh\necho {version} > found\n"));
            let tool = sb.path(&format!("lib/{version}/bin/which-version"));
            std::fs::set_permissions(&tool, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
        }
        let pattern = format!("{}/lib/*/bin", sb.dir.path().display());
        let run = Run::new("which-version")
            .cwd(sb.path(""))
            .run_as(Some(RunAs::AccountWhenRoot("devup-no-such-account".into())))
            .path_first(&[pattern]);
        perform(&[Action::Run(run)], &sb.cx()).unwrap();
        assert_eq!(std::fs::read_to_string(sb.path("found")).unwrap(), "15\n");
    }
}
