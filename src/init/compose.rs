//! Docker Compose files (`compose.yaml`, `docker-compose.yml`...): the datastores a project
//! runs in containers during development, and what its own services (those built from the
//! repository, `build: .`) run with: `DATABASE_URL: postgres://app@db:5432/app` names the
//! compose service `db`, which `[env]` names as devup's server (`variables`).

use super::ci_env;
use super::hints::{Hints, VarValue};
use super::repo::{self, Repo};
use super::service::{self, Port, Service};
use super::yaml;
use serde_norway::Value;

pub fn detect(repo: &Repo, hints: &mut Hints) {
    for file in repo.files() {
        // Anywhere the listing reaches (`docker/`, `.devcontainer/`, `deploy/dev/`).
        if !is_compose_file(repo::base(file)) {
            continue;
        }
        if let Some(services) = hints.parsed(repo, file, parse) {
            service::add_hints(hints, file, &services);
        }
        if let Some(apps) = hints.parsed(repo, file, app_env) {
            let datastores: Vec<&str> = apps
                .services
                .iter()
                .map(String::as_str)
                .filter(|name| hints.reached.iter().any(|r| r.hosts.iter().any(|h| h == name)))
                .collect();
            for (name, value) in &apps.env {
                let mut var = ci_env::read(file, name, value);
                if let VarValue::Plain(text) = &var.value
                    && let Some(service) = service_named(text, &apps.services).filter(|s| !datastores.contains(s))
                {
                    var.value = VarValue::Elsewhere { raw: text.clone(), service: service.to_string() };
                }
                hints.app_env.push(var);
            }
        }
    }
}

/// `compose.yaml`, `docker-compose.yml`, `docker-compose.dev.yml`, `compose.override.yaml`...
pub fn is_compose_file(name: &str) -> bool {
    let Some(stem) = name.strip_suffix(".yml").or_else(|| name.strip_suffix(".yaml")) else {
        return false;
    };
    let rest = stem.strip_prefix("docker-compose").or_else(|| stem.strip_prefix("compose"));
    matches!(rest, Some(r) if r.is_empty() || r.starts_with('.'))
}

/// Pure: the services of a compose file, with their image, environment and ports.
pub fn parse(text: &str) -> Result<Vec<Service>, String> {
    let doc = yaml::parse(text)?;
    let Some(services) = doc.get("services") else {
        return Ok(Vec::new());
    };
    Ok(yaml::entries(services)
        .filter_map(|(name, def)| {
            Some(Service {
                name: name.to_string(),
                image: def.get("image").and_then(yaml::text)?,
                env: def.get("environment").map(yaml::env).unwrap_or_default(),
                ports: def.get("ports").map(ports).unwrap_or_default(),
                command: def.get("command").map(command).unwrap_or_default(),
                notes: Vec::new(),
                action: None,
            })
        })
        .collect())
}

/// What the services built from the repository (`build:`) run with.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Apps {
    /// Their environment, in the order written; the first service's value of a name wins. A
    /// variable without a value (`- TOKEN`, `TOKEN:`) is the developer's shell's, and left to it.
    pub env: Vec<(String, String)>,
    /// Every service's name: the host names the values may point at.
    pub services: Vec<String>,
}

/// Pure.
pub fn app_env(text: &str) -> Result<Apps, String> {
    let doc = yaml::parse(text)?;
    let mut apps = Apps::default();
    let Some(services) = doc.get("services") else {
        return Ok(apps);
    };
    for (name, def) in yaml::entries(services) {
        apps.services.push(name.to_string());
        if def.get("build").is_none() {
            continue;
        }
        for (name, value) in def.get("environment").map(yaml::env).unwrap_or_default() {
            if !value.is_empty() && !apps.env.iter().any(|(n, _)| *n == name) {
                apps.env.push((name, value));
            }
        }
    }
    Ok(apps)
}

/// The service a value points at: a URL's host (`http://search:9200`), `search:9200`, or a
/// bare `search`.
fn service_named<'a>(value: &str, services: &'a [String]) -> Option<&'a str> {
    let host = match super::url::Url::parse(value) {
        Some(url) => url.host,
        None => value.rsplit_once(':').filter(|(_, p)| super::url::is_port(p)).map_or(value, |(h, _)| h),
    };
    services.iter().find(|s| s.as_str() == host).map(String::as_str)
}

/// A command as one string (`postgres -c fsync=off`) or a list of words.
pub fn command(value: &Value) -> Vec<String> {
    match value {
        Value::Sequence(items) => items.iter().filter_map(yaml::text).collect(),
        other => yaml::text(other).map(|t| super::server_args::words(&t)).unwrap_or_default(),
    }
}

/// Short (`"5433:5432"`) and long (`{ target: 5432, published: 5433 }`) port syntax.
fn ports(value: &Value) -> Vec<Port> {
    yaml::items(value)
        .into_iter()
        .filter_map(|item| match item {
            Value::Mapping(_) => {
                let container = item.get("target").and_then(yaml::text)?.parse().ok()?;
                let host =
                    item.get("published").and_then(yaml::text).and_then(|p| service::port(&p)).map(|p| p.container);
                Some(Port { host, container })
            }
            other => service::port(&yaml::text(other)?),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMPOSE: &str = r#"
services:
  web:
    build: .
    ports: ["8000:8000"]
  db:
    image: postgres:16-alpine
    command: postgres -c wal_level=logical -c "max_connections=200"
    environment:
      POSTGRES_DB: app_dev
      POSTGRES_PASSWORD: postgres
    ports:
      - "5433:5432"
  cache:
    image: "redis:${REDIS_VERSION:-7.2}"
    environment:
      - REDIS_ARGS=--save ""
    ports:
      - target: 6379
        published: 6380
"#;

    #[test]
    fn services() {
        let services = parse(COMPOSE).unwrap();
        assert_eq!(services.len(), 2, "services without an image are skipped");
        let db = &services[0];
        assert_eq!(db.name, "db");
        assert_eq!(db.image, "postgres:16-alpine");
        assert_eq!(db.env[0], ("POSTGRES_DB".into(), "app_dev".into()));
        assert_eq!(db.ports, [Port { host: Some(5433), container: 5432 }]);
        let hint = service::hint("compose.yaml", db).unwrap();
        let settings = hint.settings.iter().find(|s| s.param == "settings").unwrap();
        assert_eq!(
            settings.value.as_ref().unwrap().to_string(),
            r#"{ max_connections = "200", wal_level = "logical" }"#
        );
        let cache = &services[1];
        assert_eq!(cache.ports, [Port { host: Some(6380), container: 6379 }]);
        let hint = service::hint("compose.yaml", cache).unwrap();
        assert_eq!(hint.version.as_deref(), Some("7"));
    }

    #[test]
    fn what_the_apps_run_with() {
        let text = r#"
services:
  web:
    build: .
    environment:
      DATABASE_URL: postgres://shop:shop@db:5432/shop
      REDIS_URL: ${REDIS_URL:-redis://cache:6379/0}
      STRIPE_KEY:
  worker:
    build: { context: ., dockerfile: Dockerfile.worker }
    environment:
      - DATABASE_URL=postgres://other@db/other
      - QUEUES=default,mail
      - SENTRY_DSN
  db:
    image: postgres:16
    environment:
      POSTGRES_PASSWORD: shop
  adminer:
    image: adminer
    environment:
      ADMINER_DEFAULT_SERVER: db
"#;
        let apps = app_env(text).unwrap();
        assert_eq!(apps.services, ["web", "worker", "db", "adminer"]);
        let names: Vec<(&str, &str)> = apps.env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(
            names,
            [
                ("DATABASE_URL", "postgres://shop:shop@db:5432/shop"),
                ("REDIS_URL", "${REDIS_URL:-redis://cache:6379/0}"),
                ("QUEUES", "default,mail"),
            ],
            "the services built here, not an image's; the first value of a name; none from the shell"
        );
    }

    #[test]
    fn the_service_a_value_points_at() {
        let services = ["web".to_string(), "search".to_string()];
        for value in ["http://search:9200/_bulk", "search:9200", "search"] {
            assert_eq!(service_named(value, &services), Some("search"), "{value}");
        }
        for value in ["https://example.org", "searching", "development", "5432"] {
            assert_eq!(service_named(value, &services), None, "{value}");
        }
    }

    #[test]
    fn odd_files() {
        assert!(parse("version: '3'\n").unwrap().is_empty());
        assert!(parse("services: [").is_err());
        assert!(parse("services:\n  x: 3\n").unwrap().is_empty());
    }

    #[test]
    fn names() {
        for name in [
            "compose.yaml",
            "compose.yml",
            "docker-compose.yml",
            "docker-compose.yaml",
            "docker-compose.dev.yml",
            "compose.override.yaml",
        ] {
            assert!(is_compose_file(name), "{name}");
        }
        for name in ["composer.json", "docker-compose", "compose-x.yml", "ci.yml"] {
            assert!(!is_compose_file(name), "{name}");
        }
    }
}
