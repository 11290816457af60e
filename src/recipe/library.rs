//! Finds recipes: a project's `.devup/recipes/`, then the user's config dir, then the built-in
//! ones embedded in the binary. Recipes are parsed only when a project uses them.

use std::path::{Path, PathBuf};

use super::{Origin, Recipe};
use crate::diagnostic::{Diagnostic, Source};
use crate::manifest::Section;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/recipes.rs"));
}

/// Makes the `Origin` of a recipe found in an override directory.
type OriginOf = fn(PathBuf) -> Origin;

pub struct Library {
    /// Override directories, most specific first.
    overrides: Vec<(PathBuf, OriginOf)>,
    kinds: Vec<&'static str>,
}

impl Library {
    /// `project_dir/.devup/recipes` and `user_dir` (the user's recipes) override built-in ones.
    pub fn new(project_dir: Option<&Path>, user_dir: Option<&Path>, kinds: Vec<&'static str>) -> Library {
        let mut overrides: Vec<(PathBuf, OriginOf)> = Vec::new();
        if let Some(dir) = project_dir {
            overrides.push((dir.join(".devup").join("recipes"), Origin::Project));
        }
        if let Some(dir) = user_dir {
            overrides.push((dir.to_path_buf(), Origin::User));
        }
        Library { overrides, kinds }
    }

    /// The recipe for `name` in `section`, or `None` when there is none.
    pub fn get(&self, section: Section, name: &str) -> Result<Option<Recipe>, Diagnostic> {
        if !is_plain_name(name) {
            return Ok(None);
        }
        for (dir, origin) in &self.overrides {
            let path = dir.join(section.key()).join(format!("{name}.toml"));
            match std::fs::read(&path) {
                Ok(bytes) => {
                    let source = Source::from_bytes(path.display().to_string(), bytes)?;
                    return Recipe::parse(section, name, origin(path), source, &self.kinds).map(Some);
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => {
                    return Err(Diagnostic::in_file(path.display().to_string(), format!("cannot read recipe: {e}")));
                }
            }
        }
        match builtin_text(section, name) {
            Some(text) => {
                let source = Source::new(format!("recipes/{}/{name}.toml (built in)", section.key()), text);
                Recipe::parse(section, name, Origin::Builtin, source, &self.kinds).map(Some)
            }
            None => Ok(None),
        }
    }

    /// Files in the override directories that no lookup ever reads: a recipe outside a
    /// section's folder (`.devup/recipes/python.toml`), or in a folder that is not a section.
    /// Each comes with where it should go.
    pub fn misplaced(&self) -> Vec<String> {
        let mut found = Vec::new();
        for (dir, _) in &self.overrides {
            let Ok(entries) = std::fs::read_dir(dir) else { continue };
            // A project's own are named from the project (`.devup/recipes/python.toml`).
            let base = dir.parent().and_then(Path::parent).filter(|_| dir.ends_with(".devup/recipes"));
            let shown = |p: &Path| base.and_then(|b| p.strip_prefix(b).ok()).unwrap_or(p).display().to_string();
            let mut entries: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
            entries.sort();
            for path in entries {
                let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
                if path.is_dir() {
                    if Section::ALL.iter().all(|s| s.key() != name) {
                        let sections: Vec<&str> = Section::ALL.iter().map(|s| s.key()).collect();
                        found.push(format!(
                            "{} is not a section: its recipes are not used; recipe folders are {}",
                            shown(&path),
                            sections.join(", ")
                        ));
                    }
                } else if let Some(stem) = name.strip_suffix(".toml") {
                    let section = Section::ALL
                        .into_iter()
                        .find(|s| builtin_names(*s).any(|n| n == stem))
                        .map_or("<section>", |s| s.key());
                    found.push(format!(
                        "{} is not used: a recipe goes in its section's folder, such as {}",
                        shown(&path),
                        shown(&dir.join(section).join(&name))
                    ));
                }
            }
        }
        found
    }

    /// Names of every recipe available in a section, for listings and "did you mean".
    pub fn names(&self, section: Section) -> Vec<String> {
        let mut names: Vec<String> = builtin_names(section).map(str::to_string).collect();
        for (dir, _) in &self.overrides {
            let Ok(files) = std::fs::read_dir(dir.join(section.key())) else {
                continue;
            };
            for file in files.flatten() {
                let path = file.path();
                if path.extension().is_some_and(|e| e == "toml")
                    && let Some(stem) = path.file_stem().and_then(|s| s.to_str())
                {
                    names.push(stem.to_string());
                }
            }
        }
        names.sort();
        names.dedup();
        names
    }
}

/// Recipe names come from project files: anything that could walk out of the recipe
/// directory (`../x`, `a/b`) simply names no recipe.
fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !name.starts_with('.')
}

fn builtin_text(section: Section, name: &str) -> Option<&'static str> {
    let key = format!("{}/{name}", section.key());
    embedded::EMBEDDED.iter().find(|(k, _)| *k == key).map(|(_, text)| *text)
}

fn builtin_names(section: Section) -> impl Iterator<Item = &'static str> {
    embedded::EMBEDDED.iter().filter_map(move |(key, _)| key.strip_prefix(section.key())?.strip_prefix('/'))
}

/// A built-in file of `recipes/` that is data rather than a recipe, such as `native/python`
/// (what Python packages need from the system, for `devup init`).
pub fn builtin_data(key: &str) -> Option<&'static str> {
    embedded::EMBEDDED.iter().find(|(k, _)| *k == key).map(|(_, text)| *text)
}

/// The names of the built-in data files in a directory of `recipes/` (`native`: `python`, ...).
pub fn builtin_data_names(dir: &str) -> impl Iterator<Item = &'static str> {
    let prefix = format!("{dir}/");
    embedded::EMBEDDED.iter().filter_map(move |(key, _)| key.strip_prefix(prefix.as_str()))
}

/// Every built-in recipe, for tests and `devup recipes`.
pub fn builtins() -> impl Iterator<Item = (Section, &'static str)> {
    Section::ALL.into_iter().flat_map(|section| builtin_names(section).map(move |name| (section, name)))
}
