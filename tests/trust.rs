//! Nothing from a project runs before a person approved it; devup refuses to run as root
//! through sudo; values from devup.toml cannot inject commands.

use crate::support::Sandbox;

const STEPS: &str = "[[step]]\nname = \"hello\"\ncheck = \"hello-check\"\napply = \"hello-apply\"\n";

fn project() -> Sandbox {
    Sandbox::new().untrusted().manifest(STEPS).stub("hello-check", "test -f done").stub("hello-apply", "touch done")
}

#[test]
fn an_untrusted_project_is_refused_without_a_terminal_and_nothing_runs() {
    let sb = project();
    sb.devup(&["--yes"])
        .code(4)
        .stderr_has("have not been approved")
        .stderr_has("step.hello: hello-check")
        .stderr_has("step.hello: hello-apply")
        .stderr_has("devup trust")
        .stderr_has("DEVUP_TRUST=1");
    assert!(sb.calls("hello-check").is_empty() && sb.calls("hello-apply").is_empty());
}

#[test]
fn plan_shows_untrusted_steps_without_running_their_checks() {
    let sb = project();
    sb.devup(&["plan"])
        .code(2)
        .stderr_has("not trusted yet")
        .stdout_has("could not check: the project's commands are not trusted yet");
    assert!(sb.calls("hello-check").is_empty());
}

#[test]
fn devup_trust_approves_until_the_commands_change() {
    let sb = project();
    sb.devup(&["trust"]).code(0).stderr_has("step.hello: hello-apply").stderr_has("trusted");
    sb.devup(&[]).code(0);
    assert!(sb.path("done").exists());
    sb.devup(&["trust"]).code(0).stderr_has("already trusted");

    sb.write("devup.toml", &STEPS.replace("hello-apply", "hello-apply --force"));
    sb.devup(&[])
        .code(4)
        .stderr_has("changed since you approved them")
        .stderr_has("+ step.hello: hello-apply --force")
        .stderr_has("- step.hello: hello-apply");
}

#[test]
fn explicit_trust_for_ci() {
    let sb = project();
    sb.devup(&["--trust", "--yes"]).code(0);
    // The approval was recorded: the next run needs no flag.
    sb.devup(&[]).code(0);
    let mut cmd = sb.command(&["plan"]);
    cmd.env("DEVUP_TRUST", "1");
    assert_eq!(cmd.output().unwrap().status.code(), Some(0));
}

#[test]
fn built_in_recipes_need_no_trust() {
    let sb = Sandbox::new().untrusted().manifest("[languages]\nnode = \"*\"\n").stub("node", "echo v20.1.0");
    sb.devup(&[]).code(0);
}

#[test]
fn a_project_recipe_needs_trust_and_a_change_to_it_asks_again() {
    let recipe = "description = 'x'\n[[step]]\nid = 'x'\nkind = 'command'\ncheck = 'test -f x'\napply = 'touch x'\n";
    let sb = Sandbox::new()
        .untrusted()
        .manifest("[dependencies]\nmine = {}\n")
        .file(".devup/recipes/dependencies/mine.toml", recipe);
    sb.devup(&[]).code(4).stderr_has("dependencies.mine.x: touch x");
    sb.devup(&["trust"]).code(0);
    sb.devup(&[]).code(0);
    sb.write(".devup/recipes/dependencies/mine.toml", &recipe.replace("touch x", "touch x y"));
    sb.devup(&[]).code(4).stderr_has("+ dependencies.mine.x: touch x y");
}

#[test]
fn refuses_to_run_project_commands_as_root_through_sudo() {
    let sb = project();
    let mut cmd = sb.command(&["--trust", "--yes"]);
    cmd.env("SUDO_USER", "alice");
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(4));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("started through sudo by alice") && stderr.contains("run devup as yourself"), "{stderr}");
    assert!(sb.calls("hello-check").is_empty());
}

#[test]
fn values_from_devup_toml_cannot_inject_commands_into_recipes() {
    let recipe = "description = 'x'\n[params.name]\ntype = 'string'\nrequired = true\n\
                  [[step]]\nid = 'x'\nkind = 'deps'\nrun = 'mkdir -p out && touch out/{name}'\noutputs = ['out']\n";
    for evil in ["a; touch pwned", "$(touch pwned)", "`touch pwned`", "a' && touch pwned && '", "a\\nb\ntouch pwned"] {
        let manifest = format!("[dependencies]\nmine = {{ name = {} }}\n", toml_string(evil));
        let sb = Sandbox::new().manifest(&manifest).file(".devup/recipes/dependencies/mine.toml", recipe);
        sb.devup(&["--yes"]).code(0);
        assert!(!sb.path("pwned").exists(), "{evil:?} ran a command");
        assert!(sb.path("out").join(evil).exists() || evil.contains('/'), "{evil:?} is one file name");
    }
}

fn toml_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n"))
}

/// A recipe outside a section's folder is never read: devup says so, and where it should go.
#[test]
fn a_misplaced_project_recipe_is_named_with_where_it_goes() {
    let sb = Sandbox::new()
        .manifest("[[step]]\nname = \"x\"\ncheck = \"true\"\napply = \"true\"\n")
        .file(".devup/recipes/python.toml", "description = \"mine\"\n")
        .file(".devup/recipes/language/ruby.toml", "description = \"mine\"\n");
    sb.devup(&["plan"])
        .code(0)
        .stderr_has(".devup/recipes/python.toml is not used: a recipe goes in its section's folder, such as .devup/recipes/languages/python.toml")
        .stderr_has(".devup/recipes/language is not a section");
}

#[test]
fn env_is_shown_and_approved_with_the_commands_but_alone_does_not_stop_a_converge() {
    // [env] reaches the shell through activation: `devup trust` shows and approves it...
    let sb = Sandbox::new().untrusted().manifest("[env]\nNODE_OPTIONS = \"--require ./hook.js\"\n");
    sb.devup(&["trust"])
        .code(0)
        .stderr_has("This project's [env] sets these variables")
        .stderr_has("NODE_OPTIONS = \"--require ./hook.js\"")
        .stderr_has("trusted: activation and `devup exec` will set these variables");
    sb.devup(&["trust"]).code(0).stderr_has("already trusted");
    // ...and a change to it is shown as such.
    sb.write("devup.toml", "[env]\nNODE_OPTIONS = \"--require ./other.js\"\n");
    sb.devup(&["trust"])
        .code(0)
        .stderr_has("The project's [env] changed since you approved it:")
        .stderr_has("+ [env] NODE_OPTIONS = \"--require ./other.js\"")
        .stderr_has("- [env] NODE_OPTIONS = \"--require ./hook.js\"");
    // A project that runs no command of its own converges without approval, as before.
    let sb = Sandbox::new().untrusted().manifest("[env]\nA = \"1\"\n");
    sb.devup(&["--yes"]).code(0);
    // With commands, the approval shows its [env] too.
    let sb = project();
    sb.write("devup.toml", &format!("{STEPS}\n[env]\nA = \"1\"\n"));
    sb.devup(&["--yes"])
        .code(4)
        .stderr_has("step.hello: hello-apply")
        .stderr_has("Its [env] sets these variables")
        .stderr_has("A = \"1\"");
}

/// Approval covers what can run, not the file: a comment, the layout, a version, a database
/// name or a server setting is not asked about again.
#[test]
fn an_edit_that_changes_nothing_that_runs_does_not_ask_again() {
    let sb = project().stub("node", "echo v20.1.0");
    sb.write("devup.toml", &format!("[languages]\nnode = \"20\"\n\n{STEPS}\n[env]\nA = \"1\"\n"));
    sb.devup(&["trust", "--yes"]).code(0);
    sb.devup(&["--yes"]).code(0);
    let edited = format!(
        "# the project's tools\n[languages]\nnode   =   \">=18 <21\"   # widened\n\n{}\n[env]\nA = '1'\n",
        STEPS.replace("name = \"hello\"", "name = \"hello\" # said twice")
    );
    sb.write("devup.toml", &edited);
    sb.devup(&["--yes"]).code(0);
    sb.devup(&["trust"]).code(0).stderr_has("already trusted");
}

#[test]
fn going_back_to_an_approved_version_does_not_ask() {
    let sb = project();
    sb.devup(&["trust", "--yes"]).code(0);
    let second = STEPS.replace("hello-apply", "hello-apply --again");
    sb.write("devup.toml", &second);
    sb.devup(&["--yes"]).code(4);
    sb.devup(&["trust", "--yes"]).code(0);
    // Back to the first version (a branch switched back), then to the second: both approved.
    sb.write("devup.toml", STEPS);
    sb.devup(&["--yes"]).code(0);
    sb.write("devup.toml", &second);
    sb.devup(&["plan"]).code(0);
    // A third is new.
    sb.write("devup.toml", &STEPS.replace("hello-apply", "hello-apply --third"));
    sb.devup(&["--yes"]).code(4).stderr_has("+ step.hello: hello-apply --third");
}

/// The message says what changed, once: a changed variable is one `+` and one `-` line, and no
/// line claims the commands changed when they did not.
#[test]
fn the_change_is_shown_exactly_once() {
    let sb = project();
    sb.write("devup.toml", &format!("{STEPS}\n[env]\nA = \"1\"\n"));
    sb.devup(&["trust", "--yes"]).code(0);
    sb.write("devup.toml", &format!("{STEPS}\n[env]\nA = \"1\"\nLD_PRELOAD = \"./evil.so\"\n"));
    let run = sb.devup(&["--yes"]);
    run.code(4);
    assert!(
        run.stderr.contains(
            "error: the project's [env] changed since you approved it:\n  + [env] LD_PRELOAD = \"./evil.so\"\n"
        ),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("commands changed") && !run.stderr.contains("the same commands"), "{}", run.stderr);
    assert_eq!(run.stderr.matches("LD_PRELOAD").count(), 1, "{}", run.stderr);
}

/// A `[[step]]`'s own variables and directory change what it runs.
#[test]
fn a_steps_env_is_approved_with_its_commands() {
    let sb = project();
    sb.devup(&["trust", "--yes"]).code(0);
    sb.write("devup.toml", &format!("{STEPS}env = {{ NODE_OPTIONS = \"--require ./x.js\" }}\n"));
    sb.devup(&["--yes"]).code(4).stderr_has("+ step.hello: env NODE_OPTIONS = \"--require ./x.js\"");
}

/// Seed SQL is run by devup (`psql -f`, whose `\!` runs a shell command): the file is approved
/// with the project, and a change to it asks again, naming it.
#[test]
fn a_seed_file_is_approved_and_a_change_to_it_asks_again() {
    let sb = Sandbox::new()
        .untrusted()
        .manifest("[datastores]\npostgres = { databases = [\"app\"], init_sql = \"db/seed.sql\" }\n")
        .file("db/seed.sql", "CREATE TABLE t (id int);\n");
    sb.devup(&["trust"]).code(0).stderr_has("devup runs what these files of the project say:\n  db/seed.sql\n");
    sb.devup(&["trust"]).code(0).stderr_has("already trusted");
    // A database name or a setting changes nothing that runs.
    sb.write(
        "devup.toml",
        "[datastores]\npostgres = { databases = [\"app\", \"app_test\"], init_sql = \"db/seed.sql\", settings = { max_connections = \"50\" } }\n",
    );
    sb.devup(&["trust"]).code(0).stderr_has("already trusted");
    sb.write("db/seed.sql", "CREATE TABLE t (id int);\n\\! touch owned\n");
    let run = sb.devup(&["--yes"]);
    run.code(4).stderr_has(
        "error: the project's commands changed since you approved them:\n  ~ db/seed.sql (its content changed)\n",
    );
    assert!(!run.stderr.contains("step."), "{}", run.stderr);
}

/// An approval recorded by the devup before approvals were sets of hashes still holds.
#[test]
fn an_older_record_still_holds() {
    let sb = project();
    sb.devup(&["trust", "--yes"]).code(0);
    let projects = sb.state_dir().join("projects");
    let dir = std::fs::read_dir(&projects).unwrap().next().unwrap().unwrap().path();
    let old = serde_json::json!({
        "sha256": "0".repeat(64),
        "lines": ["step.hello: hello-check", "step.hello: hello-apply"],
        "env": []
    });
    std::fs::write(dir.join("trust.json"), old.to_string()).unwrap();
    sb.devup(&["--yes"]).code(0);
    sb.write("devup.toml", &STEPS.replace("hello-apply", "hello-apply -f"));
    sb.devup(&["--yes"]).code(4).stderr_has("- step.hello: hello-apply\n");
}

/// What a person reads before approving: everything the first time, then only the change.
#[test]
fn the_approval_texts() {
    let recipe = "description = 'x'\n[[step]]\nid = 'x'\nkind = 'command'\ncheck = 'test -f x'\napply = 'touch x'\n";
    let manifest = "[datastores]\npostgres = { databases = [\"app\"], init_sql = \"db/seed.sql\" }\n\
                    [dependencies]\nmine = {}\n\n[env]\nAPP_ENV = \"dev\"\n\n\
                    [[step]]\nname = \"env-file\"\ncheck = \"test -f .env\"\napply = \"cp .env.example .env\"\n";
    let sb = Sandbox::new()
        .untrusted()
        .manifest(manifest)
        .file(".devup/recipes/dependencies/mine.toml", recipe)
        .file("db/seed.sql", "CREATE TABLE t (id int);\n");
    let first = sb.devup(&["trust", "--yes"]);
    first.code(0);
    sb.write("devup.toml", &manifest.replace("cp .env.example .env", "cp -n .env.example .env").replace("dev", "test"));
    sb.write(".devup/recipes/dependencies/mine.toml", &format!("# mine\n{recipe}[env]\nMINE = '1'\n"));
    sb.write("db/seed.sql", "CREATE TABLE t (id bigint);\n");
    let changed = sb.devup(&["--yes"]);
    changed.code(4);
    insta::assert_snapshot!(format!("--- first\n{}--- changed\n{}", first.stderr, changed.stderr));
}
