//! Built-in recipes in the sandbox: real venvs from the machine's python3, stubbed node/npm and
//! version managers. Installing languages and packages for real happens in the isolated-root
//! end-to-end suite (tests/e2e).

use crate::support::Sandbox;

/// The machine's python3 is needed for real venvs; the sandbox's PATH includes /usr/bin.
fn pip_project() -> Sandbox {
    Sandbox::new().manifest("[dependencies]\npip = {}\n").file("requirements.txt", "# nothing yet\n")
}

#[test]
fn pip_creates_a_real_venv_installs_and_then_does_nothing() {
    let sb = pip_project();
    let first = sb.devup(&["--yes"]);
    first.code(0);
    // As root on Debian a third step makes sure python3-venv is installed; it is already.
    let (_, changed, failed, skipped) = first.summary();
    assert_eq!((changed, failed, skipped), (2, 0, 0), "{}", first.stderr);
    assert!(sb.path(".venv/bin/python").exists());
    let second = sb.devup(&["--timings"]);
    second.code(0).stderr_has("0 processes started");
    assert_eq!(second.summary().1, 0);
}

#[test]
fn pip_repairs_a_deleted_venv_and_reinstalls_on_changed_requirements() {
    let sb = pip_project();
    sb.devup(&["--yes"]).code(0);
    std::fs::remove_dir_all(sb.path(".venv")).unwrap();
    sb.devup(&["plan"]).code(2).stdout_has(".venv/bin/python is missing");
    let run = sb.devup(&["--yes"]);
    run.code(0);
    assert_eq!(run.summary().1, 2, "a new venv gets the packages again: {}", run.stderr);

    sb.write("requirements.txt", "# still nothing, but changed\n");
    sb.devup(&["plan"]).code(2).stdout_has("changes since the last install: requirements.txt");
    assert_eq!(sb.devup(&["--yes"]).code(0).summary().1, 1);
}

/// A `python3` whose venvs hold a `python` that only logs its arguments to `pip-calls`.
fn pip_stubbed(manifest: &str) -> Sandbox {
    Sandbox::new()
        .manifest(manifest)
        .file("requirements.txt", "flask\n")
        .file("requirements-test.txt", "pytest\n")
        .file("pyproject.toml", "[project]\nname = \"app\"\n")
        .stub(
            "python3",
            r#"if [ "$1 $2" = "-m venv" ]; then mkdir -p "$4/bin"; printf '#!/bin/sh\necho "$*" >> pip-calls\n' > "$4/bin/python"; chmod +x "$4/bin/python"; fi"#,
        )
}

#[test]
fn pip_installs_several_requirements_files_and_the_project_with_extras() {
    let sb = pip_stubbed(
        "[dependencies]\npip = { extra_requirements = [\"requirements-test.txt\"], project = true, extras = [\"test\", \"docs\"] }\n",
    );
    sb.devup(&["--yes"]).code(0);
    assert_eq!(
        sb.read("pip-calls").lines().collect::<Vec<_>>(),
        [
            "-m pip install --disable-pip-version-check --quiet -r requirements.txt",
            "-m pip install --disable-pip-version-check --quiet -r requirements-test.txt",
            "-m pip install --disable-pip-version-check --quiet -e .[test,docs]",
        ]
    );
    sb.write("requirements-test.txt", "pytest\npytest-django\n");
    sb.devup(&["plan"]).code(2).stdout_has("changes since the last install: requirements-test.txt");
}

/// tox's `deps = pytest>=7` and a CI script's `pip install pytest-cov`: named one by one, in
/// one call after the files and before the project, again when the list changes.
#[test]
fn pip_installs_requirements_named_one_by_one() {
    let sb = pip_stubbed("[dependencies]\npip = { packages = [\"pytest>=7\", \"psycopg2-binary\"], project = true }\n");
    sb.devup(&["--yes"]).code(0);
    assert_eq!(
        sb.read("pip-calls").lines().collect::<Vec<_>>(),
        [
            "-m pip install --disable-pip-version-check --quiet -r requirements.txt",
            "-m pip install --disable-pip-version-check --quiet pytest>=7 psycopg2-binary",
            "-m pip install --disable-pip-version-check --quiet -e .",
        ]
    );
    assert!(!sb.path("7").exists(), "`>=7` is no redirection");
    sb.devup(&["plan"]).code(0);
    sb.write("devup.toml", "[dependencies]\npip = { packages = [\"pytest>=8\"], project = true }\n");
    sb.devup(&["plan"]).code(2).stdout_has("changes since the last install: the install command");
}

#[test]
fn pip_without_the_new_parameters_installs_as_before() {
    let sb = pip_stubbed("[dependencies]\npip = { project = true }\n");
    sb.devup(&["--yes"]).code(0);
    assert_eq!(
        sb.read("pip-calls").lines().collect::<Vec<_>>(),
        [
            "-m pip install --disable-pip-version-check --quiet -r requirements.txt",
            "-m pip install --disable-pip-version-check --quiet -e .",
        ]
    );
}

fn npm_project() -> Sandbox {
    Sandbox::new()
        .manifest("[languages]\nnode = \"20\"\n[dependencies]\nnpm = {}\n")
        .file("package.json", "{\"name\": \"app\"}\n")
        .file("package-lock.json", "{\"lockfileVersion\": 3}\n")
        .stub("node", "echo v20.11.1")
        .stub("npm", "case \"$1\" in --version) echo 10.2.4;; ci) mkdir -p node_modules;; esac")
}

#[test]
fn npm_ci_runs_when_the_lockfile_changes_or_node_modules_is_gone() {
    let sb = npm_project();
    sb.devup(&["--yes"]).code(0);
    assert_eq!(sb.calls("npm"), ["ci --no-audit --no-fund"]);
    assert_eq!(sb.devup(&[]).code(0).summary(), (3, 0, 0, 0));

    sb.write("package-lock.json", "{\"lockfileVersion\": 3, \"changed\": true}\n");
    sb.devup(&["--yes"]).code(0);
    std::fs::remove_dir_all(sb.path("node_modules")).unwrap();
    sb.devup(&["--yes"]).code(0);
    assert_eq!(sb.calls("npm").len(), 3);
}

#[test]
fn a_new_node_reinstalls_node_modules() {
    let sb = npm_project();
    sb.devup(&["--yes"]).code(0);
    // Replacing the node binary (an upgrade) changes its identity.
    std::thread::sleep(std::time::Duration::from_millis(20));
    let sb = sb.stub("node", "echo v20.12.0");
    sb.devup(&["plan"]).code(2).stdout_has("the `node` command");
}

#[test]
fn a_wrong_node_version_lists_what_was_found_and_the_ways_to_fix() {
    // Version 19: no node this machine may have on PATH fits, so nothing is merely shadowed.
    let sb = npm_project().stub("node", "echo v18.19.0");
    sb.write("devup.toml", "[languages]\nnode = \"19\"\n[dependencies]\nnpm = {}\n");
    let run = sb.devup(&["--yes"]);
    run.code(1)
        .stderr_has("cannot be done: 18.19.0 at")
        .stderr_has("want `node` 19; mise is not here; fnm is not here")
        .stderr_has("skipped: dependencies.npm.install");
    // The plan says so before anything runs, and exits non-zero.
    sb.devup(&["plan"]).code(1).stdout_has("! languages.node");
}

#[test]
fn a_version_manager_on_path_is_used() {
    let sb = Sandbox::new().manifest("[languages]\nnode = \"19\"\n").stub("node", "echo v18.19.0").stub("mise", "true");
    let run = sb.devup(&["--yes"]);
    // The stub mise "succeeds" without installing anything: devup notices.
    run.code(1).stderr_has("check still fails");
    assert_eq!(sb.calls("mise"), ["install node@19"], "never `mise use --global`");
}

#[test]
fn a_version_a_manager_installs_is_the_projects_alone() {
    // mise installs into its own directory, beside the other versions; the user's `node` stays.
    let install = r#"dir="$HOME/.local/share/mise/installs/node/19.9.0/bin"; mkdir -p "$dir"; printf '#!/bin/sh\necho v19.9.0\n' > "$dir/node"; chmod +x "$dir/node""#;
    let sb =
        Sandbox::new().manifest("[languages]\nnode = \"19\"\n").stub("node", "echo v18.19.0").stub("mise", install);
    sb.devup(&["--yes"]).code(0);
    assert_eq!(sb.calls("mise"), ["install node@19"]);
    assert!(sb.read("devup.lock").contains("version = \"19.9.0\""), "{}", sb.read("devup.lock"));
    sb.devup(&["plan"]).code(0).stdout_has("all 1 steps are satisfied");
    let env = sb.devup(&["env"]);
    env.code(0).stdout_has("/home/.local/share/mise/installs/node/19.9.0/bin");
    // The user's own PATH still finds the user's node.
    assert_eq!(sb.sh("node").stdout.trim(), "v18.19.0");
}

#[test]
fn the_steps_after_an_install_run_the_version_it_installed() {
    // Where a manager puts a version is known only once it installed it: the steps that come
    // after it in the same run must find that one, not the user's.
    let install = r#"dir="$HOME/.local/share/mise/installs/node/19.9.0/bin"; mkdir -p "$dir"; printf '#!/bin/sh\necho v19.9.0\n' > "$dir/node"; chmod +x "$dir/node""#;
    let manifest = "[languages]\nnode = \"19\"\n\n[[step]]\nname = \"which-node\"\nrequires = [\"languages.node\"]\n\
                    check = \"test -f node-version.txt\"\napply = \"node > node-version.txt\"\n";
    let sb = Sandbox::new().manifest(manifest).stub("node", "echo v18.19.0").stub("mise", install);
    assert_eq!(sb.devup(&["--yes"]).code(0).summary(), (0, 2, 0, 0));
    assert_eq!(sb.read("node-version.txt"), "v19.9.0\n");
}

#[test]
fn versions_come_from_the_projects_version_files() {
    let sb = Sandbox::new()
        .manifest("[languages]\nnode = { from = \".nvmrc\" }\n")
        .file(".nvmrc", "v18.19\n")
        .stub("node", "echo v18.19.0");
    sb.devup(&["plan", "--json"]).code(0);
    // A version no machine here has, and no source reachable from the sandbox: said before
    // anything runs.
    sb.write(".nvmrc", "v21\n");
    sb.devup(&["plan"]).code(1).stdout_has("want `node` 21");
    sb.write(".nvmrc", "lts/iron\n");
    sb.devup(&["plan"]).code(3).stderr_has("devup.toml:2:17").stderr_has("not a version devup can use");
}

#[test]
fn a_fitting_binary_later_on_path_is_the_projects_and_comes_first_on_its_path() {
    let sb = Sandbox::new().manifest("[languages]\npython = \"3.99\"\n").stub("python3", "echo Python 3.99.1");
    // The stub is first on PATH; the machine's python3 comes later. Ask for the machine's.
    let machine = std::process::Command::new("/usr/bin/python3").arg("--version").output().unwrap();
    let version = String::from_utf8_lossy(&machine.stdout).split_whitespace().nth(1).unwrap().to_string();
    sb.write("devup.toml", &format!("[languages]\npython = \"{version}\"\n"));
    // Nothing to install: only the lock is new.
    sb.devup(&["plan"])
        .code(0)
        .stdout_has("all 1 steps are satisfied")
        // (apt) where the package database owns it, else (found).
        .stdout_has(&format!("languages.python: add {version} ("));
    sb.devup(&["--yes"]).code(0);
    assert!(sb.read("devup.lock").contains(&format!("version = \"{version}\"")), "{}", sb.read("devup.lock"));
    sb.devup(&["plan"]).code(0);
    // The user's PATH is left alone; the project's puts the fitting python first.
    let env = sb.devup(&["env"]);
    env.code(0).stdout_has("export PATH=/usr/bin\"${PATH:+:$PATH}\"");
}

/// `bundle` is installed with `gem`, which comes with ruby: while ruby is not there, the plan
/// says bundler's install is decided after it, not that it cannot be done; once ruby is there
/// without `gem`, it cannot.
#[test]
fn a_way_whose_tool_comes_with_a_requirement_is_decided_after_it() {
    let sb = Sandbox::new()
        .manifest("[languages]\nruby = \"3.9\"\n[dependencies]\nbundler = {}\n")
        .file("Gemfile", "source 'https://rubygems.org'\n")
        .file("Gemfile.lock", "GEM\n")
        .stub("ruby", "echo ruby 3.1.2p20");
    sb.devup(&["plan"])
        .code(1)
        .stdout_has("! languages.ruby")
        .stdout_has("to be decided again once languages.ruby is done")
        .stdout_has("install `bundle` through the first of gem that is here by then");
    sb.write("devup.toml", "[languages]\nruby = \"3.1\"\n[dependencies]\nbundler = {}\n");
    sb.devup(&["plan"]).code(1).stdout_has("! dependencies.bundler.bundle").stdout_has("gem is not here");
}

/// A library keeps no lockfile: `lockfile = false` installs what package.json allows, again
/// when it changes, and writes no lockfile.
#[test]
fn npm_without_a_lockfile_installs_from_package_json() {
    let sb = Sandbox::new()
        .manifest("[languages]\nnode = \"20\"\n[dependencies]\nnpm = { lockfile = false }\n")
        .file("package.json", "{\"name\": \"lib\"}\n")
        .stub("node", "echo v20.11.1")
        .stub("npm", "case \"$1\" in --version) echo 10.2.4;; install) mkdir -p node_modules;; esac");
    sb.devup(&["plan"]).code(2).stdout_has("dependencies.npm.install-unlocked");
    sb.devup(&["--yes"]).code(0);
    assert_eq!(sb.calls("npm"), ["install --no-audit --no-fund --no-package-lock"]);
    assert_eq!(sb.devup(&[]).code(0).summary().1, 0);
    sb.write("package.json", "{\"name\": \"lib\", \"dependencies\": {}}\n");
    sb.devup(&["--yes"]).code(0);
    assert_eq!(sb.calls("npm").len(), 2);
}
