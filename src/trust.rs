//! Trust: commands that come from a project (its devup.toml and its own recipes) run only after
//! a person approved them on this machine.
//!
//! The approval is recorded in the project's state folder against the sha256 of those files,
//! together with the list of what they run, so that a change asks again and shows what changed.
//! Built-in recipes and the user's own recipes are trusted: they do not come with the repository.
//!
//! The project's `[env]` is part of what is approved: it reaches every command devup runs, and
//! activation (`devup activate`) and `devup exec` put it into the user's shell, where `PATH`,
//! `LD_PRELOAD` or `NODE_OPTIONS` change what runs. `up`, `plan` and `doctor` ask only when the
//! project runs commands of its own (what they show then includes its `[env]`); activation and
//! `exec` ask whenever there is anything to approve.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::project::Project;
use crate::resources::{Cx, Failure, Resource, Status};
use crate::state::{Store, sha256_hex};
use crate::system::System;

/// What a person approves: the project's files (by hash) and what they make devup do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    pub sha256: String,
    /// One line per command or effect: `step.env-file: cp .env.example .env`.
    pub lines: Vec<String>,
    /// One line per variable of `[env]`, as written: `LD_PRELOAD = "./lib.so"` (an approval
    /// recorded by an older devup has none).
    #[serde(default)]
    pub env: Vec<String>,
}

impl Review {
    /// Whether the project runs commands of its own (and not only sets variables).
    pub fn runs_commands(&self) -> bool {
        !self.lines.is_empty()
    }
}

pub enum Verdict {
    Trusted,
    /// Never approved (`previous` is None), or approved when the files said something else.
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
    let env: Vec<String> = project
        .manifest
        .env
        .iter()
        .map(|var| format!("{} = {}", var.name, serde_json::Value::from(var.value.as_str())))
        .collect();
    if lines.is_empty() && env.is_empty() {
        return None;
    }
    let mut hashed = project.manifest.source.text.clone();
    for file in project_recipe_files(project) {
        hashed.push_str(&format!("\n--- {}\n", file.display()));
        hashed.push_str(&std::fs::read_to_string(&file).unwrap_or_default());
    }
    Some(Review { sha256: sha256_hex(hashed.as_bytes()), lines, env })
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

fn record_path(store: &Store) -> PathBuf {
    store.dir.join("trust.json")
}

pub fn verdict(store: &Store, review: &Review) -> Verdict {
    let previous: Option<Review> =
        std::fs::read_to_string(record_path(store)).ok().and_then(|text| serde_json::from_str(&text).ok());
    match previous {
        Some(approved) if approved.sha256 == review.sha256 => Verdict::Trusted,
        previous => Verdict::Untrusted { previous },
    }
}

pub fn approve(system: &System, store: &Store, review: &Review) -> std::io::Result<()> {
    system.create_dir_all(&store.dir, None)?;
    let json = serde_json::to_vec_pretty(review).map_err(std::io::Error::other)?;
    system.write_atomic(&record_path(store), &json, None)
}

/// The text shown before approval: everything, or what changed since the last approval.
pub fn describe(review: &Review, previous: Option<&Review>) -> String {
    let mut text = String::new();
    match previous {
        None => {
            if review.runs_commands() {
                text.push_str("This project runs these commands of its own:\n");
                for line in &review.lines {
                    text.push_str(&format!("  {line}\n"));
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
            if review.runs_commands() || old.runs_commands() {
                text.push_str("The project's commands changed since you approved them:\n");
            } else {
                text.push_str("The project's [env] changed since you approved it:\n");
            }
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
            if review.lines == old.lines && review.env == old.env {
                text.push_str("  (the same commands; the project file or its recipes changed otherwise)\n");
            }
        }
    }
    text
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

    fn apply(&self, _cx: &Cx) -> Result<(), Failure> {
        Err(Failure::new("the project's commands are not trusted yet")
            .with_hint("review and approve them with `devup trust`"))
    }

    fn commands(&self) -> Vec<String> {
        self.inner().commands()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn review(lines: &[&str]) -> Review {
        Review { sha256: lines.join("|"), lines: lines.iter().map(|s| s.to_string()).collect(), env: Vec::new() }
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
}
