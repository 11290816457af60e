//! `devup recipes NAME`: one recipe in full, as text and as JSON, wherever it comes from.
//!
//! The full-text snapshots are of a project's own recipe, written here, so that changes to the
//! built-in recipes do not move them; `INSTA_UPDATE=always cargo test recipe_show` rewrites
//! them (review the diff).

use crate::support::Sandbox;

/// A made-up job queue, with a parameter of every shape `devup recipes` shows.
const QUEUE: &str = r#"
description = "A job queue of the project's own"
shorthand = "version"
aliases = ["jobq"]

[params.version]
type = "version"
default = "*"
doc = "a version constraint such as \"2\""

[params.mode]
type = "string"
default = "project"
choices = ["project", "system"]
variants = { system = "queue-system" }
doc = "\"project\": a server of the project's own; \"system\": the machine's"

[params.queues]
type = "tables"
default = []
doc = "queues to create, such as [{ name = \"mail\" }]"

[params.queues.fields.name]
type = "string"
required = true
identifier = true

[params.queues.fields.durable]
type = "bool"
default = true

[params.token]
type = "string"
default = ""
secret = true
doc = "the token clients send"

[params.port]
type = "port"
default = 0
preferred = 7400
doc = "pin the port; 0: 7400 when free"

[env]
QUEUE_URL = "queue://127.0.0.1:{port}"

[[step]]
id = "queued"
kind = "binary"
command = "queued"
version = "{version}"

[[step.install]]
with = "mise"
run = "mise install queued@{version.request}"

[[step]]
id = "config"
kind = "file"
path = ".queue/config"
content = "port = {port}\n"
when = { os = ["linux", "macos"] }

[[step]]
id = "queue"
kind = "command"
for_each = "queues"
description = "queue {item.name}"
check = "queuectl -p {port} has {item.name}"
apply = "queuectl -p {port} create {item.name}"
requires = ["queued", "config"]
"#;

fn with_queue() -> Sandbox {
    Sandbox::new().file(".devup/recipes/datastores/queue.toml", QUEUE)
}

/// The output with the sandbox's project directory as `[PROJECT]`.
fn portable(sb: &Sandbox, text: &str) -> String {
    text.replace(sb.project().to_str().unwrap(), "[PROJECT]")
}

#[test]
fn a_project_recipe_in_full() {
    let sb = with_queue();
    let run = sb.devup(&["recipes", "queue"]);
    run.code(0);
    insta::assert_snapshot!(portable(&sb, &run.stdout));
    // With its section, the same.
    assert_eq!(sb.devup(&["recipes", "datastores/queue"]).code(0).stdout, run.stdout);
}

#[test]
fn a_project_recipe_as_json() {
    let sb = with_queue();
    let run = sb.devup(&["recipes", "datastores/queue", "--json"]);
    run.code(0);
    insta::assert_snapshot!(portable(&sb, &run.stdout));
}

#[test]
fn a_built_in_recipe_and_where_it_comes_from() {
    let sb = Sandbox::new();
    sb.devup(&["recipes", "datastores/postgres"])
        .code(0)
        .stdout_has("datastores/postgres: ")
        .stdout_has("from: built in\n")
        .stdout_has("\nparameters:\n  mode ")
        .stdout_has("  DATABASE_URL=postgres://")
        .stdout_has("\nsteps:\n");
    let json = sb.devup(&["recipes", "pip", "--json"]).code(0).json();
    assert_eq!(json["origin"], "builtin");
    assert_eq!(json["params"][0]["name"], "venv", "parameters in the recipe's order");
    // A package's names per manager.
    sb.devup(&["recipes", "libpq"]).code(0).stdout_has("names per package manager:\n").stdout_has("  apt: libpq-dev\n");
}

#[test]
fn a_users_recipe_overrides_a_built_in_one() {
    let sb = Sandbox::new();
    std::fs::create_dir_all(sb.config_dir().join("recipes/languages")).unwrap();
    std::fs::write(
        sb.config_dir().join("recipes/languages/python.toml"),
        "description = \"The python3 this team builds\"\n",
    )
    .unwrap();
    let run = sb.devup(&["recipes", "python"]);
    run.code(0);
    let config = sb.config_dir();
    assert_eq!(
        run.stdout,
        format!(
            "languages/python: The python3 this team builds\nfrom: the user's recipes, {}\n",
            config.join("recipes/languages/python.toml").display()
        )
    );
}

#[test]
fn an_unknown_name_says_what_was_meant() {
    let sb = Sandbox::new();
    let run = sb.devup(&["recipes", "postgress"]);
    run.code(3);
    assert_eq!(run.stderr, "error: no recipe is called `postgress`\n  hint: did you mean `postgres`?\n");
    assert_eq!(run.stdout, "");
    let run = sb.devup(&["recipes", "datastore/redis"]);
    run.code(3);
    assert_eq!(run.stderr, "error: `datastore` is not a section of recipes\n  hint: did you mean `datastores`?\n");
    sb.devup(&["recipes", "languages/redis"]).code(3).stderr_has("no recipe is called `languages/redis`");
}

#[test]
fn a_name_in_two_sections_needs_its_section() {
    let sb = Sandbox::new();
    let run = sb.devup(&["recipes", "go"]);
    run.code(3);
    assert_eq!(
        run.stderr,
        "error: `go` is the name of 2 recipes: languages/go, dependencies/go\n  hint: name one with its section, such as `devup recipes languages/go`\n"
    );
    sb.devup(&["recipes", "dependencies/go"]).code(0).stdout_has("dependencies/go: ");
}
