//! Recipes: TOML files that hold everything devup knows about a tool.
//!
//! A recipe declares its parameters and the steps it expands into. The format is documented in
//! `docs/recipes.md`; `library.rs` finds recipes (built in, the user's, the project's).

pub mod detect;
pub mod info;
pub mod library;
pub mod native;
pub mod reference;
pub mod show;
pub mod template;

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::PathBuf;

use serde::Deserialize;
use toml::Spanned;

use crate::diagnostic::{Diagnostic, Source, is_unsafe};
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
    /// Variables the project's environment gets from this entry (`DATABASE_URL`), for its
    /// commands and `devup env`. One that names an empty placeholder is left out.
    pub env: BTreeMap<String, String>,
    /// What the entry offers `[env]` under generic names (`host`, `port`, `url`...), as
    /// `{datastores.NAME.KEY}`; like `env`, one that names an empty placeholder has no value.
    pub values: BTreeMap<String, String>,
    /// Directories `devup env` puts on PATH (a venv's `bin`).
    pub path: Vec<String>,
    /// For `[packages]` recipes: the package's name per package manager.
    pub names: BTreeMap<String, String>,
    /// For `[packages]` recipes: managers on which nothing needs installing, with why (macOS's
    /// command line tools hold the compilers `build-essentials` gives elsewhere).
    pub provided: BTreeMap<String, String>,
    /// For `[datastores]` recipes: what `devup init` recognises as this server.
    pub detect: Option<detect::Detect>,
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
    /// For strings and lists: each value must be a plain identifier (letters, digits, `_`,
    /// `-`; at most 63 characters), as database, role and extension names are kept.
    #[serde(default)]
    pub identifier: bool,
    /// For a port: the port to use when it is free (`0`, the default value, means "choose").
    pub preferred: Option<u16>,
    /// For a port: the pid file of the project's own server, which may hold the port.
    pub owner: Option<String>,
    /// For a table (`settings = { key = "value" }`): how one entry becomes one line of the
    /// rendered value, with `{key}`, `{value}` and `{value.sql}` (a quoted SQL literal).
    pub line: Option<String>,
    /// For a list of tables: the fields each table may have, each a parameter spec.
    pub fields: Option<BTreeMap<String, ParamSpec>>,
    /// The value is a secret (a password). Errors never echo it; the recipe passes it through a
    /// step's `env` and lists it in the step's `secret`, so plans and output mask it.
    #[serde(default)]
    pub secret: bool,
    /// For a path: devup runs the file's content (seed SQL, which `psql` can make run shell
    /// commands), so a project's approval covers the file and a change to it asks again.
    #[serde(default)]
    pub runs: bool,
    /// For a version: what version managers call the newest release (`stable` for rustup).
    /// `{version.request}` is this word when the constraint names no single release line.
    pub latest: Option<String>,
    /// For a version: the syntax it is written in, its ecosystem's (`pep440`, `npm`, `gem`,
    /// `go`) or devup's own (the default). A bare version is its release line in every one.
    #[serde(default)]
    pub syntax: crate::version::Syntax,
    /// For a string: the only values it accepts.
    #[serde(default)]
    pub choices: Vec<String>,
    /// For a string: values that make the entry use another recipe of the same section
    /// (`mode = "system"` → `postgres-system`), which must accept this parameter too.
    #[serde(default)]
    pub variants: BTreeMap<String, String>,
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
    /// A table of strings, rendered as lines with the parameter's `line` format.
    Table,
    /// A list of tables with declared `fields`, for `for_each` (`{item.FIELD}`).
    Tables,
    /// A TCP port: `0` lets devup choose (the `preferred` one if free, else the next free one,
    /// remembered across runs); another number pins it.
    Port,
}

impl ParamSpec {
    /// Whether `value` is of this parameter's type (a version in its syntax), as a recipe's
    /// `default` must be.
    pub fn check(&self, value: &toml::Value) -> Result<(), String> {
        match (self.kind, value) {
            (ParamType::Version, toml::Value::String(s)) => crate::version::Constraint::parse_as(self.syntax, s)
                .map(drop)
                .map_err(|e| format!("`{s}` is not {}: {e}", self.syntax.what())),
            _ => self.kind.check(value),
        }
    }
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
            ParamType::Port => "a port number (0: let devup choose)",
            ParamType::Table => "a table of strings, such as { key = \"value\" }",
            ParamType::Tables => "a list of tables, such as [{ name = \"app\" }]",
        }
    }

    /// Whether `value` is of this type, as a recipe's `default` must be.
    pub fn check(self, value: &toml::Value) -> Result<(), String> {
        use toml::Value;
        let fits = match (self, value) {
            (ParamType::Version, Value::String(s)) => {
                return crate::version::Constraint::parse(s)
                    .map(drop)
                    .map_err(|e| format!("`{s}` is not a version constraint: {e}"));
            }
            (ParamType::Port, Value::Integer(i)) => (0..=65535).contains(i),
            (ParamType::String | ParamType::Path, Value::String(_))
            | (ParamType::Version | ParamType::Integer, Value::Integer(_))
            | (ParamType::Bool, Value::Boolean(_)) => true,
            (ParamType::List, Value::Array(items)) => items.iter().all(Value::is_str),
            (ParamType::Table, Value::Table(_)) => true,
            (ParamType::Tables, Value::Array(items)) => items.iter().all(Value::is_table),
            _ => false,
        };
        if fits { Ok(()) } else { Err(format!("expected {}, found {}", self.describe(), value.type_str())) }
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
    #[serde(default)]
    env: BTreeMap<String, String>,
    #[serde(default)]
    values: BTreeMap<String, String>,
    #[serde(default)]
    path: Vec<String>,
    #[serde(default)]
    names: BTreeMap<String, String>,
    #[serde(default)]
    provided: BTreeMap<String, String>,
    detect: Option<detect::Detect>,
}

/// Placeholder names every recipe may use, besides its parameters and `facts.*`.
pub const BUILTIN_VARS: &[&str] = &["project.dir", "project.name", "project.state", "project.data", "home", "entry"];

/// What a recipe's `requires` calls the step of the `[packages]` section, so that an install
/// that compiles code waits for the headers it compiles against.
pub const PACKAGES_STEP: &str = "packages";

/// Keys of a `[[step]]` table that belong to the recipe format; the rest are the kind's arguments.
const STEP_KEYS: &[&str] = &["id", "kind", "description", "requires", "when", "only_if", "for_each"];

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
                let at = key_span(&source, &step.span, "id");
                return Err(source
                    .error(at, format!("two steps have the id `{}`", step.id))
                    .with_hint("give each step its own `id`"));
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
            env: raw.env,
            values: raw.values,
            path: raw.path,
            names: raw.names,
            provided: raw.provided,
            detect: raw.detect,
        };
        recipe.check_consistency()?;
        Ok(recipe)
    }

    fn whole_file_error(&self, message: String) -> Diagnostic {
        Diagnostic::in_file(self.source.name.clone(), message)
    }

    /// An error at `key = ...` of a top-level table (`params.v`), or at the top when `table`
    /// is empty; the whole file when the key is not on a line of its own.
    fn error_at_key(&self, table: &str, key: &str, message: String) -> Diagnostic {
        let from = match table {
            "" => Some(0),
            _ => {
                let header = format!("[{table}]");
                self.source.text.find(&header).map(|at| at + header.len())
            }
        };
        match from.and_then(|from| find_key(&self.source, from, key)) {
            Some(span) => self.source.error(span, message),
            None => self.whole_file_error(message),
        }
    }

    /// `env` and `values` share one namespace in `[env]` (`{datastores.NAME.KEY}`): each key
    /// must be a name a placeholder can hold, and no key may be in both.
    fn check_exported_names(&self) -> Result<(), Diagnostic> {
        for (table, keys) in [("env", &self.env), ("values", &self.values)] {
            for key in keys.keys() {
                let valid = key.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                    && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                if !valid {
                    return Err(self
                        .error_at_key(table, key, format!("`{table}.{key}` is not a valid name"))
                        .with_hint("use letters, digits and `_`, not starting with a digit"));
                }
            }
        }
        if let Some(both) = self.values.keys().find(|k| self.env.contains_key(*k)) {
            return Err(self
                .error_at_key("values", both, format!("`{both}` is in both `env` and `values`"))
                .with_hint("`[env]` names both as {datastores.NAME.KEY}: keep one"));
        }
        Ok(())
    }

    /// Checks what serde cannot: references between parts of the recipe.
    fn check_consistency(&self) -> Result<(), Diagnostic> {
        if self.params.contains_key(crate::manifest::RECIPE_KEY) {
            let message = "a parameter cannot be named `recipe`".to_string();
            let header = "[params.recipe]";
            let at = self.source.text.find(header);
            let error = match at {
                Some(at) => self.source.error(at..at + header.len(), message),
                None => self.whole_file_error(message),
            };
            return Err(error
                .with_hint("in devup.toml, `recipe = \"...\"` names the recipe an entry uses: rename the parameter"));
        }
        for (name, spec) in &self.params {
            if spec.kind == ParamType::Port && spec.preferred.is_none() {
                return Err(self
                    .whole_file_error(format!("port parameter `{name}` has no `preferred` port"))
                    .with_hint("add preferred = 5432 (the tool's usual port)"));
            }
        }
        self.check_exported_names()?;
        // Placeholders outside steps: the recipe's env, values, path and port owners.
        let mut outside = toml::Table::new();
        for (key, value) in &self.env {
            outside.insert(format!("env.{key}"), toml::Value::String(value.clone()));
        }
        for (key, value) in &self.values {
            outside.insert(format!("values.{key}"), toml::Value::String(value.clone()));
        }
        for (i, dir) in self.path.iter().enumerate() {
            outside.insert(format!("path[{i}]"), toml::Value::String(dir.clone()));
        }
        for (name, spec) in &self.params {
            if let Some(owner) = &spec.owner {
                outside.insert(format!("params.{name}.owner"), toml::Value::String(owner.clone()));
            }
        }
        check_placeholders(&outside, &self.params, &[])
            .map_err(|(key, m)| self.whole_file_error(format!("`{key}`: {m}")))?;
        if let Some(short) = &self.shorthand
            && !self.params.contains_key(short)
        {
            let names: Vec<&str> = self.params.keys().map(String::as_str).collect();
            return Err(self
                .error_at_key("", "shorthand", format!("shorthand names `{short}`, which is not a parameter"))
                .suggest(short, names.iter().copied())
                .or_hint(format!("declare it as [params.{short}], or name one of: {}", names.join(", "))));
        }
        for (name, spec) in &self.params {
            let table = format!("params.{name}");
            if spec.required && spec.default.is_some() {
                return Err(self
                    .error_at_key(&table, "default", format!("parameter `{name}` is required and has a default"))
                    .with_hint("remove `default`, or `required = true`"));
            }
            if !spec.syntax.is_default() && spec.kind != ParamType::Version {
                return Err(self
                    .error_at_key(&table, "syntax", format!("parameter `{name}` has a syntax but is not a version"))
                    .with_hint("`syntax` is for type = \"version\" only"));
            }
            if let Some(default) = &spec.default
                && let Err(e) = spec.check(default)
            {
                return Err(self
                    .error_at_key(&table, "default", format!("default of parameter `{name}`: {e}"))
                    .with_hint(format!("make it {}", spec.kind.describe())));
            }
        }
        self.check_managers()?;
        for step in &self.steps {
            for required in &step.requires {
                let local = self.steps.iter().any(|s| &s.id == required);
                if !local && !required.contains('.') && required != PACKAGES_STEP {
                    let ids = self.steps.iter().map(|s| s.id.as_str());
                    return Err(self
                        .source
                        .error(
                            key_span(&self.source, &step.span, "requires"),
                            format!("step `{}` requires `{required}`, which is not a step of this recipe", step.id),
                        )
                        .suggest(required, ids)
                        .or_hint(format!(
                            "name another step's id, `section.entry` for another recipe's steps, or `{PACKAGES_STEP}` for the [packages] section"
                        )));
                }
            }
        }
        Ok(())
    }

    /// `names` and `provided` are keyed by package managers, and a manager is in one of them.
    fn check_managers(&self) -> Result<(), Diagnostic> {
        let managers: Vec<&str> = crate::packages::managers().iter().map(|m| m.name()).collect();
        for (table, keys) in [("names", &self.names), ("provided", &self.provided)] {
            for key in keys.keys() {
                if !managers.contains(&key.as_str()) {
                    return Err(self
                        .error_at_key(table, key, format!("`{table}.{key}`: `{key}` is not a package manager"))
                        .suggest(key, managers.iter().copied())
                        .or_hint(format!("package managers: {}", managers.join(", "))));
                }
            }
        }
        if let Some(both) = self.names.keys().find(|m| self.provided.contains_key(*m)) {
            return Err(self
                .error_at_key("provided", both, format!("`{both}` is in both `names` and `provided`"))
                .with_hint("a manager either installs the package under a name, or needs nothing"));
        }
        Ok(())
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
    // An error about one key points at its line.
    let error_at = |key: &str, message: String| source.error(key_span(source, &span, key), message);
    let text = |args: &mut toml::Table, key: &str| -> Result<Option<String>, Diagnostic> {
        match args.remove(key) {
            None => Ok(None),
            Some(toml::Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(error_at(key, format!("step key `{key}` must be a string, found {}", other.type_str()))
                .with_hint("put the value in quotes: \"...\"")),
        }
    };
    let id = text(&mut args, "id")?
        .ok_or_else(|| error("a step needs an `id`".into()).with_hint("add `id = \"...\"`, unique in the recipe"))?;
    let valid_id = !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'));
    if !valid_id {
        return Err(error_at("id", format!("step id `{id}` may hold only letters, digits, `-` and `_`"))
            .with_hint("rename it, e.g. `id = \"install\"`"));
    }
    let kind = text(&mut args, "kind")?.ok_or_else(|| {
        error(format!("step `{id}` needs a `kind`"))
            .with_hint(format!("add `kind = \"...\"`, one of: {}", kinds.join(", ")))
    })?;
    if !kinds.contains(&kind.as_str()) {
        return Err(error_at("kind", format!("step `{id}` has unknown kind `{kind}`"))
            .suggest(&kind, kinds.iter().copied())
            .or_hint(format!("kinds: {}", kinds.join(", "))));
    }
    let description = text(&mut args, "description")?;
    let only_if = text(&mut args, "only_if")?;
    let for_each = text(&mut args, "for_each")?;
    let requires = string_list(args.remove("requires")).map_err(|t| {
        error_at("requires", format!("`requires` must be a list of step ids, found {t}"))
            .with_hint("write `requires = [\"other-step\"]`")
    })?;
    let mut when = Vec::new();
    if let Some(value) = args.remove("when") {
        let toml::Value::Table(conditions) = value else {
            return Err(error_at("when", "`when` must be a table such as { package_manager = \"apt\" }".into())
                .with_hint(format!("facts: {}", Facts::NAMES.join(", "))));
        };
        for (fact, wanted) in conditions {
            let is_param = fact.strip_prefix("param.").is_some_and(|p| params.contains_key(p));
            if !is_param && !Facts::NAMES.contains(&fact.as_str()) {
                return Err(error_at("when", format!("`when` names unknown fact `{fact}`"))
                    .suggest(&fact, Facts::NAMES.iter().copied())
                    .or_hint(format!("facts: {}", Facts::NAMES.join(", "))));
            }
            let values = match wanted {
                toml::Value::String(s) => vec![s],
                other => string_list(Some(other)).map_err(|t| {
                    error_at("when", format!("`when.{fact}` must be a string or a list, found {t}"))
                        .with_hint(format!("write {fact} = \"value\" or {fact} = [\"one\", \"other\"]"))
                })?,
            };
            when.push((fact, values));
        }
    }
    for (what, param) in [("only_if", &only_if), ("for_each", &for_each)] {
        if let Some(param) = param {
            match params.get(param) {
                None => {
                    let names = params.keys().map(String::as_str);
                    return Err(error_at(what, format!("`{what}` names `{param}`, which is not a parameter"))
                        .suggest(param, names)
                        .or_hint(format!("declare it as [params.{param}]")));
                }
                Some(spec) if what == "for_each" && !matches!(spec.kind, ParamType::List | ParamType::Tables) => {
                    return Err(error_at(what, format!("`for_each` needs a list parameter; `{param}` is not one"))
                        .with_hint(format!("declare [params.{param}] with `type = \"list\"`")));
                }
                Some(_) => {}
            }
        }
    }
    // What a step runs is shown for review: a `\r` or an escape sequence could hide it.
    for (key, value) in &args {
        let mut strings = Vec::new();
        collect_strings(value, &mut strings);
        if let Some(c) = strings.iter().flat_map(|s| s.chars()).find(|&c| c != '\t' && is_unsafe(c)) {
            return Err(error_at(
                key,
                format!("step `{id}`: `{key}` holds the control or invisible character `{}`", c.escape_default()),
            )
            .with_hint("write it as plain text; a value is shown for review as it is"));
        }
    }
    let item_names: Vec<String> = match for_each.as_ref().and_then(|p| params.get(p)) {
        Some(spec) if spec.kind == ParamType::Tables => {
            spec.fields.iter().flatten().map(|(field, _)| format!("item.{field}")).collect()
        }
        Some(_) => vec!["item".to_string()],
        None => Vec::new(),
    };
    check_placeholders(&args, params, &item_names).map_err(|(key, m)| {
        error_at(&key, format!("step `{id}`: {m}")).with_hint(format!(
            "a placeholder names a parameter, `{{item}}` with `for_each`, a fact such as `{{facts.os}}`, or one of: {}; write `{{{{` and `}}}}` for literal braces",
            BUILTIN_VARS.join(", ")
        ))
    })?;
    debug_assert!(STEP_KEYS.iter().all(|k| !args.contains_key(*k)));
    Ok(RecipeStep { id, kind, description, requires, when, only_if, for_each, args, span })
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

/// Every `{placeholder}` in the step's arguments must name something that will exist. An error
/// names the argument it is in.
fn check_placeholders(
    args: &toml::Table,
    params: &BTreeMap<String, ParamSpec>,
    item_names: &[String],
) -> Result<(), (String, String)> {
    for (key, value) in args {
        let mut strings = Vec::new();
        collect_strings(value, &mut strings);
        for text in strings {
            let names = template::placeholders(text).map_err(|m| (key.clone(), m))?;
            for name in names {
                let version_request = name
                    .strip_suffix(".request")
                    .or_else(|| name.strip_suffix(".syntax"))
                    .and_then(|p| params.get(p))
                    .is_some_and(|s| s.kind == ParamType::Version);
                let of_kind = |suffix: &str, kind: ParamType| {
                    name.strip_suffix(suffix).and_then(|p| params.get(p)).is_some_and(|s| s.kind == kind)
                };
                // `{roles.first.name}`: a field of a list of tables' first item.
                let first_field = name.split_once(".first.").is_some_and(|(p, field)| {
                    params.get(p).is_some_and(|s| {
                        s.kind == ParamType::Tables && s.fields.as_ref().is_some_and(|f| f.contains_key(field))
                    })
                });
                let known = params.contains_key(name)
                    || version_request
                    || first_field
                    || of_kind(".first", ParamType::List)
                    || of_kind(".lines", ParamType::List)
                    || BUILTIN_VARS.contains(&name)
                    || item_names.iter().any(|i| i == name)
                    || name.strip_prefix("facts.").is_some_and(|f| Facts::NAMES.contains(&f));
                if !known {
                    return Err((key.clone(), format!("placeholder `{{{name}}}` names no parameter or fact")));
                }
            }
        }
    }
    Ok(())
}

/// Where `key = ...` is written in a step, to point at the mistake: on a line of its own
/// between the step's `[[step]]` (its span) and the next header. Otherwise the step itself.
pub(crate) fn key_span(source: &Source, step: &Range<usize>, key: &str) -> Range<usize> {
    find_key(source, step.end, key).unwrap_or_else(|| step.clone())
}

/// `key = ...` on a line of its own after `from` and before the next `[header]`.
fn find_key(source: &Source, from: usize, key: &str) -> Option<Range<usize>> {
    let text = source.text.get(from..)?;
    let mut offset = from;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if trimmed.starts_with('[') {
            break;
        }
        if let Some(rest) = trimmed.strip_prefix(key)
            && rest.trim_start().starts_with('=')
        {
            let start = offset + (line.len() - trimmed.len());
            return Some(start..start + key.len());
        }
        offset += line.len();
    }
    None
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
