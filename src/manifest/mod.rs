//! `devup.toml`: reading it, and rejecting anything malformed before a single step runs.
//!
//! Only the file's own structure is checked here. Whether `pyhton` is a recipe and whether
//! `version = "banana"` fits it is checked during expansion, which knows the recipes; both
//! happen before anything is touched.

mod env;
mod raw;
mod toml_error;

use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, Source};
use crate::error::{Error, Result};
use raw::{Map, RawEntry, RawManifest};
use toml::Spanned;

pub use env::EnvVar;
pub use toml_error::toml_error;

pub const FILE_NAME: &str = "devup.toml";

/// Larger project files are refused: no real one comes close, and a huge one is an accident
/// or an attack.
const MAX_SIZE: u64 = 1024 * 1024;

#[derive(Debug, Clone)]
pub struct Manifest {
    /// The project directory: where `devup.toml` is.
    pub dir: PathBuf,
    pub source: Source,
    pub name: String,
    pub entries: Vec<Entry>,
    /// `[env]`: templates, resolved during expansion.
    pub env: Vec<EnvVar>,
    pub steps: Vec<CustomStep>,
}

/// The sections whose entries name recipes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Section {
    Languages,
    Packages,
    Datastores,
    Dependencies,
}

impl Section {
    pub const ALL: [Section; 4] = [Section::Languages, Section::Packages, Section::Datastores, Section::Dependencies];

    pub fn key(self) -> &'static str {
        match self {
            Section::Languages => "languages",
            Section::Packages => "packages",
            Section::Datastores => "datastores",
            Section::Dependencies => "dependencies",
        }
    }
}

/// One line of a recipe section, e.g. `python = "3.11"`.
#[derive(Debug, Clone)]
pub struct Entry {
    pub section: Section,
    /// The entry's own name: its steps' ids (`datastores.NAME.server`), its `{datastores.NAME.KEY}`
    /// values, its data directory.
    pub name: String,
    pub name_span: Range<usize>,
    /// The recipe it uses: its name, unless `recipe = "..."` names another, so that a project
    /// can have several entries of one kind (`web = { recipe = "npm", dir = "web" }`).
    pub recipe: String,
    /// Where `recipe = "..."` is, when it is written.
    pub recipe_span: Option<Range<usize>>,
    pub value: EntryValue,
}

/// The key of an entry's table that names its recipe; no recipe may have a parameter of that name.
pub const RECIPE_KEY: &str = "recipe";

#[derive(Debug, Clone)]
pub enum EntryValue {
    /// `python = "3.11"`: the recipe's shorthand parameter.
    Short { value: String, span: Range<usize> },
    /// `postgres = { version = "15" }`: parameters by name.
    Table(Vec<Param>),
}

#[derive(Debug, Clone)]
pub struct Param {
    pub name: String,
    pub name_span: Range<usize>,
    pub value: toml::Value,
    pub span: Range<usize>,
}

/// A `[[step]]`: the escape hatch, a check command and an apply command.
#[derive(Debug, Clone)]
pub struct CustomStep {
    pub name: String,
    pub description: Option<String>,
    pub check: String,
    pub apply: String,
    pub requires: Vec<(String, Range<usize>)>,
    pub cwd: Option<String>,
    pub env: Vec<EnvVar>,
    pub span: Range<usize>,
}

/// Finds `devup.toml` in `start` or the nearest parent that has one.
pub fn find(start: &Path) -> Result<PathBuf> {
    start
        .ancestors()
        .map(|dir| dir.join(FILE_NAME))
        .find(|path| path.is_file())
        .ok_or_else(|| Error::NoProjectFile { dir: start.to_path_buf() })
}

/// Reads and validates a project file. `display_name` is how the file is named in messages.
pub fn load(path: &Path, display_name: &str) -> Result<Manifest> {
    let source = Source::from_bytes(display_name, read_limited(path, display_name)?)?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    parse(dir, source)
}

fn read_limited(path: &Path, display_name: &str) -> Result<Vec<u8>> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(format!("cannot read {display_name}"), e))?;
    if meta.len() > MAX_SIZE {
        let message = format!("{display_name} is {} bytes; a project file may be at most {MAX_SIZE}", meta.len());
        return Err(Diagnostic::in_file(display_name, message).with_hint("is this the right file?").into());
    }
    std::fs::read(path).map_err(|e| Error::io(format!("cannot read {display_name}"), e))
}

pub fn parse(dir: PathBuf, source: Source) -> Result<Manifest> {
    let raw: RawManifest = toml::from_str(&source.text).map_err(|e| toml_error(&source, &e))?;
    let name = match raw.project.and_then(|p| p.0.name) {
        Some(name) => {
            check_name(&source, name.get_ref(), name.span(), "project name")?;
            name.into_inner()
        }
        None => default_name(&dir),
    };
    let mut entries = Vec::new();
    let sections = [raw.languages, raw.packages, raw.datastores, raw.dependencies];
    for (section, map) in Section::ALL.into_iter().zip(sections) {
        for (key, value) in sorted_by_position(map) {
            entries.push(entry(&source, section, key, value)?);
        }
    }
    let env = env::table(&source, raw.env)?;
    let mut steps: Vec<CustomStep> = Vec::new();
    for step in raw.step {
        let span = step.span();
        let step = step.into_inner().0;
        check_name(&source, step.name.get_ref(), step.name.span(), "step name")?;
        if let Some(first) = steps.iter().find(|s| &s.name == step.name.get_ref()) {
            let at = source.error(first.span.clone(), "").location.map(|l| l.line).unwrap_or(0);
            return Err(source
                .error(step.name.span(), format!("a step named `{}` is already defined", step.name.get_ref()))
                .with_hint(format!("the first one is on line {at}; give each step its own name"))
                .into());
        }
        for command in [&step.check, &step.apply] {
            if command.get_ref().trim().is_empty() {
                return Err(source
                    .error(command.span(), "the command is empty")
                    .with_hint("write a shell command")
                    .into());
            }
            check_shown_as_is(&source, command.get_ref(), command.span())?;
        }
        if let Some(cwd) = &step.cwd {
            check_no_nul(&source, cwd.get_ref(), cwd.span(), "`cwd`")?;
        }
        if let Some(description) = &step.description
            && description.get_ref().chars().any(char::is_control)
        {
            return Err(source
                .error(description.span(), "the description holds a control character")
                .with_hint("write the description as one line of plain text")
                .into());
        }
        check_requires(&source, step.name.get_ref(), &step.requires)?;
        steps.push(CustomStep {
            name: step.name.into_inner(),
            description: step.description.map(Spanned::into_inner),
            check: step.check.into_inner(),
            apply: step.apply.into_inner(),
            requires: step.requires.into_iter().map(|r| (r.get_ref().clone(), r.span())).collect(),
            cwd: step.cwd.map(Spanned::into_inner),
            env: env::table(&source, step.env)?,
            span,
        });
    }
    Ok(Manifest { dir, source, name, entries, env, steps })
}

fn sorted_by_position<T>(map: Map<T>) -> Vec<(Spanned<String>, Spanned<T>)> {
    let mut items: Vec<_> = map.into_iter().collect();
    items.sort_by_key(|(key, _)| key.span().start);
    items
}

fn entry(source: &Source, section: Section, key: Spanned<String>, value: Spanned<RawEntry>) -> Result<Entry> {
    // An entry's name is part of its steps' ids and of its data directory's path.
    if section != Section::Packages
        && (key.get_ref().contains('.') || check_name(source, key.get_ref(), key.span(), "entry name").is_err())
    {
        return Err(source
            .error(key.span(), format!("invalid entry name `{}`", key.get_ref()))
            .with_hint("use up to 64 letters, digits, `-` and `_`, starting with a letter or digit")
            .into());
    }
    let span = value.span();
    let mut recipe = None;
    let value = match value.into_inner() {
        RawEntry::Short(text) => EntryValue::Short { value: text, span },
        RawEntry::Table(map) => {
            let mut params = Vec::new();
            for (k, v) in sorted_by_position(map) {
                // `[packages]` entries are package names, not recipes: a `recipe` there is an
                // unknown package manager, said where packages are expanded.
                if k.get_ref() == RECIPE_KEY && section != Section::Packages {
                    let toml::Value::String(name) = v.get_ref() else {
                        return Err(source
                            .error(v.span(), format!("`recipe` takes a recipe's name, not {}", v.get_ref().type_str()))
                            .with_hint(format!("write recipe = \"{}\"", key.get_ref()))
                            .into());
                    };
                    check_name(source, name, v.span(), "recipe name")?;
                    recipe = Some((name.clone(), v.span()));
                    continue;
                }
                params.push(Param { name_span: k.span(), name: k.into_inner(), span: v.span(), value: v.into_inner() });
            }
            EntryValue::Table(params)
        }
    };
    let (recipe, recipe_span) = match recipe {
        Some((name, span)) => (name, Some(span)),
        None => (key.get_ref().clone(), None),
    };
    Ok(Entry { section, name_span: key.span(), name: key.into_inner(), recipe, recipe_span, value })
}

/// NUL cannot be passed to a process at all: refuse it here rather than fail when running.
fn check_no_nul(source: &Source, text: &str, span: Range<usize>, what: &str) -> Result<()> {
    match text.find('\0') {
        None => Ok(()),
        Some(_) => Err(source
            .error(span, format!("{what} cannot hold a NUL character (`\\u0000`)"))
            .with_hint("remove the `\\u0000`")
            .into()),
    }
}

/// A command is shown for review before it first runs, and must read as what it does: no NUL,
/// which no process can receive, and no `\r`, escape sequence or bidirectional override that
/// could make the terminal show something else. Tabs and newlines are fine.
fn check_shown_as_is(source: &Source, text: &str, span: Range<usize>) -> Result<()> {
    match text.chars().find(|&c| c != '\t' && crate::diagnostic::is_unsafe(c)) {
        None => Ok(()),
        Some(c) => Err(source
            .error(span, format!("a command cannot hold the control or invisible character `{}`", c.escape_default()))
            .with_hint(
                "a command is shown for review as it is: write it as plain text, and `\\033` for an escape in printf",
            )
            .into()),
    }
}

/// A `requires` names another step: not nothing, and not the step itself. Whether the name
/// exists is known only once recipes are expanded.
fn check_requires(source: &Source, step: &str, requires: &[Spanned<String>]) -> Result<()> {
    for name in requires {
        let text = name.get_ref();
        if text.trim().is_empty() {
            return Err(source
                .error(name.span(), "`requires` holds an empty name")
                .with_hint("name a step, e.g. `step.setup`, or an entry, e.g. `languages.python`")
                .into());
        }
        check_no_nul(source, text, name.span(), "a `requires` name")?;
        if text == step || text.strip_prefix("step.") == Some(step) {
            return Err(source
                .error(name.span(), format!("step `{step}` requires itself"))
                .with_hint(format!("remove `{text}` from its `requires`"))
                .into());
        }
    }
    Ok(())
}

/// Names become step ids and directory names, so they are kept to a safe alphabet.
fn check_name(source: &Source, name: &str, span: Range<usize>, what: &str) -> Result<()> {
    let valid = !name.is_empty()
        && name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if valid {
        return Ok(());
    }
    Err(source
        .error(span, format!("invalid {what} `{}`", name.escape_debug()))
        .with_hint("use up to 64 letters, digits, `-`, `_` and `.`, starting with a letter or digit")
        .into())
}

fn default_name(dir: &Path) -> String {
    let base = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let cleaned: String =
        base.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '-' }).collect();
    let cleaned = cleaned.trim_start_matches(['-', '_', '.']).to_string();
    if cleaned.is_empty() { "project".to_string() } else { cleaned.chars().take(64).collect() }
}

#[cfg(test)]
mod tests;
