//! Tools at the versions a project asks for: what each `binary` step resolved to this run,
//! the lock that makes the resolution repeatable (`devup.lock`), and prebuilt upstream builds
//! installed into a directory of devup's own, one copy per tool and version, shared by projects.
//!
//! A project's tools are the project's: the directory of each resolved command goes first on
//! the PATH of the commands devup runs for the project and of `devup env`. Nothing here changes
//! a default of the machine or of a version manager.

pub mod lockfile;
pub mod prebuilt;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use lockfile::{Locked, Lockfile};
use prebuilt::{Build, Spec};

use crate::system::System;

/// Which lock entries to ignore and resolve again (`devup lock --upgrade [STEP]`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Upgrade {
    #[default]
    Nothing,
    All,
    Steps(Vec<String>),
}

/// What a step's command resolved to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    /// What the lock records; none for a step without a version constraint.
    pub locked: Option<Locked>,
    /// The directory to put first on the project's PATH: set when the resolved command is not
    /// the one the inherited PATH finds first.
    pub dir: Option<PathBuf>,
}

/// What every step of a run shares about tools.
#[derive(Debug, Default)]
pub struct Toolbox {
    /// Where prebuilt builds are installed: `<root>/<tool>/<version>`.
    pub root: PathBuf,
    /// Where downloads are kept.
    pub cache: PathBuf,
    /// Mirrors by tool name.
    pub mirrors: BTreeMap<String, String>,
    /// The lock as read when the project was opened.
    pub lock: Lockfile,
    pub upgrade: Upgrade,
    /// The platform's key in recipes' `platforms` tables (`linux-x86_64`).
    pub platform: String,
    /// The PATH devup was started with: a resolved command it already finds first needs no
    /// directory of its own on the project's PATH.
    pub inherited_path: std::ffi::OsString,
    /// Read no index (`devup env`): only what is installed or locked resolves.
    pub offline: bool,
    resolved: Mutex<BTreeMap<String, Resolution>>,
    /// Index documents fetched this run, by address: one request per source per run.
    indexes: Mutex<HashMap<String, Result<String, String>>>,
}

impl Toolbox {
    pub fn new(settings: &crate::settings::Settings, lock: Lockfile, facts: &crate::facts::Facts) -> Toolbox {
        Toolbox {
            root: settings.tools_root.clone(),
            cache: settings.cache_root.clone(),
            mirrors: settings.mirrors.clone(),
            lock,
            platform: format!("{}-{}", facts.os, facts.arch),
            inherited_path: settings.path.clone(),
            ..Toolbox::default()
        }
    }

    /// A toolbox with no lock, the process's PATH, and tools in a directory that does not exist.
    #[cfg(test)]
    pub fn for_tests() -> Toolbox {
        Toolbox {
            root: PathBuf::from("/nonexistent-devup-tools"),
            inherited_path: crate::settings::variable("PATH").unwrap_or_default(),
            platform: "linux-x86_64".into(),
            ..Toolbox::default()
        }
    }

    /// The project's PATH for its commands: the resolved tools' directories, then the PATH
    /// devup was started with.
    pub fn path_var(&self) -> std::ffi::OsString {
        self.path_var_for("")
    }

    /// The PATH for one step's commands: the tools its own entry resolved come first, so that
    /// of two postgres entries at 15 and 16, each server's `pg_ctl` is of its own version.
    pub fn path_var_for(&self, step: &str) -> std::ffi::OsString {
        let mut dirs = self.dirs();
        if let Some(entry) = entry_of(step) {
            let resolved = self.resolved.lock().unwrap_or_else(|p| p.into_inner());
            let own: Vec<PathBuf> = resolved
                .iter()
                .filter(|(id, _)| entry_of(id) == Some(entry))
                .filter_map(|(_, r)| r.dir.clone())
                .collect();
            dirs.retain(|d| !own.contains(d));
            dirs.splice(0..0, own);
        }
        let inherited = std::env::split_paths(&self.inherited_path);
        std::env::join_paths(dirs.into_iter().chain(inherited)).unwrap_or_else(|_| self.inherited_path.clone())
    }

    /// The lock's entry for a step, unless it is being upgraded.
    pub fn locked(&self, step: &str) -> Option<&Locked> {
        if self.upgrading(step) { None } else { self.lock.tool.get(step) }
    }

    /// Whether the step resolves again this run (`devup lock --upgrade`).
    pub fn upgrading(&self, step: &str) -> bool {
        match &self.upgrade {
            Upgrade::Nothing => false,
            Upgrade::All => true,
            Upgrade::Steps(ids) => ids.iter().any(|id| step == id || step.starts_with(&format!("{id}."))),
        }
    }

    pub fn record(&self, step: &str, resolution: Resolution) {
        self.resolved.lock().unwrap_or_else(|p| p.into_inner()).insert(step.to_string(), resolution);
    }

    pub fn resolution(&self, step: &str) -> Option<Resolution> {
        self.resolved.lock().unwrap_or_else(|p| p.into_inner()).get(step).cloned()
    }

    /// The directories this run's resolutions put first on PATH, in step order.
    pub fn dirs(&self) -> Vec<PathBuf> {
        let resolved = self.resolved.lock().unwrap_or_else(|p| p.into_inner());
        let mut dirs: Vec<PathBuf> = Vec::new();
        for dir in resolved.values().filter_map(|r| r.dir.clone()) {
            if !dirs.contains(&dir) {
                dirs.push(dir);
            }
        }
        dirs
    }

    /// The lock this run's resolutions make: the lock as read, with every step resolved this
    /// run replaced, and the steps the project no longer has left out.
    pub fn lock_after(&self, steps: &[&str]) -> Lockfile {
        let resolved = self.resolved.lock().unwrap_or_else(|p| p.into_inner());
        let mut lock = Lockfile::default();
        for id in steps {
            if let Some(locked) = resolved.get(*id).and_then(|r| r.locked.clone()) {
                lock.tool.insert((*id).to_string(), locked);
            } else if let Some(old) = self.lock.tool.get(*id) {
                lock.tool.insert((*id).to_string(), old.clone());
            }
        }
        lock
    }

    pub fn mirror(&self, spec: &Spec) -> Option<&str> {
        // A variable's name has no `-`: `yarn-berry`'s is DEVUP_MIRROR_YARN_BERRY.
        self.mirrors.get(&spec.name.to_ascii_lowercase().replace('-', "_")).map(String::as_str)
    }

    /// The builds a source offers for this platform, newest first; the index is fetched once
    /// per run.
    pub fn builds(&self, system: &System, spec: &Spec) -> Result<Vec<Build>, String> {
        if self.offline {
            return Err("the index is not read here".to_string());
        }
        let platform = spec.platform(self.os(), self.arch())?;
        let mirror = self.mirror(spec);
        let url = spec.index_url(platform, mirror)?;
        let document = {
            let mut indexes = self.indexes.lock().unwrap_or_else(|p| p.into_inner());
            indexes
                .entry(url.clone())
                .or_insert_with(|| system.fetch_text(&url, spec.accept()).map_err(|e| e.to_string()))
                .clone()?
        };
        spec.builds(&document, platform, mirror).map_err(|e| format!("{url}: {e}"))
    }

    /// Downloads, verifies and unpacks a build into its directory under the tools root. The
    /// build is unpacked beside its final place and renamed into it, so a run killed at any
    /// moment leaves nothing that passes for installed; the next install of the tool removes
    /// what it left.
    pub fn install(&self, system: &System, spec: &Spec, build: &Build) -> Result<PathBuf, String> {
        // One install at a time in this run: two entries may need the same build (two postgres
        // entries at 16), and an install clears the unpacking leftovers beside its own.
        let _one_at_a_time = INSTALLING.lock().unwrap_or_else(|p| p.into_inner());
        let home = spec.home(&self.root, &build.version);
        if home.exists() {
            return Ok(home);
        }
        let checksum = crate::system::Checksum::parse(&build.checksum)?;
        let archive = system
            .download(&build.url, &checksum, &self.cache.join("downloads"), &|_, _| {})
            .map_err(|e| e.to_string())?;
        let parent = home.parent().expect("a tool's home has a parent");
        system.create_dir_all(parent, None).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        remove_leftovers(system, parent);
        let staging = parent.join(format!(".{}.unpacking-{}", build.version, std::process::id()));
        let finished = finish(system, spec, build, &archive, &staging).and_then(|()| {
            settle(system, &staging, &home).map_err(|e| format!("cannot move the build into {}: {e}", home.display()))
        });
        if finished.is_err() && staging.symlink_metadata().is_ok() {
            let _ = system.remove_dir_all(&staging);
        }
        finished.map(|()| home)
    }

    fn os(&self) -> &str {
        self.platform.split_once('-').map_or(&self.platform, |(os, _)| os)
    }

    fn arch(&self) -> &str {
        self.platform.split_once('-').map_or("", |(_, arch)| arch)
    }
}

/// The entry a step belongs to: `datastores.pg` of `datastores.pg.server`.
fn entry_of(step: &str) -> Option<&str> {
    let mut dots = step.match_indices('.').map(|(at, _)| at);
    dots.next()?;
    // `dependencies.web` is the entry's own step (the recipe's step named like it).
    Some(dots.next().map_or(step, |second| &step[..second]))
}

/// Unpacks a build into `staging` and completes it there: where it came from, its links.
fn finish(system: &System, spec: &Spec, build: &Build, archive: &Path, staging: &Path) -> Result<(), String> {
    system.unpack(archive, staging, spec.strip).map_err(|e| e.to_string())?;
    // Where it came from, for the lock of a project that finds it installed.
    let record = format!("url = {:?}\nchecksum = {:?}\n", build.url, build.checksum);
    system
        .write_atomic(&staging.join(BUILD_RECORD), record.as_bytes(), None)
        .map_err(|e| format!("cannot write into {}: {e}", staging.display()))?;
    for (link, target) in &spec.symlinks {
        let link = staging.join(link);
        let points_to = relative_to(&staging.join(target), link.parent().unwrap_or(staging));
        if let Some(dir) = link.parent() {
            system.create_dir_all(dir, None).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        system.symlink(&points_to, &link).map_err(|e| format!("cannot link {}: {e}", link.display()))?;
        // A command, as npm makes a package's `bin` files: pnpm 11 ships `bin/pnpm.cjs`
        // without its executable bits.
        let target = staging.join(target);
        let mode = std::fs::metadata(&target).map_err(|e| format!("cannot read {}: {e}", target.display()))?;
        let mode = std::os::unix::fs::PermissionsExt::mode(&mode.permissions());
        system
            .set_mode(&target, mode | 0o111)
            .map_err(|e| format!("cannot make {} executable: {e}", target.display()))?;
    }
    if let Some(links) = &spec.links {
        for (source, target) in prebuilt::read_links(&staging.join(links))? {
            let link = staging.join(&target);
            let points_to = relative_to(&staging.join(&source), link.parent().unwrap_or(staging));
            if link.symlink_metadata().is_err() {
                system.symlink(&points_to, &link).map_err(|e| format!("cannot link {}: {e}", link.display()))?;
            }
        }
    }
    Ok(())
}

/// Held by the install under way in this process (see `Toolbox::install`).
static INSTALLING: Mutex<()> = Mutex::new(());

/// The file in a prebuilt build's directory saying where it came from.
const BUILD_RECORD: &str = ".devup-build.toml";

/// Where an installed prebuilt build came from, read from its directory.
pub fn read_build_record(home: Option<&Path>) -> Option<Build> {
    #[derive(serde::Deserialize)]
    struct Record {
        url: String,
        checksum: String,
    }
    let home = home?;
    let record: Record = toml::from_str(&std::fs::read_to_string(home.join(BUILD_RECORD)).ok()?).ok()?;
    let version = home.file_name()?.to_str()?.to_string();
    Some(Build { version, url: record.url, checksum: record.checksum })
}

/// Removes what killed installs left in a tool's directory, whatever their version: a build
/// being completed (`.<version>.unpacking-<pid>`) or still being unpacked into
/// (`..<version>.unpacking-<pid>.partial-<pid>-<random>`). devup made them and they never held
/// data. A live process's are its own: another project may be installing the same build.
fn remove_leftovers(system: &System, parent: &Path) {
    let Ok(entries) = std::fs::read_dir(parent) else { return };
    for entry in entries.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(leftover_pid) else { continue };
        if pid as u32 == std::process::id() || crate::system::process_alive(pid) {
            continue;
        }
        let path = entry.path();
        let _ =
            if path.is_dir() && !path.is_symlink() { system.remove_dir_all(&path) } else { system.remove_file(&path) };
    }
}

/// The pid in the name of a temporary directory an install makes, when the name is one.
fn leftover_pid(name: &str) -> Option<i32> {
    let (_, rest) = name.strip_prefix('.')?.split_once(".unpacking-")?;
    rest.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
}

/// Renames a completed build into its place. When another run put the same build there first
/// (two projects installing it at once), that one is kept and this one dropped.
fn settle(system: &System, staging: &Path, home: &Path) -> std::io::Result<()> {
    match system.rename(staging, home) {
        Err(_) if home.join(BUILD_RECORD).exists() => system.remove_dir_all(staging),
        other => other,
    }
}

/// `target` as a path relative to the directory `from` (both inside one tree).
pub fn relative_to(target: &Path, from: &Path) -> PathBuf {
    let target: Vec<_> = target.components().collect();
    let from: Vec<_> = from.components().collect();
    let common = target.iter().zip(&from).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..from.len() {
        out.push("..");
    }
    for c in &target[common..] {
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_relative_to_their_directory() {
        assert_eq!(relative_to(Path::new("/t/lib/libpq.so.5.16"), Path::new("/t/lib")), PathBuf::from("libpq.so.5.16"));
        assert_eq!(relative_to(Path::new("/t/lib/x.so"), Path::new("/t/bin")), PathBuf::from("../lib/x.so"));
    }

    #[test]
    fn a_linked_command_is_made_executable_as_npm_makes_a_packages_bin() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast()));
        let content = b"#!/usr/bin/env node\n";
        let mut header = tar::Header::new_gnu();
        header.set_size(content.len() as u64);
        header.set_mode(0o644);
        builder.append_data(&mut header, "package/bin/tool.cjs", &content[..]).unwrap();
        let archive = dir.path().join("tool.tgz");
        std::fs::write(&archive, builder.into_inner().unwrap().finish().unwrap()).unwrap();
        let spec: Spec = toml::from_str(
            "name = \"tool\"\nindex = \"npm\"\nbase = \"https://registry.example\"\nstrip = 1\nbin = \"devup-bin\"\nsymlinks = { \"devup-bin/tool\" = \"bin/tool.cjs\" }\n",
        )
        .unwrap();
        let build = Build {
            version: "1.0.0".into(),
            url: "https://registry.example/tool-1.0.0.tgz".into(),
            checksum: "sha512-x".into(),
        };
        let staging = dir.path().join("staging");
        finish(&System::new(), &spec, &build, &archive, &staging).unwrap();
        let mode = std::fs::metadata(staging.join("devup-bin/tool")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o755, "the command through its link");
    }

    #[test]
    fn leftovers_of_dead_installs_are_removed_whatever_their_version() {
        let dir = tempfile::tempdir().unwrap();
        let mine = format!(".22.1.0.unpacking-{}", std::process::id());
        let names = [
            "22.1.0",                                                // installed
            ".22.1.0.unpacking-999999999",                           // killed while completing it
            "..20.3.0.unpacking-999999998.partial-999999998-Ab12Cd", // killed while unpacking
            ".22.1.0.unpacking-1",                                   // a live process's
            mine.as_str(),                                           // this one's
        ];
        for name in names {
            std::fs::create_dir_all(dir.path().join(name).join("bin")).unwrap();
        }
        std::fs::write(dir.path().join(".devup-notes"), "").unwrap(); // not devup's temporary name
        remove_leftovers(&System::new(), dir.path());
        let mut left: Vec<String> =
            std::fs::read_dir(dir.path()).unwrap().flatten().map(|e| e.file_name().into_string().unwrap()).collect();
        left.sort();
        let mut want = vec![".22.1.0.unpacking-1", mine.as_str(), ".devup-notes", "22.1.0"];
        want.sort();
        assert_eq!(left, want);
    }

    #[test]
    fn a_build_another_run_put_in_place_first_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let (staging, home) = (dir.path().join(".1.0.0.unpacking-7"), dir.path().join("1.0.0"));
        for d in [&staging, &home] {
            std::fs::create_dir_all(d.join("bin")).unwrap();
            std::fs::write(d.join(BUILD_RECORD), "").unwrap();
        }
        std::fs::write(home.join("bin/theirs"), "").unwrap();
        settle(&System::new(), &staging, &home).unwrap();
        assert!(!staging.exists() && home.join("bin/theirs").exists());
        // A directory in the way that is no build is an error, left alone.
        std::fs::create_dir_all(staging.join("bin")).unwrap();
        let other = dir.path().join("2.0.0");
        std::fs::create_dir_all(other.join("data")).unwrap();
        assert!(settle(&System::new(), &staging, &other).is_err());
    }

    #[test]
    fn a_step_finds_its_own_entrys_tools_first() {
        let tools = Toolbox { inherited_path: "/usr/bin".into(), ..Toolbox::for_tests() };
        let at = |dir: &str| Resolution { locked: None, dir: Some(PathBuf::from(dir)) };
        tools.record("datastores.legacy.server-binaries", at("/t/postgres/15/bin"));
        tools.record("datastores.postgres.server-binaries", at("/t/postgres/16/bin"));
        let path = |step: &str| tools.path_var_for(step).to_string_lossy().into_owned();
        assert_eq!(path("datastores.postgres.server"), "/t/postgres/16/bin:/t/postgres/15/bin:/usr/bin");
        assert_eq!(path("datastores.legacy.server"), "/t/postgres/15/bin:/t/postgres/16/bin:/usr/bin");
        assert_eq!(path("step.seed"), "/t/postgres/15/bin:/t/postgres/16/bin:/usr/bin");
        // An entry's own step is named like it (`dependencies.web`, the recipe's `yarn` step).
        tools.record("dependencies.web", at("/t/yarn/1/bin"));
        assert_eq!(path("dependencies.web.install"), "/t/yarn/1/bin:/t/postgres/15/bin:/t/postgres/16/bin:/usr/bin");
    }

    #[test]
    fn an_upgrade_ignores_the_named_entries_only() {
        let locked = Locked::found("1");
        let lock = Lockfile {
            tool: [("languages.node".to_string(), locked.clone()), ("languages.python".to_string(), locked)].into(),
        };
        let mut tb = Toolbox { lock, ..Toolbox::default() };
        assert!(tb.locked("languages.node").is_some());
        tb.upgrade = Upgrade::Steps(vec!["languages.node".into()]);
        assert!(tb.locked("languages.node").is_none());
        assert!(tb.locked("languages.python").is_some());
        tb.upgrade = Upgrade::All;
        assert!(tb.locked("languages.python").is_none());
    }

    #[test]
    fn the_lock_after_a_run_keeps_unresolved_entries_of_existing_steps_only() {
        let entry = Locked::found;
        let lock = Lockfile {
            tool: [("a".to_string(), entry("1")), ("b".to_string(), entry("2")), ("gone".to_string(), entry("3"))]
                .into(),
        };
        let tb = Toolbox { lock, ..Toolbox::default() };
        tb.record("b", Resolution { locked: Some(entry("2.1")), dir: Some(PathBuf::from("/t/b")) });
        tb.record("c", Resolution { locked: None, dir: Some(PathBuf::from("/t/c")) });
        let after = tb.lock_after(&["a", "b"]);
        assert_eq!(after.tool.keys().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(after.tool["b"].version, "2.1");
        assert_eq!(tb.dirs(), [PathBuf::from("/t/b"), PathBuf::from("/t/c")]);
    }
}
