use std::path::PathBuf;

use super::*;

/// Expands `manifest` with one project recipe `datastores/demo` holding `recipe`.
pub(super) fn expand_with(recipe: &str, manifest: &str) -> Result<Expansion, Diagnostic> {
    let dir = tempfile::tempdir().unwrap();
    let recipes = dir.path().join(".devup/recipes/datastores");
    std::fs::create_dir_all(&recipes).unwrap();
    std::fs::write(recipes.join("demo.toml"), recipe).unwrap();
    let library = Library::new(Some(dir.path()), None, resources::kind_names());
    expand_text(dir.path(), &library, &Facts::for_tests(), manifest)
}

const ROLES: &str = r#"
description = "roles"
[params.roles]
type = "tables"
default = []
[params.roles.fields.name]
type = "string"
required = true
identifier = true
[params.roles.fields.createdb]
type = "bool"
default = false
[params.settings]
type = "table"
default = {}
line = "{key} = {value.sql}"
[env]
SETTINGS = "{settings}"
[[step]]
id = "role"
kind = "command"
for_each = "roles"
check = "check {item.name} {item.createdb}"
apply = "true"
"#;

#[test]
fn a_list_of_tables_gives_one_step_per_item_with_its_fields() {
    let out = expand_with(
        ROLES,
        "[datastores]\ndemo = { roles = [{ name = \"app\", createdb = true }, { name = \"ro\" }] }\n",
    )
    .unwrap();
    let ids: Vec<&str> = out.steps.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["datastores.demo.role[app]", "datastores.demo.role[ro]"]);
    assert_eq!(out.steps[0].resource.commands()[0], "check app true");
    assert_eq!(out.steps[1].resource.commands()[0], "check ro false");
}

#[test]
fn tables_are_checked_against_their_fields() {
    let err = expand_with(ROLES, "[datastores]\ndemo = { roles = [{ nmae = \"app\" }] }\n").unwrap_err();
    assert!(err.message.contains("unknown field `nmae` (did you mean `name`?)"), "{}", err.message);
    let err = expand_with(ROLES, "[datastores]\ndemo = { roles = [{ createdb = true }] }\n").unwrap_err();
    assert!(err.message.contains("needs `name`"), "{}", err.message);
    let err = expand_with(ROLES, "[datastores]\ndemo = { roles = [{ name = \"x; drop\" }] }\n").unwrap_err();
    assert!(err.message.contains("not a plain name"), "{}", err.message);
    assert_eq!(err.location.unwrap().line, 2);
}

#[test]
fn a_table_renders_as_lines_with_quoted_values() {
    let out = expand_with(ROLES, "[datastores]\ndemo = { settings = { wal_level = \"logical\", note = \"it's\" } }\n")
        .unwrap();
    let settings = out.env.iter().find(|(k, _)| k == "SETTINGS").unwrap();
    assert_eq!(settings.1, "note = 'it''s'\nwal_level = 'logical'");
    let err = expand_with(ROLES, "[datastores]\ndemo = { settings = { x = \"a\\nb\" } }\n").unwrap_err();
    assert!(err.message.contains("cannot be written as one setting line"), "{}", err.message);
}

#[test]
fn ports_are_chosen_and_reported() {
    let recipe =
        "description = 'p'\n[params.port]\ntype = 'port'\ndefault = 0\npreferred = 1\n[env]\nPORT = '{port}'\n";
    let out = expand_with(recipe, "[datastores]\ndemo = { port = 6000 }\n").unwrap();
    assert_eq!(out.ports["datastores.demo"], 6000);
    assert_eq!(out.env, [("PORT".to_string(), "6000".to_string())]);
    let err = expand_with(recipe, "[datastores]\ndemo = { port = 70000 }\n").unwrap_err();
    assert!(err.message.contains("not a port number"), "{}", err.message);
}

#[test]
fn paths_in_the_recipe_path_list_are_in_the_project() {
    let recipe = "description = 'p'\npath = ['tools/bin']\n";
    let out = expand_with(recipe, "[datastores]\ndemo = {}\n").unwrap();
    assert!(out.path[0].ends_with(PathBuf::from("tools/bin")));
}

#[test]
fn steps_repeated_over_one_list_pair_up_item_by_item() {
    let recipe = r#"
description = "pairs"
[params.names]
type = "list"
default = []
[[step]]
id = "dir"
kind = "directory"
for_each = "names"
path = "out/{item}"
[[step]]
id = "file"
kind = "file"
for_each = "names"
path = "out/{item}/f"
content = "x"
requires = ["dir"]
"#;
    let out = expand_with(recipe, "[datastores]\ndemo = { names = [\"a\", \"b\"] }\n").unwrap();
    let ids: Vec<&str> = out.steps.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        ["datastores.demo.dir[a]", "datastores.demo.dir[b]", "datastores.demo.file[a]", "datastores.demo.file[b]"]
    );
    assert_eq!(out.steps[2].requires, [0]);
    assert_eq!(out.steps[3].requires, [1]);
}

/// The built-in postgres recipe's steps for `manifest` on Debian, as root or not.
fn builtin_postgres(root: bool) -> Expansion {
    expand_builtin(root, "[datastores]\npostgres = { version = \"16\", databases = [\"app\"] }\n").unwrap()
}

/// `manifest` expanded with the built-in recipes only, on Debian, as root or not.
fn expand_builtin(root: bool, manifest: &str) -> Result<Expansion, Diagnostic> {
    let dir = tempfile::tempdir().unwrap();
    let library = Library::new(None, None, resources::kind_names());
    expand_text(dir.path(), &library, &Facts { root, ..Facts::for_tests() }, manifest)
}

#[test]
fn two_entries_of_one_recipe_have_their_own_steps_data_and_ports() {
    let out = expand_builtin(
        false,
        "[datastores]\npostgres = { version = \"16\", databases = [\"app\"] }\n\
         legacy = { recipe = \"postgres\", version = \"15\", databases = [\"old\"] }\n\
         [env]\nLEGACY_URL = \"{datastores.legacy.url}\"\n",
    )
    .unwrap();
    let server = |id: &str| out.steps.iter().find(|s| s.id == id).unwrap_or_else(|| panic!("no step {id}"));
    let (new, old) = (server("datastores.postgres.server"), server("datastores.legacy.server"));
    assert!(new.resource.commands().iter().any(|c| c.contains("-D /data/postgres ")), "{:?}", new.resource.commands());
    assert!(old.resource.commands().iter().any(|c| c.contains("-D /data/legacy ")), "{:?}", old.resource.commands());
    assert!(out.steps.iter().any(|s| s.id == "datastores.legacy.database[old]"));
    // Each its own port: the second never takes the one the first chose.
    let (p1, p2) = (out.ports["datastores.postgres"], out.ports["datastores.legacy"]);
    assert_ne!(p1, p2);
    let var = |name: &str| out.env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    assert_eq!(var("LEGACY_URL"), Some(format!("postgres://postgres@127.0.0.1:{p2}/old")));
    // The conventional names are the first entry's, and the file is told so.
    assert_eq!(var("PGPORT"), Some(p1.to_string()));
    assert!(out.env_notes.iter().any(|n| n.contains("legacy")), "{:?}", out.env_notes);
}

#[test]
fn two_entries_cannot_pin_one_port() {
    let err =
        expand_builtin(false, "[datastores]\nredis = { port = 6390 }\ncache = { recipe = \"redis\", port = 6390 }\n")
            .unwrap_err();
    assert!(err.message.contains("port 6390 is also datastores.redis's"), "{}", err.message);
}

#[test]
fn an_unknown_recipe_named_by_an_entry_is_shown_where_it_is_named() {
    let err = expand_builtin(false, "[datastores]\ncache = { recipe = \"rediss\" }\n").unwrap_err();
    assert!(err.message.contains("there is no recipe `rediss` in [datastores]"), "{}", err.message);
    assert!(err.hint.as_deref().unwrap_or_default().contains("redis"), "{:?}", err.hint);
    let err = expand_builtin(false, "[datastores]\ncache = {}\n").unwrap_err();
    assert!(err.hint.as_deref().unwrap_or_default().contains("cache = { recipe = \"...\" }"), "{:?}", err.hint);
}

#[test]
fn as_root_the_postgres_account_is_made_before_the_server_starts() {
    // A prebuilt server comes without the account it must run as when devup is root.
    let out = builtin_postgres(true);
    let index = |id: &str| out.steps.iter().position(|s| s.id == id).unwrap_or_else(|| panic!("no step {id}"));
    let (binaries, account, server) = (
        index("datastores.postgres.server-binaries"),
        index("datastores.postgres.account"),
        index("datastores.postgres.server"),
    );
    assert!(out.steps[server].requires.contains(&account), "{:?}", out.steps[server]);
    assert!(out.steps[account].requires.contains(&binaries), "{:?}", out.steps[account]);
    assert!(out.steps[account].resource.commands()[0].contains("useradd --system"));
    // Without root the server runs as the user devup runs as.
    assert!(!builtin_postgres(false).steps.iter().any(|s| s.id == "datastores.postgres.account"));
}
