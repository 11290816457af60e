//! What devup remembers about a project between runs, in one versioned JSON file per project.
//!
//! It holds only what cannot be read back from the machine: fingerprints of the inputs a
//! dependency install last succeeded with, the content devup last wrote to each file (to tell
//! a user's edit from our own), and cached probes (a binary's version by path, size and mtime).
//! Losing it is safe: the next run re-checks and at worst repeats an install.

pub mod lock;
pub mod store;

pub use lock::ProjectLock;
pub use store::Store;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};

/// Bump when the file's meaning changes; an unknown version is discarded, not misread.
pub const VERSION: u32 = 1;

#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateFile {
    pub version: u32,
    /// Step id → the fingerprint of its inputs when it last succeeded.
    #[serde(default)]
    pub fingerprints: BTreeMap<String, String>,
    /// Path → sha256 of the content devup last wrote there.
    #[serde(default)]
    pub written: BTreeMap<String, String>,
    /// Cached facts about files, keyed by path, valid while size and mtime are unchanged.
    #[serde(default)]
    pub stamps: BTreeMap<String, Stamped>,
    /// The port each datastore entry was given (`datastores.postgres` → 5432).
    #[serde(default)]
    pub ports: BTreeMap<String, u16>,
}

/// A value derived from a file (its sha256, a binary's `--version`), with the file's size and
/// mtime when it was derived: while they match, the value is reused without reading the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamped {
    pub size: u64,
    pub mtime_ns: u128,
    pub value: String,
}

/// The state of one run: read at the start, shared by parallel checks, saved when it changed.
#[derive(Debug, Default)]
pub struct Memory {
    inner: Mutex<(StateFile, bool)>,
}

impl Memory {
    pub fn new(file: StateFile) -> Memory {
        Memory { inner: Mutex::new((file, false)) }
    }

    fn with<R>(&self, f: impl FnOnce(&mut StateFile, &mut bool) -> R) -> R {
        let mut guard = self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let (file, dirty) = &mut *guard;
        f(file, dirty)
    }

    pub fn fingerprint(&self, step: &str) -> Option<String> {
        self.with(|f, _| f.fingerprints.get(step).cloned())
    }

    pub fn set_fingerprint(&self, step: &str, value: String) {
        self.with(|f, dirty| {
            if f.fingerprints.get(step) != Some(&value) {
                f.fingerprints.insert(step.to_string(), value);
                *dirty = true;
            }
        })
    }

    /// Forgets what a step last succeeded with; true when there was something to forget.
    pub fn forget_fingerprint(&self, step: &str) -> bool {
        self.with(|f, dirty| {
            let had = f.fingerprints.remove(step).is_some();
            *dirty |= had;
            had
        })
    }

    pub fn written(&self, path: &Path) -> Option<String> {
        self.with(|f, _| f.written.get(&path.to_string_lossy().into_owned()).cloned())
    }

    pub fn set_written(&self, path: &Path, sha: String) {
        self.with(|f, dirty| {
            f.written.insert(path.to_string_lossy().into_owned(), sha);
            *dirty = true;
        })
    }

    /// A value cached for `path` under `kind` (e.g. "sha256", "version"), recomputed by
    /// `compute` only when the file's size or mtime changed.
    pub fn stamped(&self, kind: &str, path: &Path, compute: impl FnOnce() -> Option<String>) -> Option<String> {
        let meta = std::fs::metadata(path).ok()?;
        let size = meta.len();
        let mtime_ns = meta.modified().ok()?.duration_since(UNIX_EPOCH).ok()?.as_nanos();
        let key = format!("{kind}:{}", path.display());
        let cached = self.with(|f, _| f.stamps.get(&key).cloned());
        if let Some(stamp) = cached
            && stamp.size == size
            && stamp.mtime_ns == mtime_ns
        {
            return Some(stamp.value);
        }
        let value = compute()?;
        self.with(|f, dirty| {
            f.stamps.insert(key, Stamped { size, mtime_ns, value: value.clone() });
            *dirty = true;
        });
        Some(value)
    }

    /// Remembers the ports a run used.
    pub fn set_ports(&self, ports: &BTreeMap<String, u16>) {
        self.with(|f, dirty| {
            if &f.ports != ports {
                f.ports = ports.clone();
                *dirty = true;
            }
        })
    }

    /// The state to save, if anything changed since it was read.
    pub fn take_if_changed(&self) -> Option<StateFile> {
        self.with(|f, dirty| {
            if !*dirty {
                return None;
            }
            *dirty = false;
            Some(f.clone())
        })
    }
}

/// sha256 of bytes, as lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamped_values_are_reused_until_the_file_changes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lock");
        std::fs::write(&path, "a").unwrap();
        let memory = Memory::default();
        let mut calls = 0;
        let mut get = |m: &Memory| {
            m.stamped("sha256", &path, || {
                calls += 1;
                Some(format!("v{calls}"))
            })
        };
        assert_eq!(get(&memory).as_deref(), Some("v1"));
        assert_eq!(get(&memory).as_deref(), Some("v1"));
        std::fs::write(&path, "bb").unwrap();
        assert_eq!(get(&memory).as_deref(), Some("v2"));
        assert!(memory.take_if_changed().is_some());
        assert!(memory.take_if_changed().is_none());
    }

    #[test]
    fn a_missing_file_has_no_stamp() {
        let memory = Memory::default();
        assert_eq!(memory.stamped("sha256", Path::new("/nonexistent/x"), || Some("x".into())), None);
    }

    #[test]
    fn sha256_is_hex() {
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
