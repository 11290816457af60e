//! A datastore recipe's `[detect]` table: what `devup init` recognises as that server in a
//! repository (container images, the official image's variables, URL schemes, client
//! libraries, commands), so that a new datastore recipe teaches `init` without Rust. Only the
//! ways of reading these (a server's command line, an account from an image's variables) are
//! code; which server they belong to is here.

use std::collections::BTreeMap;

use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Detect {
    /// Where `[datastores]` lists it among the others (lower first), then by name.
    #[serde(default = "last")]
    pub order: u32,
    /// Container images and CI services (`services: [postgresql]`) of this server: an image's
    /// last path component without its tag (`bitnami/redis:7` → `redis`).
    #[serde(default)]
    pub images: Vec<String>,
    /// Images of relatives this recipe serves (Valkey for redis), with what to say about them:
    /// their versions are not this server's, so none is drafted.
    #[serde(default)]
    pub relatives: BTreeMap<String, String>,
    /// Images that bring an extension of the server, which the entry then declares.
    #[serde(default)]
    pub image_extensions: BTreeMap<String, String>,
    /// Whether an image tag's version can be met by this recipe (not where devup's mysql is
    /// MariaDB); when not, `image_version_note` says why none is drafted.
    #[serde(default = "yes")]
    pub image_versions: bool,
    #[serde(default)]
    pub image_version_note: String,
    /// How a tag becomes the version drafted.
    #[serde(default)]
    pub release: Release,
    /// The official image's variables naming a database, an account and its password.
    #[serde(default)]
    pub database_vars: Vec<String>,
    #[serde(default)]
    pub user_vars: Vec<String>,
    #[serde(default)]
    pub password_vars: Vec<String>,
    /// Variables that configure the image itself (`POSTGRES_HOST_AUTH_METHOD`): not the tests'.
    #[serde(default)]
    pub image_vars: Vec<String>,
    /// Variables giving the superuser a password (`MYSQL_ROOT_PASSWORD`): it is declared with it.
    #[serde(default)]
    pub superuser_password_vars: Vec<String>,
    /// The image creates a database named like its user when none is named (PostgreSQL's).
    #[serde(default)]
    pub user_database: bool,
    /// The parameter declaring accounts (`roles`, `users`); its tables' fields say which
    /// privileges an account may have.
    #[serde(default)]
    pub accounts: Option<String>,
    /// The account every server of this kind has: an image's user of that name is no new one.
    #[serde(default)]
    pub superuser: Option<String>,
    /// Said of the password CI gives the superuser, when devup's server needs none.
    #[serde(default)]
    pub password_note: Option<String>,
    /// Words of a variable's name that say it is about this server (`REDIS` in `REDIS_HOST`),
    /// and prefixes of its first word (`PG` in `PGHOST`).
    #[serde(default)]
    pub variable_words: Vec<String>,
    #[serde(default)]
    pub variable_prefixes: Vec<String>,
    /// URL schemes of this server, a driver's suffix aside (`postgresql+psycopg2`).
    #[serde(default)]
    pub url_schemes: Vec<String>,
    /// Whether its clients read libpq's keyword/value connection strings
    /// (`host=localhost dbname=app_test`): CI's are pointed at devup's server like its URLs.
    #[serde(default)]
    pub conninfo: bool,
    /// Commands and files a script uses on this server (`psql`, `postgresql.conf`).
    #[serde(default)]
    pub clients: Vec<String>,
    /// Commands that run the server itself (a Procfile's `redis-server --port 6380`).
    #[serde(default)]
    pub processes: Vec<String>,
    /// Python client libraries: tox `deps` naming one are a guess that the tests use it.
    #[serde(default)]
    pub libraries: Vec<String>,
    /// Rails `database.yml` adapters.
    #[serde(default)]
    pub adapters: Vec<String>,
    /// How a command line of the server sets settings.
    #[serde(default)]
    pub server_args: ServerArgs,
    /// Options (`--name=value`) this recipe's server refuses at start: left out, with a note.
    #[serde(default)]
    pub refused_options: Vec<String>,
    /// Where the system's server of this kind listens on a unix socket (`/var/run/postgresql`,
    /// a directory for PostgreSQL; `/run/mysqld/mysqld.sock`): a variable naming one is given
    /// the recipe's own `socket` value instead.
    #[serde(default)]
    pub sockets: Vec<String>,
    /// GitHub Actions that start this server on the job's machine, with the inputs that
    /// configure it.
    #[serde(default)]
    pub actions: Vec<Action>,
}

/// A GitHub Action starting the server (`supercharge/redis-github-action`): the names of its
/// inputs giving the version, the port, a database, an account, its password and the
/// superuser's.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Action {
    /// The action without its `@ref`.
    pub uses: String,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub port: Option<String>,
    #[serde(default)]
    pub database: Option<String>,
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    pub superuser_password: Option<String>,
}

fn last() -> u32 {
    u32::MAX
}

fn yes() -> bool {
    true
}

/// How much of an image tag's version is kept: `major` (redis 7.2.4 → 7), `major.minor`
/// (memcached 1.6.21 → 1.6), `major-from-10` (PostgreSQL: 15.4 → 15, 9.6.24 → 9.6).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub enum Release {
    #[serde(rename = "major")]
    Major,
    #[default]
    #[serde(rename = "major.minor")]
    MajorMinor,
    #[serde(rename = "major-from-10")]
    MajorFrom10,
}

/// How a server's command line sets its settings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ServerArgs {
    /// None is read.
    #[default]
    None,
    /// `-c key=value` (PostgreSQL).
    Postgres,
    /// `--key=value` (MySQL, MariaDB).
    Mysql,
    /// `--key value` (Redis).
    Redis,
}

impl Release {
    pub fn line(self, version: &str) -> String {
        let parts: Vec<&str> = version.split('.').collect();
        let major_only = match self {
            Release::Major => true,
            Release::MajorMinor => false,
            Release::MajorFrom10 => parts[0].parse::<u32>().is_ok_and(|m| m >= 10),
        };
        let keep = if major_only { 1 } else { 2 };
        parts[..parts.len().min(keep)].join(".")
    }
}
