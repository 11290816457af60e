//! The `[datastores]` entries of a draft: hints for the same server from several files (a
//! compose file, CI services, `database.yml`) merged into one entry. The first file to give a
//! version wins (detectors run development setups first), databases are the union, and what
//! the recipe cannot take is said in a comment. Servers of one kind on different published
//! ports (a postgres on 5432 and another on 5433) are entries of their own: the second is named
//! by its port and names its recipe (`postgres-5433 = { recipe = "postgres", port = 5433 }`).

use super::draft::{Draft, Entry, Value, dedup};
use super::hints::{Datastore, Setting};
use super::known::Known;
use super::store::Store;
use crate::manifest::Section;

pub fn draft(draft: &mut Draft, hints: &[Datastore], known: &Known) {
    for store in Store::all() {
        let strong: Vec<&Datastore> = hints.iter().filter(|h| h.store == store && !h.weak).collect();
        let weak: Vec<&Datastore> = hints.iter().filter(|h| h.store == store && h.weak).collect();
        if strong.is_empty() {
            let Some(first) = weak.first() else {
                continue;
            };
            let reason = format!(
                "a weak hint: {} ({}) suggests the tests use it; uncomment this if they do",
                first.file, first.origin
            );
            draft.find(&first.file, format!("datastores.{}", store.recipe()), "commented out, a weak hint");
            entry(draft, known, store, store.recipe().to_string(), vec![*first], Some(reason));
            continue;
        }
        for (n, (port, sources)) in servers(strong).into_iter().enumerate() {
            let name = match (n, port) {
                (0, _) => store.recipe().to_string(),
                (_, Some(port)) => format!("{}-{port}", store.recipe()),
                (_, None) => format!("{}-{}", store.recipe(), n + 1),
            };
            entry(draft, known, store, name, sources, None);
        }
    }
}

/// The servers the hints describe: one per published port, so that a suite reaching one
/// postgres on 5432 and another on 5433 gets both. A hint without a port is the first server's,
/// unless its own file already described that one (then it is another server of that file).
fn servers(hints: Vec<&Datastore>) -> Vec<(Option<i64>, Vec<&Datastore>)> {
    let port = |h: &Datastore| {
        h.settings.iter().find(|s| s.param == "port").and_then(|s| s.value.as_ref()).and_then(|v| v.as_integer())
    };
    let mut servers: Vec<(Option<i64>, Vec<&Datastore>)> = Vec::new();
    for hint in hints {
        let from_same_file = |group: &Vec<&Datastore>| group.iter().any(|h| h.file == hint.file);
        let found = match port(hint) {
            Some(p) => servers
                .iter()
                .position(|(q, _)| *q == Some(p))
                .or_else(|| servers.iter().position(|(q, g)| q.is_none() && !from_same_file(g))),
            None => servers.iter().position(|(_, g)| !from_same_file(g)),
        };
        match found {
            Some(i) => {
                servers[i].0 = servers[i].0.or(port(hint));
                servers[i].1.push(hint);
            }
            None => servers.push((port(hint), vec![hint])),
        }
    }
    servers
}

/// One entry from the hints for one server.
fn entry(
    draft: &mut Draft,
    known: &Known,
    store: Store,
    name: String,
    sources: Vec<&Datastore>,
    mut disabled: Option<String>,
) {
    let recipe_name = store.recipe();
    let entry_name = format!("datastores.{name}");
    let recipe = known.get(Section::Datastores, recipe_name);
    let mut comments = Vec::new();
    let version = sources.iter().find_map(|h| h.version.clone());
    let mut databases: Vec<String> = Vec::new();
    for hint in &sources {
        let mut line = format!("{}: {}", hint.file, hint.origin);
        match (&hint.version, &version) {
            (Some(v), Some(chosen)) if v != chosen => line.push_str(&format!(", version {v}")),
            _ => {}
        }
        comments.push(line);
        comments.extend(hint.notes.iter().cloned());
        for db in &hint.databases {
            if !databases.contains(db) {
                databases.push(db.clone());
            }
        }
        if disabled.is_none() {
            let why = match &hint.version {
                Some(v) => format!("{}, version {v}", hint.origin),
                None => hint.origin.clone(),
            };
            draft.find(&hint.file, &entry_name, why);
        }
    }
    let mut params: Vec<(String, toml::Value)> = Vec::new();
    if name != recipe_name {
        params.push((crate::manifest::RECIPE_KEY.to_string(), toml::Value::String(recipe_name.to_string())));
    }
    let mut unset: Vec<String> = Vec::new();
    let takes = |param: &str, value: &toml::Value| recipe.is_none_or(|r| r.takes(param, value));
    match &version {
        Some(v) => params.push(("version".into(), toml::Value::String(v.clone()))),
        None if recipe.is_some_and(|r| r.required("version")) => {
            params.push(("version".into(), toml::Value::String("*".into())))
        }
        None => comments.push("no version given: any will do".into()),
    }
    if !databases.is_empty() {
        let list = toml::Value::Array(databases.iter().cloned().map(toml::Value::String).collect());
        if takes("databases", &list) {
            params.push(("databases".into(), list));
        } else {
            unset.push(format!("databases {}", databases.join(", ")));
        }
    }
    for (param, value, text) in merged(sources.iter().flat_map(|h| &h.settings)) {
        match value {
            Some(value) if recipe.is_some_and(|r| r.takes(param, &value)) => params.push((param.to_string(), value)),
            Some(value) => unset.push(describe(param, &value).unwrap_or(text)),
            None => unset.push(text),
        }
    }
    if !unset.is_empty() {
        comments.push(format!("devup cannot set these yet: {}", unset.join(", ")));
    }
    if recipe.is_none() && disabled.is_none() {
        disabled = Some(format!("devup has no `datastores/{recipe_name}` recipe yet"));
    }
    draft.datastores.push(Entry { name, value: Value::Table(params), comments: dedup(comments), disabled });
}

/// The settings of every source as one value per parameter: lists of accounts joined (the
/// first of a name wins), tables of settings joined (the first value of a key wins), any
/// other value the first one's. A setting with no value to copy is kept for its text.
fn merged<'a>(settings: impl Iterator<Item = &'a Setting>) -> Vec<(&'static str, Option<toml::Value>, String)> {
    let mut out: Vec<(&'static str, Option<toml::Value>, String)> = Vec::new();
    for setting in settings {
        let found = out.iter_mut().find(|(p, _, _)| *p == setting.param);
        let (Some((_, Some(old), _)), Some(value)) = (found, &setting.value) else {
            if !out.iter().any(|(p, _, _)| *p == setting.param) {
                out.push((setting.param, setting.value.clone(), setting.text.clone()));
            }
            continue;
        };
        match (old, value) {
            (toml::Value::Array(old), toml::Value::Array(new)) => {
                for item in new {
                    let name = |v: &toml::Value| v.get("name").cloned();
                    let known = old.iter().any(|o| o == item || (name(o).is_some() && name(o) == name(item)));
                    if !known {
                        old.push(item.clone());
                    }
                }
            }
            (toml::Value::Table(old), toml::Value::Table(new)) => {
                for (key, v) in new {
                    old.entry(key.clone()).or_insert_with(|| v.clone());
                }
            }
            _ => {}
        }
    }
    out
}

/// A joined value the recipe cannot take, as a comment: `settings wal_level = logical`,
/// `roles app, reporting`; `None` for a single value, which its own text describes.
fn describe(param: &str, value: &toml::Value) -> Option<String> {
    match value {
        toml::Value::Table(t) => {
            let items: Vec<String> =
                t.iter().map(|(k, v)| format!("{k} = {}", v.as_str().unwrap_or_default())).collect();
            Some(format!("{param} {}", items.join(", ")))
        }
        toml::Value::Array(items) if items.iter().all(toml::Value::is_table) => {
            let names: Vec<&str> = items.iter().filter_map(|i| i.get("name")?.as_str()).collect();
            Some(format!("{param} {}", names.join(", ")))
        }
        _ => None,
    }
}
