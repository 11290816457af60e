//! Container services as compose files and CI configurations declare them (an image, its
//! environment, its ports, its command line) → datastore hints. Shared by `compose`, `github` and `gitlab`.

use super::hints::{Datastore, Reached, Setting};
use super::image;

/// One service: `db: { image: postgres:16, environment: {...}, ports: [...] }`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Service {
    pub name: String,
    pub image: String,
    pub env: Vec<(String, String)>,
    pub ports: Vec<Port>,
    /// The server's command line, as words, where it sets options (`postgres -c
    /// wal_level=logical`); for a GitHub service, the `-c` pairs of its docker options.
    pub command: Vec<String>,
    /// Remarks on how it was read ("the newest version of the CI matrix").
    pub notes: Vec<String>,
    /// The GitHub Action that starts it, for a server no container names.
    pub action: Option<String>,
}

/// A published port: `5433:5432` is host 5433, container 5432.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Port {
    pub host: Option<u16>,
    pub container: u16,
}

/// How a service is named in comments: "service `db` (postgres:16)".
pub fn describe(service: &Service) -> String {
    if let Some(action) = &service.action {
        format!("action `{action}` ({})", service.image)
    } else if service.name == service.image {
        format!("service `{}`", service.name)
    } else {
        format!("service `{}` ({})", service.name, service.image)
    }
}

/// Adds the hint for each service running a datastore devup knows, and a note for the others.
pub fn add_hints(hints: &mut super::hints::Hints, file: &str, services: &[Service]) {
    for s in services {
        match hint(file, s) {
            Some(h) => {
                hints.reached.push(reached(h.store, s));
                hints.datastores.push(h);
            }
            // `${{ matrix.db }}`, `$IMAGE`: no recipe is missing, the image is not known here.
            None if !resolve(&s.image).1 => hints.note(
                file,
                format!("{}: its image is filled in as it runs, so devup cannot tell which server it is", describe(s)),
            ),
            None => hints.note(file, format!("{}: devup has no recipe for it", describe(s))),
        }
    }
}

/// How jobs reach a service: its name is its host name; a service named by its image (GitLab
/// without an alias) is reached by the image's name without its tag, with `/` as `-` and
/// as `__` (`bitnami/redis:7` → `bitnami-redis`, `bitnami__redis`, and `redis`).
pub fn reached(store: super::store::Store, service: &Service) -> Reached {
    let mut hosts = Vec::new();
    if service.name.contains([':', '/']) {
        let name = service.name.split([':', '@']).next().unwrap_or_default();
        let name = name.strip_prefix("docker.io/").unwrap_or(name);
        hosts.push(name.replace('/', "-"));
        hosts.push(name.replace('/', "__"));
        hosts.extend(name.rsplit('/').next().map(str::to_string));
    } else {
        hosts.push(service.name.clone());
    }
    hosts.dedup();
    let mut ports: Vec<u16> = service.ports.iter().flat_map(|p| [Some(p.container), p.host]).flatten().collect();
    ports.dedup();
    Reached { store, hosts, ports }
}

/// The hint for a service running a datastore devup knows; `None` for any other service.
pub fn hint(file: &str, service: &Service) -> Option<Datastore> {
    let image = image::parse(&service.image)?;
    let store = image.store;
    let mut hint = Datastore {
        store,
        file: file.to_string(),
        origin: describe(service),
        version: image.version,
        databases: Vec::new(),
        settings: Vec::new(),
        notes: Vec::new(),
        weak: false,
    };
    hint.notes.extend(service.notes.iter().cloned());
    if let Some(remark) = image.remark {
        hint.notes.push(remark.to_string());
    } else if hint.version.is_none() && service.image.contains('$') {
        hint.notes.push(format!("the version is a variable: `{}`", service.image));
    }
    if let Some(extension) = image.extension {
        hint.settings.push(Setting {
            param: "extensions",
            value: Some(toml::Value::Array(vec![toml::Value::String(extension.into())])),
            text: format!("extension {extension}"),
        });
    }
    let var = |names: &[String]| names.iter().find_map(|n| service.env.iter().find(|(k, _)| k == n).map(|(_, v)| v));
    if let Some(db) = var(store.database_vars())
        && let (db, true) = resolve(db)
        && is_plain_name(&db)
    {
        hint.databases.push(db);
    } else if store.detect().user_database
        && let Some(user) = var(store.user_vars())
        && let (user, true) = resolve(user)
        && is_plain_name(&user)
    {
        // The official image creates a database named like POSTGRES_USER when POSTGRES_DB is
        // not given, and suites connect to it.
        hint.databases.push(user);
    }
    let (accounts, notes) = super::accounts::from_env(store, &service.env);
    hint.settings.extend(accounts);
    hint.notes.extend(notes);
    let (settings, notes) = super::server_args::settings(store, &service.command);
    if !settings.is_empty() {
        let text = settings.iter().map(|(k, v)| format!("{k} = {v}")).collect::<Vec<_>>().join(", ");
        hint.settings.push(Setting {
            param: "settings",
            value: Some(toml::Value::Table(settings.into_iter().map(|(k, v)| (k, toml::Value::String(v))).collect())),
            text: format!("settings {text}"),
        });
    }
    hint.notes.extend(notes);
    let default = store.default_port();
    let published = service.ports.iter().find(|p| p.container == default).and_then(|p| p.host);
    if let Some(host) = published.filter(|h| *h != default) {
        hint.settings.push(Setting {
            param: "port",
            value: Some(toml::Value::Integer(i64::from(host))),
            text: format!("host port {host} (mapped to {default})"),
        });
    }
    Some(hint)
}

/// Resolves `${NAME:-default}` and `${NAME-default}` to their default. The flag is false when
/// something could not be resolved (`${NAME}`, `$NAME`, `${{ matrix.x }}`): it is left out.
pub fn resolve(text: &str) -> (String, bool) {
    let mut out = String::new();
    let mut complete = true;
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(inner) = after.strip_prefix("{{") {
            complete = false;
            rest = inner.split_once("}}").map_or("", |(_, tail)| tail);
        } else if let Some(inner) = after.strip_prefix('{') {
            let (expr, tail) = inner.split_once('}').unwrap_or((inner, ""));
            match expr.split_once(":-").or_else(|| expr.split_once('-')) {
                Some((_, default)) => out.push_str(default),
                None => complete = false,
            }
            rest = tail;
        } else {
            let name_len = after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(after.len());
            if name_len == 0 {
                out.push('$');
            } else {
                complete = false;
            }
            rest = &after[name_len..];
        }
    }
    out.push_str(rest);
    (out, complete)
}

/// Parses a port as compose and CI files write it: `5432`, `"5433:5432"`,
/// `"127.0.0.1:5433:5432/tcp"`, `"${PORT:-5433}:5432"`.
pub fn port(text: &str) -> Option<Port> {
    let (text, _) = resolve(text);
    let text = text.split('/').next().unwrap_or_default();
    let mut parts: Vec<&str> = text.rsplitn(3, ':').collect();
    parts.reverse();
    let container = parts.last()?.trim().parse().ok()?;
    let host = match parts.len() {
        1 => None,
        n => parts[n - 2].trim().parse().ok(),
    };
    Some(Port { host, container })
}

/// Databases a CI script creates: `psql -c 'CREATE DATABASE app_test;'`, `createdb app_test`,
/// `mysql -e "CREATE DATABASE IF NOT EXISTS app_test"`, the same SQL in a here-document `psql
/// <<EOF` reads. Each with the client the line uses.
pub fn created_databases(script: &str) -> Vec<(Option<super::store::Store>, String)> {
    use super::store::Store;
    let mut found = Vec::new();
    for line in super::script::lines(script) {
        let store = Store::of_client_line(&line.text);
        let line = std::iter::once(&line.text).chain(&line.heredocs).cloned().collect::<Vec<_>>().join("\n");
        let lower = line.to_ascii_lowercase();
        let words: Vec<&str> = lower.split_whitespace().collect();
        let mut names = Vec::new();
        for (i, word) in words.iter().enumerate() {
            let word = word.trim_start_matches(['\'', '"']);
            if word == "database" && i > 0 && words[i - 1].ends_with("create") {
                let mut next = i + 1;
                if words.get(next) == Some(&"if") {
                    next += 3;
                }
                names.extend(words.get(next).copied());
            } else if word == "createdb" {
                names.extend(createdb_name(&words[i + 1..]));
            }
        }
        for name in names {
            let name = name.trim_matches(|c: char| matches!(c, '\'' | '"' | '`' | ';'));
            // The original case: database names are case-sensitive in PostgreSQL.
            let original = line
                .split(|c: char| c.is_whitespace() || matches!(c, '\'' | '"' | '`' | ';'))
                .find(|w| w.eq_ignore_ascii_case(name))
                .unwrap_or(name);
            if is_plain_name(original) && !found.iter().any(|(_, n)| n == original) {
                found.push((store, original.to_string()));
            }
        }
    }
    found
}

/// The first argument of `createdb` that is no option nor an option's value.
fn createdb_name<'a>(args: &[&'a str]) -> Option<&'a str> {
    const WITH_VALUE: &[&str] = &["-U", "-h", "-p", "-O", "-E", "-T", "-D", "-l"];
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        if WITH_VALUE.iter().any(|o| o.eq_ignore_ascii_case(arg)) {
            args.next();
        } else if !arg.starts_with('-') {
            return Some(arg);
        }
    }
    None
}

/// A database name worth writing down: no variables, quotes or spaces.
pub fn is_plain_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= 63 && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
}

#[cfg(test)]
mod tests {
    use super::super::store::Store;
    use super::*;

    fn service(image: &str, env: &[(&str, &str)], ports: &[&str]) -> Service {
        Service {
            name: "db".into(),
            image: image.into(),
            env: env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            ports: ports.iter().filter_map(|p| port(p)).collect(),
            command: Vec::new(),
            notes: Vec::new(),
            action: None,
        }
    }

    /// As the official image does: without POSTGRES_DB, the database is named like the user.
    #[test]
    fn postgres_without_a_database_gets_the_users() {
        let s = service("postgres", &[("POSTGRES_USER", "cacheops"), ("POSTGRES_PASSWORD", "cacheops")], &[]);
        assert_eq!(hint("ci.yml", &s).unwrap().databases, ["cacheops"]);
        let s = service("postgres", &[("POSTGRES_PASSWORD", "x")], &[]);
        assert!(hint("ci.yml", &s).unwrap().databases.is_empty());
    }

    #[test]
    fn postgres_service() {
        let s = service(
            "postgres:16-alpine",
            &[("POSTGRES_DB", "app_dev"), ("POSTGRES_USER", "app"), ("POSTGRES_PASSWORD", "secret")],
            &["5433:5432"],
        );
        let h = hint("docker-compose.yml", &s).unwrap();
        assert_eq!(h.store, Store::postgres());
        assert_eq!(h.version.as_deref(), Some("16"));
        assert_eq!(h.databases, ["app_dev"]);
        assert_eq!(h.origin, "service `db` (postgres:16-alpine)");
        let settings: Vec<_> = h.settings.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(settings, ["role \"app\"", "host port 5433 (mapped to 5432)"]);
    }

    #[test]
    fn default_port_and_unknown_values() {
        let s = service("mysql:8.0", &[("MYSQL_DATABASE", "${DB_NAME}"), ("MYSQL_ROOT_PASSWORD", "x")], &["3306:3306"]);
        let h = hint("compose.yaml", &s).unwrap();
        assert!(h.databases.is_empty());
        let settings: Vec<_> = h.settings.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(settings, ["user \"root\""], "the default port is not pinned");
        assert!(h.notes[0].starts_with("MySQL: devup's mysql is MariaDB"), "{:?}", h.notes);
        assert!(hint("x", &service("node:20", &[], &[])).is_none());
    }

    #[test]
    fn how_jobs_reach_a_service() {
        let s = service("postgres:16", &[], &["5433:5432"]);
        let r = reached(Store::postgres(), &s);
        assert_eq!((r.hosts, r.ports), (vec!["db".to_string()], vec![5432, 5433]));
        let gitlab = Service { name: "bitnami/redis:7".into(), ..service("bitnami/redis:7", &[], &[]) };
        assert_eq!(reached(Store::redis(), &gitlab).hosts, ["bitnami-redis", "bitnami__redis", "redis"]);
    }

    #[test]
    fn resolving() {
        assert_eq!(resolve("${A:-x}y"), ("xy".into(), true));
        assert_eq!(resolve("${A-x}"), ("x".into(), true));
        assert_eq!(resolve("a${B}c"), ("ac".into(), false));
        assert_eq!(resolve("$B/c"), ("/c".into(), false));
        assert_eq!(resolve("$$B"), ("$B".into(), true));
        assert_eq!(resolve("${{ secrets.X }}"), ("".into(), false));
        assert_eq!(resolve("plain"), ("plain".into(), true));
    }

    #[test]
    fn ports() {
        let p = |t| port(t).map(|p| (p.host, p.container));
        assert_eq!(p("5432"), Some((None, 5432)));
        assert_eq!(p("5433:5432"), Some((Some(5433), 5432)));
        assert_eq!(p("127.0.0.1:5433:5432/tcp"), Some((Some(5433), 5432)));
        assert_eq!(p("${PG_PORT:-5434}:5432"), Some((Some(5434), 5432)));
        assert_eq!(p("x"), None);
    }

    #[test]
    fn databases_created_by_scripts() {
        let script = "psql -c 'create database App_test;' -U postgres\n\
                      mysql -e \"CREATE DATABASE IF NOT EXISTS shop_test;\"\n\
                      createdb -U postgres other\n\
                      echo hello";
        assert_eq!(
            created_databases(script),
            [
                (Some(Store::postgres()), "App_test".to_string()),
                (Some(Store::mysql()), "shop_test".to_string()),
                (Some(Store::postgres()), "other".to_string()),
            ]
        );
        let heredoc = "mysql -uroot <<EOF\nCREATE DATABASE shop_test;\nEOF\ncreatedb \\\n  -U postgres other_test";
        assert_eq!(
            created_databases(heredoc),
            [(Some(Store::mysql()), "shop_test".to_string()), (Some(Store::postgres()), "other_test".to_string())]
        );
    }
}
