//! The datastores `init` recognises, and what their container images and CI services call
//! things: image names, the variables that name a database or a user, default ports.

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Store {
    Postgres,
    Mysql,
    Redis,
    Memcached,
}

impl Store {
    /// In the order they are written in `[datastores]`.
    pub const ALL: [Store; 4] = [Store::Postgres, Store::Mysql, Store::Redis, Store::Memcached];

    /// The recipe: `datastores.<recipe>`.
    pub fn recipe(self) -> &'static str {
        match self {
            Store::Postgres => "postgres",
            Store::Mysql => "mysql",
            Store::Redis => "redis",
            Store::Memcached => "memcached",
        }
    }

    pub fn default_port(self) -> u16 {
        match self {
            Store::Postgres => 5432,
            Store::Mysql => 3306,
            Store::Redis => 6379,
            Store::Memcached => 11211,
        }
    }

    /// Whether it holds named databases (`databases = [...]`).
    pub fn has_databases(self) -> bool {
        matches!(self, Store::Postgres | Store::Mysql)
    }

    /// Variables of the official images that create a database.
    pub fn database_vars(self) -> &'static [&'static str] {
        match self {
            Store::Postgres => &["POSTGRES_DB"],
            Store::Mysql => &["MYSQL_DATABASE", "MARIADB_DATABASE"],
            _ => &[],
        }
    }

    pub fn user_vars(self) -> &'static [&'static str] {
        match self {
            Store::Postgres => &["POSTGRES_USER"],
            Store::Mysql => &["MYSQL_USER", "MARIADB_USER"],
            _ => &[],
        }
    }

    pub fn password_vars(self) -> &'static [&'static str] {
        match self {
            Store::Postgres => &["POSTGRES_PASSWORD"],
            Store::Mysql => &["MYSQL_PASSWORD", "MYSQL_ROOT_PASSWORD", "MARIADB_PASSWORD", "MARIADB_ROOT_PASSWORD"],
            _ => &[],
        }
    }

    /// The recipe parameter that declares accounts: `roles` (PostgreSQL), `users` (MySQL).
    pub fn accounts_param(self) -> Option<&'static str> {
        match self {
            Store::Postgres => Some("roles"),
            Store::Mysql => Some("users"),
            _ => None,
        }
    }

    /// The account every server of this kind has, which devup's server has too.
    pub fn superuser_name(self) -> Option<&'static str> {
        match self {
            Store::Postgres => Some("postgres"),
            Store::Mysql => Some("root"),
            _ => None,
        }
    }

    /// Server options (`--name=value`) MySQL takes and MariaDB, devup's mysql on Debian,
    /// refuses at start: they are left out of `settings`, with a comment.
    pub fn refused_options(self) -> &'static [&'static str] {
        match self {
            Store::Mysql => &["default-authentication-plugin", "mysql-native-password", "authentication-policy"],
            _ => &[],
        }
    }

    /// The store a variable's name is about: `PGHOST`, `POSTGRES_HOST`, `MYSQL_PORT`,
    /// `REDIS_HOST`, `MEMCACHED_SERVERS`; `None` for `DB_HOST`.
    pub fn named_in(var: &str) -> Option<Store> {
        let upper = var.to_ascii_uppercase();
        let found = [
            (Store::Postgres, &["PG", "POSTGRES", "POSTGRESQL"][..]),
            (Store::Mysql, &["MYSQL", "MARIADB"]),
            (Store::Redis, &["REDIS", "VALKEY"]),
            (Store::Memcached, &["MEMCACHE", "MEMCACHED"]),
        ];
        let words: Vec<&str> = upper.split('_').collect();
        found.into_iter().find_map(|(store, names)| {
            let named = words.iter().any(|w| names.contains(w))
                || (store == Store::Postgres && words.first().is_some_and(|w| w.starts_with("PG")));
            named.then_some(store)
        })
    }

    /// The store an image (its last path component, without tag) or service name runs, and
    /// a remark when it is a relative rather than the thing itself.
    pub fn from_name(name: &str) -> Option<(Store, Option<&'static str>)> {
        Self::named(name).map(|(store, remark, _)| (store, remark))
    }

    /// Whether an image of this name numbers its releases as the store does (PostGIS does,
    /// MariaDB does not).
    pub fn same_versions(name: &str) -> bool {
        Self::named(name).is_some_and(|(_, _, same)| same)
    }

    fn named(name: &str) -> Option<(Store, Option<&'static str>, bool)> {
        let name = name.to_ascii_lowercase();
        let found = match name.as_str() {
            "postgres" | "postgresql" => (Store::Postgres, None, true),
            "postgis" => (Store::Postgres, None, true),
            // Where devup's mysql is MariaDB, no MySQL version could be met (see `image`).
            "mysql" | "mysql-server" => (Store::Mysql, None, false),
            "mariadb" => (
                Store::Mysql,
                Some(
                    "MariaDB: devup's mysql serves the MySQL protocol; MariaDB's versions are not MySQL's, so none is pinned",
                ),
                false,
            ),
            "redis" | "redis-server" | "redis-stack" | "redis-stack-server" => (Store::Redis, None, true),
            "valkey" => (
                Store::Redis,
                Some(
                    "Valkey: devup's redis serves the same protocol; Valkey's versions are not Redis's, so none is pinned",
                ),
                false,
            ),
            "memcached" => (Store::Memcached, None, true),
            _ => return None,
        };
        Some(found)
    }

    /// Reduces a version to what matters for a server: PostgreSQL 10+ by its major version
    /// (15.4 → 15); Redis by its major version too (7.2.4 → 7): a minor release adds a few
    /// commands to its major's, an image tag's minor is mostly the release current when CI was
    /// written, and a distribution ships one minor (Debian 12: 7.0) and nothing installs another;
    /// the others by major.minor (8.0.33 → 8.0).
    pub fn release_line(self, version: &str) -> String {
        let parts: Vec<&str> = version.split('.').collect();
        let major_only = match self {
            Store::Postgres => parts[0].parse::<u32>().is_ok_and(|m| m >= 10),
            Store::Redis => true,
            Store::Mysql | Store::Memcached => false,
        };
        let keep = if major_only { 1 } else { 2 };
        parts[..parts.len().min(keep)].join(".")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(Store::from_name("postgres"), Some((Store::Postgres, None)));
        assert_eq!(Store::from_name("PostgreSQL").unwrap().0, Store::Postgres);
        assert_eq!(Store::from_name("postgis"), Some((Store::Postgres, None)));
        assert!(Store::same_versions("postgis"));
        assert!(!Store::same_versions("mariadb"));
        assert!(!Store::same_versions("mysql"), "devup's mysql is MariaDB where the platform ships that");
        assert_eq!(Store::from_name("mariadb").unwrap().0, Store::Mysql);
        assert_eq!(Store::from_name("redis-server").unwrap().0, Store::Redis);
        assert_eq!(Store::from_name("mongo"), None);
    }

    #[test]
    fn stores_named_in_variables() {
        assert_eq!(Store::named_in("PGHOST"), Some(Store::Postgres));
        assert_eq!(Store::named_in("TEST_POSTGRES_HOST"), Some(Store::Postgres));
        assert_eq!(Store::named_in("MYSQL_PORT"), Some(Store::Mysql));
        assert_eq!(Store::named_in("redis_host"), Some(Store::Redis));
        assert_eq!(Store::named_in("MEMCACHED_SERVERS"), Some(Store::Memcached));
        assert_eq!(Store::named_in("DB_HOST"), None);
        assert_eq!(Store::named_in("UPGRADE_HOST"), None);
    }

    #[test]
    fn release_lines() {
        assert_eq!(Store::Postgres.release_line("15.4"), "15");
        assert_eq!(Store::Postgres.release_line("16"), "16");
        assert_eq!(Store::Postgres.release_line("9.6.24"), "9.6");
        assert_eq!(Store::Mysql.release_line("8.0.33"), "8.0");
        assert_eq!(Store::Redis.release_line("7"), "7");
        assert_eq!(Store::Redis.release_line("7.2.4"), "7", "Debian 12's 7.0 serves a CI image of 7.2");
        assert_eq!(Store::Memcached.release_line("1.6.21"), "1.6");
    }
}
