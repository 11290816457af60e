//! tox (`tox.ini`): what the test environments say about the servers the tests need.
//!
//! A URL in `setenv` (`DATABASE_URL = postgresql://localhost/app_test`) says the tests connect
//! to that server: a hint as good as a CI service. A client library in `deps` (`psycopg2`,
//! `redis`) or a mention in `commands` is only a guess: the tests may mock the server or skip
//! those tests. Such weak hints are written commented out, for a person to decide.

use super::hints::{Datastore, Hints, Setting, VarValue, Variable};
use super::installs::Install;
use super::repo::Repo;
use super::store::Store;

pub const FILE: &str = "tox.ini";

pub fn detect(repo: &Repo, hints: &mut Hints) {
    if !repo.has(FILE) {
        return;
    }
    if let Some(text) = repo.read(FILE) {
        hints.datastores.extend(parse(&text));
        hints.installs.push(installs(&text));
        hints.env.extend(env(&text));
    }
}

/// `[testenv]` and the environments named for a Python version or tests (`[testenv:py312]`,
/// `[testenv:tests]`), not `lint`'s.
fn is_test_section(section: &str) -> bool {
    let env = section.strip_prefix("testenv").map(|rest| rest.trim_start_matches(':'));
    env.is_some_and(|e| e.is_empty() || e.starts_with("py") || e.contains("test"))
}

/// Pure: what the test environments install (`deps`, `extras`).
pub fn installs(text: &str) -> Install {
    let mut deps = String::new();
    let mut extras = String::new();
    for (section, key, value) in settings(text) {
        if !is_test_section(&section) {
            continue;
        }
        match key.as_str() {
            "deps" => deps.push_str(&format!("{value}\n")),
            "extras" => extras.push_str(&format!("{value}\n")),
            _ => {}
        }
    }
    super::installs::from_tox(FILE, &deps, &extras)
}

/// Pure: one hint per server, strong when a URL names it.
pub fn parse(text: &str) -> Vec<Datastore> {
    let mut found: Vec<Datastore> = Vec::new();
    let mut add = |hint: Datastore| {
        match found.iter_mut().find(|h| h.store == hint.store) {
            Some(old) if old.weak && !hint.weak => *old = hint,
            Some(_) => {}
            None => found.push(hint),
        };
    };
    for (section, key, value) in settings(text) {
        if !section.starts_with("testenv") {
            continue;
        }
        for line in value.lines().map(str::trim).filter(|l| !l.is_empty()) {
            match key.as_str() {
                "setenv" | "set_env" => add_url(line, &mut add),
                "deps" => {
                    let package: String = line
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                        .collect::<String>()
                        .to_ascii_lowercase()
                        .replace('_', "-");
                    if let Some(store) = Store::of_library(&package) {
                        add(weak(store, format!("deps: {package}")));
                    }
                }
                "commands" | "commands_pre" => {
                    if let Some((store, word)) = Store::mentioned_in(line) {
                        add(weak(store, format!("commands mention `{word}`")));
                    }
                }
                _ => {}
            }
        }
    }
    found
}

/// Pure: what the test environments set (`setenv`, one `KEY = value` a line). tox fills
/// `{toxinidir}` with the project's directory, which devup calls `{project.dir}`; any other
/// `{...}` is tox's to fill.
pub fn env(text: &str) -> Vec<Variable> {
    let mut vars: Vec<Variable> = Vec::new();
    for (section, key, value) in settings(text) {
        if !is_test_section(&section) || !matches!(key.as_str(), "setenv" | "set_env") {
            continue;
        }
        for line in value.lines().map(str::trim) {
            let Some((name, value)) = line.split_once('=') else { continue };
            let (name, value) = (name.trim(), value.trim());
            if name.is_empty() || name.contains(['|', ' ']) || vars.iter().any(|v| v.name == name) {
                continue;
            }
            let project_dir = value.replace("{toxinidir}", "\0").replace("{tox_root}", "\0");
            let value = if project_dir.contains(['{', '}']) {
                VarValue::Runtime { raw: value.to_string(), secret: None }
            } else if project_dir.contains('\0') {
                let escaped = crate::recipe::template::escape(&project_dir);
                VarValue::Template(escaped.replace('\0', "{project.dir}"))
            } else {
                VarValue::Plain(value.to_string())
            };
            vars.push(Variable { file: FILE.to_string(), name: name.to_string(), value });
        }
    }
    vars
}

fn weak(store: Store, origin: String) -> Datastore {
    Datastore {
        store,
        file: FILE.to_string(),
        origin,
        version: None,
        databases: Vec::new(),
        settings: Vec::new(),
        notes: Vec::new(),
        weak: true,
    }
}

/// `DATABASE_URL = postgresql://user@localhost:5433/app_test` → postgres, port 5433, app_test.
fn add_url(line: &str, add: &mut impl FnMut(Datastore)) {
    let Some((name, value)) = line.split_once('=') else {
        return;
    };
    let Some((scheme, rest)) = value.trim().split_once("://") else {
        return;
    };
    let Some(store) = Store::of_scheme(scheme) else {
        return;
    };
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let host = authority.rsplit('@').next().unwrap_or_default();
    let mut hint = weak(store, format!("setenv {}", name.trim()));
    hint.weak = false;
    let database = path.split(['?', '#']).next().unwrap_or_default();
    if store.has_databases() && super::service::is_plain_name(database) {
        hint.databases.push(database.to_string());
    }
    if let Some(port) =
        host.rsplit_once(':').and_then(|(_, p)| p.parse::<u16>().ok()).filter(|p| *p != store.default_port())
    {
        hint.settings.push(Setting {
            param: "port",
            value: Some(toml::Value::Integer(i64::from(port))),
            text: format!("port {port}"),
        });
    }
    add(hint);
}

/// An INI file's `(section, key, value)`s; indented lines continue the value before them.
fn settings(text: &str) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = Vec::new();
    let mut section = String::new();
    for raw in text.lines() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.trim().to_string();
        } else if raw.starts_with([' ', '\t']) {
            if let Some(last) = out.last_mut() {
                last.2.push('\n');
                last.2.push_str(line);
            }
        } else if let Some((key, value)) = line.split_once('=') {
            out.push((section.clone(), key.trim().to_string(), value.trim().to_string()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_and_strong_hints() {
        let text = "\
[tox]
envlist = py311

[testenv]
deps =
    pytest
    psycopg2-binary>=2.9
    redis==5.0
setenv =
    DATABASE_URL = postgresql://app@localhost:5433/app_test
commands =
    pytest {posargs}
";
        let found = parse(text);
        assert_eq!(found.len(), 2);
        let pg = &found[0];
        assert_eq!((pg.store, pg.weak), (Store::postgres(), false));
        assert_eq!(pg.origin, "setenv DATABASE_URL");
        assert_eq!(pg.databases, ["app_test"]);
        assert_eq!(pg.settings[0].text, "port 5433");
        let redis = &found[1];
        assert_eq!((redis.store, redis.weak), (Store::redis(), true));
        assert_eq!(redis.origin, "deps: redis");
    }

    #[test]
    fn what_the_test_environments_set() {
        let text = "[testenv]\nsetenv =\n    DATABASE_URL = postgresql://localhost/app_test\n    PYTHONPATH={toxinidir}/src\n    COVERAGE_FILE = {envtmpdir}/.coverage\n[testenv:lint]\nsetenv = LINT = 1\n";
        let vars = env(text);
        let values: Vec<(&str, &VarValue)> = vars.iter().map(|v| (v.name.as_str(), &v.value)).collect();
        assert_eq!(
            values,
            [
                ("DATABASE_URL", &VarValue::Plain("postgresql://localhost/app_test".into())),
                ("PYTHONPATH", &VarValue::Template("{project.dir}/src".into())),
                ("COVERAGE_FILE", &VarValue::Runtime { raw: "{envtmpdir}/.coverage".into(), secret: None }),
            ]
        );
    }

    #[test]
    fn what_the_test_environments_install() {
        let text = "[testenv]\nextras = test\ndeps =\n    -rrequirements-test.txt\n    {[base]deps}\n[testenv:lint]\ndeps = -r requirements-lint.txt\n[testenv:py312]\ndeps = -r requirements-py312.txt\n";
        let found = installs(text);
        assert_eq!(found.requirements, ["requirements-test.txt", "requirements-py312.txt"]);
        assert!(found.project);
        assert_eq!(found.extras, ["test"]);
    }

    #[test]
    fn commands_and_other_sections() {
        let found = parse("[testenv:db]\ncommands_pre = pg_ctl start\n[flake8]\ndeps = redis\n");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].origin, "commands mention `pg_ctl`");
        assert!(parse("[testenv]\ndeps = fakeredis\n").is_empty());
    }
}
