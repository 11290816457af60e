use super::*;
use crate::init::ci_env;
use crate::init::draft::{Entry, Value};
use crate::init::known::testing::{builtin, known};

/// The draft's recipes, and mysql.
fn recipes() -> Known {
    let mut known = known();
    known.recipes.push(builtin("mysql"));
    known
}

fn entry(name: &str, params: &str) -> Entry {
    let table: toml::Table = toml::from_str(params).unwrap();
    Entry { name: name.into(), value: Value::Table(table.into_iter().collect()), comments: Vec::new(), disabled: None }
}

fn plain(file: &str, name: &str, value: &str) -> Variable {
    Variable { file: file.into(), name: name.into(), value: VarValue::Plain(value.into()) }
}

/// The `[env]` drafted for these datastores and CI variables, as `NAME = value` lines
/// (`# NAME = ...` when commented out).
fn drafted(datastores: Vec<Entry>, reached: &[Reached], vars: &[Variable]) -> Vec<String> {
    let mut d = Draft { datastores, ..Draft::default() };
    draft(&mut d, vars, reached, &recipes());
    d.env
        .iter()
        .map(|e| match e.disabled {
            Some(_) => format!("# {} = {}", e.name, e.value),
            None => format!("{} = {}", e.name, e.value),
        })
        .collect()
}

fn pg_redis() -> Vec<Entry> {
    vec![entry("postgres", "databases = [\"shop_test\"]"), entry("redis", "")]
}

#[test]
fn urls_that_say_what_devups_does_are_its_url() {
    let vars = [
        plain("ci.yml", "DATABASE_URL", "postgres://postgres:postgres@localhost:5432/shop_test"),
        plain("ci.yml", "CACHE_URL", "redis://localhost:6379/0"),
    ];
    assert_eq!(
        drafted(pg_redis(), &[], &vars),
        ["DATABASE_URL = {datastores.postgres.url}", "CACHE_URL = {datastores.redis.url}"]
    );
}

#[test]
fn other_urls_keep_their_shape_with_devups_host_and_port() {
    let vars = [
        plain("ci.yml", "SQLALCHEMY_URL", "postgresql+psycopg2://shop:secret@127.0.0.1/shop_test?sslmode=disable"),
        plain("ci.yml", "OTHER_DB", "postgres://postgres@db:5432/other"),
        plain("ci.yml", "REDIS_URL", "redis://redis:6379"),
        plain("ci.yml", "SITE", "http://localhost:8000/"),
    ];
    let reached = [Reached { store: Store::postgres(), hosts: vec!["db".into()], ports: vec![5432] }];
    assert_eq!(
        drafted(pg_redis(), &reached, &vars),
        [
            "SQLALCHEMY_URL = postgresql+psycopg2://shop:secret@{datastores.postgres.host}:{datastores.postgres.port}/shop_test?sslmode=disable",
            "OTHER_DB = postgres://postgres@{datastores.postgres.host}:{datastores.postgres.port}/other",
            "REDIS_URL = redis://{datastores.redis.host}:{datastores.redis.port}",
            "SITE = http://localhost:8000/",
        ]
    );
}

#[test]
fn hosts_ports_and_host_port_pairs() {
    let vars = [
        plain("ci.yml", "PGHOST", "localhost"),
        plain("ci.yml", "PGPORT", "5432"),
        plain("ci.yml", "REDIS_HOST", "127.0.0.1"),
        plain("ci.yml", "REDIS_PORT", "6379"),
        plain("ci.yml", "CACHE", "redis:6379"),
        plain("ci.yml", "DB_HOST", "postgres"),
        plain("ci.yml", "TEST_DB_HOST", "localhost"),
        plain("ci.yml", "WORKERS", "4"),
        plain("ci.yml", "APP_HOST", "localhost"),
        plain("ci.yml", "DB", "postgres"),
        plain("ci.yml", "CACHE_BACKEND", "redis"),
        plain("ci.yml", "TIMEOUT", "6379"),
    ];
    assert_eq!(
        drafted(pg_redis(), &[], &vars),
        [
            "PGHOST = {datastores.postgres.host}",
            "PGPORT = {datastores.postgres.port}",
            "REDIS_HOST = {datastores.redis.host}",
            "REDIS_PORT = {datastores.redis.port}",
            "CACHE = {datastores.redis.host}:{datastores.redis.port}",
            "DB_HOST = {datastores.postgres.host}",
            "TEST_DB_HOST = {datastores.postgres.host}",
            "WORKERS = 4",
            "APP_HOST = localhost",
            "DB = postgres",
            "CACHE_BACKEND = redis",
            "TIMEOUT = 6379",
        ]
    );
    // One server, and a host that is the application's.
    let vars = [plain("ci.yml", "ALLOWED_HOSTS", "localhost"), plain("ci.yml", "SERVER_HOST", "localhost")];
    assert_eq!(drafted(vec![entry("redis", "")], &[], &vars), ["ALLOWED_HOSTS = localhost", "SERVER_HOST = localhost"]);
}

#[test]
fn a_published_port_is_the_services_too() {
    let reached = [Reached { store: Store::postgres(), hosts: vec!["db".into()], ports: vec![5432, 5433] }];
    let vars = [plain("ci.yml", "DATABASE_URL", "postgres://postgres@localhost:5433/shop_test")];
    let datastores = vec![entry("postgres", "databases = [\"shop_test\"]\nport = 5433")];
    assert_eq!(drafted(datastores, &reached, &vars), ["DATABASE_URL = {datastores.postgres.url}"]);
}

#[test]
fn secrets_and_what_ci_fills_in_are_commented_out() {
    let vars = [
        ci_env::read("ci.yml", "STRIPE_KEY", "${{ secrets.STRIPE_TEST_KEY }}"),
        ci_env::read("ci.yml", "PYTHON", "${{ matrix.python }}"),
        plain("ci.yml", "CI", "true"),
        plain("ci.yml", "GIT_DEPTH", "10"),
        plain("ci.yml", "POSTGRES_HOST_AUTH_METHOD", "trust"),
        plain("ci.yml", "FEATURES", "{\"beta\": true}"),
    ];
    let mut d = Draft { datastores: pg_redis(), ..Draft::default() };
    draft(&mut d, &vars, &[], &recipes());
    let lines: Vec<(&str, &str, Option<&str>)> =
        d.env.iter().map(|e| (e.name.as_str(), e.value.as_str(), e.disabled.as_deref())).collect();
    assert_eq!(
        lines,
        [
            (
                "STRIPE_KEY",
                "...",
                Some(
                    "STRIPE_KEY comes from CI's secret store (secrets.STRIPE_TEST_KEY): set it here, or in your shell"
                )
            ),
            (
                "PYTHON",
                "...",
                Some(
                    "set when the job runs (`${{ matrix.python }}`), which devup cannot know: set it here if the tests need it"
                )
            ),
            ("FEATURES", "{{\"beta\": true}}", None),
        ]
    );
    assert_eq!(d.findings[0].why, "3 variables the tests run with");
}

#[test]
fn a_server_not_declared_is_left_as_ci_has_it() {
    let mut datastores = pg_redis();
    datastores[1].disabled = Some("a weak hint".into());
    let vars = [plain("ci.yml", "REDIS_URL", "redis://localhost:6379/0"), plain("ci.yml", "M", "mysql://localhost/x")];
    assert_eq!(drafted(datastores, &[], &vars), ["REDIS_URL = redis://localhost:6379/0", "M = mysql://localhost/x"]);
}

#[test]
fn without_a_database_there_is_no_url_to_name() {
    let vars = [plain("ci.yml", "DATABASE_URL", "postgres://postgres@localhost/")];
    assert_eq!(
        drafted(vec![entry("postgres", "")], &[], &vars),
        ["DATABASE_URL = postgres://postgres@{datastores.postgres.host}:{datastores.postgres.port}/"]
    );
}

#[test]
fn the_first_source_of_a_name_wins() {
    let vars = [plain("ci.yml", "MODE", "ci"), plain("tox.ini", "MODE", "tox")];
    let mut d = Draft::default();
    draft(&mut d, &vars, &[], &recipes());
    assert_eq!(d.env.len(), 1);
    assert_eq!(d.env[0].value, "ci");
    assert_eq!(d.env[0].comments, ["tox.ini sets it too: `tox`"]);
}

#[test]
fn a_second_datastores_url_is_drafted_under_its_own_name() {
    let datastores =
        vec![entry("postgres", "databases = [\"shop_test\"]"), entry("mysql", "databases = [\"legacy_test\"]")];
    let mut d = Draft { datastores: datastores.clone(), ..Draft::default() };
    draft(&mut d, &[], &[], &recipes());
    assert_eq!(d.env.len(), 1);
    assert_eq!(d.env[0].name, "MYSQL_URL");
    assert_eq!(d.env[0].value, "{datastores.mysql.DATABASE_URL}");
    assert_eq!(
        d.env[0].comments,
        ["postgres and mysql both export DATABASE_URL: devup exports postgres's, declared first; this is mysql's"]
    );
    // CI says which DATABASE_URL the tests use: nothing to add.
    let vars = [plain("ci.yml", "DATABASE_URL", "mysql://root@localhost:3306/legacy_test")];
    assert_eq!(drafted(datastores, &[], &vars), ["DATABASE_URL = {datastores.mysql.url}"]);
    // Without mysql's databases, mysql exports no DATABASE_URL.
    let datastores = vec![entry("postgres", "databases = [\"shop_test\"]"), entry("mysql", "")];
    assert!(drafted(datastores, &[], &[]).is_empty());
}

#[test]
fn what_only_some_test_jobs_set_is_commented_out_ready_to_use() {
    let variant = |name: &str, value: &str| Variable {
        file: "ci.yml".into(),
        name: name.into(),
        value: VarValue::Variant { value: value.into(), jobs: "job `altschema`".into() },
    };
    let vars = [variant("SCHEMA", "custom"), variant("ALT_DB_URL", "postgres://localhost:5432/shop_test")];
    let mut d = Draft { datastores: pg_redis(), ..Draft::default() };
    draft(&mut d, &vars, &[], &recipes());
    assert_eq!(d.env[0].value, "custom");
    assert_eq!(
        d.env[0].disabled.as_deref(),
        Some("set only by the CI job `altschema`, where the tests run another way: uncomment it to run them so")
    );
    assert_eq!(d.env[1].value, "{datastores.postgres.url}", "naming devup's server, like the others");
}

#[test]
fn libpq_connection_strings_reach_devups_server() {
    let vars = [
        plain("ci.yml", "PSYCOPG_TEST_DSN", "host=127.0.0.1 user=postgres password=password dbname=test"),
        plain("ci.yml", "REPLICA_DSN", "host=db port=5432 dbname='shop test' password='a{b}\\'c' sslmode=disable"),
        plain("ci.yml", "PG_DSN", "dbname=test user=app"),
        plain("ci.yml", "LEGACY_DSN", "user=postgres dbname=legacy"),
        plain("ci.yml", "TEST_DB_DSN", "dbname=test user=app"),
        // Another machine, another server's port, nothing saying postgres: as CI has them.
        plain("ci.yml", "REMOTE_DSN", "host=db.example.com port=5432 dbname=test user=app"),
        plain("ci.yml", "CACHE_DSN", "host=localhost port=6379 dbname=test"),
        plain("ci.yml", "TOOL_DSN", "user=app password=secret"),
        // What merely holds `=`.
        plain("ci.yml", "DJANGO_SETTINGS", "DJANGO_SETTINGS_MODULE=app.settings"),
        plain("ci.yml", "FEATURES", "FEATURES=a=b"),
        plain("ci.yml", "OPTIONS", "-c x=y"),
    ];
    let reached = [Reached { store: Store::postgres(), hosts: vec!["db".into()], ports: vec![5432] }];
    let (host, port) = ("{datastores.postgres.host}", "{datastores.postgres.port}");
    assert_eq!(
        drafted(pg_redis(), &reached, &vars),
        [
            format!("PSYCOPG_TEST_DSN = host={host} port={port} user=postgres password=password dbname=test"),
            format!(
                "REPLICA_DSN = host={host} port={port} dbname='shop test' password='a{{{{b}}}}\\'c' sslmode=disable"
            ),
            format!("PG_DSN = host={host} port={port} dbname=test user=app"),
            format!("LEGACY_DSN = host={host} port={port} user=postgres dbname=legacy"),
            format!("TEST_DB_DSN = host={host} port={port} dbname=test user=app"),
            "REMOTE_DSN = host=db.example.com port=5432 dbname=test user=app".to_string(),
            "CACHE_DSN = host=localhost port=6379 dbname=test".to_string(),
            "TOOL_DSN = user=app password=secret".to_string(),
            "DJANGO_SETTINGS = DJANGO_SETTINGS_MODULE=app.settings".to_string(),
            "FEATURES = FEATURES=a=b".to_string(),
            "OPTIONS = -c x=y".to_string(),
        ]
    );
    // Said where it came from, as a URL is.
    let mut d = Draft { datastores: pg_redis(), ..Draft::default() };
    draft(&mut d, &vars[..1], &[], &recipes());
    assert_eq!(d.env[0].comments, ["in CI: host=127.0.0.1 user=postgres password=password dbname=test"]);
    // A second server's port names that server.
    let two = vec![entry("postgres", ""), entry("postgres-5433", "recipe = \"postgres\"\nport = 5433")];
    let second = [plain("ci.yml", "OTHER_DSN", "host=localhost port=5433 dbname=x"), vars[0].clone()];
    assert_eq!(
        drafted(two, &[], &second),
        [
            "OTHER_DSN = host={datastores.postgres-5433.host} port={datastores.postgres-5433.port} dbname=x",
            "PSYCOPG_TEST_DSN = host={datastores.postgres.host} port={datastores.postgres.port} user=postgres password=password dbname=test",
        ]
    );
    // Without a postgres server, nothing to point at.
    assert_eq!(
        drafted(vec![entry("redis", "")], &[], &vars[..1]),
        ["PSYCOPG_TEST_DSN = host=127.0.0.1 user=postgres password=password dbname=test"]
    );
}

#[test]
fn the_system_servers_socket_is_devups() {
    let vars = [
        plain("ci.yml", "PGSOCKET", "/var/run/postgresql"),
        plain("ci.yml", "PGHOST", "/run/postgresql/"),
        plain("ci.yml", "DIR", "/var/run/other"),
    ];
    assert_eq!(
        drafted(pg_redis(), &[], &vars),
        ["PGSOCKET = {datastores.postgres.socket}", "PGHOST = {datastores.postgres.socket}", "DIR = /var/run/other"]
    );
}
