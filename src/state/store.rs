//! Where a project's state lives and how it is read and written.

use std::path::{Path, PathBuf};

use super::{StateFile, VERSION, sha256_hex};
use crate::system::System;

pub struct Store {
    /// `<state root>/projects/<name>-<hash of the project path>`.
    pub dir: PathBuf,
}

/// What happened when the state file was read, so the caller can tell the user.
#[derive(Debug, PartialEq, Eq)]
pub enum Loaded {
    Fresh,
    Read,
    /// The file was unreadable or of an unknown version; it was set aside and ignored.
    Discarded(String),
}

impl Store {
    pub fn for_project(state_root: &Path, project_name: &str, project_dir: &Path) -> Store {
        let hash = sha256_hex(project_dir.to_string_lossy().as_bytes());
        Store { dir: state_root.join("projects").join(format!("{project_name}-{}", &hash[..12])) }
    }

    fn file(&self) -> PathBuf {
        self.dir.join("state.json")
    }

    /// Where the project's datastores keep their data, under `data_root`.
    pub fn data_dir(&self, data_root: &Path) -> PathBuf {
        data_root.join("projects").join(self.dir.file_name().unwrap_or_default())
    }

    /// Reads the state; never writes (`plan` must not). A bad file is reported, and `up` sets
    /// it aside with `set_aside` before writing a new one.
    pub fn load(&self) -> (StateFile, Loaded) {
        let path = self.file();
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (fresh(), Loaded::Fresh),
            Err(e) => {
                return (fresh(), Loaded::Discarded(format!("cannot read {}: {e}", path.display())));
            }
        };
        let problem = match serde_json::from_str::<StateFile>(&text) {
            Ok(state) if state.version == VERSION => return (state, Loaded::Read),
            Ok(state) => format!("it has version {}, this devup reads {VERSION}", state.version),
            Err(e) => format!("it is not valid: {e}"),
        };
        (fresh(), Loaded::Discarded(format!("{}: {problem}", path.display())))
    }

    /// Keeps an unusable state file for a post-mortem (as `state.json.corrupt`) rather than
    /// deleting it.
    pub fn set_aside(&self, system: &System) {
        let _ = system.rename(&self.file(), &self.dir.join("state.json.corrupt"));
    }

    pub fn save(&self, system: &System, state: &StateFile) -> std::io::Result<()> {
        system.create_dir_all(&self.dir, None)?;
        let json = serde_json::to_vec_pretty(state).map_err(std::io::Error::other)?;
        system.write_atomic(&self.file(), &json, None)
    }
}

fn fresh() -> StateFile {
    StateFile { version: VERSION, ..StateFile::default() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_sets_aside_a_corrupt_file() {
        let root = tempfile::tempdir().unwrap();
        let store = Store::for_project(root.path(), "shop", Path::new("/p/shop"));
        let system = System::new();
        assert_eq!(store.load(), (fresh(), Loaded::Fresh));
        let mut state = fresh();
        state.fingerprints.insert("deps".into(), "abc".into());
        store.save(&system, &state).unwrap();
        assert_eq!(store.load(), (state, Loaded::Read));
        std::fs::write(store.dir.join("state.json"), "{ not json").unwrap();
        let (loaded, how) = store.load();
        assert_eq!(loaded, fresh());
        assert!(matches!(how, Loaded::Discarded(_)));
        store.set_aside(&system);
        assert!(store.dir.join("state.json.corrupt").exists());
    }

    #[test]
    fn different_directories_get_different_folders() {
        let a = Store::for_project(Path::new("/s"), "app", Path::new("/a/app"));
        let b = Store::for_project(Path::new("/s"), "app", Path::new("/b/app"));
        assert_ne!(a.dir, b.dir);
    }
}
