//! From hints to a draft of devup.toml: one entry per recipe, the best version source for
//! each language, datastores merged across files, and everything fitted to the recipes devup
//! has, so the file is valid as written. What cannot be declared becomes a comment.

use std::path::Path;

use serde::Serialize;

use super::hints::{Deps, Hints, Language, Note, Rank, Step, Version};
use super::known::{Known, KnownRecipe};
use crate::manifest::Section;
use crate::version::{Constraint, Syntax};

/// Entries are written in this order; others follow as found.
const LANGUAGE_ORDER: &[&str] = &["python", "node", "ruby", "go", "rust", "java"];
const DEPS_ORDER: &[&str] = &["pip", "npm", "yarn", "pnpm", "bundler", "cargo", "go"];

#[derive(Debug, Default)]
pub struct Draft {
    pub name: String,
    pub languages: Vec<Entry>,
    /// System packages the dependencies need (`libpq` for psycopg2).
    pub packages: Vec<Entry>,
    pub datastores: Vec<Entry>,
    pub dependencies: Vec<Entry>,
    /// `[env]`: what the tests run with in CI, naming devup's servers where CI names its own.
    pub env: Vec<EnvEntry>,
    pub steps: Vec<Step>,
    /// Things found that devup cannot declare.
    pub notes: Vec<Note>,
    /// What was found and why, one line each.
    pub findings: Vec<Finding>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub name: String,
    pub value: Value,
    /// Comment lines above the entry.
    pub comments: Vec<String>,
    /// Written commented out, for this reason.
    pub disabled: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `python = "3.11"`
    Short(String),
    /// `pip = { requirements = "requirements-dev.txt" }`
    Table(Vec<(String, toml::Value)>),
}

/// One line of `[env]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvEntry {
    /// Where it comes from; entries of one file are written together under its name.
    pub file: String,
    pub name: String,
    /// A devup template: `{datastores.postgres.url}`, literal braces doubled.
    pub value: String,
    /// Comment lines above the entry.
    pub comments: Vec<String>,
    /// Written commented out, for this reason.
    pub disabled: Option<String>,
}

/// One line of the report: `.nvmrc → languages.node: version 20, read from the file`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub file: String,
    pub entry: String,
    pub why: String,
}

impl Draft {
    pub fn is_empty(&self) -> bool {
        self.languages.is_empty()
            && self.packages.is_empty()
            && self.datastores.is_empty()
            && self.dependencies.is_empty()
            && self.env.is_empty()
            && self.steps.is_empty()
    }

    pub(super) fn find(&mut self, file: &str, entry: impl Into<String>, why: impl Into<String>) {
        self.findings.push(Finding { file: file.to_string(), entry: entry.into(), why: why.into() });
    }
}

/// `root` is the repository (version files are read from it); `dir_name` names the project
/// when its manifests do not.
pub fn draft(root: &Path, hints: Hints, known: &Known, dir_name: &str) -> Draft {
    let mut draft = Draft::default();
    draft.name = match &hints.name {
        Some((file, name)) if is_valid_name(name) => {
            draft.find(file, "project.name", format!("its name, `{name}`"));
            name.clone()
        }
        _ => clean_name(dir_name),
    };
    languages(&mut draft, root, &hints.languages, known);
    super::packages::draft(&mut draft, &hints.native, known);
    super::datastores::draft(&mut draft, &hints.datastores, known);
    super::ci_packages::draft(&mut draft, &hints.ci_packages, known);
    dependencies(&mut draft, &hints.deps, known);
    let vars: Vec<_> = hints.env.iter().chain(&hints.app_env).cloned().collect();
    super::variables::draft(&mut draft, &vars, &hints.reached, known);
    steps(&mut draft, hints.steps);
    for note in hints.notes {
        draft.notes.push(note);
    }
    for note in &draft.notes {
        draft.findings.push(Finding { file: note.file.clone(), entry: "a comment".into(), why: note.text.clone() });
    }
    draft
}

fn languages(draft: &mut Draft, root: &Path, hints: &[Language], known: &Known) {
    let mut groups: Vec<(&str, Vec<&Language>)> = Vec::new();
    for hint in hints {
        let Some(recipe) = known.language(&hint.tool) else {
            let pins = hint.said.as_deref().map(|v| format!(" {v}")).unwrap_or_default();
            let text = format!("also pins {}{pins}: devup has no recipe for it", hint.tool);
            draft.notes.push(Note { file: hint.file.clone(), text });
            continue;
        };
        match groups.iter_mut().find(|(name, _)| *name == recipe.name) {
            Some((_, list)) => list.push(hint),
            None => groups.push((&recipe.name, vec![hint])),
        }
    }
    groups.sort_by_key(|(name, _)| LANGUAGE_ORDER.iter().position(|n| n == name).unwrap_or(usize::MAX));
    for (name, mut list) in groups {
        let recipe = known.get(Section::Languages, name).expect("found above");
        list.sort_by_key(|h| h.rank);
        let mut comments = Vec::new();
        let (choice, failed) = choose_version(root, recipe, &list, &mut comments);
        let (file, value, why) = match &choice {
            Some(c) => (c.hint.file.clone(), c.value.clone(), c.why.clone()),
            None => {
                let present = list.iter().find(|h| h.rank == Rank::Presence).unwrap_or(&list[0]);
                let why = "no version pinned: any will do".to_string();
                (present.file.clone(), Value::Short("*".into()), why)
            }
        };
        // Other sources that ask for something else, as a reminder to keep them in step.
        let means = choice.as_ref().map(|c| c.means.as_str());
        let chosen = choice.as_ref().map(|c| c.hint);
        for hint in list.iter().filter(|h| !failed.iter().any(|f| std::ptr::eq(*f, **h))) {
            if let Some(said) = &hint.said
                && Some(said.trim_start_matches('v')) != means
                && !chosen.is_some_and(|c| std::ptr::eq(c, *hint))
            {
                let asks = if matches!(hint.version, Some(Version::Tested(_))) { "tests on" } else { "asks for" };
                comments.push(format!("{} {asks} {said}", hint.file));
            }
        }
        comments.insert(0, format!("{file}: {why}"));
        let value = if recipe.version_shorthand {
            value
        } else {
            // A recipe without a version shorthand (a user's own): take its defaults.
            Value::Table(Vec::new())
        };
        draft.find(&file, format!("languages.{name}"), &why);
        draft.languages.push(Entry { name: name.to_string(), value, comments: dedup(comments), disabled: None });
    }
}

/// The version a language entry gets: the first source, best rank first, that devup can read.
struct Choice<'a> {
    hint: &'a Language,
    value: Value,
    why: String,
    /// The version it stands for (what a `from` file says).
    means: String,
}

/// Also returns the sources that could not be read or are not followed; why goes into
/// `comments`. A version file or CI's version that the project's manifest refuses (`.nvmrc`
/// says 20, `engines` >=22.18) is stale: a developer following it would fail to install.
fn choose_version<'a>(
    root: &Path,
    recipe: &KnownRecipe,
    list: &[&'a Language],
    comments: &mut Vec<String>,
) -> (Option<Choice<'a>>, Vec<&'a Language>) {
    let syntax = recipe.version_syntax();
    let required: Vec<(&Language, Constraint)> = list
        .iter()
        .filter(|h| h.rank == Rank::Manifest)
        .filter_map(|h| {
            let text = match (&h.said, &h.version) {
                (Some(said), _) => said,
                (None, Some(Version::Constraint(c))) => c,
                _ => return None,
            };
            Some((*h, Constraint::parse_as(syntax, text).ok()?))
        })
        .collect();
    let mut failed = Vec::new();
    for hint in list {
        let (value, why, means) = match &hint.version {
            None => continue,
            // Only files inside the repository are read.
            Some(Version::From(file)) if !is_inside(file) => {
                failed.push(*hint);
                continue;
            }
            Some(Version::From(file)) => match crate::version_file::read(&root.join(file), &recipe.names(), syntax) {
                Ok(v) => {
                    let value = Value::Table(vec![("from".into(), toml::Value::String(file.clone()))]);
                    (value, format!("version {v}, read from the file at each run"), v)
                }
                Err(e) => {
                    comments.push(e);
                    failed.push(*hint);
                    continue;
                }
            },
            Some(Version::Constraint(c)) => match Constraint::parse_as(syntax, c) {
                Ok(_) => (Value::Short(c.clone()), format!("version {c}"), c.clone()),
                Err(_) => {
                    comments.push(format!("{} asks for `{c}`, which devup cannot read as a version", hint.file));
                    failed.push(*hint);
                    continue;
                }
            },
            Some(Version::Tested(versions)) => match tested(syntax, versions, &required) {
                Some((text, why)) => (Value::Short(text.clone()), why, text),
                None => {
                    let tested = versions.join(", ");
                    comments.push(match required.first() {
                        Some((m, c)) => {
                            format!("{} tests on {tested}, which {} refuses ({c}): not followed", hint.file, m.file)
                        }
                        None => format!("{} tests on {tested}, which devup cannot read as versions", hint.file),
                    });
                    failed.push(*hint);
                    continue;
                }
            },
        };
        if hint.rank < Rank::Manifest
            && let Ok(chosen) = Constraint::parse_as(syntax, &means)
            && let Some((m, c)) = required.iter().find(|(_, c)| !chosen.overlaps(c))
        {
            comments.push(format!("{} pins {means}, which {} refuses ({c}): not followed", hint.file, m.file));
            failed.push(*hint);
            continue;
        }
        return (Some(Choice { hint, value, why, means }), failed);
    }
    (None, failed)
}

/// The constraint for the releases CI tests on, in the language's syntax, and why: those the
/// manifests admit, any of them (`20 || 22`, `>=3.10, <3.13`), narrowed to what the manifests
/// ask where a release line is only partly admitted (`22` under `>=22.18.0`: `>=22.18.0
/// <23`). `None` when the manifests admit none.
fn tested(syntax: Syntax, versions: &[String], required: &[(&Language, Constraint)]) -> Option<(String, String)> {
    let admitted =
        |v: &String| Constraint::parse_as(syntax, v).is_ok_and(|line| required.iter().all(|(_, c)| line.overlaps(c)));
    let mut lines: Vec<&str> = versions.iter().filter(|v| admitted(v)).map(String::as_str).collect();
    lines.sort_by_key(|v| crate::version::lenient(v));
    let (first, last) = (*lines.first()?, *lines.last()?);
    let upper = format!("<{}", next_release(last));
    // A few lines as alternatives (`20 || 22`), more as the range they span.
    let text = match (lines.len(), syntax.any_of(&lines)) {
        (1, _) => first.to_string(),
        (2..=3, Some(any)) => any,
        _ => syntax.all_of(&[&format!(">={first}"), &upper]),
    };
    let mut why = format!("CI tests on {}", lines.join(", "));
    let chosen = Constraint::parse_as(syntax, &text).ok()?;
    match required.iter().find(|(_, c)| !chosen.within(c)) {
        None => Some((text, why)),
        Some((m, c)) => {
            why.push_str(&format!(", where {} asks for {c}", m.file));
            let narrowed = syntax.all_of(&[&c.to_string(), &upper]);
            // The manifest's own bounds, where the two cannot be written as one.
            match Constraint::parse_as(syntax, &narrowed) {
                Ok(n) if n.within(c) && n.overlaps(&chosen) => Some((narrowed, why)),
                _ => Some((c.to_string(), why)),
            }
        }
    }
}

/// The release after a version's last number: `3.12` → `3.13`, `22` → `23`.
fn next_release(version: &str) -> String {
    let mut parts: Vec<u64> = version.split('.').map(|p| p.parse().unwrap_or(0)).collect();
    if let Some(last) = parts.last_mut() {
        *last += 1;
    }
    parts.iter().map(u64::to_string).collect::<Vec<_>>().join(".")
}

fn dependencies(draft: &mut Draft, hints: &[Deps], known: &Known) {
    let mut managers: Vec<&str> = Vec::new();
    for hint in hints {
        if !managers.contains(&hint.manager) {
            managers.push(hint.manager);
        }
    }
    managers.sort_by_key(|m| DEPS_ORDER.iter().position(|n| n == m).unwrap_or(usize::MAX));
    for manager in managers {
        let list: Vec<&Deps> = hints.iter().filter(|h| h.manager == manager).collect();
        // One entry per directory (two npm apps of a monorepo); a second file for a directory
        // that already has its entry is named in a comment.
        // Each directory's first file, and its entry's index in `draft.dependencies`.
        let mut entered: Vec<(&Deps, usize)> = Vec::new();
        for hint in list {
            match entered.iter().find(|(e, _)| e.dir == hint.dir) {
                Some((first, index)) => {
                    let text = format!("not installed: devup.toml holds one {manager} entry here, for {}", first.file);
                    draft.find(&hint.file, "a comment", &text);
                    draft.dependencies[*index].comments.push(format!("{}: {text}", hint.file));
                }
                None => {
                    let name = match entered.is_empty() {
                        true => manager.to_string(),
                        false => another_name(draft, known, manager, &hint.dir),
                    };
                    dependency(draft, known, hint, name);
                    entered.push((hint, draft.dependencies.len() - 1));
                }
            }
        }
    }
}

/// One `[dependencies]` entry; named other than its recipe, it says which recipe it uses.
fn dependency(draft: &mut Draft, known: &Known, hint: &Deps, name: String) {
    let manager = hint.manager;
    let entry_name = format!("dependencies.{name}");
    let mut comments = vec![format!("{}: {}", hint.file, hint.why)];
    comments.extend(hint.notes.iter().cloned());
    let mut params = Vec::new();
    if name != manager {
        params.push((crate::manifest::RECIPE_KEY.to_string(), toml::Value::String(manager.to_string())));
    }
    let recipe = known.get(Section::Dependencies, manager);
    for (param, value) in &hint.params {
        match recipe {
            Some(r) if !r.takes(param, value) => {
                comments.push(format!("not set, the recipe takes no such parameter: {param} = {value}"));
            }
            _ => params.push((param.clone(), value.clone())),
        }
    }
    let disabled = recipe.is_none().then(|| format!("devup has no `dependencies/{manager}` recipe"));
    draft.find(&hint.file, &entry_name, disabled.as_deref().unwrap_or(&hint.why));
    draft.dependencies.push(Entry { name, value: Value::Table(params), comments, disabled });
}

/// The name of a second entry of `manager`: its directory's (`apps/docs` → `docs`) when that is
/// a free entry name and no recipe's, else `<manager>-<n>`.
fn another_name(draft: &Draft, known: &Known, manager: &str, dir: &str) -> String {
    let free = |name: &str| {
        !draft.dependencies.iter().any(|e| e.name == name) && known.get(Section::Dependencies, name).is_none()
    };
    let base: String = dir
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '-' })
        .take(64)
        .collect();
    if base.starts_with(|c: char| c.is_ascii_alphanumeric()) && free(&base) {
        return base;
    }
    (2..).map(|n| format!("{manager}-{n}")).find(|name| free(name)).expect("some number is free")
}

fn steps(draft: &mut Draft, steps: Vec<Step>) {
    for mut step in steps {
        let base = step.name.clone();
        let mut n = 2;
        while draft.steps.iter().any(|s| s.name == step.name) {
            step.name = format!("{base}-{n}");
            n += 1;
        }
        let why = step.disabled.as_ref().map_or(step.why.clone(), |reason| format!("commented out: {reason}"));
        draft.find(&step.file, format!("step.{}", step.name), why);
        draft.steps.push(step);
    }
}

/// A relative path that stays inside the repository.
fn is_inside(file: &str) -> bool {
    !file.starts_with('/') && file.split('/').all(|part| !matches!(part, "" | "." | ".."))
}

pub(super) fn dedup(lines: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in lines {
        if !out.contains(&line) {
            out.push(line);
        }
    }
    out
}

/// A name devup accepts for a project (see `manifest::check_name`).
fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// The directory's name made valid: other characters become `-`.
fn clean_name(dir_name: &str) -> String {
    let cleaned: String = dir_name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '-' })
        .collect();
    let cleaned: String = cleaned.trim_start_matches(['-', '_', '.']).chars().take(64).collect();
    if cleaned.is_empty() { "project".to_string() } else { cleaned }
}

#[cfg(test)]
#[path = "draft_tests.rs"]
mod tests;
