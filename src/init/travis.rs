//! Travis CI (`.travis.yml`): `services: [postgresql, redis-server]`, versions under `addons:`,
//! what its scripts do to them (`psql -c 'create database app_test;'`, `ALTER SYSTEM SET`), and
//! the variables its jobs run with (`env`).

use super::ci_env;
use super::hints::{Datastore, Hints};
use super::installs::Install;
use super::repo::Repo;
use super::setup;
use super::store::Store;
use super::yaml;

pub const FILE: &str = ".travis.yml";

const SCRIPTS: &[&str] = &["before_install", "install", "before_script", "script"];

pub fn detect(repo: &Repo, hints: &mut Hints) {
    // A project whose GitHub workflows run the tests has moved on from Travis (which stopped
    // building open-source projects for free in 2021): what its file says is history (python
    // 2.7, postgres 9.6, the `travis` account), not what the tests need now.
    if repo.has(FILE) && super::github::runs_tests(repo) {
        hints.note(FILE, "not read: the GitHub workflows run the tests".to_string());
        return;
    }
    if let Some(found) = hints.parsed(repo, FILE, parse) {
        hints.datastores.extend(found);
    }
    // Servers a script starts itself with `docker run`.
    if let Some(started) =
        hints.parsed(repo, FILE, |text| Ok(super::docker_run::services(&scripts(&yaml::parse(text)?))))
    {
        super::service::add_hints(hints, FILE, &started);
    }
    if let Some(installs) = hints.parsed(repo, FILE, |text| Ok(installs(text))) {
        hints.installs.push(installs);
    }
    if let Some(found) = hints.parsed(repo, FILE, |text| Ok(env(text))) {
        hints.env.extend(found.vars.iter().map(|(name, value)| ci_env::read(FILE, name, value)));
        if found.encrypted > 0 {
            let count = match found.encrypted {
                1 => "1 encrypted variable".to_string(),
                n => format!("{n} encrypted variables"),
            };
            let text = format!(
                "env: {count} (`secure:`), which only Travis can read: declare in [env] what the tests need of them"
            );
            hints.note(FILE, text);
        }
    }
}

/// The variables Travis's jobs run with.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Env {
    pub vars: Vec<(String, String)>,
    /// `secure:` items: their names are encrypted too.
    pub encrypted: usize,
}

/// Pure: `env.global`, then the first job of `env.jobs` (or `env.matrix`, or of `env` itself
/// when it is a list: each item is a job of its own). Items are `A=1 B='two words'`, or tables.
pub fn env(text: &str) -> Env {
    let mut found = Env::default();
    let Some(env) = yaml::parse(text).ok().and_then(|doc| doc.get("env").cloned()) else {
        return found;
    };
    let first_job = |list: &serde_norway::Value| yaml::items(list).into_iter().take(1).cloned().collect::<Vec<_>>();
    let items: Vec<serde_norway::Value> = match &env {
        serde_norway::Value::Mapping(_)
            if env.get("global").is_some() || env.get("jobs").is_some() || env.get("matrix").is_some() =>
        {
            let mut items: Vec<serde_norway::Value> =
                env.get("global").map(yaml::items).unwrap_or_default().into_iter().cloned().collect();
            items.extend(env.get("jobs").or_else(|| env.get("matrix")).map(first_job).unwrap_or_default());
            items
        }
        other => first_job(other),
    };
    for item in items {
        match &item {
            serde_norway::Value::String(line) => {
                for word in shlex::split(line).unwrap_or_default() {
                    if let Some((name, value)) = word.split_once('=') {
                        ci_env::merge(&mut found.vars, vec![(name.to_string(), value.to_string())]);
                    }
                }
            }
            serde_norway::Value::Mapping(_) if item.get("secure").is_some() => found.encrypted += 1,
            serde_norway::Value::Mapping(_) => ci_env::merge(&mut found.vars, yaml::env(&item)),
            _ => {}
        }
    }
    found
}

/// Pure: what the scripts install, and the apt addon's packages.
pub fn installs(text: &str) -> Install {
    let Ok(doc) = yaml::parse(text) else {
        return Install { file: FILE.to_string(), ..Install::default() };
    };
    let mut found = super::installs::from_script(FILE, &scripts(&doc));
    let addon = doc.get("addons").and_then(|a| a.get("apt")).and_then(|a| a.get("packages"));
    for name in addon.map(yaml::items).unwrap_or_default().into_iter().filter_map(yaml::text) {
        if !found.apt.contains(&name) {
            found.apt.push(name);
        }
    }
    found
}

fn scripts(doc: &serde_norway::Value) -> String {
    SCRIPTS.iter().filter_map(|key| doc.get(*key)).map(yaml::script).collect::<Vec<_>>().join("\n")
}

/// Pure: a hint per service.
pub fn parse(text: &str) -> Result<Vec<Datastore>, String> {
    let doc = yaml::parse(text)?;
    let addons = doc.get("addons");
    let addon_version = |name: &str| addons.and_then(|a| a.get(name)).and_then(yaml::text);
    let setup = setup::parse(&scripts(&doc));
    let mut names: Vec<String> =
        doc.get("services").map(yaml::items).unwrap_or_default().into_iter().filter_map(yaml::text).collect();
    // MariaDB is an addon only.
    if addon_version("mariadb").is_some() {
        names.push("mariadb".into());
    }
    let mut found: Vec<Datastore> = Vec::new();
    for name in names {
        let Some((store, remark)) = Store::from_name(&name) else {
            continue;
        };
        if found.iter().any(|h| h.store == store) {
            continue;
        }
        let version = addon_version(&name).filter(|_| Store::same_versions(&name)).map(|v| store.release_line(&v));
        found.push(Datastore {
            store,
            file: FILE.to_string(),
            origin: format!("service `{name}`"),
            version,
            databases: Vec::new(),
            settings: Vec::new(),
            notes: remark.into_iter().map(str::to_string).collect(),
            weak: false,
        });
    }
    setup.apply(&mut found);
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_travis_file_beside_workflows_that_run_the_tests_is_history() {
        let root = tempfile::tempdir().unwrap();
        std::fs::write(root.path().join(FILE), "services: [postgresql]\naddons:\n  postgresql: \"9.6\"\n").unwrap();
        let workflow = ".github/workflows/ci.yml";
        std::fs::create_dir_all(root.path().join(".github/workflows")).unwrap();
        let detect_with = |workflow_text: &str| {
            std::fs::write(root.path().join(workflow), workflow_text).unwrap();
            let repo = Repo::from_files(root.path(), vec![FILE.into(), workflow.into()]);
            let mut hints = Hints::default();
            detect(&repo, &mut hints);
            hints
        };
        let hints = detect_with("jobs:\n  test:\n    steps:\n      - run: pytest\n");
        assert!(hints.datastores.is_empty());
        assert_eq!(hints.notes[0].text, "not read: the GitHub workflows run the tests");
        // Workflows that only release: Travis still runs the tests.
        let hints = detect_with("jobs:\n  release:\n    steps:\n      - run: twine upload dist/*\n");
        assert_eq!(hints.datastores[0].version.as_deref(), Some("9.6"));
    }

    #[test]
    fn services_addons_and_scripts() {
        let text = r#"
language: ruby
services:
  - postgresql
  - redis-server
  - mongodb
addons:
  postgresql: "13"
install:
  - pip install -r requirements.txt -r requirements-test.txt
before_script:
  - psql -c 'create database travis_ci_test;' -U postgres
  - psql -U postgres -c "ALTER SYSTEM SET wal_level = logical"
"#;
        let found = parse(text).unwrap();
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].store, Store::postgres());
        assert_eq!(found[0].version.as_deref(), Some("13"));
        assert_eq!(found[0].databases, ["travis_ci_test"]);
        assert_eq!(found[0].origin, "service `postgresql`");
        assert_eq!(found[0].settings[0].text, "settings wal_level = logical");
        assert_eq!(installs(text).requirements, ["requirements.txt", "requirements-test.txt"]);
        let addon = "addons:\n  apt:\n    packages: [libgeos-dev, gdal-bin]\nbefore_install: sudo apt-get install -y graphviz\n";
        assert_eq!(installs(addon).apt, ["graphviz", "libgeos-dev", "gdal-bin"]);
        assert_eq!(found[1].store, Store::redis());
        assert!(found[1].databases.is_empty());
    }

    #[test]
    fn the_variables_jobs_run_with() {
        let text = "env:\n  global:\n    - DJANGO_SETTINGS_MODULE=shop.settings.ci PGPORT=5432\n    - secure: \"abc=\"\n  jobs:\n    - DB=postgres GREETING='hello world'\n    - DB=mysql\n";
        let found = env(text);
        let vars: Vec<(&str, &str)> = found.vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(
            vars,
            [
                ("DJANGO_SETTINGS_MODULE", "shop.settings.ci"),
                ("PGPORT", "5432"),
                ("DB", "postgres"),
                ("GREETING", "hello world")
            ]
        );
        assert_eq!(found.encrypted, 1);
        assert_eq!(env("env: A=1 B=2\n").vars.len(), 2);
        assert_eq!(env("env:\n  - A=1\n  - A=2\n").vars, [("A".to_string(), "1".to_string())]);
        assert_eq!(env("language: go\n"), Env::default());
    }

    #[test]
    fn mariadb_addon() {
        let found = parse("addons:\n  mariadb: '10.5'\n").unwrap();
        assert_eq!(found[0].store, Store::mysql());
        assert_eq!(found[0].version, None);
        assert!(parse("language: go\n").unwrap().is_empty());
    }
}
