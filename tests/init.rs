//! `devup init`: repository layouts under `tests/fixtures/repos/<name>/repo`, each with the
//! devup.toml it should give (`expected.toml`) and the report (`expected.txt`). Every drafted
//! file must pass devup's own validation: `devup plan` on it exits 0 or 2, never 3.
//!
//! After a deliberate change, `DEVUP_BLESS=1 cargo test init::` rewrites the expected files;
//! review the diff.

use std::path::{Path, PathBuf};

use crate::support::Sandbox;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/repos")
}

/// A sandbox holding a copy of the fixture repository.
fn repo(name: &str) -> Sandbox {
    let sb = Sandbox::new();
    let root = fixtures().join(name).join("repo");
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(&root).unwrap().to_str().unwrap();
                sb.write(rel, &std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    sb
}

/// Compares with an expected file, or writes it under DEVUP_BLESS=1.
#[track_caller]
fn expect(name: &str, file: &str, actual: &str) {
    let path = fixtures().join(name).join(file);
    if std::env::var_os("DEVUP_BLESS").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}/{file}: {e} (DEVUP_BLESS=1 writes it)"));
    assert!(
        expected == actual,
        "{name}/{file} differs (DEVUP_BLESS=1 rewrites it)\n--- expected\n{expected}\n--- actual\n{actual}"
    );
}

/// `devup init` on the fixture, compared with what is expected, then `devup plan` on the
/// result: valid input (0, 1 or 2), never invalid (3).
fn round_trip(name: &str) {
    let sb = repo(name);
    let run = sb.devup(&["init"]);
    run.code(0);
    assert_eq!(run.stdout, "", "the report goes to stderr");
    expect(name, "expected.toml", &sb.read("devup.toml"));
    expect(name, "expected.txt", &run.stderr);
    let plan = sb.devup(&["plan"]);
    assert!(
        // 1: a version the sandbox cannot install is said before anything runs.
        matches!(plan.code, 0..=2),
        "devup plan on the drafted file exited {}\n--- devup.toml\n{}\n--- stdout\n{}\n--- stderr\n{}",
        plan.code,
        sb.read("devup.toml"),
        plan.stdout,
        plan.stderr
    );
}

#[test]
fn django_app() {
    round_trip("django-app");
}

#[test]
fn rails_app() {
    round_trip("rails-app");
}

#[test]
fn express_app_with_pnpm() {
    round_trip("express-pnpm");
}

/// A project that moved on: a stale .nvmrc, a Travis file from before GitHub Actions, Yarn 4
/// Plug'n'Play, redis from an action, a second job running the suite another way.
#[test]
fn moved_on_from_travis_and_node_20() {
    round_trip("moved-on");
}

#[test]
fn go_service() {
    round_trip("go-service");
}

#[test]
fn rust_workspace() {
    round_trip("rust-workspace");
}

#[test]
fn polyglot_monorepo() {
    round_trip("polyglot-monorepo");
}

#[test]
fn only_a_compose_file() {
    round_trip("compose-only");
}

#[test]
fn empty_directory() {
    round_trip("empty");
}

#[test]
fn github_actions_services() {
    round_trip("github-actions");
}

/// A GitHub service's account, password and `-c` option, a role the steps create, and the
/// requirements the test job installs (not the style job's).
#[test]
fn ci_roles_settings_and_requirements() {
    round_trip("ci-roles-settings");
}

/// Travis scripts that change settings with ALTER SYSTEM and create a role and a database.
#[test]
fn travis_setup_scripts() {
    round_trip("travis-setup");
}

/// tox's deps and extras.
#[test]
fn tox_deps_and_extras() {
    round_trip("tox-deps");
}

/// A Makefile that copies .env.example: the step is declared (elsewhere it is commented out).
#[test]
fn env_file_copied_by_the_project() {
    round_trip("env-copied");
}

/// A GitHub test job's and its steps' `env`: service URLs, hosts and ports become devup's
/// placeholders (a published port included), secrets and matrix values are commented out,
/// `CI` and the lint job's variables are left out.
#[test]
fn ci_env_github_job_and_steps() {
    round_trip("ci-env-github");
}

/// Travis `env.global` and the first job's: postgres and mysql both export DATABASE_URL, so
/// mysql's is drafted as MYSQL_URL; an encrypted variable is a note.
#[test]
fn ci_env_travis_two_databases() {
    round_trip("ci-env-travis");
}

/// GitLab variables reaching services by alias and name, a JSON value with literal braces,
/// CI's own settings left out; tox's `{toxinidir}` is the project's directory.
#[test]
fn ci_env_gitlab_and_tox() {
    round_trip("ci-env-gitlab-tox");
}

/// psycopg2 and Pillow in requirements.txt, which requirements-dev.txt includes: their system
/// packages under [packages], with the dependency that needs each.
#[test]
fn django_app_with_native_dependencies() {
    round_trip("django-native");
}

/// pg and mysql2 in Gemfile.lock; nokogiri locked precompiled needs nothing.
#[test]
fn rails_app_with_pg_and_mysql2() {
    round_trip("rails-native");
}

/// bcrypt builds with node-gyp when no prebuilt binary fits.
#[test]
fn node_app_with_bcrypt() {
    round_trip("node-bcrypt");
}

/// Versions as each ecosystem writes them (PEP 440, an npm range, a RubyGems requirement, a
/// `go` directive) are kept as the project wrote them, not widened.
#[test]
fn versions_in_their_ecosystems_syntax() {
    round_trip("ecosystem-versions");
}

#[test]
fn never_overwrites_without_force() {
    let sb = Sandbox::new().manifest("[project]\nname = \"mine\"\n").file("requirements.txt", "flask\n");
    sb.devup(&["init"]).code(3).stderr_has("devup.toml already exists").stderr_has("devup init --force");
    assert_eq!(sb.read("devup.toml"), "[project]\nname = \"mine\"\n");

    sb.devup(&["init", "--force"]).code(0).stderr_has("the old devup.toml is kept as devup.toml.devup-backup");
    assert_eq!(sb.read("devup.toml.devup-backup"), "[project]\nname = \"mine\"\n");
    assert!(sb.read("devup.toml").contains("pip = {}"));

    // A second backup never replaces the first.
    sb.devup(&["init", "--force"]).code(0);
    assert_eq!(sb.read("devup.toml.devup-backup"), "[project]\nname = \"mine\"\n");
    assert!(sb.read("devup.toml.devup-backup.2").contains("pip = {}"));
}

#[test]
fn print_writes_nothing() {
    let sb = Sandbox::new().manifest("[project]\nname = \"mine\"\n").file(".nvmrc", "20\n");
    let run = sb.devup(&["init", "--print"]);
    run.code(0).stdout_has("node = { from = \".nvmrc\" }").stderr_has(".nvmrc → languages.node");
    assert_eq!(sb.read("devup.toml"), "[project]\nname = \"mine\"\n");
    sb.devup(&["init", "--dry-run"]).code(0);
}

#[test]
fn another_directory_and_json() {
    let sb = Sandbox::new().file("svc/go.mod", "module example.com/svc\n\ngo 1.22\n");
    let run = sb.devup(&["init", "-C", "svc", "--json"]);
    run.code(0);
    let report = run.json();
    assert_eq!(report["written"], true);
    assert_eq!(report["findings"][0]["file"], "go.mod");
    assert_eq!(report["findings"][0]["entry"], "project.name");
    assert!(sb.read("svc/devup.toml").contains("go = { from = \"go.mod\" }"));
    assert!(!sb.path("devup.toml").exists());
}

#[test]
fn unreadable_files_are_warnings() {
    let sb = Sandbox::new().file("package.json", "{ not json").file("docker-compose.yml", "services: [");
    let run = sb.devup(&["init"]);
    run.code(0).stderr_has("warning: cannot read package.json").stderr_has("warning: cannot read docker-compose.yml");
    sb.devup(&["plan"]).code(0);
}

/// CircleCI: the docker images after a job's first are its services, with their environment;
/// the job's `run` steps say what it installs, and its first image's environment what the
/// tests read.
#[test]
fn circleci_services_and_environment() {
    round_trip("circleci");
}

/// Two postgres servers in one job (the current major and the previous), each on its own port:
/// two entries, the second naming its recipe, and each variable names its own server.
#[test]
fn two_servers_of_one_kind() {
    round_trip("two-servers");
}

/// Servers a Procfile runs (redis on its own port, with a setting) and a Makefile target starts
/// with `docker run`, with the database its next line creates.
#[test]
fn procfile_and_makefile_servers() {
    round_trip("procfile-makefile");
}

/// A datastore the project's own recipe describes, with a `[detect]` table: init recognises its
/// compose service, image version, database and the app's URL variable, as a built-in one's.
#[test]
fn a_project_datastore_recipe_teaches_init() {
    round_trip("project-datastore-recipe");
}
