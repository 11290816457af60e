//! The datastores `init` recognises: one per datastore recipe with a `[detect]` table
//! (built in, the user's or the project's), in the order `[datastores]` lists them, and what
//! that table says of each: image names, the variables that name a database or a user, URL
//! schemes, clients. Nothing here names a server: a new recipe teaches `init` a new one.

use std::sync::OnceLock;

use super::known::Known;
use crate::manifest::Section;
use crate::recipe::detect::{Detect, Release};

/// One datastore recipe that `init` recognises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Store(usize);

struct Kind {
    recipe: String,
    detect: Detect,
    port: u16,
    has_databases: bool,
    /// Whether it takes an SQL file to seed its databases with (`init_sql`).
    takes_init_sql: bool,
    /// The fields an account may have (`superuser`, `createdb`), besides its name and password.
    account_fields: Vec<String>,
}

static KINDS: OnceLock<Vec<Kind>> = OnceLock::new();

/// Makes the recipes `init` reads the ones it recognises (the first call wins: `init` scans one
/// repository per process). Without it, the built-in recipes are.
pub fn register(known: &Known) {
    let _ = KINDS.set(kinds_of(known));
}

fn kinds() -> &'static [Kind] {
    KINDS.get_or_init(|| {
        let library = crate::recipe::library::Library::new(None, None, crate::resources::kind_names());
        kinds_of(&Known::from_library(&library))
    })
}

fn kinds_of(known: &Known) -> Vec<Kind> {
    let mut kinds: Vec<Kind> = known
        .recipes
        .iter()
        .filter(|r| r.section == Section::Datastores)
        .filter_map(|r| {
            let detect = r.detect.clone()?;
            let account_fields = detect
                .accounts
                .as_ref()
                .and_then(|param| r.params.get(param))
                .and_then(|spec| spec.fields.as_ref())
                .map(|fields| fields.keys().filter(|k| !matches!(k.as_str(), "name" | "password")).cloned().collect())
                .unwrap_or_default();
            Some(Kind {
                recipe: r.name.clone(),
                port: r.params.get("port").and_then(|p| p.preferred).unwrap_or(0),
                has_databases: r.params.contains_key("databases"),
                takes_init_sql: r.params.contains_key("init_sql"),
                account_fields,
                detect,
            })
        })
        .collect();
    kinds.sort_by(|a, b| (a.detect.order, &a.recipe).cmp(&(b.detect.order, &b.recipe)));
    kinds
}

fn lower_eq(list: &[String], name: &str) -> bool {
    list.iter().any(|n| n.eq_ignore_ascii_case(name))
}

/// Words that make `<image>-<word>` a tool beside the server, not a build of it.
const BESIDE_THE_SERVER: &[&str] =
    &["exporter", "commander", "insight", "ui", "admin", "backup", "operator", "proxy", "cli", "client", "tools"];

/// The image an image's variant is a build of (`postgres-ssl` → `postgres`, as images of a
/// server with something added are named), or the name itself: `redis-exporter` is not one.
fn variant_of(name: &str) -> &str {
    let Some((base, rest)) = name.split_once('-') else {
        return name;
    };
    let named = |n: &str| {
        Store::all()
            .any(|s| lower_eq(&s.detect().images, n) || s.detect().relatives.keys().any(|r| r.eq_ignore_ascii_case(n)))
    };
    let beside = rest.split('-').any(|w| BESIDE_THE_SERVER.iter().any(|b| b.eq_ignore_ascii_case(w)));
    if named(base) && !named(name) && !beside { base } else { name }
}

impl Store {
    /// Every store, in the order they are written in `[datastores]`.
    pub fn all() -> impl Iterator<Item = Store> {
        (0..kinds().len()).map(Store)
    }

    fn kind(self) -> &'static Kind {
        &kinds()[self.0]
    }

    /// What the recipe's `[detect]` says.
    pub fn detect(self) -> &'static Detect {
        &self.kind().detect
    }

    /// The store of a recipe: `datastores.<recipe>`.
    pub fn of_recipe(name: &str) -> Option<Store> {
        Store::all().find(|s| s.recipe() == name)
    }

    /// The recipe: `datastores.<recipe>`.
    pub fn recipe(self) -> &'static str {
        &self.kind().recipe
    }

    pub fn default_port(self) -> u16 {
        self.kind().port
    }

    /// Whether it holds named databases (`databases = [...]`).
    pub fn has_databases(self) -> bool {
        self.kind().has_databases
    }

    /// Whether it takes an SQL file that seeds its databases (`init_sql`).
    pub fn takes_init_sql(self) -> bool {
        self.kind().takes_init_sql
    }

    /// Variables of the official images that create a database.
    pub fn database_vars(self) -> &'static [String] {
        &self.detect().database_vars
    }

    pub fn user_vars(self) -> &'static [String] {
        &self.detect().user_vars
    }

    pub fn password_vars(self) -> &'static [String] {
        &self.detect().password_vars
    }

    /// The recipe parameter that declares accounts (`roles`, `users`).
    pub fn accounts_param(self) -> Option<&'static str> {
        self.detect().accounts.as_deref()
    }

    /// What one account is called: `role` for `roles`.
    pub fn account_word(self) -> &'static str {
        self.accounts_param().map_or("account", |p| p.strip_suffix('s').unwrap_or(p))
    }

    /// Whether an account may have this field (`superuser`, `createdb`).
    pub fn account_takes(self, field: &str) -> bool {
        self.kind().account_fields.iter().any(|f| f == field)
    }

    /// The account every server of this kind has, which devup's server has too.
    pub fn superuser_name(self) -> Option<&'static str> {
        self.detect().superuser.as_deref()
    }

    /// Server options (`--name=value`) devup's server refuses at start: left out of
    /// `settings`, with a comment.
    pub fn refused_options(self) -> &'static [String] {
        &self.detect().refused_options
    }

    /// The store a variable's name is about: `PGHOST`, `POSTGRES_HOST`, `MYSQL_PORT`,
    /// `REDIS_HOST`, `MEMCACHED_SERVERS`; `None` for `DB_HOST`.
    pub fn named_in(var: &str) -> Option<Store> {
        let upper = var.to_ascii_uppercase();
        let words: Vec<&str> = upper.split('_').collect();
        Store::all().find(|store| {
            let d = store.detect();
            words.iter().any(|w| lower_eq(&d.variable_words, w))
                || words.first().is_some_and(|w| d.variable_prefixes.iter().any(|p| w.starts_with(p.as_str())))
        })
    }

    /// The store an image (its last path component, without tag) or service name runs, and
    /// a remark when it is a relative rather than the thing itself.
    pub fn from_name(name: &str) -> Option<(Store, Option<&'static str>)> {
        let name = variant_of(name);
        Store::all().find_map(|store| {
            let d = store.detect();
            if lower_eq(&d.images, name) {
                return Some((store, None));
            }
            d.relatives
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, remark)| (store, Some(remark.as_str())))
        })
    }

    /// Whether an image of this name numbers its releases as devup's server does (PostGIS
    /// does; MariaDB, a relative, does not).
    pub fn same_versions(name: &str) -> bool {
        let name = variant_of(name);
        Store::all().any(|s| s.detect().image_versions && lower_eq(&s.detect().images, name))
    }

    /// The store a GitHub Action starts (`supercharge/redis-github-action@1.4.0`), with how
    /// the action is configured.
    pub fn of_action(uses: &str) -> Option<(Store, &'static crate::recipe::detect::Action)> {
        let action = uses.split('@').next().unwrap_or_default();
        Store::all().find_map(|s| Some((s, s.detect().actions.iter().find(|a| a.uses.eq_ignore_ascii_case(action))?)))
    }

    /// The store a URL scheme is for, a driver's suffix aside (`postgresql+psycopg2`).
    pub fn of_scheme(scheme: &str) -> Option<Store> {
        let scheme = scheme.split('+').next().unwrap_or_default();
        Store::all().find(|s| lower_eq(&s.detect().url_schemes, scheme))
    }

    /// The store a command runs (`redis-server`, `/usr/sbin/mysqld`).
    pub fn of_process(program: &str) -> Option<Store> {
        let program = program.rsplit('/').next().unwrap_or(program);
        Store::all().find(|s| lower_eq(&s.detect().processes, program))
    }

    /// The store a Python client library talks to (`psycopg2-binary`).
    pub fn of_library(package: &str) -> Option<Store> {
        Store::all().find(|s| lower_eq(&s.detect().libraries, package))
    }

    /// The store a Rails `database.yml` adapter is for.
    pub fn of_adapter(adapter: &str) -> Option<Store> {
        Store::all().find(|s| lower_eq(&s.detect().adapters, adapter))
    }

    /// The store holding databases whose client a script line uses (`psql -c ...`,
    /// `mysql -e ...`, `sed ... postgresql.conf`).
    pub fn of_client_line(line: &str) -> Option<Store> {
        let lower = line.to_ascii_lowercase();
        Store::all()
            .filter(|s| s.has_databases())
            .find(|s| s.detect().clients.iter().any(|c| lower.contains(&c.to_ascii_lowercase())))
    }

    /// The first word of `text` naming a store's image, client or process, for tox's
    /// `commands` (`psql`, `redis-server`): with the store.
    pub fn mentioned_in(text: &str) -> Option<(Store, &'static str)> {
        let lower = text.to_ascii_lowercase();
        Store::all().find_map(|s| {
            let d = s.detect();
            d.clients
                .iter()
                .chain(&d.processes)
                .chain(&d.images)
                .find(|w| lower.contains(&w.to_ascii_lowercase()))
                .map(|w| (s, w.as_str()))
        })
    }

    /// Reduces a version to what matters for a server, as its recipe's `release` says.
    pub fn release_line(self, version: &str) -> String {
        let release: Release = self.detect().release;
        release.line(version)
    }
}

#[cfg(test)]
impl Store {
    /// The built-in recipes' stores, for tests.
    pub fn postgres() -> Store {
        Store::of_recipe("postgres").expect("built in")
    }
    pub fn mysql() -> Store {
        Store::of_recipe("mysql").expect("built in")
    }
    pub fn redis() -> Store {
        Store::of_recipe("redis").expect("built in")
    }
    pub fn memcached() -> Store {
        Store::of_recipe("memcached").expect("built in")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(Store::from_name("postgres"), Some((Store::postgres(), None)));
        assert_eq!(Store::from_name("PostgreSQL").unwrap().0, Store::postgres());
        assert_eq!(Store::from_name("postgis"), Some((Store::postgres(), None)));
        assert!(Store::same_versions("postgis"));
        assert!(!Store::same_versions("mariadb"));
        assert!(!Store::same_versions("mysql"), "devup's mysql is MariaDB where the platform ships that");
        assert_eq!(Store::from_name("mariadb").unwrap().0, Store::mysql());
        assert_eq!(Store::from_name("redis-server").unwrap().0, Store::redis());
        assert_eq!(Store::from_name("mongo"), None);
    }

    #[test]
    fn builds_of_an_image_with_something_added_are_the_server() {
        assert_eq!(Store::from_name("postgres-ssl"), Some((Store::postgres(), None)));
        assert!(Store::same_versions("postgres-ssl"));
        assert_eq!(Store::from_name("redis-stack-server").unwrap().0, Store::redis());
        assert_eq!(Store::from_name("postgres-exporter"), None);
        assert_eq!(Store::from_name("redis-commander"), None);
        assert_eq!(Store::from_name("mongo-express"), None);
    }

    #[test]
    fn stores_named_in_variables() {
        assert_eq!(Store::named_in("PGHOST"), Some(Store::postgres()));
        assert_eq!(Store::named_in("TEST_POSTGRES_HOST"), Some(Store::postgres()));
        assert_eq!(Store::named_in("MYSQL_PORT"), Some(Store::mysql()));
        assert_eq!(Store::named_in("redis_host"), Some(Store::redis()));
        assert_eq!(Store::named_in("MEMCACHED_SERVERS"), Some(Store::memcached()));
        assert_eq!(Store::named_in("DB_HOST"), None);
        assert_eq!(Store::named_in("UPGRADE_HOST"), None);
    }

    #[test]
    fn release_lines() {
        assert_eq!(Store::postgres().release_line("15.4"), "15");
        assert_eq!(Store::postgres().release_line("16"), "16");
        assert_eq!(Store::postgres().release_line("9.6.24"), "9.6");
        assert_eq!(Store::mysql().release_line("8.0.33"), "8.0");
        assert_eq!(Store::redis().release_line("7"), "7");
        assert_eq!(Store::redis().release_line("7.2.4"), "7", "Debian 12's 7.0 serves a CI image of 7.2");
        assert_eq!(Store::memcached().release_line("1.6.21"), "1.6");
    }
}
