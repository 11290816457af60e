//! Trust: what a project can make run (its commands, its own recipes, files whose content
//! devup runs, its `[env]`) runs only after a person approved it on this machine.
//!
//! What is approved is what can execute code or change how code executes, not the file:
//!
//! - the commands of the project's own steps (`[[step]]`s and the steps of its recipes), with
//!   a `[[step]]`'s `env` and directory;
//! - the project's own recipe files, read as TOML (comments and layout do not count);
//! - files whose content devup runs: a recipe parameter marked `runs` (postgres' `init_sql`:
//!   `psql` runs what the file says, its `\!` included);
//! - the project's `[env]`: it reaches every command devup runs, and activation (`devup
//!   activate`) and `devup exec` put it into the user's shell, where `PATH`, `LD_PRELOAD` or
//!   `NODE_OPTIONS` change what runs.
//!
//! An edit that changes none of these (a comment, a version, a database name, a server
//! setting) is not asked about again. Each approval adds the sha256 of what it covered to the
//! project's record, so returning to a version approved before does not ask either; the last
//! approval is kept whole, to show what changed since.
//!
//! Built-in recipes and the user's own recipes are trusted: they do not come with the
//! repository. `up`, `plan` and `doctor` ask only when the project runs something of its own
//! (what they show then includes its `[env]`); activation and `exec` ask whenever there is
//! anything to approve.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::project::Project;
use crate::state::{Store, sha256_hex};
use crate::step::action::Action;
use crate::step::{Cx, Resource, Status};
use crate::system::System;

/// What a person approves: what the project makes devup run, and the hash of it all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    /// The sha256 of `lines`, `env` and `files` together.
    pub sha256: String,
    /// One line per command or effect: `step.env-file: cp .env.example .env`.
    pub lines: Vec<String>,
    /// One line per variable of `[env]`, as written: `LD_PRELOAD = "./lib.so"` (an approval
    /// recorded by an older devup has none).
    #[serde(default)]
    pub env: Vec<String>,
    /// The project's own recipes and the files devup runs, by their path in the project, with
    /// the sha256 of what counts in them.
    #[serde(default)]
    pub files: BTreeMap<String, String>,
    /// What an older devup hashed (devup.toml's text and the recipes'), to honour its record.
    #[serde(skip)]
    legacy_sha256: String,
}

impl Review {
    /// Whether the project runs something of its own (commands, recipes, files devup runs),
    /// and not only sets variables.
    pub fn runs_commands(&self) -> bool {
        !self.lines.is_empty() || !self.files.is_empty()
    }
}

pub enum Verdict {
    Trusted,
    /// Never approved (`previous` is None), or approved only when it said something else.
    Untrusted {
        previous: Option<Review>,
    },
}

/// What the project would have devup run and what its `[env]` sets; `None` when neither.
pub fn review(project: &Project) -> Option<Review> {
    let mut lines = Vec::new();
    for step in project.steps.iter().filter(|s| s.from_project) {
        let commands = step.resource.commands();
        if commands.is_empty() {
            lines.push(format!("{}: {}", step.id, step.resource.action()));
        }
        lines.extend(commands.into_iter().map(|c| format!("{}: {c}", step.id)));
    }
    for custom in &project.manifest.steps {
        let id = format!("step.{}", custom.name);
        if let Some(dir) = &custom.cwd {
            lines.push(format!("{id}: in {dir}"));
        }
        lines.extend(custom.env.iter().map(|var| format!("{id}: env {}", quoted(&var.name, &var.value))));
    }
    let env: Vec<String> = project.manifest.env.iter().map(|var| quoted(&var.name, &var.value)).collect();
    let recipes = project_recipe_files(project);
    let mut files = BTreeMap::new();
    for file in &recipes {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        // Read as TOML, a comment or the layout does not count; an unreadable one counts whole.
        let meaning = toml::from_str::<toml::Value>(&text)
            .ok()
            .and_then(|v| serde_json::to_string(&v).ok())
            .unwrap_or_else(|| text.clone());
        files.insert(relative(project, file), sha256_hex(meaning.as_bytes()));
    }
    for (written, path) in &project.run_files {
        let sha = std::fs::read(path).map_or_else(|_| "missing".to_string(), |bytes| sha256_hex(&bytes));
        files.insert(written.clone(), sha);
    }
    if lines.is_empty() && env.is_empty() && files.is_empty() {
        return None;
    }
    let covered = serde_json::json!({ "lines": lines, "env": env, "files": files });
    let mut legacy = project.manifest.source.text.clone();
    for file in &recipes {
        legacy.push_str(&format!("\n--- {}\n", file.display()));
        legacy.push_str(&std::fs::read_to_string(file).unwrap_or_default());
    }
    Some(Review {
        sha256: sha256_hex(covered.to_string().as_bytes()),
        lines,
        env,
        files,
        legacy_sha256: sha256_hex(legacy.as_bytes()),
    })
}

fn quoted(name: &str, value: &str) -> String {
    format!("{name} = {}", serde_json::Value::from(value))
}

fn relative(project: &Project, file: &std::path::Path) -> String {
    file.strip_prefix(&project.manifest.dir).unwrap_or(file).display().to_string()
}

/// The project's own recipe files that its entries use.
fn project_recipe_files(project: &Project) -> Vec<PathBuf> {
    let dir = project.manifest.dir.join(".devup").join("recipes");
    project
        .manifest
        .entries
        .iter()
        .map(|e| dir.join(e.section.key()).join(format!("{}.toml", e.recipe)))
        .filter(|p| p.is_file())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// How many approvals a project's record keeps: enough for any branch a person goes back to.
const KEPT: usize = 64;

/// The approval record of a project (`trust.json`).
#[derive(Debug, Serialize, Deserialize)]
struct Record {
    /// The sha256 of every version approved, oldest first.
    approved: Vec<String>,
    /// The last approval, whole: what a change is shown against.
    last: Review,
}

fn record_path(store: &Store) -> PathBuf {
    store.dir.join("trust.json")
}

/// The record, read; an older devup's (one approval, of the files' text) as one.
fn read_record(store: &Store) -> Option<Record> {
    let text = std::fs::read_to_string(record_path(store)).ok()?;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    if value.get("approved").is_some() {
        return serde_json::from_value(value).ok();
    }
    let mut old: Review = serde_json::from_value(value).ok()?;
    old.legacy_sha256 = std::mem::take(&mut old.sha256);
    Some(Record { approved: Vec::new(), last: old })
}

pub fn verdict(store: &Store, review: &Review) -> Verdict {
    match read_record(store) {
        Some(record) if record.approved.contains(&review.sha256) || legacy_holds(&record, review) => Verdict::Trusted,
        record => Verdict::Untrusted { previous: record.map(|r| r.last) },
    }
}

/// Whether an older devup's approval covers this review: the same files' text, or, without
/// files of the project, the same commands and variables (which it recorded).
fn legacy_holds(record: &Record, review: &Review) -> bool {
    let old = &record.last;
    !old.legacy_sha256.is_empty()
        && (old.legacy_sha256 == review.legacy_sha256
            || (review.files.is_empty() && old.lines == review.lines && old.env == review.env))
}

pub fn approve(system: &System, store: &Store, review: &Review) -> std::io::Result<()> {
    let mut approved = read_record(store).map(|r| r.approved).unwrap_or_default();
    approved.retain(|sha| sha != &review.sha256);
    approved.push(review.sha256.clone());
    if approved.len() > KEPT {
        approved.drain(..approved.len() - KEPT);
    }
    let record = Record { approved, last: review.clone() };
    system.create_dir_all(&store.dir, None)?;
    let json = serde_json::to_vec_pretty(&record).map_err(std::io::Error::other)?;
    system.write_atomic(&record_path(store), &json, None)
}

/// The text shown before approval: everything, or exactly what changed since the last approval.
pub fn describe(review: &Review, previous: Option<&Review>) -> String {
    let mut text = String::new();
    match previous {
        None => {
            if !review.lines.is_empty() {
                text.push_str("This project runs these commands of its own:\n");
                for line in &review.lines {
                    text.push_str(&format!("  {line}\n"));
                }
            }
            let (recipes, runs) = split_files(&review.files);
            if !recipes.is_empty() {
                text.push_str("It brings its own recipes (what they say counts, not their comments):\n");
                for path in recipes {
                    text.push_str(&format!("  {path}\n"));
                }
            }
            if !runs.is_empty() {
                text.push_str("devup runs what these files of the project say:\n");
                for path in runs {
                    text.push_str(&format!("  {path}\n"));
                }
            }
            if !review.env.is_empty() {
                text.push_str(if review.runs_commands() {
                    "Its [env] sets these variables for them, and in your shell when activated:\n"
                } else {
                    "This project's [env] sets these variables for the commands devup runs, and in your shell when activated:\n"
                });
                for line in &review.env {
                    text.push_str(&format!("  {line}\n"));
                }
            }
        }
        Some(old) => {
            let files_changed: Vec<String> = changed_files(&review.files, &old.files);
            let (commands, env) = (review.lines != old.lines, review.env != old.env);
            text.push_str(match (commands || !files_changed.is_empty(), env) {
                (true, true) => "The project's commands and [env] changed since you approved them:\n",
                (true, false) => "The project's commands changed since you approved them:\n",
                (false, true) => "The project's [env] changed since you approved it:\n",
                (false, false) => "The project changed since you approved it:\n",
            });
            let changed = |now: &[String], before: &[String], prefix: &str, text: &mut String| {
                for line in now.iter().filter(|l| !before.contains(l)) {
                    text.push_str(&format!("  + {prefix}{line}\n"));
                }
                for line in before.iter().filter(|l| !now.contains(l)) {
                    text.push_str(&format!("  - {prefix}{line}\n"));
                }
            };
            changed(&review.lines, &old.lines, "", &mut text);
            changed(&review.env, &old.env, "[env] ", &mut text);
            for line in files_changed {
                text.push_str(&format!("  {line}\n"));
            }
        }
    }
    text
}

fn is_recipe(path: &str) -> bool {
    path.starts_with(".devup/recipes/")
}

fn split_files(files: &BTreeMap<String, String>) -> (Vec<&str>, Vec<&str>) {
    files.keys().map(String::as_str).partition(|p| is_recipe(p))
}

/// One line per file added, removed or changed: `~ db/seed.sql (its content changed)`.
fn changed_files(now: &BTreeMap<String, String>, before: &BTreeMap<String, String>) -> Vec<String> {
    let what = |path: &str| if is_recipe(path) { "recipe" } else { "file devup runs" };
    let mut lines = Vec::new();
    for (path, sha) in now {
        match before.get(path) {
            None => lines.push(format!("+ {path} ({} of the project)", what(path))),
            Some(old) if old != sha => lines.push(format!("~ {path} (its content changed)")),
            Some(_) => {}
        }
    }
    for path in before.keys().filter(|p| !now.contains_key(*p)) {
        lines.push(format!("- {path} (no longer used)"));
    }
    lines
}

/// Replaces the project's own steps by stand-ins that neither check nor apply, for `plan` and
/// `doctor` on a project that is not trusted yet: checks are commands too.
pub fn gate(project: &mut Project) {
    for step in project.steps.iter_mut().filter(|s| s.from_project) {
        let inner = std::mem::replace(&mut step.resource, Box::new(Untrusted(None)));
        step.resource = Box::new(Untrusted(Some(inner)));
    }
}

struct Untrusted(Option<Box<dyn Resource>>);

impl Untrusted {
    fn inner(&self) -> &dyn Resource {
        self.0.as_deref().expect("gate wraps a resource")
    }
}

impl Resource for Untrusted {
    fn describe(&self) -> String {
        self.inner().describe()
    }

    fn check(&self, _cx: &Cx) -> Status {
        Status::unknown("the project's commands are not trusted yet (run `devup trust`)")
    }

    fn action(&self) -> String {
        format!("{}, once trusted", self.inner().action())
    }

    fn actions(&self, _step_id: &str) -> Option<Vec<Action>> {
        Some(vec![Action::Fail {
            message: "the project's commands are not trusted yet".to_string(),
            hint: Some("review and approve them with `devup trust`".to_string()),
        }])
    }

    fn commands(&self) -> Vec<String> {
        self.inner().commands()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn review(lines: &[&str]) -> Review {
        Review {
            sha256: lines.join("|"),
            lines: lines.iter().map(|s| s.to_string()).collect(),
            env: Vec::new(),
            files: BTreeMap::new(),
            legacy_sha256: String::new(),
        }
    }

    #[test]
    fn describes_everything_the_first_time_and_then_only_changes() {
        let now = review(&["step.a: true", "step.b: make"]);
        assert_eq!(
            describe(&now, None),
            "This project runs these commands of its own:\n  step.a: true\n  step.b: make\n"
        );
        let before = review(&["step.a: true", "step.b: make all"]);
        assert_eq!(
            describe(&now, Some(&before)),
            "The project's commands changed since you approved them:\n  + step.b: make\n  - step.b: make all\n"
        );
    }

    #[test]
    fn an_approval_holds_until_the_files_change() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store { dir: dir.path().join("p") };
        let r = review(&["step.a: true"]);
        assert!(matches!(verdict(&store, &r), Verdict::Untrusted { previous: None }));
        approve(&System::new(), &store, &r).unwrap();
        assert!(matches!(verdict(&store, &r), Verdict::Trusted));
        let changed = review(&["step.a: false"]);
        assert!(matches!(verdict(&store, &changed), Verdict::Untrusted { previous: Some(_) }));
    }

    #[test]
    fn approvals_are_a_set_of_the_last_versions() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store { dir: dir.path().join("p") };
        let versions: Vec<Review> = (0..KEPT + 2).map(|n| review(&[&format!("step.a: make {n}")])).collect();
        for v in &versions {
            approve(&System::new(), &store, v).unwrap();
        }
        // Approving one again moves it to the end, without a second copy.
        approve(&System::new(), &store, &versions[5]).unwrap();
        let record = read_record(&store).unwrap();
        assert_eq!(record.approved.len(), KEPT);
        assert_eq!(record.last, versions[5]);
        assert!(matches!(verdict(&store, &versions[0]), Verdict::Untrusted { previous: Some(_) }));
        for v in &versions[3..] {
            assert!(matches!(verdict(&store, v), Verdict::Trusted), "{v:?}");
        }
    }
}
