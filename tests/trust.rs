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
