//! A recipe as a person reads it: its parameters in the order they are declared, with their
//! types, defaults, choices and docs; its environment; its steps, each in a few words. A plain
//! value, shown by `devup recipes NAME` (text or JSON) and in the reference of
//! `docs/recipes.md`.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Origin, ParamSpec, ParamType, Recipe, RecipeStep};
use crate::manifest::Section;

#[derive(Debug, Clone, Serialize)]
pub struct Info {
    pub section: Section,
    pub name: String,
    pub description: String,
    #[serde(flatten)]
    pub origin: Origin,
    /// The parameter `name = "value"` sets.
    pub shorthand: Option<String>,
    pub aliases: Vec<String>,
    pub params: Vec<Param>,
    pub env: BTreeMap<String, String>,
    pub path: Vec<String>,
    /// For `[packages]` recipes: the package's name per package manager.
    pub names: BTreeMap<String, String>,
    /// For `[packages]` recipes: managers on which nothing is installed, and why.
    pub provided: BTreeMap<String, String>,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Param {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub required: bool,
    pub default: Option<toml::Value>,
    pub choices: Vec<String>,
    /// Values that make the entry use another recipe of its section.
    pub variants: BTreeMap<String, String>,
    pub doc: String,
    pub secret: bool,
    /// Each value must be a plain name (letters, digits, `_`, `-`).
    pub identifier: bool,
    /// For a port: the one used when it is free.
    pub preferred: Option<u16>,
    /// For a version: the syntax it is written in, when not devup's own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub syntax: Option<crate::version::Syntax>,
    /// For a list of tables: the fields of each.
    pub fields: Vec<Param>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub id: String,
    pub kind: String,
    /// The step's description, or a few words from its arguments.
    pub summary: String,
    pub requires: Vec<String>,
    /// Facts (or `param.NAME`) that must hold; a list means any of them.
    pub when: BTreeMap<String, Vec<String>>,
    pub only_if: Option<String>,
    pub for_each: Option<String>,
}

impl Info {
    pub fn of(recipe: &Recipe) -> Info {
        Info {
            section: recipe.section,
            name: recipe.name.clone(),
            description: recipe.description.clone(),
            origin: recipe.origin.clone(),
            shorthand: recipe.shorthand.clone(),
            aliases: recipe.aliases.clone(),
            params: params(&recipe.params, &recipe.source.text),
            env: recipe.env.clone(),
            path: recipe.path.clone(),
            names: recipe.names.clone(),
            provided: recipe.provided.clone(),
            steps: recipe.steps.iter().map(step).collect(),
        }
    }

    /// `datastores/postgres`.
    pub fn key(&self) -> String {
        format!("{}/{}", self.section.key(), self.name)
    }
}

/// Parameters in the order the recipe declares them (`[params.NAME]` headers), which is the
/// order its author explains them in; any other after them, by name.
fn params(specs: &BTreeMap<String, ParamSpec>, text: &str) -> Vec<Param> {
    let mut list: Vec<(usize, Param)> = specs
        .iter()
        .map(|(name, spec)| {
            let at = text.find(&format!("[params.{name}]")).unwrap_or(usize::MAX);
            (at, param(name, spec, text))
        })
        .collect();
    list.sort_by_key(|(at, _)| *at);
    list.into_iter().map(|(_, p)| p).collect()
}

fn param(name: &str, spec: &ParamSpec, text: &str) -> Param {
    Param {
        name: name.to_string(),
        kind: spec.kind.name(),
        required: spec.required,
        default: spec.default.clone(),
        choices: spec.choices.clone(),
        variants: spec.variants.clone(),
        doc: spec.doc.clone(),
        secret: spec.secret,
        identifier: spec.identifier,
        preferred: spec.preferred,
        syntax: (!spec.syntax.is_default()).then_some(spec.syntax),
        fields: spec.fields.as_ref().map(|f| fields(name, f, text)).unwrap_or_default(),
    }
}

/// A list of tables' fields, in the order of their `[params.NAME.fields.FIELD]` headers.
fn fields(parent: &str, specs: &BTreeMap<String, ParamSpec>, text: &str) -> Vec<Param> {
    let mut list: Vec<(usize, Param)> = specs
        .iter()
        .map(|(name, spec)| {
            let at = text.find(&format!("[params.{parent}.fields.{name}]")).unwrap_or(usize::MAX);
            (at, param(name, spec, text))
        })
        .collect();
    list.sort_by_key(|(at, _)| *at);
    list.into_iter().map(|(_, p)| p).collect()
}

fn step(step: &RecipeStep) -> Step {
    Step {
        id: step.id.clone(),
        kind: step.kind.clone(),
        summary: summary(step),
        requires: step.requires.clone(),
        when: step.when.iter().cloned().collect(),
        only_if: step.only_if.clone(),
        for_each: step.for_each.clone(),
    }
}

/// The step's description, else what its main arguments say, as the kind would put it.
fn summary(step: &RecipeStep) -> String {
    if let Some(description) = &step.description {
        return description.clone();
    }
    let arg = |key: &str| step.args.get(key).and_then(toml::Value::as_str).unwrap_or_default();
    match step.kind.as_str() {
        "binary" => {
            let mut text = format!("`{}` on PATH", arg("command"));
            if !arg("version").is_empty() {
                text.push_str(&format!(", version {}", arg("version")));
            }
            let ways: Vec<String> = step
                .args
                .get("install")
                .and_then(toml::Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|way| {
                    let text = |key: &str| way.get(key).and_then(toml::Value::as_str).map(str::to_string);
                    text("with")
                        .or_else(|| way.get("packages").map(|_| "the system's packages".to_string()))
                        .or_else(|| way.get("prebuilt").map(|_| "a prebuilt build".to_string()))
                })
                .collect();
            if !ways.is_empty() {
                text.push_str(&format!("; installed with {}", ways.join(", ")));
            }
            text
        }
        "package" => {
            let names: Vec<&str> = step
                .args
                .get("packages")
                .and_then(toml::Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|p| p.as_str().or_else(|| p.get("name").and_then(toml::Value::as_str)))
                .collect();
            format!("system packages: {}", names.join(", "))
        }
        "service" => format!("server `{}`, its data in {}", arg("name"), arg("data")),
        "system-service" => format!("the machine's `{}` service", arg("name")),
        "file" | "directory" => format!("{} {}", step.kind, arg("path")),
        "symlink" => format!("link {} → {}", arg("path"), arg("target")),
        "deps" => format!("runs `{}`", arg("run")),
        "command" => format!("checked by `{}`", arg("check")),
        _ => String::new(),
    }
}

impl ParamType {
    /// As recipes write it: `type = "version"`.
    pub fn name(self) -> &'static str {
        match self {
            ParamType::String => "string",
            ParamType::Version => "version",
            ParamType::Path => "path",
            ParamType::Bool => "bool",
            ParamType::Integer => "integer",
            ParamType::List => "list",
            ParamType::Table => "table",
            ParamType::Tables => "tables",
            ParamType::Port => "port",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Source;

    const RECIPE: &str = r#"
description = "A test tool"
shorthand = "version"

[params.version]
type = "version"
default = "*"
doc = "which version"

[params.accounts]
type = "tables"
default = []
doc = "accounts"

[params.accounts.fields.name]
type = "string"
required = true

[params.accounts.fields.admin]
type = "bool"
default = false

[params.mode]
type = "string"
default = "local"
choices = ["local", "shared"]

[env]
TOOL_HOME = "{project.dir}/tool"

[[step]]
id = "tool"
kind = "binary"
command = "tool"
version = "{version}"

[[step.install]]
with = "mise"
run = "mise install tool@{version.request}"

[[step.install]]
packages = { apt = ["tool"] }

[[step]]
id = "account"
kind = "command"
for_each = "accounts"
when = { os = "linux" }
check = "tool has {item.name}"
apply = "tool add {item.name}"
requires = ["tool"]
"#;

    #[test]
    fn parameters_in_declared_order_and_steps_in_a_few_words() {
        let kinds = crate::resources::kind_names();
        let recipe =
            Recipe::parse(Section::Languages, "tool", Origin::Builtin, Source::new("tool.toml", RECIPE), &kinds)
                .unwrap();
        let info = Info::of(&recipe);
        assert_eq!(info.key(), "languages/tool");
        let params: Vec<(&str, &str)> = info.params.iter().map(|p| (p.name.as_str(), p.kind)).collect();
        assert_eq!(params, [("version", "version"), ("accounts", "tables"), ("mode", "string")]);
        let fields: Vec<&str> = info.params[1].fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(fields, ["name", "admin"]);
        assert!(info.params[1].fields[0].required);
        assert_eq!(info.params[2].choices, ["local", "shared"]);
        assert_eq!(
            info.steps[0].summary,
            "`tool` on PATH, version {version}; installed with mise, the system's packages"
        );
        assert_eq!(info.steps[1].summary, "checked by `tool has {item.name}`");
        assert_eq!(info.steps[1].when["os"], ["linux"]);
        assert_eq!(info.steps[1].for_each.as_deref(), Some("accounts"));
        let json = serde_json::to_value(&info).unwrap();
        assert_eq!(json["origin"], "builtin");
        assert_eq!(json["params"][0]["default"], "*");
        assert_eq!(json["params"][0]["type"], "version");
    }
}
