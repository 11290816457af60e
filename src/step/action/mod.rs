//! What a step does when it is applied, as data: the commands it runs and the files and
//! directories it makes, with the conditions it decides on where it runs. A kind describes its
//! apply once ([`crate::step::Resource::actions`]); `devup up` performs the description
//! ([`perform`]) and `devup export` writes it as shell (`shell_forms/actions/`), so the two cannot
//! run different commands.
//!
//! Where the two worlds differ in policy, the renderers decide, not the kinds: a file a person
//! put where devup makes a link is kept by devup unless asked to replace it (then backed up),
//! while the script, which cannot ask, backs it up and replaces it.

mod perform;
#[cfg(test)]
mod tests;

use std::path::PathBuf;
use std::time::Duration;

use super::{Cx, Failure};
use crate::protocols::Probe;
use crate::tools::prebuilt::{Build, Spec};
use crate::version::Constraint;

pub use perform::{holds, perform, stamp_text};

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
    /// A file holds `content`, with `mode` when given, given to the account `owner` names when
    /// devup is root (a server's configuration, which it alone may read). devup follows the rule
    /// of every file it writes (`step/owned.rs`): its own older content is replaced, a person's
    /// edit kept unless the run replaces files (then kept as a backup); the script, which cannot
    /// tell them apart, keeps a differing file as `NAME.devup-backup` and replaces it.
    WriteFile { path: PathBuf, content: FileContent, mode: Option<u32>, owner: Option<String> },
    /// Something at `path` has `mode`.
    SetMode { path: PathBuf, mode: u32 },
    /// devup records, for the step, what no check can read back (a password's sha256), so that a
    /// changed one is applied; the script cannot keep devup's records and does nothing.
    Fingerprint(String),
    /// System packages are installed: those not installed at a version they want, as found
    /// where it runs, in one command of the package manager there.
    InstallPackages { installer: Installer, packages: Vec<SystemPackage> },
    // --- tools at a version: system packages, prebuilt builds ---
    /// These system packages installed, in one command, with this package manager.
    InstallPackagesWith { manager: Manager, names: Vec<String> },
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
    /// Asks `probe` until it answers, at most `timeout`: a server that was just started. `what`
    /// names it in the failure, `hint` says where its own words are.
    WaitFor { probe: Probe, timeout: Duration, what: String, hint: Option<String> },
    // --- a server's life cycle ---
    /// Files whose first line is the pid of a process that is gone (or a zombie) are removed:
    /// what a crashed server left, and a server refuses to start beside.
    RemoveStalePidFiles(Vec<PathBuf>),
    /// A directory and everything in it is gone.
    RemoveDir(PathBuf),
    /// A directory (and its parents) exists with `mode`; when devup is root it belongs to
    /// `account` (a server that refuses root), which must exist and reach it through its
    /// parents. `what` names the program that runs as it, in messages.
    MakeAccountDir { path: PathBuf, mode: u32, account: String, what: String },
    /// `init` fills `staging` (made afresh before), which is then renamed to `data`: an init
    /// killed halfway leaves nothing at `data`. When it fails, an empty `staging` is removed
    /// and a filled one kept for a look, the hint saying where.
    InitInto { staging: PathBuf, data: PathBuf, init: Vec<Action> },
    /// The files' present content is recorded as devup's own (files a program it ran wrote,
    /// which devup then replaces as its own); the script keeps no records and does nothing.
    ClaimFiles(Vec<PathBuf>),
    /// Actions whose failure fails the step only once the actions after them succeeded (a
    /// person's configuration kept: the server still runs with it).
    FailLater(Vec<Action>),
    /// Actions of a program that keeps a log: a failure says where the log is (or that the
    /// output above is all there is) and shows its last lines.
    WithLog { name: String, log: Option<PathBuf>, actions: Vec<Action> },
    /// Actions whose failure is told as `message: what failed`.
    Context { message: String, actions: Vec<Action> },
    /// The step cannot go on, for a reason found where it runs: `{found}` in `message` and
    /// `hint` is the first line of `file` there (the version that made a data directory).
    FailQuoting { file: PathBuf, message: String, hint: String },
}

/// What a written file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileContent {
    Text(String),
    /// The bytes of another file, as they are where the apply runs.
    CopyOf(PathBuf),
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
    /// The account it runs as; devup's own when `None`.
    pub run_as: Option<RunAs>,
    /// The command as messages show it, its secrets masked; `shell` when `None`.
    pub shown: Option<String>,
    /// Values masked wherever they occur in its output (a password a program echoes).
    pub secrets: Vec<String>,
    /// What to do when it fails.
    pub hint: Option<String>,
    /// Directories put first on its PATH; one `*` component picks the newest matching
    /// directory where it runs (`/usr/lib/postgresql/*/bin`).
    pub path_first: Vec<String>,
}

/// Whose account a command runs as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunAs {
    /// root: directly when devup is root, else through sudo (the script's `as_root`). Only the
    /// command's own variables go with it: the machine's commands do not take the project's.
    Root,
    /// That account (a command only it may run, such as postgres's `createuser`): directly when
    /// devup is root, else through `sudo -u` unless it is devup's own (the script's `as_user`).
    /// Through sudo only the command's own variables go with it.
    User(String),
    /// That account when devup is root (a server that refuses root), else devup's own (the
    /// script's `as_account`).
    AccountWhenRoot(String),
}

impl Run {
    pub fn new(shell: impl Into<String>) -> Run {
        Run {
            shell: shell.into(),
            cwd: None,
            env: Vec::new(),
            run_as: None,
            shown: None,
            secrets: Vec::new(),
            hint: None,
            path_first: Vec::new(),
        }
    }

    pub fn run_as(mut self, account: Option<RunAs>) -> Run {
        self.run_as = account;
        self
    }

    /// How messages show it, its secrets masked; its output is masked wherever they occur.
    pub fn masked(mut self, shown: impl Into<String>, secrets: &[String]) -> Run {
        self.shown = Some(shown.into());
        self.secrets = secrets.to_vec();
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Run {
        self.hint = Some(hint.into());
        self
    }

    pub fn cwd(mut self, dir: impl Into<PathBuf>) -> Run {
        self.cwd = Some(dir.into());
        self
    }

    pub fn envs(mut self, env: &[(String, String)]) -> Run {
        self.env.extend_from_slice(env);
        self
    }

    pub fn path_first(mut self, patterns: &[String]) -> Run {
        self.path_first.extend_from_slice(patterns);
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
    /// The machine's services are started by this init system: devup reads it in its facts, the
    /// script asks the machine it runs on.
    InitSystem(Init),
    // --- a server's life cycle ---
    /// The probe answers now.
    Probe(Probe),
    /// The probe answers within `within`, asked ten times a second (a server re-reading its
    /// files after a reload).
    ProbeSoon {
        probe: Probe,
        within: Duration,
    },
    /// The pid on the file's first line is a running process (not a zombie).
    PidAlive(PathBuf),
    /// The file holds exactly this text.
    SameContent(PathBuf, String),
    /// The directory holds files.
    HoldsFiles(PathBuf),
    /// The file holds a version (its first line) the constraint accepts.
    VersionIn {
        file: PathBuf,
        constraint: Constraint,
    },
}

/// An init system that starts services its own way (any other has the `service` command).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Init {
    /// systemd as PID 1.
    Systemd,
    OpenRc,
    /// macOS's, where Homebrew starts services.
    Launchd,
}

impl Init {
    /// Its name in the facts (`facts.init`).
    pub fn name(self) -> &'static str {
        match self {
            Init::Systemd => "systemd",
            Init::OpenRc => "openrc",
            Init::Launchd => "launchd",
        }
    }
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
            Action::Hinted { actions, .. } => out.extend(commands(actions)),
            Action::InitInto { init: actions, .. }
            | Action::FailLater(actions)
            | Action::WithLog { actions, .. }
            | Action::Context { actions, .. } => out.extend(commands(actions)),
            _ => {}
        }
    }
    out
}
