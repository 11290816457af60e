//! Recipes: TOML files that hold everything devup knows about a tool.
//!
//! A recipe declares its parameters and the steps it expands into. The format is documented in
//! `docs/recipes.md`; `library.rs` finds recipes (built in, the user's, the project's).

pub mod library;
pub mod template;

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::PathBuf;

use serde::Deserialize;
use toml::Spanned;

use crate::diagnostic::{Diagnostic, Source};
use crate::facts::Facts;
use crate::manifest::{Section, toml_error};

/// Where a recipe came from. Built-in recipes are part of devup and trusted with it; the others
/// are files on this machine and are shown to the user before they run.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase", tag = "origin", content = "path")]
pub enum Origin {
    Builtin,
    User(PathBuf),
    Project(PathBuf),
}

#[derive(Debug, Clone)]
pub struct Recipe {
    pub section: Section,
    pub name: String,
    pub origin: Origin,
    pub source: Source,
    pub description: String,
    /// The parameter set by the short form `name = "value"`.
    pub shorthand: Option<String>,
    /// Other names of the tool in version files (`nodejs` in `.tool-versions`).
    pub aliases: Vec<String>,
    pub params: BTreeMap<String, ParamSpec>,
    pub steps: Vec<RecipeStep>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamSpec {
    #[serde(rename = "type")]
    pub kind: ParamType,
    pub default: Option<toml::Value>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub doc: String,
    /// For a version: what version managers call the newest release (`stable` for rustup).
    /// `{version.request}` is this word when the constraint names no single release line.
    pub latest: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ParamType {
    String,
    /// A version constraint such as `"3.11"` or `">=18"`.
    Version,
    /// A path relative to the project directory.
    Path,
    Bool,
    Integer,
    /// A list of strings.
    List,
}

impl ParamType {
    pub fn describe(self) -> &'static str {
        match self {
            ParamType::String => "a string",
            ParamType::Version => "a version constraint such as \"3.11\" or \">=3.11\"",
            ParamType::Path => "a path relative to the project",
            ParamType::Bool => "true or false",
            ParamType::Integer => "an integer",
            ParamType::List => "a list of strings",
        }
    }
}

/// One step of a recipe, before its placeholders are filled.
#[derive(Debug, Clone)]
pub struct RecipeStep {
    pub id: String,
    pub kind: String,
    pub description: Option<String>,
    pub requires: Vec<String>,
    /// Facts that must hold, e.g. `{ package_manager = "apt" }`; a list means any of them.
    pub when: Vec<(String, Vec<String>)>,
    /// The step is used only when this parameter is set (non-empty, or true).
    pub only_if: Option<String>,
    /// A list parameter: the step is repeated for each item, which `{item}` names.
    pub for_each: Option<String>,
    /// The resource kind's own arguments, still holding placeholders.
    pub args: toml::Table,
    pub span: Range<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRecipe {
    description: String,
    shorthand: Option<String>,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    params: BTreeMap<String, ParamSpec>,
    #[serde(default)]
    step: Vec<Spanned<toml::Table>>,
}

/// Placeholder names every recipe may use, besides its parameters and `facts.*`.
pub const BUILTIN_VARS: &[&str] = &[
    "project.dir",
    "project.name",
    "project.state",
    "home",
    "entry",
];

/// Keys of a `[[step]]` table that belong to the recipe format; the rest are the kind's arguments.
const STEP_KEYS: &[&str] = &[
    "id",
    "kind",
    "description",
    "requires",
    "when",
    "only_if",
    "for_each",
];

impl Recipe {
    /// Parses and checks a recipe. `kinds` are the resource kinds the engine knows.
    pub fn parse(
        section: Section,
        name: &str,
        origin: Origin,
        source: Source,
        kinds: &[&str],
    ) -> Result<Recipe, Diagnostic> {
        let raw: RawRecipe = toml::from_str(&source.text).map_err(|e| toml_error(&source, &e))?;
        let mut steps = Vec::new();
        for table in raw.step {
            let step = parse_step(&source, table, &raw.params, kinds)?;
            if steps.iter().any(|s: &RecipeStep| s.id == step.id) {
                return Err(source.error(step.span, format!("two steps have the id `{}`", step.id)));
            }
            steps.push(step);
        }
        let recipe = Recipe {
            section,
            name: name.to_string(),
            origin,
            source,
            description: raw.description,
            shorthand: raw.shorthand,
            aliases: raw.aliases,
            params: raw.params,
            steps,
        };
        recipe.check_consistency()?;
        Ok(recipe)
    }

    fn whole_file_error(&self, message: String) -> Diagnostic {
        Diagnostic::in_file(self.source.name.clone(), message)
    }

    /// Checks what serde cannot: references between parts of the recipe.
    fn check_consistency(&self) -> Result<(), Diagnostic> {
        if let Some(short) = &self.shorthand
            && !self.params.contains_key(short)
        {
            return Err(self.whole_file_error(format!(
                "shorthand names `{short}`, which is not a parameter"
            )));
        }
        for (name, spec) in &self.params {
            if spec.required && spec.default.is_some() {
                return Err(self.whole_file_error(format!(
                    "parameter `{name}` is required and has a default"
                )));
            }
        }
        for step in &self.steps {
            for required in &step.requires {
                let local = self.steps.iter().any(|s| &s.id == required);
                if !local && !required.contains('.') {
                    let ids = self.steps.iter().map(|s| s.id.as_str());
                    return Err(self
                        .source
                        .error(step.span.clone(), format!("step `{}` requires `{required}`, which is not a step of this recipe", step.id))
                        .suggest(required, ids)
                        .with_hint_if_none("name another step's id, or `section.entry` for another recipe's steps"));
                }
            }
        }
        Ok(())
    }
}

impl Diagnostic {
    fn with_hint_if_none(self, hint: &str) -> Diagnostic {
        if self.hint.is_some() {
            self
        } else {
            self.with_hint(hint)
        }
    }
}

fn parse_step(
    source: &Source,
    table: Spanned<toml::Table>,
    params: &BTreeMap<String, ParamSpec>,
    kinds: &[&str],
) -> Result<RecipeStep, Diagnostic> {
    let span = table.span();
    let mut args = table.into_inner();
    let error = |message: String| source.error(span.clone(), message);
    let text = |args: &mut toml::Table, key: &str| -> Result<Option<String>, Diagnostic> {
        match args.remove(key) {
            None => Ok(None),
            Some(toml::Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(error(format!(
                "step key `{key}` must be a string, found {}",
                other.type_str()
            ))),
        }
    };
    let id = text(&mut args, "id")?.ok_or_else(|| error("a step needs an `id`".into()))?;
    let valid_id = !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'));
    if !valid_id {
        return Err(error(format!(
            "step id `{id}` may hold only letters, digits, `-` and `_`"
        )));
    }
    let kind =
        text(&mut args, "kind")?.ok_or_else(|| error(format!("step `{id}` needs a `kind`")))?;
    if !kinds.contains(&kind.as_str()) {
        return Err(error(format!("step `{id}` has unknown kind `{kind}`"))
            .suggest(&kind, kinds.iter().copied())
            .with_hint_if_none(&format!("kinds: {}", kinds.join(", "))));
    }
    let description = text(&mut args, "description")?;
    let only_if = text(&mut args, "only_if")?;
    let for_each = text(&mut args, "for_each")?;
    let requires = string_list(args.remove("requires"))
        .map_err(|t| error(format!("`requires` must be a list of step ids, found {t}")))?;
    let mut when = Vec::new();
    if let Some(value) = args.remove("when") {
        let toml::Value::Table(conditions) = value else {
            return Err(error(
                "`when` must be a table such as { package_manager = \"apt\" }".into(),
            ));
        };
        for (fact, wanted) in conditions {
            if !Facts::NAMES.contains(&fact.as_str()) {
                return Err(error(format!("`when` names unknown fact `{fact}`"))
                    .suggest(&fact, Facts::NAMES.iter().copied()));
            }
            let values = match wanted {
                toml::Value::String(s) => vec![s],
                other => string_list(Some(other)).map_err(|t| {
                    error(format!(
                        "`when.{fact}` must be a string or a list, found {t}"
                    ))
                })?,
            };
            when.push((fact, values));
        }
    }
    for (what, param) in [("only_if", &only_if), ("for_each", &for_each)] {
        if let Some(param) = param {
            match params.get(param) {
                None => {
                    return Err(error(format!(
                        "`{what}` names `{param}`, which is not a parameter"
                    )));
                }
                Some(spec) if what == "for_each" && spec.kind != ParamType::List => {
                    return Err(error(format!(
                        "`for_each` needs a list parameter; `{param}` is not one"
                    )));
                }
                Some(_) => {}
            }
        }
    }
    check_placeholders(&args, params, for_each.is_some())
        .map_err(|m| error(format!("step `{id}`: {m}")))?;
    debug_assert!(STEP_KEYS.iter().all(|k| !args.contains_key(*k)));
    Ok(RecipeStep {
        id,
        kind,
        description,
        requires,
        when,
        only_if,
        for_each,
        args,
        span,
    })
}

fn string_list(value: Option<toml::Value>) -> Result<Vec<String>, &'static str> {
    match value {
        None => Ok(Vec::new()),
        Some(toml::Value::Array(items)) => items
            .into_iter()
            .map(|item| match item {
                toml::Value::String(s) => Ok(s),
                other => Err(other.type_str()),
            })
            .collect(),
        Some(other) => Err(other.type_str()),
    }
}

/// Every `{placeholder}` in the step's arguments must name something that will exist.
fn check_placeholders(
    args: &toml::Table,
    params: &BTreeMap<String, ParamSpec>,
    has_item: bool,
) -> Result<(), String> {
    let mut strings = Vec::new();
    args.values().for_each(|v| collect_strings(v, &mut strings));
    for text in strings {
        for name in template::placeholders(text)? {
            let version_request = name
                .strip_suffix(".request")
                .and_then(|p| params.get(p))
                .is_some_and(|s| s.kind == ParamType::Version);
            let known = params.contains_key(name)
                || version_request
                || BUILTIN_VARS.contains(&name)
                || (has_item && name == "item")
                || name
                    .strip_prefix("facts.")
                    .is_some_and(|f| Facts::NAMES.contains(&f));
            if !known {
                return Err(format!(
                    "placeholder `{{{name}}}` names no parameter or fact"
                ));
            }
        }
    }
    Ok(())
}

fn collect_strings<'a>(value: &'a toml::Value, out: &mut Vec<&'a str>) {
    match value {
        toml::Value::String(s) => out.push(s),
        toml::Value::Array(items) => items.iter().for_each(|v| collect_strings(v, out)),
        toml::Value::Table(table) => table.values().for_each(|v| collect_strings(v, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests;
