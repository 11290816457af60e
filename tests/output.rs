//! What devup prints and its exit codes.

use crate::support::Sandbox;

fn one_step() -> Sandbox {
    Sandbox::new().manifest(
        "[project]\nname = \"shop\"\n[[step]]\nname = \"x\"\ncheck = \"test -f done\"\napply = \"touch done\"\n",
    )
}

#[test]
fn plan_exit_codes_and_json() {
    let sb = one_step();
    let plan = sb.devup(&["plan", "--json"]);
    plan.code(2);
    let json = plan.json();
    assert_eq!(json["project"], "shop");
    assert_eq!(json["steps"][0]["id"], "step.x");
    assert_eq!(json["steps"][0]["status"], "missing");
    assert_eq!(json["steps"][0]["action"], "run `touch done`");
    assert!(!sb.path("done").exists(), "plan changes nothing");
    sb.devup(&["--yes"]).code(0);
    sb.devup(&["plan"]).code(0);
}

#[test]
fn up_json_reports_plan_results_and_summary() {
    let sb = one_step();
    let run = sb.devup(&["--json", "--yes"]);
    run.code(0);
    let json = run.json();
    assert_eq!(json["results"][0]["outcome"], "changed");
    assert_eq!(json["summary"]["changed"], 1);
    assert!(json["spawned"].as_u64().unwrap() >= 2);
    assert!(!run.stderr.contains("changed step.x"), "no human lines in JSON mode: {}", run.stderr);
}

#[test]
fn no_project_file_is_invalid_input_with_a_hint() {
    Sandbox::new().devup(&[]).code(3).stderr_has("no devup.toml").stderr_has("devup init");
}

#[test]
fn usage_errors_are_invalid_input_and_help_is_not_an_error() {
    let sb = one_step();
    sb.devup(&["--no-such-flag"]).code(3);
    sb.devup(&["--help"]).code(0).stdout_has("Exit codes");
    sb.devup(&["plan", "--help"]).code(0).stdout_has("Examples");
    sb.devup(&["--version"]).code(0).stdout_has("devup ");
}

#[test]
fn completions_for_each_shell() {
    let sb = one_step();
    sb.devup(&["completions", "bash"]).code(0).stdout_has("_devup");
    sb.devup(&["completions", "zsh"]).code(0).stdout_has("#compdef devup");
    sb.devup(&["completions", "fish"]).code(0).stdout_has("complete -c devup");
}

#[test]
fn a_cycle_is_invalid_input_naming_every_step() {
    let sb = Sandbox::new().manifest(
        "[[step]]\nname = \"a\"\ncheck = \"true\"\napply = \"true\"\nrequires = [\"b\"]\n\
         [[step]]\nname = \"b\"\ncheck = \"true\"\napply = \"true\"\nrequires = [\"a\"]\n",
    );
    sb.devup(&["plan"]).code(3).stderr_has("step.a → step.b → step.a").stderr_has("devup.toml:1:1");
}

#[test]
fn a_second_run_refuses_while_the_first_holds_the_lock() {
    let sb = Sandbox::new()
        .manifest("[[step]]\nname = \"slow\"\ncheck = \"test -f done\"\napply = \"sleep 2; touch done\"\n");
    let mut first =
        sb.command(&["--yes"]).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null()).spawn().unwrap();
    // Wait until the first run holds the lock (its state folder exists).
    for _ in 0..100 {
        if sb.state_dir().join("projects").exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::thread::sleep(std::time::Duration::from_millis(200));
    sb.devup(&["--yes", "--no-wait"]).code(5).stderr_has("another devup run");
    // Without --no-wait the second run waits, then finds everything done.
    let second = sb.devup(&["--yes"]);
    assert!(first.wait().unwrap().success());
    second.code(0);
    assert_eq!(second.summary(), (1, 0, 0, 0));
}

#[test]
fn doctor_lists_facts_and_each_problem_with_its_fix() {
    let sb = one_step();
    let run = sb.devup(&["doctor"]);
    run.code(2)
        .stdout_has("machine:")
        .stdout_has(
            "problem: step.x: check `test -f done` failed (exit code 1)\n  fix:   `devup` will run `touch done`",
        )
        .stdout_has("1 problem");
    sb.devup(&["--yes"]).code(0);
    sb.devup(&["doctor"]).code(0).stdout_has("no problems");
}

#[test]
fn doctor_names_machine_level_causes() {
    let sb = one_step().untrusted();
    sb.devup(&["doctor"])
        .code(2)
        .stdout_has("problem: trust: the project's own commands are not trusted")
        .stdout_has("fix:   review and approve them with `devup trust`")
        .stdout_has("problem: step.x: could not check: the project's commands are not trusted yet");
    // A held lock: a slow run in the background.
    let sb = Sandbox::new()
        .manifest("[[step]]\nname = \"slow\"\ncheck = \"test -f done\"\napply = \"sleep 2; touch done\"\n");
    let mut first = sb.command(&["--yes"]).stderr(std::process::Stdio::null()).spawn().unwrap();
    for _ in 0..100 {
        if sb.state_dir().join("projects").exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::thread::sleep(std::time::Duration::from_millis(200));
    sb.devup(&["doctor"]).stdout_has("problem: lock: another devup run is working on this project");
    first.wait().unwrap();
    // A corrupt state file.
    let state = std::fs::read_dir(sb.state_dir().join("projects")).unwrap().next().unwrap().unwrap().path();
    std::fs::write(state.join("state.json"), "{ nope").unwrap();
    sb.devup(&["doctor"]).stdout_has("problem: state: devup's state for this project is unusable");
}

#[test]
fn doctor_reports_a_taken_preferred_port() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = listener.local_addr().unwrap().port();
    let recipe = format!(
        "description = 'a server'\n[params.port]\ntype = 'port'\ndefault = 0\npreferred = {taken}\n\
         [[step]]\nid = 'up'\nkind = 'probe'\nprobe = {{ protocol = 'tcp', port = '{{port}}' }}\napply = 'true'\n"
    );
    let sb = Sandbox::new().manifest("[datastores]\nfake = {}\n").file(".devup/recipes/datastores/fake.toml", &recipe);
    sb.devup(&["doctor"])
        .stdout_has(&format!("problem: port: datastores.fake: port {taken} is taken; using port {}", taken + 1));
    sb.devup(&["plan"]).stderr_has(&format!("port {taken} is taken"));
}

#[test]
fn unknown_recipe_names_the_location_and_suggests() {
    let sb = Sandbox::new()
        .manifest("[dependencies]\ndemoo = {}\n")
        .file(".devup/recipes/dependencies/demo.toml", "description = 'd'\n");
    sb.devup(&["plan"]).code(3).stderr_has("devup.toml:2:1").stderr_has("did you mean `demo`?");
}
