//! Activation: the project's environment in the user's own shell, applied while the shell is in
//! the project's tree and undone on leaving it.
//!
//! `devup activate SHELL` prints a hook for the shell's rc file (`shell.rs`). Before each prompt
//! (and on `cd`, where the shell has an event for it) the hook runs `devup hook-env SHELL` and
//! evaluates what it prints. The hook first walks up from `$PWD` itself, with the shell's
//! builtins: outside any project, with nothing applied, devup is not even started.
//!
//! What is applied is kept in the shell, in `__DEVUP_STATE` (`Applied`): the project, the files
//! whose change means computing again (`Watch`) with their size and mtime, the value each
//! variable had before and a digest of the value set, and the directories put first on PATH.
//! In the same project with no watched file changed, `hook-env` reads nothing else and prints
//! nothing. Otherwise it undoes what was applied, in memory (`Env`), opens the project as
//! `devup env` does, applies its environment, and prints only the variables whose value
//! differs from the shell's.

pub mod shell;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::state::sha256_hex;

/// The shell variable that holds what activation applied (`Applied`, as JSON).
pub const STATE_VAR: &str = "__DEVUP_STATE";

/// What activation applied in a shell, or why it did not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applied {
    /// The devup that wrote it: another version computes again.
    pub version: String,
    /// The project's directory (where its devup.toml is), as the shell names it.
    pub dir: PathBuf,
    /// The project's name, for messages.
    pub name: String,
    pub watches: Vec<Watch>,
    /// The variables set, in the order they were set.
    #[serde(default)]
    pub vars: Vec<Set>,
    /// The directories put first on PATH.
    #[serde(default)]
    pub path: Vec<String>,
    /// Why the project is not active (its commands are not approved, its file is invalid):
    /// said once, then not again while it stays the same.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused: Option<String>,
}

/// A variable activation set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Set {
    pub name: String,
    /// Its value before, restored on leaving; none when it was not set.
    pub before: Option<String>,
    /// A digest of the value set: a value the user set since is theirs, and stays.
    pub digest: String,
}

/// A file whose change means computing the environment again, and its stamp when it was
/// computed: `[mtime seconds, nanoseconds, size, inode]`, none when the file did not exist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Watch {
    pub path: PathBuf,
    pub stamp: Option<[i64; 4]>,
}

impl Watch {
    pub fn of(path: PathBuf) -> Watch {
        let stamp = stamp(&path);
        Watch { path, stamp }
    }

    pub fn unchanged(&self) -> bool {
        stamp(&self.path) == self.stamp
    }
}

fn stamp(path: &Path) -> Option<[i64; 4]> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path).ok()?;
    Some([meta.mtime(), meta.mtime_nsec(), meta.size() as i64, meta.ino() as i64])
}

impl Applied {
    /// Nothing applied yet in `dir`; `version` is this devup's.
    pub fn new(dir: PathBuf, name: String, watches: Vec<Watch>) -> Applied {
        Applied {
            version: env!("CARGO_PKG_VERSION").to_string(),
            dir,
            name,
            watches,
            vars: Vec::new(),
            path: Vec::new(),
            refused: None,
        }
    }

    pub fn refused(mut self, why: String) -> Applied {
        self.refused = Some(why);
        self
    }

    pub fn decode(text: &str) -> Option<Applied> {
        serde_json::from_str(text).ok()
    }

    pub fn encode(&self) -> String {
        serde_json::to_string(self).expect("serialises")
    }

    pub fn is_active(&self) -> bool {
        self.refused.is_none()
    }

    /// Whether what was applied still holds for the project in `dir`: the same devup, and no
    /// watched file changed.
    pub fn holds_for(&self, dir: &Path) -> bool {
        self.dir == dir && self.version == env!("CARGO_PKG_VERSION") && self.watches.iter().all(Watch::unchanged)
    }

    /// Whether two activations set the same values (what they restore may differ).
    pub fn same_values(&self, other: &Applied) -> bool {
        let values = |a: &Applied| a.vars.iter().map(|s| (s.name.clone(), s.digest.clone())).collect::<Vec<_>>();
        values(self) == values(other) && self.path == other.path
    }

    /// The variables (and PATH) whose values differ from `other`'s, for a message.
    pub fn changed_names(&self, other: &Applied) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        let theirs: BTreeMap<&str, &str> = other.vars.iter().map(|s| (s.name.as_str(), s.digest.as_str())).collect();
        let ours: BTreeMap<&str, &str> = self.vars.iter().map(|s| (s.name.as_str(), s.digest.as_str())).collect();
        for name in ours.keys().chain(theirs.keys()) {
            if ours.get(name) != theirs.get(name) && !names.iter().any(|n| n == name) {
                names.push(name.to_string());
            }
        }
        if self.path != other.path && !names.iter().any(|n| n == "PATH") {
            names.push("PATH".to_string());
        }
        names.sort();
        names
    }

    /// `3 variables, 2 directories first on PATH`.
    pub fn summary(&self) -> String {
        let plural = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        match (self.vars.len(), self.path.len()) {
            (0, 0) => "nothing to set".to_string(),
            (v, 0) => plural(v, "variable", "variables"),
            (0, p) => format!("{} first on PATH", plural(p, "directory", "directories")),
            (v, p) => format!(
                "{}, {} first on PATH",
                plural(v, "variable", "variables"),
                plural(p, "directory", "directories")
            ),
        }
    }
}

/// How a variable's value is read from the environment activation starts from.
type Read = dyn Fn(&str) -> Option<String>;

/// The shell's variables as activation changes them, in memory until printed: values read from
/// the environment devup was started with, and what was set or unset since.
pub struct Env {
    read: Box<Read>,
    changed: BTreeMap<String, Option<String>>,
}

impl Env {
    /// The environment of this process (the shell's, for `hook-env`): any variable a project
    /// sets may have to be restored, so each is read when asked for (`settings::variable`).
    pub fn from_process() -> Env {
        Env::new(|name| crate::settings::variable(name).map(|v| v.to_string_lossy().into_owned()))
    }

    pub fn new(read: impl Fn(&str) -> Option<String> + 'static) -> Env {
        Env { read: Box::new(read), changed: BTreeMap::new() }
    }

    pub fn get(&self, name: &str) -> Option<String> {
        match self.changed.get(name) {
            Some(value) => value.clone(),
            None => (self.read)(name),
        }
    }

    pub fn set(&mut self, name: &str, value: Option<String>) {
        self.changed.insert(name.to_string(), value);
    }

    /// What differs from the environment read: each name with its new value, or none to unset
    /// it; by name.
    pub fn changes(&self) -> Vec<(String, Option<String>)> {
        self.changed
            .iter()
            .filter(|(name, value)| (self.read)(name) != **value)
            .map(|(n, v)| (n.clone(), v.clone()))
            .collect()
    }
}

fn digest(value: &str) -> String {
    sha256_hex(value.as_bytes())[..16].to_string()
}

/// Undoes an activation: its directories leave PATH (wherever they are now: what the user
/// added since stays), then each variable gets its value from before back, unless the user
/// set another since.
pub fn undo(applied: &Applied, env: &mut Env) {
    if !applied.path.is_empty() {
        let now = env.get("PATH").unwrap_or_default();
        let mut entries: Vec<&str> = now.split(':').filter(|e| !e.is_empty()).collect();
        for dir in &applied.path {
            if let Some(i) = entries.iter().position(|e| e == dir) {
                entries.remove(i);
            }
        }
        env.set("PATH", if entries.is_empty() && now.is_empty() { None } else { Some(entries.join(":")) });
    }
    for set in applied.vars.iter().rev() {
        if env.get(&set.name).is_some_and(|now| digest(&now) == set.digest) {
            env.set(&set.name, set.before.clone());
        }
    }
}

/// Applies a project's variables, then its directories first on PATH, recording what it takes
/// to undo them in `applied`.
pub fn apply(vars: &[(String, String)], path: &[String], env: &mut Env, applied: &mut Applied) {
    for (name, value) in vars {
        let before = env.get(name);
        env.set(name, Some(value.clone()));
        applied.vars.push(Set { name: name.clone(), before, digest: digest(value) });
    }
    if !path.is_empty() {
        let mut value = path.join(":");
        if let Some(rest) = env.get("PATH").filter(|p| !p.is_empty()) {
            value = format!("{value}:{rest}");
        }
        env.set("PATH", Some(value));
        applied.path = path.to_vec();
    }
}

/// The watches of a project: its file and lock, devup's record of it (state, trust, ports), and
/// where the recipes of its entries may come from (the project's and the user's directories).
/// A directory's mtime changes when a file is created in it: the recipe directories are
/// watched, and a section's directory and a recipe's file when they exist.
pub fn watches(
    manifest: &Path,
    store_dir: &Path,
    ports_file: PathBuf,
    recipe_dirs: &[PathBuf],
    recipes: &[(&str, &str)],
) -> Vec<Watch> {
    let dir = manifest.parent().unwrap_or(Path::new("/"));
    let mut paths = vec![
        manifest.to_path_buf(),
        dir.join(crate::tools::lockfile::FILE_NAME),
        store_dir.join("trust.json"),
        store_dir.join("state.json"),
        ports_file,
    ];
    for base in recipe_dirs {
        paths.push(base.clone());
        for (section, name) in recipes {
            let section_dir = base.join(section);
            let file = section_dir.join(format!("{name}.toml"));
            for path in [section_dir, file] {
                if path.exists() && !paths.contains(&path) {
                    paths.push(path);
                }
            }
        }
    }
    paths.into_iter().map(Watch::of).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shell(vars: &[(&str, &str)]) -> Env {
        let vars: BTreeMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Env::new(move |name| vars.get(name).cloned())
    }

    /// The shell once it evaluated what `env` prints.
    fn shell_after(before: &[(&str, &str)], env: &Env) -> Env {
        let mut vars: BTreeMap<String, String> = before.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        for (name, value) in env.changes() {
            match value {
                Some(value) => vars.insert(name, value),
                None => vars.remove(&name),
            };
        }
        Env::new(move |name| vars.get(name).cloned())
    }

    fn applied() -> Applied {
        Applied::new("/p".into(), "p".into(), Vec::new())
    }

    #[test]
    fn applying_then_undoing_restores_the_shell_exactly() {
        let mut env = shell(&[("PATH", "/usr/bin:/bin"), ("DATABASE_URL", "mine")]);
        let mut a = applied();
        apply(
            &[("DATABASE_URL".into(), "postgres://x".into()), ("PGPORT".into(), "5433".into())],
            &["/p/.venv/bin".into(), "/t/node/22/bin".into()],
            &mut env,
            &mut a,
        );
        assert_eq!(
            env.changes(),
            [
                ("DATABASE_URL".to_string(), Some("postgres://x".to_string())),
                ("PATH".to_string(), Some("/p/.venv/bin:/t/node/22/bin:/usr/bin:/bin".to_string())),
                ("PGPORT".to_string(), Some("5433".to_string())),
            ]
        );
        // The shell now has those values; leaving restores what it had before.
        let mut leaving = shell_after(&[("PATH", "/usr/bin:/bin"), ("DATABASE_URL", "mine")], &env);
        undo(&a, &mut leaving);
        assert_eq!(leaving.get("DATABASE_URL").as_deref(), Some("mine"));
        assert_eq!(leaving.get("PGPORT"), None);
        assert_eq!(leaving.get("PATH").as_deref(), Some("/usr/bin:/bin"));
    }

    #[test]
    fn what_the_user_changed_since_stays() {
        let mut a = applied();
        apply(&[("A".into(), "project".into())], &["/p/bin".into()], &mut shell(&[("PATH", "/bin")]), &mut a);
        // The user set A themselves and put a directory of their own first.
        let mut env = shell(&[("A", "theirs"), ("PATH", "/home/u/bin:/p/bin:/bin")]);
        undo(&a, &mut env);
        assert_eq!(env.get("A").as_deref(), Some("theirs"));
        assert_eq!(env.get("PATH").as_deref(), Some("/home/u/bin:/bin"));
    }

    #[test]
    fn a_path_the_project_sets_is_restored_after_its_directories_leave() {
        let mut env = shell(&[("PATH", "/bin")]);
        let mut a = applied();
        apply(&[("PATH".into(), "/opt/x/bin".into())], &["/p/bin".into()], &mut env, &mut a);
        assert_eq!(env.get("PATH").as_deref(), Some("/p/bin:/opt/x/bin"));
        undo(&a, &mut env);
        assert_eq!(env.get("PATH").as_deref(), Some("/bin"));
        assert_eq!(env.changes(), []);
    }

    #[test]
    fn the_record_round_trips_and_names_what_changed() {
        let mut a = applied();
        apply(&[("A".into(), "1".into()), ("B".into(), "2".into())], &[], &mut shell(&[]), &mut a);
        assert_eq!(Applied::decode(&a.encode()), Some(a.clone()));
        assert_eq!(a.summary(), "2 variables");
        let mut b = applied();
        apply(&[("A".into(), "1".into()), ("C".into(), "3".into())], &["/p/bin".into()], &mut shell(&[]), &mut b);
        assert!(!a.same_values(&b));
        assert_eq!(b.changed_names(&a), ["B", "C", "PATH"]);
        assert_eq!(b.summary(), "2 variables, 1 directory first on PATH");
        assert_eq!(Applied::decode("not json"), None);
    }

    #[test]
    fn a_watch_sees_a_file_appear_change_and_go() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("devup.lock");
        let watch = Watch::of(file.clone());
        assert!(watch.stamp.is_none() && watch.unchanged());
        std::fs::write(&file, "a").unwrap();
        assert!(!watch.unchanged());
        let watch = Watch::of(file.clone());
        assert!(watch.unchanged());
        std::fs::write(&file, "ab").unwrap();
        assert!(!watch.unchanged());
        std::fs::remove_file(&file).unwrap();
        assert!(Watch::of(file).stamp.is_none());
    }
}
