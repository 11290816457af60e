//! Travis CI (`.travis.yml`): `services: [postgresql, redis-server]`, versions under `addons:`,
//! and what its scripts do to them (`psql -c 'create database app_test;'`, `ALTER SYSTEM SET`).

use super::hints::{Datastore, Hints};
use super::installs::Install;
use super::repo::Repo;
use super::setup;
use super::store::Store;
use super::yaml;

pub const FILE: &str = ".travis.yml";

const SCRIPTS: &[&str] = &["before_install", "install", "before_script", "script"];

pub fn detect(repo: &Repo, hints: &mut Hints) {
    if let Some(found) = hints.parsed(repo, FILE, parse) {
        hints.datastores.extend(found);
    }
    if let Some(installs) = hints.parsed(repo, FILE, |text| Ok(installs(text))) {
        hints.installs.push(installs);
    }
}

/// Pure: what the scripts install.
pub fn installs(text: &str) -> Install {
    let scripts = yaml::parse(text).map(|doc| scripts(&doc)).unwrap_or_default();
    super::installs::from_script(FILE, &scripts)
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
        assert_eq!(found[0].store, Store::Postgres);
        assert_eq!(found[0].version.as_deref(), Some("13"));
        assert_eq!(found[0].databases, ["travis_ci_test"]);
        assert_eq!(found[0].origin, "service `postgresql`");
        assert_eq!(found[0].settings[0].text, "settings wal_level = logical");
        assert_eq!(installs(text).requirements, ["requirements.txt", "requirements-test.txt"]);
        assert_eq!(found[1].store, Store::Redis);
        assert!(found[1].databases.is_empty());
    }

    #[test]
    fn mariadb_addon() {
        let found = parse("addons:\n  mariadb: '10.5'\n").unwrap();
        assert_eq!(found[0].store, Store::Mysql);
        assert_eq!(found[0].version, None);
        assert!(parse("language: go\n").unwrap().is_empty());
    }
}
