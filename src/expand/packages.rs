//! `[packages]`: system packages by logical name, all in one step so that everything missing is
//! installed by one package-manager call.
//!
//! `git = "*"` uses the name as it is on every manager; `libpq = { apt = "libpq-dev", ... }`
//! names it per manager; a recipe `recipes/packages/<name>.toml` may hold those names, so that
//! `libpq = "*"` is enough. A version constraint may come as the value or as `version`.

use super::Inputs;
use crate::diagnostic::Diagnostic;
use crate::facts::Facts;
use crate::manifest::{Entry, EntryValue, Manifest};
use crate::packages;
use crate::recipe::library::Library;
use crate::recipe::template::Vars;
use crate::resources;
use crate::step::Step;
use crate::version::Constraint;

pub fn step(
    manifest: &Manifest,
    library: &Library,
    facts: &Facts,
    inputs: &Inputs,
) -> Result<Option<Step>, Diagnostic> {
    let entries: Vec<&Entry> =
        manifest.entries.iter().filter(|e| e.section == crate::manifest::Section::Packages).collect();
    if entries.is_empty() {
        return Ok(None);
    }
    let managers: Vec<&str> = packages::managers().iter().map(|m| m.name()).collect();
    let mut list = Vec::new();
    for entry in &entries {
        let error = |span: std::ops::Range<usize>, message: String| manifest.source.error(span, message);
        if !packages::valid_name(&entry.name) {
            return Err(error(entry.name_span.clone(), format!("`{}` is not a package name", entry.name))
                .with_hint("use the name a package manager knows, such as libpq-dev"));
        }
        let mut spec = toml::Table::new();
        spec.insert("name".into(), entry.name.clone().into());
        if let Some(recipe) = library.get(entry.section, &entry.name)? {
            for (manager, name) in &recipe.names {
                spec.insert(manager.clone(), name.clone().into());
            }
        }
        match &entry.value {
            EntryValue::Short { value, span } => {
                Constraint::parse(value).map_err(|e| {
                    error(span.clone(), format!("`{value}` is not a version constraint: {e}"))
                        .with_hint("write \"*\" for any version")
                })?;
                spec.insert("version".into(), value.clone().into());
            }
            EntryValue::Table(params) => {
                for param in params {
                    let known = param.name == "version" || managers.contains(&param.name.as_str());
                    if !known {
                        let mut names = managers.clone();
                        names.push("version");
                        let d = error(param.name_span.clone(), format!("`{}` is not a package manager", param.name))
                            .suggest(&param.name, names.iter().copied());
                        let hint =
                            format!("name the package per manager ({}), or give its `version`", managers.join(", "));
                        return Err(if d.hint.is_some() { d } else { d.with_hint(hint) });
                    }
                    let toml::Value::String(text) = &param.value else {
                        return Err(error(
                            param.span.clone(),
                            format!("expected a string, found {}", param.value.type_str()),
                        )
                        .with_hint(format!("write {} = \"...\"", param.name)));
                    };
                    if param.name == "version" {
                        Constraint::parse(text).map_err(|e| {
                            error(param.span.clone(), format!("`{text}` is not a version constraint: {e}"))
                                .with_hint("write a constraint such as \"15\" or \">=2.30\", or \"*\" for any version")
                        })?;
                    } else if !packages::valid_name(text) {
                        return Err(error(param.span.clone(), format!("`{text}` is not a package name"))
                            .with_hint("use the name the package manager knows, such as libpq-dev"));
                    }
                    spec.insert(param.name.clone(), text.clone().into());
                }
            }
        }
        list.push(toml::Value::Table(spec));
    }
    let mut args = toml::Table::new();
    args.insert("packages".into(), toml::Value::Array(list));
    let vars = Vars::default();
    let resource = resources::build("package", args, &inputs.build_cx(&manifest.dir, facts, &vars))
        .map_err(|e| manifest.source.error(entries[0].name_span.clone(), format!("[packages]: {e}")))?;
    Ok(Some(Step { id: "packages".into(), requires: Vec::new(), resource, description: None, from_project: false }))
}
