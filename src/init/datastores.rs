//! The `[datastores]` entries of a draft: hints for the same server from several files (a
//! compose file, CI services, `database.yml`) merged into one entry. The first file to give a
//! version wins (detectors run development setups first), databases are the union, and what
//! the recipe cannot take is said in a comment.

use super::draft::{Draft, Entry, Value, dedup};
use super::hints::Datastore;
use super::known::Known;
use super::store::Store;
use crate::manifest::Section;

pub fn draft(draft: &mut Draft, hints: &[Datastore], known: &Known) {
    for store in Store::ALL {
        let strong: Vec<&Datastore> = hints.iter().filter(|h| h.store == store && !h.weak).collect();
        let weak: Vec<&Datastore> = hints.iter().filter(|h| h.store == store && h.weak).collect();
        let name = store.recipe();
        let entry_name = format!("datastores.{name}");
        let recipe = known.get(Section::Datastores, name);
        let mut comments = Vec::new();
        let mut disabled = None;
        let sources = if strong.is_empty() {
            let Some(first) = weak.first() else {
                continue;
            };
            let reason = format!(
                "a weak hint: {} ({}) suggests the tests use it; uncomment this if they do",
                first.file, first.origin
            );
            draft.find(&first.file, &entry_name, "commented out, a weak hint");
            disabled = Some(reason);
            vec![*first]
        } else {
            strong
        };
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
        let mut seen: Vec<&str> = Vec::new();
        for setting in sources.iter().flat_map(|h| &h.settings) {
            if seen.contains(&setting.param) {
                continue;
            }
            seen.push(setting.param);
            match &setting.value {
                Some(value) if recipe.is_some_and(|r| r.takes(setting.param, value)) => {
                    params.push((setting.param.to_string(), value.clone()))
                }
                _ => unset.push(setting.text.clone()),
            }
        }
        if !unset.is_empty() {
            comments.push(format!("devup cannot set these yet: {}", unset.join(", ")));
        }
        if recipe.is_none() && disabled.is_none() {
            disabled = Some(format!("devup has no `datastores/{name}` recipe yet"));
        }
        draft.datastores.push(Entry {
            name: name.to_string(),
            value: Value::Table(params),
            comments: dedup(comments),
            disabled,
        });
    }
}
