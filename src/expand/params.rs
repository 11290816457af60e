//! An entry's parameters: the recipe's defaults, overridden by what devup.toml says, each value
//! checked against the parameter's declared type. Errors point into devup.toml.

use std::ops::Range;

use crate::diagnostic::{Diagnostic, Source};
use crate::manifest::{Entry, EntryValue};
use crate::recipe::template::{Value, Vars};
use crate::recipe::{ParamSpec, ParamType, Recipe};
use crate::version::Constraint;

/// Fills `vars` with every parameter of `recipe` for `entry`.
pub fn fill(
    vars: &mut Vars,
    source: &Source,
    entry: &Entry,
    recipe: &Recipe,
) -> Result<(), Diagnostic> {
    for (name, spec) in &recipe.params {
        if let Some(default) = &spec.default {
            let value = convert(spec, default).map_err(|e| {
                Diagnostic::in_file(
                    recipe.source.name.clone(),
                    format!("default of parameter `{name}`: {e}"),
                )
            })?;
            vars.set(name.clone(), value);
        }
    }
    let mut given: Vec<&str> = Vec::new();
    match &entry.value {
        EntryValue::Short { value, span } => {
            let Some(short) = &recipe.shorthand else {
                let names: Vec<&str> = recipe.params.keys().map(String::as_str).collect();
                return Err(source
                    .error(
                        span.clone(),
                        format!("`{}` takes a table of parameters, not a string", entry.name),
                    )
                    .with_hint(format!(
                        "write {} = {{ ... }} with: {}",
                        entry.name,
                        names.join(", ")
                    )));
            };
            set(
                vars,
                source,
                &recipe.params[short],
                short,
                &toml::Value::String(value.clone()),
                span,
            )?;
            given.push(short);
        }
        EntryValue::Table(params) => {
            for param in params {
                let Some(spec) = recipe.params.get(&param.name) else {
                    let names: Vec<&str> = recipe.params.keys().map(String::as_str).collect();
                    let message = format!("`{}` has no parameter `{}`", entry.name, param.name);
                    let hint = if names.is_empty() {
                        "it takes none".to_string()
                    } else {
                        format!("its parameters: {}", names.join(", "))
                    };
                    let d = source
                        .error(param.name_span.clone(), message)
                        .suggest(&param.name, names.iter().copied());
                    return Err(if d.hint.is_some() {
                        d
                    } else {
                        d.with_hint(hint)
                    });
                };
                set(vars, source, spec, &param.name, &param.value, &param.span)?;
                given.push(&param.name);
            }
        }
    }
    for (name, spec) in &recipe.params {
        if spec.required && !given.contains(&name.as_str()) {
            return Err(source
                .error(
                    entry.name_span.clone(),
                    format!("`{}` needs the parameter `{name}`", entry.name),
                )
                .with_hint(format!(
                    "{name}: {}",
                    if spec.doc.is_empty() {
                        spec.kind.describe()
                    } else {
                        &spec.doc
                    }
                )));
        }
    }
    Ok(())
}

fn set(
    vars: &mut Vars,
    source: &Source,
    spec: &ParamSpec,
    name: &str,
    value: &toml::Value,
    span: &Range<usize>,
) -> Result<(), Diagnostic> {
    let converted = convert(spec, value).map_err(|e| {
        let hint = if spec.doc.is_empty() {
            format!("`{name}` takes {}", spec.kind.describe())
        } else {
            format!("`{name}`: {}", spec.doc)
        };
        source.error(span.clone(), e).with_hint(hint)
    })?;
    vars.set(name, converted);
    Ok(())
}

/// Checks a value against a parameter type and turns it into a template value.
fn convert(spec: &ParamSpec, value: &toml::Value) -> Result<Value, String> {
    let wrong = || {
        format!(
            "expected {}, found {}",
            spec.kind.describe(),
            value.type_str()
        )
    };
    match (spec.kind, value) {
        (ParamType::String | ParamType::Path, toml::Value::String(s)) => Ok(Value::Text(s.clone())),
        (ParamType::Version, toml::Value::String(s)) => {
            Constraint::parse(s).map_err(|e| format!("`{s}` is not a version constraint: {e}"))?;
            Ok(Value::Text(s.clone()))
        }
        (ParamType::Version, toml::Value::Integer(i)) => Ok(Value::Text(i.to_string())),
        (ParamType::Bool, toml::Value::Boolean(b)) => Ok(Value::Text(b.to_string())),
        (ParamType::Integer, toml::Value::Integer(i)) => Ok(Value::Text(i.to_string())),
        (ParamType::List, toml::Value::Array(items)) => items
            .iter()
            .map(|item| match item {
                toml::Value::String(s) => Ok(s.clone()),
                other => Err(format!(
                    "expected a list of strings, found a list holding {}",
                    other.type_str()
                )),
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
        None => false,
    }
}
