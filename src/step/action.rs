//! What a step does when it is applied, as data: the commands it runs and the files and
//! directories it makes, with the conditions it decides on where it runs. A kind describes its
//! apply once ([`crate::step::Resource::actions`]); `devup up` performs the description
//! ([`perform`]) and `devup export` writes it as shell (`export/actions.rs`), so the two cannot
//! run different commands.
//!
//! Where the two worlds differ in policy, the renderers decide, not the kinds: a file a person
//! put where devup makes a link is kept by devup unless asked to replace it (then backed up),
//! while the script, which cannot ask, backs it up and replaces it.

use std::path::{Path, PathBuf};

use super::{Cx, Failure};
use crate::state::sha256_hex;
use crate::system::Cmd;
use crate::tools::prebuilt::{Build, Spec};
use crate::version::Constraint;

/// One thing an apply does. Actions run in order; the first that fails fails the step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// A shell command; it fails the step when it exits non-zero.
    Run(Run),
    /// A directory (and its parents) exists, with `mode` when given.
    MakeDir { path: PathBuf, mode: Option<u32> },
    /// A symbolic link at `path` points at `target`, replaced without a moment with no link.
    Link { path: PathBuf, target: PathBuf },
    /// A file is gone (a record of an earlier success, before the install it describes).
    RemoveFile(PathBuf),
    /// A record written once the actions before it succeeded: its lines, computed where it
    /// runs (see [`StampLine`]).
    Stamp { path: PathBuf, lines: Vec<StampLine> },
    /// The step cannot go on: a refusal with its reason and what to do.
    Fail { message: String, hint: Option<String> },
    /// Actions taken only when a condition holds where the apply runs.
    If { test: Test, then: Vec<Action>, otherwise: Vec<Action> },
    // --- tools at a version: system packages, prebuilt builds ---
    /// System packages installed, in one command, with this machine's package manager.
    InstallPackages { manager: Manager, names: Vec<String> },
    /// After `names` were installed: when `command` is on neither PATH nor the `dirs` (patterns
    /// with a `*` version directory), its files were removed by hand while the package database
    /// still lists them, and only a reinstall of the packages that owned them puts them back.
    RestoreCommand { manager: Manager, names: Vec<String>, command: String, dirs: Vec<String> },
    /// A prebuilt build installed into devup's tools directory: `build`, or without one the
    /// build devup.lock records for this platform (`want` names the tool in the refusal when
    /// the lock records none).
    InstallPrebuilt { spec: Box<Spec>, build: Option<Build>, want: String },
    /// These actions, with `hint` added to a failure's own: what to try when they fail.
    Hinted { hint: String, actions: Vec<Action> },
}

/// A system package manager as actions use it. Each of `packages/` is one; the ground floor
/// names only what actions need, so that it imports none of them.
pub trait SystemPackages: Send + Sync {
    /// The name facts use for it (`apt`).
    fn manager_name(&self) -> &'static str;
    /// Whether devup can install with it here: root or sudo, for a manager that needs root.
    fn can_install(&self, cx: &Cx) -> bool;
    /// The upstream version an install of `name` would bring (`15.8`), if it has one.
    fn offered(&self, cx: &Cx, name: &str) -> Option<String>;
    fn install_all(&self, cx: &Cx, names: &[String]) -> Result<(), Failure>;
    /// Reinstalls the installed packages that own these files (else `names`).
    fn restore(&self, cx: &Cx, files: &[PathBuf], names: &[String]) -> Result<(), Failure>;
}

/// A package manager in an action: the same manager is the same name.
#[derive(Clone, Copy)]
pub struct Manager(pub &'static dyn SystemPackages);

impl PartialEq for Manager {
    fn eq(&self, other: &Manager) -> bool {
        self.0.manager_name() == other.0.manager_name()
    }
}

impl Eq for Manager {}

impl std::fmt::Debug for Manager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.manager_name())
    }
}

/// A command, as the step runs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub shell: String,
    /// The directory it runs in; the project's by default.
    pub cwd: Option<PathBuf>,
    /// Variables added to the project's environment for it.
    pub env: Vec<(String, String)>,
}

impl Run {
    pub fn new(shell: impl Into<String>) -> Run {
        Run { shell: shell.into(), cwd: None, env: Vec::new() }
    }

    pub fn cwd(mut self, dir: impl Into<PathBuf>) -> Run {
        self.cwd = Some(dir.into());
        self
    }

    pub fn envs(mut self, env: &[(String, String)]) -> Run {
        self.env.extend_from_slice(env);
        self
    }
}

/// A condition an apply decides on where it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Test {
    /// Something exists at the path (following links).
    Exists(PathBuf),
    /// Something that is not a directory is at the path.
    NotADirectory(PathBuf),
    Not(Box<Test>),
    // --- tools at a version ---
    /// A command is on the PATH where it runs (the project's, in devup).
    CommandFound(String),
    /// The package manager can install here and the version of `package` it would install
    /// satisfies `version` (any version, even none offered, when `version` is any).
    PackageOffers {
        manager: Manager,
        package: String,
        version: Constraint,
    },
    /// Every one of the conditions holds (none: true).
    All(Vec<Test>),
}

/// A line of a record: what devup reads back to tell whether an install is still current.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StampLine {
    /// Written as it is.
    Text(String),
    /// `tool NAME PATH SIZE MTIME_NS`: the command NAME as found on PATH where it runs.
    Tool(String),
    /// `input SHOWN SHA256`: a file's content.
    Input { shown: String, path: PathBuf },
}

/// Performs actions in order, through `cx.system` (every side effect in one place).
pub fn perform(actions: &[Action], cx: &Cx) -> Result<(), Failure> {
    actions.iter().try_for_each(|action| perform_one(action, cx))
}

fn perform_one(action: &Action, cx: &Cx) -> Result<(), Failure> {
    match action {
        Action::Run(run) => {
            let mut cmd = Cmd::shell(&run.shell).envs(cx.env).envs(&run.env);
            if let Some(dir) = &run.cwd {
                cmd = cmd.cwd(dir);
            }
            match cx.system.run(&cmd) {
                Ok(out) if out.success() => Ok(()),
                Ok(out) => Err(Failure::command(&run.shell, &out)),
                Err(e) => Err(Failure::spawn(&run.shell, &e)),
            }
        }
        Action::MakeDir { path, mode } => cx
            .system
            .create_dir_all(path, *mode)
            .map_err(|e| Failure::new(format!("cannot create {}: {e}", path.display()))),
        Action::Link { path, target } => link(cx, path, target),
        Action::RemoveFile(path) => match cx.system.remove_file(path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(Failure::new(format!("cannot remove {}: {e}", path.display())))
            }
            _ => Ok(()),
        },
        Action::Stamp { path, lines } => {
            let text = format!("{}\n", stamp_text(lines, cx));
            path.parent()
                .map_or(Ok(()), |dir| cx.system.create_dir_all(dir, None))
                .and_then(|()| cx.system.write_atomic(path, text.as_bytes(), None))
                .map_err(|e| {
                    Failure::new(format!(
                        "what was done succeeded, but its record {} cannot be written: {e}",
                        path.display()
                    ))
                    .with_hint("make sure the directory is writable, then run devup again")
                })
        }
        Action::Fail { message, hint } => {
            let failure = Failure::new(message.clone());
            Err(match hint {
                Some(hint) => failure.with_hint(hint.clone()),
                None => failure,
            })
        }
        Action::If { test, then, otherwise } => perform(if holds(test, cx) { then } else { otherwise }, cx),
        Action::InstallPackages { manager, names } => manager.0.install_all(cx, names),
        Action::RestoreCommand { manager, names, command, dirs } => restore_command(cx, *manager, names, command, dirs),
        Action::InstallPrebuilt { spec, build, want } => {
            let build = match build {
                Some(build) => build.clone(),
                None => locked_build(cx).ok_or_else(|| {
                    Failure::new(format!(
                        "devup has no way to install {want} here: no prebuilt {} build was chosen",
                        spec.name
                    ))
                })?,
            };
            cx.tools.install(cx.system, spec, &build).map(drop).map_err(Failure::new)
        }
        Action::Hinted { hint, actions } => perform(actions, cx).map_err(|f| Failure {
            hint: Some(f.hint.as_ref().map_or_else(|| hint.clone(), |h| format!("{h}; {hint}"))),
            ..f
        }),
    }
}

/// Whether a condition holds on this machine now.
pub fn holds(test: &Test, cx: &Cx) -> bool {
    match test {
        Test::Exists(path) => path.exists(),
        Test::NotADirectory(path) => path.exists() && !path.is_dir(),
        Test::Not(test) => !holds(test, cx),
        Test::CommandFound(name) => which::which_in(name, Some(cx.path_var()), "/").is_ok(),
        Test::PackageOffers { manager, package, version } => {
            manager.0.can_install(cx)
                && (version.is_any() || manager.0.offered(cx, package).is_some_and(|v| version.matches(&v)))
        }
        Test::All(tests) => tests.iter().all(|test| holds(test, cx)),
    }
}

/// The prebuilt build devup.lock records for this step and platform, with where it came from.
fn locked_build(cx: &Cx) -> Option<Build> {
    let locked = cx.tools.locked(cx.step_id)?;
    if !locked.is_prebuilt() || locked.platform.as_deref() != Some(cx.tools.platform.as_str()) {
        return None;
    }
    Some(Build { version: locked.version.clone(), url: locked.source.clone()?, checksum: locked.checksum.clone()? })
}

/// Reinstalls what owned a command that is gone from PATH and from its directories although
/// its packages are installed: the files where it was (and what a link there pointed at).
fn restore_command(cx: &Cx, manager: Manager, names: &[String], command: &str, dirs: &[String]) -> Result<(), Failure> {
    let path = cx.path_var();
    let dirs: Vec<PathBuf> =
        std::env::split_paths(&path).chain(dirs.iter().flat_map(|d| crate::version_dirs::newest(d))).collect();
    if dirs.iter().any(|dir| which::which_in(command, Some(dir), dir).is_ok()) {
        return Ok(());
    }
    let mut files = Vec::new();
    for dir in dirs {
        let file = dir.join(command);
        if let Ok(target) = std::fs::read_link(&file) {
            files.push(dir.join(target));
        }
        files.push(file);
    }
    manager.0.restore(cx, &files, names)
}

/// A record's text as devup computes it now (the script computes the same text in shell).
pub fn stamp_text(lines: &[StampLine], cx: &Cx) -> String {
    let search = cx.path_var();
    let lines: Vec<String> = lines
        .iter()
        .map(|line| match line {
            StampLine::Text(text) => text.clone(),
            StampLine::Tool(name) => format!("tool {name} {}", tool_identity(name, &search)),
            StampLine::Input { shown, path } => {
                let sha = cx.memory.stamped("sha256", path, || std::fs::read(path).ok().map(|b| sha256_hex(&b)));
                format!("input {shown} {}", sha.as_deref().unwrap_or("absent"))
            }
        })
        .collect();
    lines.join("\n")
}

/// Where a command is and which file it is, without reading it: path, size and mtime (what
/// `command -v`, `stat -L -c %s` and `date -r FILE +%s%N` print).
fn tool_identity(command: &str, search: &std::ffi::OsStr) -> String {
    let Ok(path) = which::which_in(command, Some(search), "/") else {
        return "absent".to_string();
    };
    match std::fs::metadata(&path).and_then(|m| Ok((m.len(), m.modified()?))) {
        Ok((size, modified)) => {
            let mtime = modified.duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
            format!("{} {size} {mtime}", path.display())
        }
        Err(_) => path.display().to_string(),
    }
}

/// A link made beside the old one and renamed over it. A real file or directory in its way is
/// a person's: kept, unless the run replaces files, then kept as `NAME.devup-backup`.
fn link(cx: &Cx, path: &Path, target: &Path) -> Result<(), Failure> {
    let fail = |what: &str, e: std::io::Error| Failure::new(format!("cannot {what} {}: {e}", path.display()));
    if let Ok(meta) = std::fs::symlink_metadata(path)
        && !meta.file_type().is_symlink()
    {
        if !cx.replace_files {
            return Err(Failure::new(format!("{} is a real file or directory; it was kept", path.display()))
                .with_hint("to replace it (it is kept as a backup), run `devup up --replace-files`"));
        }
        let backup = PathBuf::from(format!("{}.devup-backup", path.display()));
        cx.system.rename(path, &backup).map_err(|e| fail("back up", e))?;
    }
    if let Some(parent) = path.parent() {
        cx.system.create_dir_all(parent, None).map_err(|e| fail("create the directory of", e))?;
    }
    let temp = path.with_file_name(format!(".devup-link-{}", std::process::id()));
    let _ = cx.system.remove_file(&temp);
    cx.system.symlink(target, &temp).map_err(|e| fail("create", e))?;
    cx.system.rename(&temp, path).map_err(|e| fail("replace", e))
}

/// Every command the actions may run, whatever the conditions decide: what the engine can run
/// and what the exported script contains.
pub fn commands(actions: &[Action]) -> Vec<String> {
    let mut out = Vec::new();
    for action in actions {
        match action {
            Action::Run(run) => out.push(run.shell.clone()),
            Action::If { then, otherwise, .. } => {
                out.extend(commands(then));
                out.extend(commands(otherwise));
            }
            Action::Hinted { actions, .. } => out.extend(commands(actions)),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::step::testing::Sandbox;

    /// A package manager that offers one version, may refuse to install, and records what it
    /// was asked to do.
    struct Recording {
        offers: Option<&'static str>,
        can: bool,
        done: Mutex<Vec<String>>,
    }

    impl SystemPackages for Recording {
        fn manager_name(&self) -> &'static str {
            "recording"
        }
        fn can_install(&self, _cx: &Cx) -> bool {
            self.can
        }
        fn offered(&self, _cx: &Cx, _name: &str) -> Option<String> {
            self.offers.map(str::to_string)
        }
        fn install_all(&self, _cx: &Cx, names: &[String]) -> Result<(), Failure> {
            self.done.lock().unwrap().push(format!("install {}", names.join(" ")));
            Ok(())
        }
        fn restore(&self, _cx: &Cx, files: &[PathBuf], names: &[String]) -> Result<(), Failure> {
            let files: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
            self.done.lock().unwrap().push(format!("restore {} from {}", names.join(" "), files.join(" ")));
            Ok(())
        }
    }

    fn recording(offers: Option<&'static str>, can: bool) -> (&'static Recording, Manager) {
        let manager: &'static Recording = Box::leak(Box::new(Recording { offers, can, done: Mutex::new(Vec::new()) }));
        (manager, Manager(manager))
    }

    fn constraint(text: &str) -> Constraint {
        Constraint::parse(text).unwrap()
    }

    #[test]
    fn a_command_is_found_on_the_projects_path() {
        let sb = Sandbox::new();
        sb.write("bin/devup-test-tool", "#!/bin/sh\n");
        sb.system.set_mode(&sb.path("bin/devup-test-tool"), 0o755).unwrap();
        let env = [("PATH".to_string(), sb.path("bin").display().to_string())];
        let cx = sb.cx();
        let found = Test::CommandFound("devup-test-tool".into());
        assert!(holds(&found, &cx.with_env(&env)));
        assert!(!holds(&found, &cx));
        assert!(!holds(&Test::CommandFound("devup-no-such-tool".into()), &cx.with_env(&env)));
    }

    #[test]
    fn a_package_is_offered_when_it_can_be_installed_at_a_version_that_satisfies() {
        let sb = Sandbox::new();
        let offers = |manager, version: &str| Test::PackageOffers {
            manager,
            package: "postgresql".into(),
            version: constraint(version),
        };
        let (_, at_15) = recording(Some("15.8.0"), true);
        assert!(holds(&offers(at_15, "15"), &sb.cx()));
        assert!(!holds(&offers(at_15, ">=16"), &sb.cx()));
        let (_, none) = recording(None, true);
        assert!(!holds(&offers(none, "15"), &sb.cx()));
        assert!(holds(&offers(none, "*"), &sb.cx()), "any version: whatever it installs");
        let (_, no_root) = recording(Some("15.8.0"), false);
        assert!(!holds(&offers(no_root, "15"), &sb.cx()));
        assert!(!holds(&Test::All(vec![offers(at_15, "15"), offers(at_15, "16")]), &sb.cx()));
        assert!(holds(&Test::All(vec![offers(at_15, "15"), Test::Exists(sb.path(""))]), &sb.cx()));
    }

    #[test]
    fn packages_are_installed_then_a_command_removed_by_hand_is_restored() {
        let sb = Sandbox::new();
        let (record, manager) = recording(None, true);
        let names = vec!["devup-test-pkg".to_string()];
        let dir = sb.path("bin").display().to_string();
        std::fs::create_dir_all(sb.path("bin")).unwrap();
        let restore = Action::RestoreCommand {
            manager,
            names: names.clone(),
            command: "devup-test-tool".into(),
            dirs: vec![dir.clone()],
        };
        perform(&[Action::InstallPackages { manager, names: names.clone() }, restore.clone()], &sb.cx()).unwrap();
        assert_eq!(record.done.lock().unwrap()[0], "install devup-test-pkg");
        assert!(record.done.lock().unwrap()[1].starts_with("restore devup-test-pkg from "));
        assert!(record.done.lock().unwrap()[1].contains(&format!("{dir}/devup-test-tool")));
        // Present again: nothing to restore.
        sb.write("bin/devup-test-tool", "#!/bin/sh\n");
        sb.system.set_mode(&sb.path("bin/devup-test-tool"), 0o755).unwrap();
        perform(&[restore], &sb.cx()).unwrap();
        assert_eq!(record.done.lock().unwrap().len(), 2);
    }

    #[test]
    fn a_failure_inside_hinted_actions_carries_the_hint_after_its_own() {
        let sb = Sandbox::new();
        let hinted = |actions| Action::Hinted { hint: "try another way".into(), actions };
        let plain = perform(&[hinted(vec![Action::Run(Run::new("exit 3"))])], &sb.cx()).unwrap_err();
        assert_eq!(plain.hint.as_deref(), Some("try another way"));
        let fail = Action::Fail { message: "no".into(), hint: Some("its own".into()) };
        let both = perform(&[hinted(vec![fail])], &sb.cx()).unwrap_err();
        assert_eq!(both.hint.as_deref(), Some("its own; try another way"));
        perform(&[hinted(vec![Action::Run(Run::new("true"))])], &sb.cx()).unwrap();
    }

    #[test]
    fn a_prebuilt_install_without_a_build_nor_a_lock_is_refused() {
        let sb = Sandbox::new();
        let spec: Spec = toml::from_str("name = 'tool'\nindex = 'npm'\nbase = 'http://127.0.0.1:9'").unwrap();
        let install = Action::InstallPrebuilt { spec: Box::new(spec), build: None, want: "`tool` 2".into() };
        let failure = perform(&[install], &sb.cx()).unwrap_err();
        assert!(failure.message.contains("devup has no way to install `tool` 2 here"), "{}", failure.message);
    }
}
