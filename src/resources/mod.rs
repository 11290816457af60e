//! Resource kinds: the closed set of things a step can make true. Each kind is one file with
//! its own tests; adding one means adding a file and a line to `KINDS`.
//!
//! A resource answers `check` without side effects, says what `apply` would do, and applies it.
//! Knowledge about particular tools does not live here but in recipes.

mod args;
mod binary;
mod build_error;
mod command;
mod deps;
mod directory;
mod file;
mod package;
pub mod paths;
mod probe;
pub mod probe_args;
mod service;
mod symlink;
mod system_service;

use std::path::Path;

use crate::facts::Facts;
use crate::recipe::template::Vars;
// What every kind shares lives on the ground floor; the kinds name it as their parent's.
use crate::step::{Cx, Failure, Resource, Status, Stopped, owned};
use crate::version::{Constraint, Syntax};

use args::parse_args;
pub use build_error::BuildError;
pub use command::Command;

/// What a kind needs to build a resource from a recipe step or a project entry.
pub struct BuildCx<'a> {
    pub facts: &'a Facts,
    pub project_dir: &'a Path,
    pub state_dir: &'a Path,
    /// Where the project's datastores keep their data.
    pub data_dir: &'a Path,
    pub home: Option<&'a Path>,
    pub vars: &'a Vars,
    /// The step's own words from its recipe (`description = "database {item}"`), rendered: a
    /// kind that names what it holds (a probe's "no database x") uses them.
    pub description: Option<&'a str>,
}

type Builder = fn(toml::Table, &BuildCx) -> Result<Box<dyn Resource>, BuildError>;

/// Every resource kind, by the name recipes use in `kind = "..."`.
pub const KINDS: &[(&str, Builder)] = &[
    ("binary", binary::build),
    ("command", command::build),
    ("deps", deps::build),
    ("directory", directory::build),
    ("file", file::build),
    ("probe", probe::build),
    ("service", service::build),
    ("package", package::build),
    ("symlink", symlink::build),
    ("system-service", system_service::build),
];

/// A kind's name as `KINDS` holds it (a step built from a recipe names one of them).
pub fn kind_name(kind: &str) -> &'static str {
    KINDS.iter().map(|(name, _)| *name).find(|name| *name == kind).unwrap_or("unknown")
}

pub fn kind_names() -> Vec<&'static str> {
    KINDS.iter().map(|(name, _)| *name).collect()
}

/// Builds a step of `kind`. A recipe's kinds are checked when it is read, so an unknown one
/// here is devup's own mistake, reported as a value.
pub fn build(kind: &str, args: toml::Table, cx: &BuildCx) -> Result<Box<dyn Resource>, BuildError> {
    let (_, builder) = KINDS.iter().find(|(name, _)| *name == kind).ok_or_else(|| format!("unknown kind `{kind}`"))?;
    builder(args, cx)
}

/// A kind's `env = { KEY = "value" }` argument, placeholders filled.
fn env_table(table: &toml::Table, vars: &Vars) -> Result<Vec<(String, String)>, String> {
    table
        .iter()
        .map(|(key, value)| match value {
            toml::Value::String(value) => vars.text(value).map(|v| (key.clone(), v)),
            other => Err(format!("env `{key}` must be a string, found {}", other.type_str())),
        })
        .collect()
}

/// A step's version constraint from its template (`version = "{version}"`). A template that is
/// one version parameter is read in the syntax that parameter declares (`{version.syntax}`, set
/// with it), so `python = "~=3.11"` reaches the step as PEP 440; any other text in devup's own.
pub fn constraint(vars: &Vars, template: &str) -> Result<Constraint, String> {
    let text = vars.text(template)?;
    let syntax = template
        .strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
        .filter(|name| !name.contains(['{', '}']))
        .and_then(|name| vars.get(&format!("{name}.syntax")))
        .and_then(|value| match value {
            crate::recipe::template::Value::Text(name) => Syntax::from_name(name),
            crate::recipe::template::Value::List(_) => None,
        })
        .unwrap_or_default();
    Constraint::parse_as(syntax, &text).map_err(|e| format!("version `{text}` is not {}: {e}", syntax.what()))
}

/// Reads `mode = "0600"`.
fn parse_mode(text: &str) -> Result<u32, String> {
    u32::from_str_radix(text.trim_start_matches("0o"), 8)
        .ok()
        .filter(|m| *m <= 0o7777)
        .ok_or_else(|| format!("mode `{text}` is not an octal file mode such as \"0644\""))
}

fn mode_of(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).ok().map(|m| m.permissions().mode() & 0o7777)
}

#[cfg(test)]
pub(crate) mod testing;
