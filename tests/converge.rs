//! Converging sandbox projects: apply what is missing, nothing on the second run, repair what
//! breaks.

use crate::support::Sandbox;

/// A project recipe using every resource kind, and a custom step depending on it.
pub fn every_kind() -> Sandbox {
    Sandbox::new()
        .manifest(
            r#"
[project]
name = "kinds"

[dependencies]
demo = { greeting = "hi there" }

[[step]]
name = "marker"
check = "test -f marker"
apply = "touch marker"
requires = ["demo"]
"#,
        )
        .file("lock.txt", "v1\n")
        .file(
            ".devup/recipes/dependencies/demo.toml",
            r#"
description = "every kind of step"
[params.greeting]
type = "string"
default = "hello"

[[step]]
id = "dir"
kind = "directory"
path = "build/cache"
mode = "0750"

[[step]]
id = "config"
kind = "file"
path = "build/app.conf"
content = "greeting = {greeting}\n"
mode = "0600"
requires = ["dir"]

[[step]]
id = "link"
kind = "symlink"
path = "current"
target = "build"

[[step]]
id = "tool"
kind = "binary"
command = "demo-tool"
version = ">=1.2"

[[step]]
id = "install"
kind = "deps"
run = "demo-tool install"
inputs = ["lock.txt"]
outputs = ["vendor"]
requires = ["tool"]

[[step]]
id = "flag"
kind = "command"
check = "test -f flag"
apply = "echo {greeting} > flag"
"#,
        )
        .stub("demo-tool", "case \"$1\" in --version) echo 'demo-tool 1.4.0';; install) mkdir -p vendor;; esac")
}

#[test]
fn converges_then_changes_nothing() {
    let sb = every_kind();
    let first = sb.devup(&["--yes"]);
    first.code(0);
    assert_eq!(first.summary(), (1, 6, 0, 0), "{}", first.stderr);
    assert_eq!(sb.read("build/app.conf"), "greeting = hi there\n");
    assert_eq!(sb.read("flag"), "hi there\n");
    assert!(sb.path("vendor").is_dir() && sb.path("marker").is_file());
    assert_eq!(std::fs::read_link(sb.path("current")).unwrap().to_str(), Some("build"));

    let second = sb.devup(&["--yes"]);
    second.code(0);
    assert_eq!(second.summary(), (7, 0, 0, 0), "{}", second.stderr);
    assert_eq!(sb.calls("demo-tool").iter().filter(|c| *c == "install").count(), 1);
    sb.devup(&["plan"]).code(0).stdout_has("all 7 steps are satisfied");
}

#[test]
fn the_second_run_spawns_only_custom_checks() {
    let sb = every_kind();
    sb.devup(&["--yes"]).code(0);
    let run = sb.devup(&["--timings"]);
    // The version of demo-tool is cached; only the two `command` checks spawn.
    run.code(0).stderr_has("2 processes started");
}

#[test]
fn repairs_what_was_broken() {
    let sb = every_kind();
    sb.devup(&["--yes"]).code(0);
    std::fs::remove_dir_all(sb.path("vendor")).unwrap();
    std::fs::remove_file(sb.path("current")).unwrap();
    sb.write("lock.txt", "v2\n");
    let plan = sb.devup(&["plan"]);
    plan.code(2).stdout_has("2 of 7 steps to change").stdout_has("vendor is missing");
    let run = sb.devup(&["--yes"]);
    run.code(0);
    assert_eq!(run.summary(), (5, 2, 0, 0), "{}", run.stderr);

    sb.write("lock.txt", "v3\n");
    sb.devup(&["plan"]).code(2).stdout_has("changes since the last install: lock.txt");
}

#[test]
fn a_users_edit_is_kept_and_reported() {
    let sb = every_kind();
    sb.devup(&["--yes"]).code(0);
    sb.write("build/app.conf", "greeting = mine\n");
    // The plan says what `up` will do: keep it, not write it.
    sb.devup(&["plan"])
        .code(2)
        .stdout_has("have content edited by hand")
        .stdout_has("nothing: build/app.conf was edited by hand and is kept (`devup up --replace-files` replaces it");
    sb.devup(&["doctor"]).stdout_has("build/app.conf was edited by hand and is kept");
    let run = sb.devup(&["--yes"]);
    run.code(1).stderr_has("differs from what devup wrote").stderr_has("--replace-files");
    assert_eq!(sb.read("build/app.conf"), "greeting = mine\n");
    sb.devup(&["--yes", "--replace-files"]).code(0);
    assert_eq!(sb.read("build/app.conf.devup-backup"), "greeting = mine\n");
    assert_eq!(sb.read("build/app.conf"), "greeting = hi there\n");
}

#[test]
fn an_apply_that_does_not_fix_its_check_fails_and_skips_dependents() {
    let sb = Sandbox::new().manifest(
        r#"
[[step]]
name = "liar"
check = "test -f never"
apply = "true"

[[step]]
name = "after-liar"
check = "false"
apply = "true"
requires = ["liar"]

[[step]]
name = "independent"
check = "test -f ok"
apply = "touch ok"
"#,
    );
    let run = sb.devup(&["--yes"]);
    run.code(1)
        .stderr_has("failed: step.liar: it was applied, but its check still fails")
        .stderr_has("skipped: step.after-liar: it requires step.liar, which did not succeed");
    assert_eq!(run.summary(), (0, 1, 1, 1));
    assert!(sb.path("ok").exists());
}

#[test]
fn a_failing_command_shows_its_output() {
    let sb = Sandbox::new()
        .manifest("[[step]]\nname = \"x\"\ncheck = \"false\"\napply = \"echo 'disk is full' >&2; exit 7\"\n");
    sb.devup(&["--yes"]).code(1).stderr_has("(exit code 7)").stderr_has("    disk is full");
}

#[test]
fn env_reaches_commands() {
    let sb = Sandbox::new().manifest(
        "[env]\nAPP_MODE = \"dev\"\n[[step]]\nname = \"x\"\ncheck = \"test -f out\"\napply = \"echo $APP_MODE-$OWN > out\"\nenv = { OWN = \"mine\" }\n",
    );
    sb.devup(&["--yes"]).code(0);
    assert_eq!(sb.read("out"), "dev-mine\n");
}

#[test]
fn state_survives_being_deleted_or_corrupted() {
    let sb = every_kind();
    sb.devup(&["--yes"]).code(0);
    let state = std::fs::read_dir(sb.state_dir().join("projects")).unwrap().next().unwrap().unwrap().path();
    std::fs::write(state.join("state.json"), "{ corrupt").unwrap();
    let run = sb.devup(&["--yes"]);
    run.code(0).stderr_has("state for this project was unusable");
    // The install's record is a stamp file of its own, not state.json: it is kept.
    assert_eq!(run.summary(), (7, 0, 0, 0), "{}", run.stderr);
    // Without it the install runs once more, then all is quiet again.
    std::fs::remove_dir_all(sb.state_dir()).unwrap();
    assert_eq!(sb.devup(&["--yes"]).summary(), (6, 1, 0, 0));
    assert_eq!(sb.devup(&[]).summary(), (7, 0, 0, 0));
}

#[test]
fn runs_from_a_subdirectory_and_with_file_and_directory_options() {
    let sb = Sandbox::new()
        .manifest("[[step]]\nname = \"x\"\ncheck = \"test -f done\"\napply = \"touch done\"\n")
        .file("sub/dir/.keep", "");
    let mut cmd = sb.command(&["plan"]);
    let out = cmd.current_dir(sb.path("sub/dir")).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    sb.devup(&["-C", "sub", "--yes"]).code(0);
    assert!(sb.path("done").exists(), "steps run in the project directory");
    sb.devup(&["--file", "devup.toml", "plan"]).code(0);
}

/// A run killed while a step's command runs: the command goes on, orphaned, and the next run
/// waits for it rather than start the same work beside it.
#[test]
fn the_run_after_a_killed_one_waits_for_the_commands_it_left_running() {
    let sb = Sandbox::new().manifest(
        r#"
[[step]]
name = "slow"
check = "test -f done"
apply = "echo start >> log; sleep 2; echo end >> log; touch done"
"#,
    );
    let mut first =
        sb.command(&["--yes"]).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null()).spawn().unwrap();
    // Once devup has recorded the command it started (a kill before that leaves an orphan
    // nobody knows of: the moment between starting a process and writing its record).
    let recorded = || {
        let projects = std::fs::read_dir(sb.state_dir().join("projects")).into_iter().flatten().flatten();
        projects.filter_map(|p| std::fs::read_dir(p.path().join("running")).ok()).any(|mut d| d.next().is_some())
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !(recorded() && sb.path("log").exists()) {
        assert!(std::time::Instant::now() < deadline, "the step never started");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    first.kill().unwrap(); // devup alone: its child carries on
    first.wait().unwrap();

    sb.devup(&["--yes", "--no-wait"])
        .code(5)
        .stderr_has("`echo start >> log; sleep 2; echo end >> log; touch done` (pid ")
        .stderr_has("started by a devup run that was stopped before it ended, still runs");
    sb.devup(&["doctor"]).stdout_has("still runs, started by a devup run that was stopped before it ended");
    sb.devup(&["--yes"]).code(0).stderr_has("waiting for `echo start >> log");
    assert_eq!(sb.read("log"), "start\nend\n", "the command ran once");
}

/// A run that waited for another reads the state after it: what the first run recorded (here,
/// what it wrote into a file it owns) is not overwritten by a copy read before the wait.
#[test]
fn a_run_that_waited_keeps_what_the_other_run_recorded() {
    let sb = Sandbox::new()
        .manifest(
            r#"
[languages]
python = "3"   # its version is cached in the state: a run that reads it anew saves the state

[dependencies]
config = {}

[[step]]
name = "slow"
check = "test -f done"
apply = "touch started; sleep 2; touch done"

# Fails the first time: the second run has something to apply, and saves the state.
[[step]]
name = "second-time"
check = "test -f ok"
apply = "if [ -f tried ]; then touch ok; else touch tried; false; fi"
requires = ["slow"]
"#,
        )
        // Written after the slow step: recorded once the second run has read the state.
        .file(
            ".devup/recipes/dependencies/config.toml",
            "description = \"a file devup owns\"\n[[step]]\nid = \"file\"\nkind = \"file\"\npath = \"local.conf\"\ncontent = \"x = 1\\n\"\nrequires = [\"step.slow\"]\n",
        );
    let mut first =
        sb.command(&["--yes"]).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null()).spawn().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !sb.path("started").exists() {
        assert!(std::time::Instant::now() < deadline, "the first run never started its slow step");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    // Started while the first holds the lock: it waits, then finds everything done.
    sb.devup(&["--yes"]).code(0).stderr_has("waiting for another devup run");
    assert_eq!(first.wait().unwrap().code(), Some(1), "the first run failed `second-time`");
    // The file's record survived the second run: devup knows the file as its own and updates
    // it when the recipe changes (without the record it would keep it as a person's edit).
    let recipe = sb.read(".devup/recipes/dependencies/config.toml").replace("x = 1", "x = 3");
    sb.write(".devup/recipes/dependencies/config.toml", &recipe);
    sb.devup(&["--yes"]).code(0);
    assert_eq!(sb.read("local.conf"), "x = 3\n");
}
