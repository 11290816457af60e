//! Rails (`config/database.yml`): the adapter names the server, and the development and test
//! databases are the ones a developer's machine needs.

use super::hints::{Datastore, Hints};
use super::repo::Repo;
use super::service;
use super::store::Store;
use super::yaml;
use serde_norway::Value;

pub const FILE: &str = "config/database.yml";

/// The environments a developer's machine runs.
const ENVIRONMENTS: &[&str] = &["development", "test"];

pub fn detect(repo: &Repo, hints: &mut Hints) {
    if let Some(found) = hints.parsed(repo, FILE, parse) {
        hints.datastores.extend(found);
    }
}

/// Pure: one hint per server the development and test environments use.
pub fn parse(text: &str) -> Result<Vec<Datastore>, String> {
    let doc = yaml::parse(&without_erb(text))?;
    let mut found: Vec<Datastore> = Vec::new();
    for env in ENVIRONMENTS {
        let Some(config) = doc.get(*env) else {
            continue;
        };
        // Several databases per environment (`primary:`, `cache:`), or one.
        let configs: Vec<&Value> = if config.get("adapter").is_some() {
            vec![config]
        } else {
            yaml::entries(config).map(|(_, c)| c).collect()
        };
        for config in configs {
            let Some(adapter) = config.get("adapter").and_then(yaml::text) else {
                continue;
            };
            let Some(store) = Store::of_adapter(&adapter) else {
                continue;
            };
            let index = match found.iter().position(|h| h.store == store) {
                Some(i) => i,
                None => {
                    found.push(Datastore {
                        store,
                        file: FILE.to_string(),
                        origin: format!("adapter {adapter}"),
                        version: None,
                        databases: Vec::new(),
                        settings: Vec::new(),
                        notes: Vec::new(),
                        weak: false,
                    });
                    found.len() - 1
                }
            };
            if let Some(db) = config.get("database").and_then(yaml::text)
                && service::is_plain_name(&db)
                && !found[index].databases.contains(&db)
            {
                found[index].databases.push(db);
            }
        }
    }
    Ok(found)
}

/// ERB tags (`<%= ENV.fetch("DB_HOST") { "localhost" } %>`) made plain, so the YAML parses;
/// their values are unknown and treated as such.
fn without_erb(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("<%") {
        out.push_str(&rest[..start]);
        out.push_str("ERB");
        rest = rest[start..].split_once("%>").map_or("", |(_, tail)| tail);
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const DATABASE_YML: &str = r#"
default: &default
  adapter: postgresql
  encoding: unicode
  pool: <%= ENV.fetch("RAILS_MAX_THREADS") { 5 } %>

development:
  <<: *default
  database: shop_development

test:
  <<: *default
  database: shop_test

production:
  <<: *default
  database: shop_production
  password: <%= ENV["SHOP_DATABASE_PASSWORD"] %>
"#;

    #[test]
    fn development_and_test_databases() {
        let found = parse(DATABASE_YML).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].store, Store::postgres());
        assert_eq!(found[0].databases, ["shop_development", "shop_test"]);
        assert_eq!(found[0].origin, "adapter postgresql");
    }

    #[test]
    fn several_databases_and_sqlite() {
        let text = "development:\n  primary:\n    adapter: mysql2\n    database: app_dev\n  cache:\n    adapter: sqlite3\n    database: storage/cache.sqlite3\n";
        let found = parse(text).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].store, found[0].databases.clone()), (Store::mysql(), vec!["app_dev".to_string()]));
        assert!(parse("development:\n  adapter: sqlite3\n").unwrap().is_empty());
    }

    #[test]
    fn erb() {
        assert_eq!(without_erb("a: <%= x %>\nb: 1"), "a: ERB\nb: 1");
    }
}
