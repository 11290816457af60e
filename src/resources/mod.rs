//! Resource kinds: the closed set of things a step can make true. Each kind is one file with
//! its own tests; adding one means adding a file and a line to `KINDS`.
//!
//! A resource answers `check` without side effects, says what `apply` would do, and applies it.
//! Knowledge about particular tools does not live here but in recipes.

mod binary;
mod command;
mod deps;
mod directory;
mod file;
mod owned;
mod package;
pub mod paths;
mod probe;
mod service;
mod symlink;
mod system_service;

use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::export::{ScriptCx, ScriptStep};
use crate::facts::Facts;
use crate::recipe::template::Vars;
use crate::state::Memory;
use crate::system::{CmdOutput, System};
use crate::version::{Constraint, Syntax};

pub use command::Command;

/// What a check found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum Status {
    Satisfied,
    Missing {
        why: String,
    },
    Drifted {
        have: String,
        want: String,
    },
    /// The check could not tell; the step will be applied, and the reason is shown.
    Unknown {
        why: String,
    },
    /// Not met, and no way devup knows can meet it here: the step is not applied (it fails with
    /// the reason and the hint) and the steps that require it do not start.
    Cannot {
        why: String,
        hint: String,
    },
}

impl Status {
    pub fn missing(why: impl Into<String>) -> Status {
        Status::Missing { why: why.into() }
    }

    pub fn drifted(have: impl Into<String>, want: impl Into<String>) -> Status {
        Status::Drifted { have: have.into(), want: want.into() }
    }

    pub fn unknown(why: impl Into<String>) -> Status {
        Status::Unknown { why: why.into() }
    }

    pub fn cannot(why: impl Into<String>, hint: impl Into<String>) -> Status {
        Status::Cannot { why: why.into(), hint: hint.into() }
    }

    pub fn is_satisfied(&self) -> bool {
        matches!(self, Status::Satisfied)
    }

    /// One line saying why the step is not satisfied.
    pub fn reason(&self) -> String {
        match self {
            Status::Satisfied => "satisfied".to_string(),
            Status::Missing { why } => why.clone(),
            Status::Drifted { have, want } => format!("have {have}, want {want}"),
            Status::Unknown { why } => format!("could not check: {why}"),
            Status::Cannot { why, .. } => format!("cannot be done: {why}"),
        }
    }
}

/// Why an apply failed: a message, what the command printed, and what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl Failure {
    pub fn new(message: impl Into<String>) -> Failure {
        Failure { message: message.into(), output: None, hint: None }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Failure {
        self.hint = Some(hint.into());
        self
    }

    /// A command that ran and failed; the last lines of its stdout and its stderr are kept
    /// (the run's log has them all).
    pub fn command(what: &str, out: &CmdOutput) -> Failure {
        let tail = out.tails(20);
        Failure {
            message: format!("`{what}` failed ({})", out.status_text()),
            output: (!tail.is_empty()).then_some(tail),
            hint: None,
        }
    }

    pub fn spawn(what: &str, e: &std::io::Error) -> Failure {
        Failure::new(format!("cannot run `{what}`: {e}"))
    }
}

/// What a resource needs while checking or applying.
pub struct Cx<'a> {
    pub system: &'a System,
    pub facts: &'a Facts,
    pub memory: &'a Memory,
    /// Variables added to every command's environment (the project's `[env]`).
    pub env: &'a [(String, String)],
    /// The user asked to replace files that differ from what devup wrote (a backup is kept).
    pub replace_files: bool,
    /// The step being checked or applied, as the key of what the state remembers for it.
    pub step_id: &'a str,
    /// The project's tools: the lock, this run's resolutions, prebuilt installs.
    pub tools: &'a crate::tools::Toolbox,
}

impl Cx<'_> {
    /// The PATH the project's commands are found on: the project's own (its tools first) when
    /// the run set one, else the one devup was started with.
    pub fn path_var(&self) -> std::ffi::OsString {
        match self.env.iter().rev().find(|(k, _)| k == "PATH") {
            Some((_, v)) => v.into(),
            None => self.tools.inherited_path.clone(),
        }
    }
}

pub trait Resource: Send + Sync {
    /// What the step makes true, e.g. "directory .venv".
    fn describe(&self) -> String;

    /// Reads the machine; never changes it.
    fn check(&self, cx: &Cx) -> Status;

    /// What `apply` will do, for the plan, e.g. "run `npm ci`".
    fn action(&self) -> String;

    fn apply(&self, cx: &Cx) -> Result<(), Failure>;

    /// The shell commands this resource may run, shown to the user before trusting a project.
    fn commands(&self) -> Vec<String> {
        Vec::new()
    }

    /// Values this step may handle that must never be shown nor logged (passwords): the run's
    /// log and live output mask them wherever they occur.
    fn secrets(&self) -> Vec<String> {
        Vec::new()
    }

    /// Stops what the resource started (`devup down`): `None` when it starts nothing.
    fn stop(&self, _cx: &Cx) -> Option<Result<Stopped, Failure>> {
        None
    }

    /// Whether the step resolves a tool the project's other steps run (a `binary`): such steps
    /// are checked first, so that the others are checked with the project's PATH.
    fn resolves_tool(&self) -> bool {
        false
    }

    /// Whether applying needs root (package installs).
    fn needs_root(&self) -> bool {
        false
    }

    /// The step as POSIX shell, for `devup export`: a check and an apply doing what `check` and
    /// `apply` do. A kind without one makes the export fail, naming the step.
    fn script(&self, _cx: &ScriptCx) -> Result<ScriptStep, String> {
        Err("this kind of step has no shell equivalent yet".to_string())
    }
}

/// What `devup down` did to a server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    Stopped,
    WasNotRunning,
    /// The machine's own, shared with other projects: left running.
    Shared,
}

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

type Builder = fn(toml::Table, &BuildCx) -> Result<Box<dyn Resource>, String>;

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

pub fn kind_names() -> Vec<&'static str> {
    KINDS.iter().map(|(name, _)| *name).collect()
}

pub fn build(kind: &str, args: toml::Table, cx: &BuildCx) -> Result<Box<dyn Resource>, String> {
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

/// Reads a kind's arguments, rejecting unknown ones.
fn parse_args<T: DeserializeOwned>(args: toml::Table) -> Result<T, String> {
    toml::Value::Table(args).try_into().map_err(|e: toml::de::Error| with_suggestion(e.message().trim()))
}

/// Whether a kind refused the shape of a step's arguments (an unknown or missing one, a wrong
/// type: serde's words, from `parse_args`), which is the recipe's doing, rather than a value.
pub fn is_argument_error(message: &str) -> bool {
    ["unknown field", "missing field", "invalid type", "unknown variant", "data did not match"]
        .iter()
        .any(|phrase| message.starts_with(phrase))
}

/// serde's "unknown field `pth`, expected one of `path`, `mode`" with the closest name added.
fn with_suggestion(message: &str) -> String {
    let Some((given, expected)) =
        message.strip_prefix("unknown field `").and_then(|rest| rest.split_once("`, expected "))
    else {
        return message.to_string();
    };
    let known = expected.trim_start_matches("one of ").split(", ").map(|name| name.trim_matches('`'));
    match crate::diagnostic::closest(given, known) {
        Some(close) => format!("{message}; did you mean `{close}`?"),
        None => message.to_string(),
    }
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

impl std::fmt::Debug for dyn Resource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}
