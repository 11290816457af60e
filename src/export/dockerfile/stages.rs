//! Where each dependency install runs in the image: in a build stage of its own, or in sequence
//! in the image itself.
//!
//! Layers are a chain: a changed lockfile re-runs its install and every instruction after it.
//! Installs in sequence would re-run each other (a changed `requirements.txt` would install
//! `node_modules` again). An install whose whole result is a directory of the project that devup
//! knows (the directory holding its in-project stamp: `.venv`, `node_modules`) runs instead in a
//! stage of its own, built from the common base (system packages, languages, environment), and
//! the image copies that directory in: a changed lockfile re-runs only its own stage.
//!
//! The installs that build one directory share its stage, in the engine's order (the venv, then
//! the requirements into it). A group stays in the image's sequence when one of its installs
//! needs an install outside it: a stage sees only the base. What an install writes elsewhere
//! (system gems, `~/.cargo`, `GOPATH`, a stamp kept in devup's state directory) cannot be copied
//! from a stage by a directory devup knows, so such installs run in the image, in sequence.

use std::path::Path;

/// A dependency install, as far as where it runs is concerned.
pub struct Placed<'a> {
    pub id: &'a str,
    /// The directory of the project that holds its stamp (`.venv`), when it has one.
    pub dir: Option<&'a str>,
    /// The installs it needs, directly or through other steps (their ids).
    pub needs: &'a [String],
}

/// A directory of the project built in a stage of its own.
#[derive(Debug, PartialEq, Eq)]
pub struct Stage {
    pub dir: String,
    /// The stage's name in the Dockerfile (`install-venv`).
    pub name: String,
    /// Indices of its installs, in the engine's order.
    pub installs: Vec<usize>,
}

/// Where each install runs, by index in the engine's order.
#[derive(Debug, PartialEq, Eq)]
pub struct Layout {
    pub stages: Vec<Stage>,
    /// Installs in the image that need none of the stages: before their directories are copied
    /// in, so that a changed lockfile of a stage re-runs none of them.
    pub before: Vec<usize>,
    /// Installs in the image that need a stage's result: after its directory is copied in.
    pub after: Vec<usize>,
}

pub fn layout(installs: &[Placed]) -> Layout {
    let mut stages: Vec<Stage> = Vec::new();
    for (i, install) in installs.iter().enumerate() {
        let Some(dir) = install.dir else { continue };
        match stages.iter_mut().find(|s| s.dir == dir) {
            Some(stage) => stage.installs.push(i),
            None => stages.push(Stage { dir: dir.to_string(), name: String::new(), installs: vec![i] }),
        }
    }
    // A stage sees the base only: a group needing another install stays in sequence.
    stages.retain(|stage| {
        stage.installs.iter().all(|&i| {
            installs[i].needs.iter().all(|need| installs.iter().any(|o| o.id == need && o.dir == installs[i].dir))
        })
    });
    let mut names: Vec<String> = Vec::new();
    for stage in &mut stages {
        let base = stage_name(&stage.dir);
        let mut name = base.clone();
        let mut n = 1;
        while names.contains(&name) {
            n += 1;
            name = format!("{base}-{n}");
        }
        names.push(name.clone());
        stage.name = name;
    }
    let staged = |id: &str| stages.iter().any(|s| s.installs.iter().any(|&i| installs[i].id == id));
    let (mut before, mut after) = (Vec::new(), Vec::new());
    for (i, install) in installs.iter().enumerate() {
        if staged(install.id) {
            continue;
        }
        if install.needs.iter().any(|need| staged(need)) {
            after.push(i);
        } else {
            before.push(i);
        }
    }
    Layout { stages, before, after }
}

/// The directories of the project holding the installs' stamps (`.venv`, `node_modules`): a
/// stamp's directory, or the outermost one of those containing it (pip's extra requirements
/// keep theirs in `.venv/.devup-extra/`, inside the venv).
pub fn built_dirs<'a>(stamps: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut dirs: Vec<String> = Vec::new();
    for stamp in stamps {
        let Some(dir) = Path::new(stamp).parent().map(|d| d.display().to_string()) else { continue };
        let inside = !dir.is_empty() && !Path::new(&dir).is_absolute() && !dir.starts_with("..") && dir != ".";
        if inside && !dirs.contains(&dir) {
            dirs.push(dir);
        }
    }
    let outer: Vec<String> =
        dirs.iter().filter(|d| !dirs.iter().any(|o| o != *d && Path::new(d).starts_with(o))).cloned().collect();
    outer
}

/// The built directory holding `stamp`, if any.
pub fn dir_of<'a>(stamp: &str, dirs: &'a [String]) -> Option<&'a str> {
    dirs.iter().find(|d| Path::new(stamp).starts_with(d)).map(String::as_str)
}

/// A stage's name from its directory, in the characters stage names allow: `.venv` →
/// `install-venv`, `web/node_modules` → `install-web-node_modules`.
fn stage_name(dir: &str) -> String {
    let name: String = dir
        .chars()
        .map(|c| c.to_ascii_lowercase())
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '-' })
        .collect();
    let name = name.trim_matches('-');
    if name.is_empty() { "install".to_string() } else { format!("install-{name}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placed<'a>(id: &'a str, dir: Option<&'a str>, needs: &'a [String]) -> Placed<'a> {
        Placed { id, dir, needs }
    }

    #[test]
    fn each_directory_is_a_stage_and_what_writes_elsewhere_stays_in_sequence() {
        let none: Vec<String> = Vec::new();
        let venv = vec!["venv".to_string()];
        let installs = [
            placed("venv", Some(".venv"), &none),
            placed("gems", None, &none),
            placed("requirements", Some(".venv"), &venv),
            placed("npm", Some("node_modules"), &none),
            placed("after-venv", None, &venv),
        ];
        let layout = layout(&installs);
        let stages: Vec<(&str, &str, &[usize])> =
            layout.stages.iter().map(|s| (s.dir.as_str(), s.name.as_str(), s.installs.as_slice())).collect();
        assert_eq!(
            stages,
            [(".venv", "install-venv", &[0, 2][..]), ("node_modules", "install-node_modules", &[3][..])]
        );
        assert_eq!(layout.before, [1]);
        assert_eq!(layout.after, [4]);
    }

    #[test]
    fn a_group_needing_another_install_stays_in_sequence() {
        let none: Vec<String> = Vec::new();
        let gems = vec!["gems".to_string()];
        let npm = vec!["gems".to_string(), "npm".to_string()];
        let installs = [
            placed("gems", None, &none),
            placed("npm", Some("node_modules"), &gems),
            placed("npm-more", Some("node_modules"), &npm),
            placed("vendor", Some("Vendor"), &none),
        ];
        let layout = layout(&installs);
        assert_eq!(layout.stages.len(), 1);
        assert_eq!(layout.stages[0].name, "install-vendor");
        assert_eq!(layout.before, [0, 1, 2]);
        assert!(layout.after.is_empty());
    }

    #[test]
    fn stage_names_are_distinct() {
        let none: Vec<String> = Vec::new();
        let installs = [placed("a", Some("A/x"), &none), placed("b", Some("a/x"), &none)];
        let names: Vec<String> = layout(&installs).stages.into_iter().map(|s| s.name).collect();
        assert_eq!(names, ["install-a-x", "install-a-x-2"]);
    }

    #[test]
    fn built_directories_are_the_outermost_holding_a_stamp_in_the_project() {
        let stamps = [
            ".venv/.devup-venv",
            ".venv/.devup-extra/requirements/test.txt",
            "web/node_modules/.devup-fingerprint",
            "/root/.local/state/devup/projects/p/deps/x",
            ".devup-stamp",
            "../elsewhere/stamp",
        ];
        let dirs = built_dirs(stamps.into_iter());
        assert_eq!(dirs, [".venv", "web/node_modules"]);
        assert_eq!(dir_of(".venv/.devup-extra/requirements/test.txt", &dirs), Some(".venv"));
        assert_eq!(dir_of("/root/.local/state/devup/projects/p/deps/x", &dirs), None);
    }
}
