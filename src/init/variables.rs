//! The `[env]` of a draft: the variables CI sets for the tests, so that on a developer's machine
//! the tests find what they find in CI. A value that points at a server CI runs for them
//! (`localhost:5432`, `postgres://postgres@localhost/app_test`, `redis://redis:6379/0`,
//! `host=localhost dbname=app_test`, the service's host name, its port number) names devup's
//! server instead, with the port devup chooses: `{datastores.postgres.url}`,
//! `{datastores.redis.host}`; never a port written down.
//! Another plain value is written as it is. A secret, or what CI fills in when the job runs, is
//! written commented out, for a person to fill in.
//!
//! Two datastores may export one variable (postgres' and mysql's `DATABASE_URL`): devup keeps
//! the first declared, and the other's is drafted under a name of its own (`MYSQL_URL`).

use super::conninfo::Conninfo;
use super::draft::{Draft, EnvEntry};
use super::hints::{Reached, VarValue, Variable};
use super::known::{Known, KnownRecipe};
use super::store::Store;
use super::url::{Url, is_port};
use crate::manifest::Section;
use crate::recipe::template::{escape, placeholders};

/// Variables that configure CI or an image (`ALLOW_EMPTY_PASSWORD` of Bitnami's), not the
/// tests; a datastore's own image's are its recipe's `[detect] image_vars`.
const NOT_FOR_THE_TESTS: &[&str] = &["CI", "ALLOW_EMPTY_PASSWORD"];
/// ...and the CI systems' own settings (`GIT_DEPTH`, `DOCKER_DRIVER`, `FF_USE_FASTZIP`).
const CI_PREFIXES: &[&str] = &["CI_", "GITHUB_", "RUNNER_", "GIT_", "DOCKER_", "FF_", "TRAVIS_"];

/// Names by which a job reaches a server on its own machine.
const LOOPBACK: &[&str] = &["localhost", "127.0.0.1", "::1", "[::1]", "0.0.0.0"];

/// A datastore the draft declares, as `[env]` can name it.
struct Target<'a> {
    /// The entry's name: `postgres`, or `postgres-5433` for a second server.
    name: &'a str,
    store: Store,
    recipe: &'a KnownRecipe,
    params: &'a [(String, toml::Value)],
    /// Host names and ports CI reaches it by.
    hosts: Vec<String>,
    ports: Vec<u16>,
}

impl Target<'_> {
    /// `{datastores.postgres.KEY}`, when devup will give it a value for this entry.
    fn placeholder(&self, key: &str) -> Option<String> {
        let template = self.recipe.values.get(key).or_else(|| self.recipe.env.get(key))?;
        self.recipe.render(template, self.params).map(|_| format!("{{datastores.{}.{key}}}", self.name))
    }

    fn is_named(&self, host: &str) -> bool {
        self.hosts.iter().any(|h| h.eq_ignore_ascii_case(host))
            || (self.name == self.store.recipe()
                && Store::from_name(host).is_some_and(|(store, _)| store == self.store))
    }

    /// Whether CI reaches this server at `host:port`: by its service's name, or on the job's
    /// own machine, at one of its ports.
    fn reached_at(&self, host: &str, port: u16) -> bool {
        (self.is_named(host) || is_loopback(host)) && self.ports.contains(&port)
    }
}

fn is_loopback(host: &str) -> bool {
    LOOPBACK.contains(&host.to_ascii_lowercase().as_str())
}

fn targets<'a>(draft: &'a Draft, reached: &[Reached], known: &'a Known) -> Vec<Target<'a>> {
    let mut out: Vec<Target> = Vec::new();
    for entry in draft.datastores.iter().filter(|e| e.disabled.is_none()) {
        let params = match &entry.value {
            super::draft::Value::Table(params) => params.as_slice(),
            super::draft::Value::Short(_) => &[],
        };
        let recipe_name = params
            .iter()
            .find(|(p, _)| p == crate::manifest::RECIPE_KEY)
            .and_then(|(_, v)| v.as_str())
            .unwrap_or(&entry.name);
        let Some(store) = Store::of_recipe(recipe_name) else { continue };
        let Some(recipe) = known.get(Section::Datastores, recipe_name) else { continue };
        let pinned = params
            .iter()
            .find(|(p, _)| p == "port")
            .and_then(|(_, v)| v.as_integer())
            .and_then(|p| u16::try_from(p).ok());
        out.push(Target {
            name: &entry.name,
            store,
            recipe,
            params,
            hosts: Vec::new(),
            ports: pinned.into_iter().collect(),
        });
    }
    // How CI reaches each server: a second server of a kind only by its own published port; the
    // first by the kind's usual port and whatever reaches no other.
    for i in 0..out.len() {
        let store = out[i].store;
        let first = out.iter().position(|t| t.store == store) == Some(i);
        let others: Vec<u16> = out
            .iter()
            .enumerate()
            .filter(|(j, t)| *j != i && t.store == store)
            .flat_map(|(_, t)| t.ports.clone())
            .collect();
        let own = out[i].ports.clone();
        let mut hosts = Vec::new();
        let mut ports = own.clone();
        if first {
            ports.push(store.default_port());
        }
        for r in reached.iter().filter(|r| r.store == store) {
            let mine = if others.is_empty() {
                true
            } else if first && own.is_empty() {
                !r.ports.iter().any(|p| others.contains(p))
            } else {
                r.ports.iter().any(|p| own.contains(p))
            };
            if mine {
                hosts.extend(r.hosts.iter().cloned());
                ports.extend(&r.ports);
            }
        }
        out[i].hosts = hosts;
        out[i].ports = ports;
    }
    out
}

/// Adds `[env]` to the draft: the variables CI sets for the tests, then the names that keep a
/// second datastore's variables beside the first's.
pub fn draft(draft: &mut Draft, vars: &[Variable], reached: &[Reached], known: &Known) {
    let targets = targets(draft, reached, known);
    let mut entries: Vec<EnvEntry> = Vec::new();
    for var in vars {
        let valid = var.name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && var.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        let for_ci = NOT_FOR_THE_TESTS.contains(&var.name.as_str())
            || CI_PREFIXES.iter().any(|p| var.name.starts_with(p))
            || Store::all().any(|s| s.detect().image_vars.contains(&var.name));
        if !valid || for_ci {
            continue;
        }
        if let Some(first) = entries.iter_mut().find(|e| e.name == var.name) {
            if first.file != var.file {
                first.comments.push(format!("{} sets it too: {}", var.file, shown(&var.value)));
            }
            continue;
        }
        entries.push(entry(var, &targets));
    }
    let conflicts = second_exports(&targets, &entries);
    let mut files: Vec<&str> = Vec::new();
    for e in &entries {
        if !files.contains(&e.file.as_str()) {
            files.push(&e.file);
        }
    }
    for file in files {
        let of_file: Vec<&EnvEntry> = entries.iter().filter(|e| e.file == file).collect();
        let names_a_server =
            |e: &&&EnvEntry| placeholders(&e.value).unwrap_or_default().iter().any(|p| p.starts_with("datastores."));
        let named = of_file.iter().filter(names_a_server).count();
        let count = match of_file.len() {
            1 => "1 variable".to_string(),
            n => format!("{n} variables"),
        };
        let who = runs_with(file);
        let why = match named {
            0 => format!("{count} {who}"),
            n => format!("{count} {who}, {n} naming devup's servers"),
        };
        draft.find(file, "env", why);
    }
    draft.env = entries;
    draft.env.extend(conflicts);
}

/// Who runs with a file's variables: the tests (CI, tox), or the services a compose file
/// builds from the repository.
pub fn runs_with(file: &str) -> &'static str {
    if from_compose(file) { "the app runs with" } else { "the tests run with" }
}

fn from_compose(file: &str) -> bool {
    super::compose::is_compose_file(super::repo::base(file))
}

/// What CI's value is, for comments: a value CI fills in as it is written.
fn shown(value: &VarValue) -> String {
    match value {
        VarValue::Plain(text) | VarValue::Template(text) => format!("`{text}`"),
        VarValue::Runtime { raw, .. } | VarValue::Elsewhere { raw, .. } => format!("`{raw}`"),
        VarValue::Variant { value, .. } => format!("`{value}`"),
    }
}

fn entry(var: &Variable, targets: &[Target]) -> EnvEntry {
    let mut e = EnvEntry {
        file: var.file.clone(),
        name: var.name.clone(),
        value: String::new(),
        comments: Vec::new(),
        disabled: None,
    };
    match &var.value {
        VarValue::Plain(text) => {
            let (value, changed) = template_for(&var.name, text, targets);
            if changed {
                let source = if from_compose(&var.file) { "compose" } else { "CI" };
                e.comments.push(format!("in {source}: {text}"));
            }
            e.value = value;
        }
        VarValue::Template(template) => e.value = template.clone(),
        VarValue::Variant { value, jobs } => {
            e.value = template_for(&var.name, value, targets).0;
            e.disabled = Some(format!(
                "set only by the CI {jobs}, where the tests run another way: uncomment it to run them so"
            ));
        }
        VarValue::Runtime { secret: Some(secret), .. } => {
            e.value = "...".into();
            e.disabled = Some(format!(
                "{} comes from CI's secret store (secrets.{secret}): set it here, or in your shell",
                var.name
            ));
        }
        VarValue::Elsewhere { raw, service } => {
            e.value = escape(raw);
            e.disabled = Some(format!(
                "points at compose service `{service}`, which devup does not run: set it to where yours runs"
            ));
        }
        VarValue::Runtime { raw, secret: None } => {
            e.value = "...".into();
            e.disabled = Some(format!(
                "set when the job runs (`{raw}`), which devup cannot know: set it here if the tests need it"
            ));
        }
    }
    e
}

/// A plain value as a template: what points at a server CI runs names devup's instead
/// (`true` when so), anything else is itself.
fn template_for(name: &str, value: &str, targets: &[Target]) -> (String, bool) {
    let found = if let Some(url) = Url::parse(value) {
        url_template(&url, targets)
    } else if let Some(conninfo) = Conninfo::parse(value) {
        conninfo_template(name, &conninfo, targets)
    } else if let Some((host, port)) = value.rsplit_once(':').filter(|(h, p)| !h.is_empty() && is_port(p)) {
        let port: u16 = port.parse().unwrap_or_default();
        target_at(name, host, Some(port), targets)
            .and_then(|t| Some(format!("{}:{}", t.placeholder("host")?, t.placeholder("port")?)))
    } else if is_port(value) && says(name, &["PORT"]) {
        let port: u16 = value.parse().unwrap_or_default();
        targets.iter().find(|t| t.ports.contains(&port)).and_then(|t| t.placeholder("port"))
    } else if is_host(value) && says(name, &["HOST", "HOSTNAME", "SERVER", "ADDR"]) {
        target_at(name, value, None, targets).and_then(|t| t.placeholder("host"))
    } else if let Some(target) = targets.iter().find(|t| is_socket_of(value, t.store)) {
        target.placeholder("socket")
    } else {
        None
    };
    match found {
        Some(template) => (template, true),
        None => (escape(value), false),
    }
}

/// Whether a value is where the system's server of this kind has its unix socket
/// (`/var/run/postgresql`, `/run/postgresql/`).
fn is_socket_of(value: &str, store: Store) -> bool {
    let value = value.trim_end_matches('/');
    store.detect().sockets.iter().any(|s| s.trim_end_matches('/') == value)
}

/// Whether a variable's name says what its value is: a bare `5432` is a port only in `PGPORT`
/// or `DB_PORT`, a bare `postgres` a host only in `DB_HOST` (`DB=postgres` picks a backend,
/// `ALLOWED_HOSTS=localhost` is the application's).
fn says(name: &str, words: &[&str]) -> bool {
    let upper = name.to_ascii_uppercase();
    words.iter().any(|w| upper.ends_with(w))
}

fn is_host(text: &str) -> bool {
    !text.is_empty()
        && text.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | '[' | ']'))
}

/// The server `host` (and `port`) points at: a service's name, or this machine with the
/// server's port, or this machine and a variable naming one server (`PGHOST`, `REDIS_HOST`)
/// or a database when one server holds databases (`DB_HOST`).
fn target_at<'a, 'b>(name: &str, host: &str, port: Option<u16>, targets: &'a [Target<'b>]) -> Option<&'a Target<'b>> {
    let port_fits = |t: &Target| port.is_none_or(|p| t.ports.contains(&p));
    if let Some(t) = targets.iter().find(|t| t.is_named(host)) {
        return port_fits(t).then_some(t);
    }
    if !is_loopback(host) {
        return None;
    }
    if let Some(p) = port {
        return targets.iter().find(|t| t.ports.contains(&p));
    }
    match Store::named_in(name) {
        Some(store) => targets.iter().find(|t| t.store == store),
        None => {
            let upper = name.to_ascii_uppercase();
            let about_a_database = upper.split('_').any(|w| matches!(w, "DB" | "DATABASE"));
            let mut with_databases = targets.iter().filter(|t| t.store.has_databases());
            match (about_a_database, with_databases.next(), with_databases.next()) {
                (true, Some(t), None) => Some(t),
                _ => None,
            }
        }
    }
}

/// A server's URL: devup's own URL for the server when it says the same (the same scheme,
/// user and database; a password its servers do not ask for), else CI's URL with devup's host
/// and port in it.
fn url_template(url: &Url, targets: &[Target]) -> Option<String> {
    let store = Store::of_scheme(url.scheme)?;
    let port = url.port.map(|p| p.parse::<u16>().ok()).unwrap_or(Some(store.default_port()))?;
    let t = targets.iter().filter(|t| t.store == store).find(|t| t.reached_at(url.host, port))?;
    // devup's URL, its port (chosen when devup runs) aside.
    let ours = t.recipe.values.get("url").and_then(|u| t.recipe.render(u, t.params)).map(|u| u.replace("{port}", "1"));
    let same = ours.as_deref().and_then(Url::parse).is_some_and(|ours| {
        ours.scheme == url.scheme
            && (url.user.is_empty() || url.user == ours.user)
            && ours.path == url.path
            && ours.tail.is_empty()
            && url.tail.is_empty()
    });
    if same {
        return t.placeholder("url");
    }
    let userinfo = match (url.user, url.password) {
        ("", None) => String::new(),
        (user, None) => format!("{}@", escape(user)),
        (user, Some(password)) => format!("{}:{}@", escape(user), escape(password)),
    };
    let path = if url.path.is_empty() && !url.slash { String::new() } else { format!("/{}", escape(url.path)) };
    Some(format!(
        "{}://{userinfo}{}:{}{path}{}",
        url.scheme,
        t.placeholder("host")?,
        t.placeholder("port")?,
        escape(url.tail)
    ))
}

/// A libpq connection string (`host=localhost dbname=app_test`) reaching a server CI runs, as
/// its URL would (its host, or this machine and its port), with devup's host and port in it.
/// One without a host, which libpq takes to this machine, only when it says which server
/// (`port`, `dbname` or `user`) and the variable's name says it as a `PGHOST` or `DB_HOST`
/// would, or one of its values names the kind (`user=postgres`): a `user=... password=...`
/// alone may be another program's.
fn conninfo_template(name: &str, conninfo: &Conninfo, targets: &[Target]) -> Option<String> {
    let port = match conninfo.get("port") {
        Some(port) if is_port(port) => port.parse::<u16>().ok(),
        // Several hosts' ports (`5432,5433`), or none (libpq's default then).
        Some(_) => return None,
        None => None,
    };
    let host = conninfo.get("hostaddr").or_else(|| conninfo.get("host"));
    let about_a_server = || ["port", "dbname", "user"].iter().any(|k| conninfo.get(k).is_some());
    // The server a `PGHOST=localhost` or `DB_HOST=localhost` of this name would be.
    let named = target_at(name, LOOPBACK[0], None, targets).map(|t| t.name);
    let says_its_kind = |t: &Target| {
        named == Some(t.name)
            || conninfo.pairs.iter().any(|p| Store::from_name(&p.value).is_some_and(|(s, _)| s == t.store))
    };
    let t = targets.iter().filter(|t| t.store.detect().conninfo).find(|t| {
        let port = port.unwrap_or(t.store.default_port());
        match host {
            Some(host) => t.reached_at(host, port),
            None => t.ports.contains(&port) && about_a_server() && says_its_kind(t),
        }
    })?;
    Some(conninfo.with_server(&t.placeholder("host")?, &t.placeholder("port")?))
}

/// For each variable two declared datastores export, the second one's under a name of its own
/// (devup exports the first's), unless CI's variables set the name already.
fn second_exports(targets: &[Target], drafted: &[EnvEntry]) -> Vec<EnvEntry> {
    let mut out: Vec<EnvEntry> = Vec::new();
    let taken = |name: &str, out: &[EnvEntry]| {
        drafted.iter().chain(out).any(|e| e.name == name) || targets.iter().any(|t| t.recipe.env.contains_key(name))
    };
    for (i, second) in targets.iter().enumerate() {
        for var in second.recipe.env.keys() {
            let Some(first) = targets[..i].iter().find(|t| t.placeholder(var).is_some()) else { continue };
            // A second server of one kind: its URL under a name of its own, not every variable
            // of the kind again (`POSTGRES_5433_PGHOST`...); CI's own names come first anyway.
            if first.store == second.store && !var.ends_with("_URL") {
                continue;
            }
            let Some(placeholder) = second.placeholder(var) else { continue };
            if drafted.iter().any(|e| &e.name == var) {
                continue;
            }
            let name = crate::expand::distinct_name(second.name, var, &|n| taken(n, &out));
            if taken(&name, &out) {
                continue;
            }
            out.push(EnvEntry {
                file: String::new(),
                comments: vec![format!(
                    "{} and {} both export {var}: devup exports {}'s, declared first; this is {}'s",
                    first.name, second.name, first.name, second.name
                )],
                name,
                value: placeholder,
                disabled: None,
            });
        }
    }
    out
}

#[cfg(test)]
#[path = "variables_tests.rs"]
mod tests;
