//! `devup env`: the project's `[env]` naming what its datastores export, with the ports in use;
//! nothing dropped or blanked silently. Ports are pinned so that no test depends on what
//! listens on this machine.

use crate::support::Sandbox;

fn env_json(sb: &Sandbox) -> serde_json::Value {
    let run = sb.devup(&["env", "--format", "json"]);
    run.code(0);
    run.json()["env"].clone()
}

#[test]
fn env_values_name_the_datastores_real_values() {
    let sb = Sandbox::new().manifest(
        r#"
[datastores]
postgres = { port = 6543, databases = ["shop_test"] }
redis = { port = 6390 }

[env]
DATABASE_URL = "{datastores.postgres.url}"
TEST_DB_PORT = "{datastores.postgres.port}"
REDIS_HOST = "{datastores.redis.host}"
CACHE = "{datastores.redis.REDIS_URL}"
SETTINGS = '{{"db": "{datastores.postgres.database}"}}'
"#,
    );
    let env = env_json(&sb);
    assert_eq!(env["DATABASE_URL"], "postgres://postgres@127.0.0.1:6543/shop_test");
    assert_eq!(env["TEST_DB_PORT"], "6543");
    assert_eq!(env["REDIS_HOST"], "127.0.0.1");
    assert_eq!(env["CACHE"], "redis://127.0.0.1:6390/0");
    assert_eq!(env["SETTINGS"], r#"{"db": "shop_test"}"#);
    // What the recipes export, beside them.
    assert_eq!(env["PGPORT"], "6543");
    assert_eq!(env["PGDATABASE"], "shop_test");
    assert_eq!(env["REDIS_PORT"], "6390");
    // The shell format evaluates to the same.
    let shell = sb.devup(&["env"]);
    let out = sb.sh(&format!("{}printf '%s' \"$TEST_DB_PORT $SETTINGS\"", shell.stdout));
    assert_eq!(out.stdout, r#"6543 {"db": "shop_test"}"#);
}

#[test]
fn an_unknown_placeholder_is_invalid_input_at_its_line_and_column() {
    let sb = Sandbox::new().manifest(
        "[datastores]\npostgres = { port = 6543, databases = [\"app\"] }\n\n[env]\nDATABASE_URL = \"{datastores.postgres.uri}\"\n",
    );
    for command in [&["env"][..], &["plan"], &["--yes"]] {
        sb.devup(command)
            .code(3)
            .stderr_has("`DATABASE_URL`: unknown placeholder `{datastores.postgres.uri}`")
            .stderr_has("devup.toml:5:17")
            .stderr_has("did you mean `{datastores.postgres.url}`?");
    }
}

#[test]
fn a_value_is_never_exported_blank() {
    // No database declared: no PGDATABASE='' and no DATABASE_URL ending in `/`.
    let sb = Sandbox::new().manifest("[datastores]\npostgres = { port = 6543 }\nmysql = { port = 3390 }\n");
    let env = env_json(&sb);
    let env = env.as_object().unwrap();
    for missing in ["PGDATABASE", "DATABASE_URL", "MYSQL_DATABASE"] {
        assert!(!env.contains_key(missing), "{missing} is exported: {env:?}");
    }
    assert_eq!(env["PGPORT"], "6543");
    assert_eq!(env["MYSQL_PORT"], "3390");
    assert_eq!(env["MYSQL_TCP_PORT"], "3390");
    assert_eq!(env["MYSQL_USER"], "root");
    assert!(env.values().all(|v| v.as_str().is_some_and(|s| !s.is_empty() && !s.ends_with('/'))), "{env:?}");
}

#[test]
fn two_datastores_exporting_one_name_the_first_wins_and_devup_says_so() {
    let sb = Sandbox::new().manifest(
        "[datastores]\npostgres = { port = 6543, databases = [\"app\"] }\nmysql = { port = 3390, databases = [\"legacy\"] }\n",
    );
    let note = "note: DATABASE_URL is datastores.postgres's, declared first; datastores.mysql's is not exported: to have it too, add MYSQL_URL = \"{datastores.mysql.DATABASE_URL}\" to [env]";
    let run = sb.devup(&["env", "--format", "json"]);
    run.code(0).stderr_has(note);
    assert_eq!(run.json()["env"]["DATABASE_URL"], "postgres://postgres@127.0.0.1:6543/app");
    let plan = sb.devup(&["plan"]);
    plan.stderr_has(note);

    // Kept under another name, as the note says: nothing more to say, both are there.
    sb.write(
        "devup.toml",
        "[datastores]\npostgres = { port = 6543, databases = [\"app\"] }\nmysql = { port = 3390, databases = [\"legacy\"] }\n[env]\nMYSQL_URL = \"{datastores.mysql.DATABASE_URL}\"\n",
    );
    let run = sb.devup(&["env", "--format", "json"]);
    run.code(0);
    assert!(!run.stderr.contains("note:"), "{}", run.stderr);
    assert_eq!(run.json()["env"]["MYSQL_URL"], "mysql://root@127.0.0.1:3390/legacy");
    assert_eq!(run.json()["env"]["DATABASE_URL"], "postgres://postgres@127.0.0.1:6543/app");
}

#[test]
fn the_projects_own_value_wins_over_what_a_recipe_exports() {
    let sb = Sandbox::new()
        .manifest("[datastores]\nredis = { port = 6390 }\n[env]\nREDIS_URL = \"redis://{datastores.redis.host}:{datastores.redis.port}/3\"\n");
    assert_eq!(env_json(&sb)["REDIS_URL"], "redis://127.0.0.1:6390/3");
}

#[test]
fn a_steps_env_names_them_too() {
    let sb = Sandbox::new().manifest(
        r#"
[datastores]
memcached = { port = 11300 }

[[step]]
name = "warm"
check = "test -f warmed"
apply = "printf '%s' \"$CACHE\" > warmed"
env = { CACHE = "{datastores.memcached.host}:{datastores.memcached.port}" }
"#,
    );
    // The memcached server cannot start in the sandbox; the step does not need it.
    sb.devup(&["--yes"]);
    assert_eq!(sb.read("warmed"), "127.0.0.1:11300");
}

#[test]
fn the_machines_server_offers_the_same_names() {
    let sb = Sandbox::new().manifest(
        "[datastores]\npostgres = { mode = \"system\", databases = [\"shop_dev\"] }\nredis = { mode = \"system\" }\n[env]\nDB = \"{datastores.postgres.url}\"\nDB_HOST = \"{datastores.postgres.host}\"\nCACHE = \"{datastores.redis.url}\"\n",
    );
    let env = env_json(&sb);
    assert_eq!(env["DB"], "postgres:///shop_dev?host=/var/run/postgresql&port=5432");
    assert_eq!(env["DB_HOST"], "/var/run/postgresql");
    assert_eq!(env["CACHE"], "redis://127.0.0.1:6379/0");
    assert_eq!(env["REDIS_PORT"], "6379");
}
