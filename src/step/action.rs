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
    /// System packages are installed: those not installed at a version they want, as found
    /// where it runs, in one command of the package manager there.
    InstallPackages { installer: Installer, packages: Vec<SystemPackage> },
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
        Action::If { test, then, otherwise } => perform(if holds(test) { then } else { otherwise }, cx),
        Action::InstallPackages { installer, packages } => installer.0.install_pending(cx, packages),
    }
}

/// Whether a condition holds on this machine now.
pub fn holds(test: &Test) -> bool {
    match test {
        Test::Exists(path) => path.exists(),
        Test::NotADirectory(path) => path.exists() && !path.is_dir(),
        Test::Not(test) => !holds(test),
    }
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

/// A system package an install wants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemPackage {
    /// Its name in messages and on the managers `per_manager` does not name.
    pub name: String,
    /// Its name on a manager where it differs: `("apt", "libpq-dev")`.
    pub per_manager: Vec<(&'static str, String)>,
    /// The versions that do (upstream versions, as the manager's are compared).
    pub constraint: Constraint,
}

impl SystemPackage {
    /// Its name on `manager`.
    pub fn name_on(&self, manager: &str) -> &str {
        self.per_manager.iter().find(|(m, _)| *m == manager).map_or(&self.name, |(_, n)| n)
    }
}

/// What installs system packages where devup runs: the machine's package manager, read and
/// driven in-process (`packages/` implements it; the ground floor names no manager).
pub trait InstallsPackages: Send + Sync {
    /// Installs those of `packages` not installed at a version they want, in one command of
    /// the manager; nothing when every one is.
    fn install_pending(&self, cx: &Cx, packages: &[SystemPackage]) -> Result<(), Failure>;
}

/// The installer an [`Action::InstallPackages`] names, compared by identity.
#[derive(Clone, Copy)]
pub struct Installer(pub &'static dyn InstallsPackages);

impl std::fmt::Debug for Installer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Installer")
    }
}

impl PartialEq for Installer {
    fn eq(&self, other: &Installer) -> bool {
        std::ptr::addr_eq(self.0, other.0)
    }
}

impl Eq for Installer {}

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
            _ => {}
        }
    }
    out
}
