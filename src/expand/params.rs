//! An entry's parameters: the recipe's defaults, overridden by what devup.toml says, each value
//! checked against the parameter's declared type. Errors point into devup.toml.

use std::ops::Range;
use std::path::Path;

use crate::diagnostic::{Diagnostic, Source};
use crate::manifest::{Entry, EntryValue};
use std::collections::BTreeMap;

use crate::recipe::template::{Records, Value, Vars};
use crate::recipe::{ParamSpec, ParamType, Recipe};
use crate::version::Constraint;

/// The entry key that reads a recipe's version from a file: `python = { from = ".python-version" }`.
pub const FROM: &str = "from";

/// Fills `vars` with every parameter of `recipe` for `entry`.
pub fn fill(
    vars: &mut Vars,
    source: &Source,
    entry: &Entry,
    recipe: &Recipe,
    project_dir: &Path,
) -> Result<(), Diagnostic> {
    for (name, spec) in &recipe.params {
        if let Some(default) = &spec.default {
            store(vars, spec, name, default).map_err(|e| {
                Diagnostic::in_file(recipe.source.name.clone(), format!("default of parameter `{name}`: {e}"))
            })?;
        }
    }
    let mut given: Vec<&str> = Vec::new();
    match &entry.value {
        EntryValue::Short { value, span } => {
            let Some(short) = &recipe.shorthand else {
                let names: Vec<&str> = recipe.params.keys().map(String::as_str).collect();
                return Err(source
                    .error(span.clone(), format!("`{}` takes a table of parameters, not a string", entry.name))
                    .with_hint(format!("write {} = {{ ... }} with: {}", entry.name, names.join(", "))));
            };
            set(vars, source, &recipe.params[short], short, &toml::Value::String(value.clone()), span)?;
            given.push(short);
        }
        EntryValue::Table(params) => {
            for param in params {
                if param.name == FROM
                    && let Some(short) = version_shorthand(recipe)
                {
                    let version = from_file(source, recipe, param, project_dir)?;
                    set(vars, source, &recipe.params[short], short, &toml::Value::String(version), &param.span)?;
                    given.push(short);
                    continue;
                }
                let Some(spec) = recipe.params.get(&param.name) else {
                    let names: Vec<&str> = recipe.params.keys().map(String::as_str).collect();
                    let message = format!("`{}` has no parameter `{}`", entry.name, param.name);
                    let hint = if names.is_empty() {
                        "it takes none".to_string()
                    } else {
                        format!("its parameters: {}", names.join(", "))
                    };
                    let d = source.error(param.name_span.clone(), message).suggest(&param.name, names.iter().copied());
                    return Err(if d.hint.is_some() { d } else { d.with_hint(hint) });
                };
                set(vars, source, spec, &param.name, &param.value, &param.span)?;
                given.push(&param.name);
            }
        }
    }
    for (name, spec) in &recipe.params {
        if spec.kind == ParamType::Version
            && let Some(Value::Text(text)) = vars.get(name)
            && let Ok(constraint) = Constraint::parse_as(spec.syntax, text)
        {
            let request = match (constraint.request(), &spec.latest) {
                (request, Some(word)) if request == "latest" => word.clone(),
                (request, _) => request,
            };
            vars.set_text(format!("{name}.request"), request);
            // What a step reads `{NAME}` in (`resources::constraint`).
            vars.set_text(format!("{name}.syntax"), spec.syntax.name());
        }
        if let Some(Value::List(items)) = vars.get(name) {
            let (first, lines) = (items.first().cloned().unwrap_or_default(), items.join("\n"));
            vars.set_text(format!("{name}.first"), first);
            vars.set_text(format!("{name}.lines"), lines);
        }
        if spec.required && !given.contains(&name.as_str()) {
            return Err(source
                .error(entry.name_span.clone(), format!("`{}` needs the parameter `{name}`", entry.name))
                .with_hint(format!("{name}: {}", if spec.doc.is_empty() { spec.kind.describe() } else { &spec.doc })));
        }
    }
    Ok(())
}

/// The recipe's shorthand parameter, when it is a version (only then does `from` apply).
fn version_shorthand(recipe: &Recipe) -> Option<&str> {
    let short = recipe.shorthand.as_deref()?;
    (recipe.params.get(short)?.kind == ParamType::Version).then_some(short)
}

fn from_file(
    source: &Source,
    recipe: &Recipe,
    param: &crate::manifest::Param,
    project_dir: &Path,
) -> Result<String, Diagnostic> {
    let toml::Value::String(file) = &param.value else {
        return Err(source
            .error(param.span.clone(), format!("expected a file name, found {}", param.value.type_str()))
            .with_hint("write from = \".python-version\" (or .nvmrc, .tool-versions, go.mod...)"));
    };
    let path = crate::resources::paths::normalize(&project_dir.join(file));
    if !path.starts_with(project_dir) {
        return Err(source
            .error(param.span.clone(), format!("`{file}` is outside the project"))
            .with_hint("name a file in the project"));
    }
    let names: Vec<&str> = recipe.aliases.iter().map(String::as_str).chain([recipe.name.as_str()]).collect();
    let syntax = version_shorthand(recipe).map_or_else(Default::default, |short| recipe.params[short].syntax);
    crate::version_file::read(&path, &names, syntax).map_err(|e| {
        let example = match syntax {
            crate::version::Syntax::Devup => "version = \"3.11\"".to_string(),
            other => format!("{}: {}", other.what(), other.examples()),
        };
        source.error(param.span.clone(), e).with_hint(format!("fix the file, or give the version itself: {example}"))
    })
}

fn set(
    vars: &mut Vars,
    source: &Source,
    spec: &ParamSpec,
    name: &str,
    value: &toml::Value,
    span: &Range<usize>,
) -> Result<(), Diagnostic> {
    store(vars, spec, name, value).map_err(|e| {
        let hint = if spec.kind == ParamType::Version && !spec.syntax.is_default() {
            format!("`{name}`: {}", spec.syntax.hint())
        } else if spec.doc.is_empty() {
            format!("`{name}` takes {}", spec.kind.describe())
        } else {
            format!("`{name}`: {}", spec.doc)
        };
        source.error(span.clone(), e).with_hint(hint)
    })
}

/// Converts a value and keeps it in `vars`: records for a list of tables, else a value.
fn store(vars: &mut Vars, spec: &ParamSpec, name: &str, value: &toml::Value) -> Result<(), String> {
    if spec.kind == ParamType::Tables {
        let records = records(spec, value)?;
        // `{NAME.first.FIELD}`: the first item's fields, empty without one.
        for field in spec.fields.iter().flat_map(|f| f.keys()) {
            let first = records.first().and_then(|r| r.get(field)).cloned().unwrap_or_default();
            vars.set_text(format!("{name}.first.{field}"), first);
        }
        vars.set_records(name, records);
    } else {
        vars.set(name, convert(spec, value)?);
    }
    Ok(())
}

/// A list of tables, each checked against the parameter's `fields`; missing fields take their
/// defaults, and every value becomes text for `{item.FIELD}`.
fn records(spec: &ParamSpec, value: &toml::Value) -> Result<Records, String> {
    let toml::Value::Array(items) = value else {
        return Err(format!("expected {}, found {}", spec.kind.describe(), value.type_str()));
    };
    let empty = BTreeMap::new();
    let fields = spec.fields.as_ref().unwrap_or(&empty);
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let toml::Value::Table(table) = item else {
            return Err(format!("item {} is {}, not a table", i + 1, item.type_str()));
        };
        let mut record = BTreeMap::new();
        for (key, value) in table {
            let Some(field) = fields.get(key) else {
                let names: Vec<&str> = fields.keys().map(String::as_str).collect();
                let close = crate::diagnostic::closest(key, names.iter().copied())
                    .map(|n| format!(" (did you mean `{n}`?)"))
                    .unwrap_or_default();
                return Err(format!("item {}: unknown field `{key}`{close}; fields: {}", i + 1, names.join(", ")));
            };
            match convert(field, value).map_err(|e| format!("item {}, `{key}`: {e}", i + 1))? {
                Value::Text(text) => record.insert(key.clone(), text),
                Value::List(_) => return Err(format!("item {}, `{key}`: lists are not allowed here", i + 1)),
            };
        }
        for (key, field) in fields {
            if record.contains_key(key) {
                continue;
            }
            match &field.default {
                Some(default) => {
                    if let Value::Text(text) = convert(field, default)? {
                        record.insert(key.clone(), text);
                    }
                }
                None if field.required => return Err(format!("item {} needs `{key}`", i + 1)),
                None => {
                    record.insert(key.clone(), String::new());
                }
            }
        }
        out.push(record);
    }
    Ok(out)
}

/// Checks a value against a parameter type and turns it into a template value.
fn convert(spec: &ParamSpec, value: &toml::Value) -> Result<Value, String> {
    let converted = convert_type(spec, value)?;
    if let Value::Text(text) = &converted
        && !spec.choices.is_empty()
        && !spec.choices.contains(text)
    {
        let close = crate::diagnostic::closest(text, spec.choices.iter().map(String::as_str))
            .map(|c| format!(" (did you mean `{c}`?)"))
            .unwrap_or_default();
        return Err(format!("`{}` is not one of: {}{close}", text.escape_debug(), spec.choices.join(", ")));
    }
    if spec.identifier {
        let items = match &converted {
            Value::Text(s) => std::slice::from_ref(s),
            Value::List(items) => items.as_slice(),
        };
        if let Some(bad) = items.iter().find(|s| !is_identifier(s)) {
            return Err(format!(
                "`{}` is not a plain name: use letters, digits, `_` and `-` (at most 63)",
                bad.escape_debug()
            ));
        }
    }
    Ok(converted)
}

fn is_identifier(name: &str) -> bool {
    !name.is_empty() && name.len() <= 63 && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn convert_type(spec: &ParamSpec, value: &toml::Value) -> Result<Value, String> {
    let wrong = || format!("expected {}, found {}", spec.kind.describe(), value.type_str());
    match (spec.kind, value) {
        (ParamType::String | ParamType::Path, toml::Value::String(s)) => Ok(Value::Text(s.clone())),
        (ParamType::Version, toml::Value::String(s)) => {
            Constraint::parse_as(spec.syntax, s).map_err(|e| format!("`{s}` is not {}: {e}", spec.syntax.what()))?;
            Ok(Value::Text(s.clone()))
        }
        (ParamType::Version, toml::Value::Integer(i)) => Ok(Value::Text(i.to_string())),
        (ParamType::Bool, toml::Value::Boolean(b)) => Ok(Value::Text(b.to_string())),
        (ParamType::Integer, toml::Value::Integer(i)) => Ok(Value::Text(i.to_string())),
        (ParamType::Port, toml::Value::Integer(i)) if (0..=65535).contains(i) => Ok(Value::Text(i.to_string())),
        (ParamType::Port, toml::Value::Integer(i)) => {
            Err(format!("{i} is not a port number (1 to 65535, or 0 to let devup choose)"))
        }
        (ParamType::Table, toml::Value::Table(table)) => {
            let line = spec.line.as_deref().unwrap_or("{key} = {value}");
            let mut lines = Vec::new();
            for (key, value) in table {
                let text = match value {
                    toml::Value::String(s) => s.clone(),
                    toml::Value::Integer(i) => i.to_string(),
                    toml::Value::Boolean(b) => b.to_string(),
                    toml::Value::Float(f) => f.to_string(),
                    other => return Err(format!("`{key}` must be a string, found {}", other.type_str())),
                };
                let valid_key =
                    !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
                if !valid_key || text.contains(['\n', '\r', '\0']) {
                    return Err(format!("`{key} = {text:?}` cannot be written as one setting line"));
                }
                let mut entry = Vars::default();
                entry.set_text("key", key.clone());
                entry.set_text("value", text.clone());
                entry.set_text("value.sql", format!("'{}'", text.replace('\'', "''")));
                lines.push(entry.text(line)?);
            }
            Ok(Value::Text(lines.join("\n")))
        }
        (ParamType::List, toml::Value::Array(items)) => items
            .iter()
            .map(|item| match item {
                toml::Value::String(s) => Ok(s.clone()),
                other => Err(format!("expected a list of strings, found a list holding {}", other.type_str())),
            })
            .collect::<Result<_, _>>()
            .map(Value::List),
        _ => Err(wrong()),
    }
}

/// Whether a parameter counts as set, for `only_if`.
pub fn is_set(vars: &Vars, name: &str) -> bool {
    match vars.get(name) {
        Some(Value::Text(s)) => !s.is_empty() && s != "false",
        Some(Value::List(items)) => !items.is_empty(),
        None => vars.records(name).is_some_and(|r| !r.is_empty()),
    }
}
