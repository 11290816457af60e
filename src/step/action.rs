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
use std::time::Duration;

use super::privilege::Elevation;
use super::{Cx, Failure};
use crate::protocols::Probe;
use crate::state::sha256_hex;
use crate::system::{Account, Cmd};
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

/// Performs actions in order, through `cx.system` (every side effect in one place). A failure
/// put off ([`Action::FailLater`]) fails them once the rest succeeded.
pub fn perform(actions: &[Action], cx: &Cx) -> Result<(), Failure> {
    let mut later = None;
    perform_all(actions, cx, &mut later)?;
    later.map_or(Ok(()), Err)
}

fn perform_all(actions: &[Action], cx: &Cx, later: &mut Option<Failure>) -> Result<(), Failure> {
    actions.iter().try_for_each(|action| perform_one(action, cx, later))
}

fn perform_one(action: &Action, cx: &Cx, later: &mut Option<Failure>) -> Result<(), Failure> {
    match action {
        Action::Run(run) => run_command(run, cx),
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
        Action::If { test, then, otherwise } => perform_all(if holds(test, cx) { then } else { otherwise }, cx, later),
        Action::WriteFile { path, content, mode, owner } => write_file(cx, path, content, *mode, owner.as_deref()),
        Action::SetMode { path, mode } => set_mode(cx, path, *mode),
        Action::Fingerprint(fingerprint) => {
            cx.memory.set_fingerprint(cx.step_id, fingerprint.clone());
            Ok(())
        }
        Action::InstallPackages { installer, packages } => installer.0.install_pending(cx, packages),
        Action::InstallPackagesWith { manager, names } => manager.0.install_all(cx, names),
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
        Action::Hinted { hint, actions } => perform_all(actions, cx, later).map_err(|f| Failure {
            hint: Some(f.hint.as_ref().map_or_else(|| hint.clone(), |h| format!("{h}; {hint}"))),
            ..f
        }),
        Action::WaitFor { probe, timeout, what, hint } => probe.wait(cx.system, cx.env, *timeout).map_err(|e| {
            let failure = Failure::new(format!("{what} did not answer within {}s: {e}", timeout.as_secs()));
            match hint {
                Some(hint) => failure.with_hint(hint.clone()),
                None => failure,
            }
        }),
        Action::RemoveStalePidFiles(files) => {
            for file in files {
                if first_line_pid(file).is_some_and(|pid| !crate::system::process_alive(pid)) {
                    let _ = cx.system.remove_file(file);
                }
            }
            Ok(())
        }
        Action::RemoveDir(path) => match cx.system.remove_dir_all(path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(Failure::new(format!("cannot remove {}: {e}", path.display())))
            }
            _ => Ok(()),
        },
        Action::MakeAccountDir { path, mode, account, what } => make_account_dir(cx, path, *mode, account, what),
        Action::InitInto { staging, data, init } => init_into(cx, staging, data, init, later),
        Action::ClaimFiles(files) => {
            for file in files {
                if let Ok(made) = std::fs::read(file) {
                    cx.memory.set_written(file, sha256_hex(&made));
                }
            }
            Ok(())
        }
        Action::FailLater(actions) => {
            if let Err(failure) = perform_all(actions, cx, later) {
                later.get_or_insert(failure);
            }
            Ok(())
        }
        Action::WithLog { name, log, actions } => perform_all(actions, cx, later).map_err(|mut failure| {
            let where_ = match log {
                Some(log) if log.exists() => format!("its log is {}", log.display()),
                _ => "its output is above".to_string(),
            };
            failure.hint = Some(match failure.hint.take() {
                Some(hint) => format!("{hint}; {where_}"),
                None => where_,
            });
            if let Some(tail) = log.as_deref().and_then(log_tail) {
                failure.output = Some(match failure.output.take() {
                    Some(output) => format!("{output}\n--- end of {name}:\n{tail}"),
                    None => tail,
                });
            }
            failure
        }),
        Action::Context { message, actions } => perform_all(actions, cx, later).map_err(|mut failure| {
            failure.message = format!("{message}: {}", failure.message);
            failure
        }),
        Action::FailQuoting { file, message, hint } => {
            let found = std::fs::read_to_string(file).ok();
            let found = found.as_deref().and_then(|text| text.lines().next()).unwrap_or("").trim();
            Err(Failure::new(message.replace("{found}", found)).with_hint(hint.replace("{found}", found)))
        }
    }
}

/// The pid on a file's first line.
fn first_line_pid(file: &Path) -> Option<i32> {
    std::fs::read_to_string(file).ok()?.lines().next()?.trim().parse().ok()
}

/// A log's last ten lines.
fn log_tail(log: &Path) -> Option<String> {
    let text = std::fs::read_to_string(log).ok()?;
    let lines: Vec<&str> = text.lines().collect();
    Some(lines[lines.len().saturating_sub(10)..].join("\n"))
}

/// A directory for a server's data, its account's when devup is root; the account must be able
/// to reach it.
fn make_account_dir(cx: &Cx, dir: &Path, mode: u32, name: &str, what: &str) -> Result<(), Failure> {
    let fail = |e: std::io::Error| Failure::new(format!("cannot create {}: {e}", dir.display()));
    if let Some(parent) = dir.parent() {
        cx.system.create_dir_all(parent, None).map_err(fail)?;
    }
    cx.system.create_dir_all(dir, Some(mode)).map_err(fail)?;
    if !cx.facts.root {
        return Ok(());
    }
    let account = Account::lookup(name).map_err(|e| {
        Failure::new(format!("{what} must run as `{name}` when devup is root: {e}"))
            .with_hint(format!("install the {what} package (it creates the account), or run devup as a normal user"))
    })?;
    cx.system.chown(dir, &account).map_err(fail)?;
    if let Some(blocked) = untraversable_parent(dir) {
        return Err(Failure::new(format!(
            "`{name}` cannot reach {}: {} is not open to other users",
            dir.display(),
            blocked.display()
        ))
        .with_hint("set DEVUP_DATA_DIR to a directory other accounts can reach, such as /var/lib/devup"));
    }
    Ok(())
}

/// The first parent directory that other accounts cannot enter (no `x` for others).
fn untraversable_parent(path: &Path) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    path.ancestors()
        .skip(1)
        .find(|dir| std::fs::metadata(dir).is_ok_and(|m| m.permissions().mode() & 0o001 == 0))
        .map(Path::to_path_buf)
}

/// Runs `init` into `staging`, renamed to `data` once it succeeded (over an empty `data`, as
/// rename allows).
fn init_into(
    cx: &Cx,
    staging: &Path,
    data: &Path,
    init: &[Action],
    later: &mut Option<Failure>,
) -> Result<(), Failure> {
    if let Err(mut failure) = perform_all(init, cx, later) {
        if std::fs::read_dir(staging).is_ok_and(|mut entries| entries.next().is_none()) {
            let _ = cx.system.remove_dir_all(staging);
        } else {
            let made = format!("what it made is in {}", staging.display());
            failure.hint = Some(match failure.hint.take() {
                Some(hint) => format!("{hint}; {made}"),
                None => made,
            });
        }
        return Err(failure);
    }
    cx.system.rename(staging, data).map_err(|e| {
        Failure::new(format!("cannot move the initialized {} to {}: {e}", staging.display(), data.display()))
    })
}

/// A command, as the account it names; a failure shows it and its output masked.
fn run_command(run: &Run, cx: &Cx) -> Result<(), Failure> {
    let shown = run.shown.as_deref().unwrap_or(&run.shell);
    let mut cmd = Cmd::shell(&run.shell);
    if let Some(dir) = &run.cwd {
        cmd = cmd.cwd(dir);
    }
    let elevation = Elevation::for_facts(cx.facts);
    let env = with_path_first(run, cx);
    let ran = match &run.run_as {
        Some(RunAs::Root) => elevation.run(cx, &cmd.envs(&env))?,
        Some(RunAs::User(user) | RunAs::AccountWhenRoot(user)) if cx.facts.root => {
            cx.system.run(&cmd.envs(cx.env).envs(&env).as_user(Some(user))).map_err(|e| Failure::spawn(shown, &e))?
        }
        // sudo passes variables as arguments: only the command's own.
        Some(RunAs::User(user)) if *user != cx.facts.user => elevation.run_as(cx, &cmd.envs(&env), Some(user))?,
        _ => cx.system.run(&cmd.envs(cx.env).envs(&env)).map_err(|e| Failure::spawn(shown, &e))?,
    };
    if ran.success() {
        return Ok(());
    }
    let mut failure = Failure::command(shown, &ran);
    failure.output = failure.output.map(|o| run.secrets.iter().fold(o, |o, s| o.replace(s.as_str(), "***")));
    failure.hint = run.hint.clone();
    Err(failure)
}

/// The command's own variables, with PATH beginning with the directories it wants first, as
/// found now.
fn with_path_first(run: &Run, cx: &Cx) -> Vec<(String, String)> {
    let mut env = run.env.clone();
    let dirs: Vec<String> =
        run.path_first.iter().flat_map(|p| crate::version_dirs::newest(p)).map(|d| d.display().to_string()).collect();
    if !dirs.is_empty() {
        env.push(("PATH".to_string(), format!("{}:{}", dirs.join(":"), cx.path_var().to_string_lossy())));
    }
    env
}

/// A file holding what it should is only given its mode (and owner); any other is written by
/// the owned-file rule.
fn write_file(
    cx: &Cx,
    path: &Path,
    content: &FileContent,
    mode: Option<u32>,
    owner: Option<&str>,
) -> Result<(), Failure> {
    write_content(cx, path, content, mode)?;
    match owner.filter(|_| cx.facts.root) {
        Some(name) => {
            let account = Account::lookup(name).map_err(|e| Failure::new(e.to_string()))?;
            cx.system
                .chown(path, &account)
                .map_err(|e| Failure::new(format!("cannot give {} to `{name}`: {e}", path.display())))
        }
        None => Ok(()),
    }
}

fn write_content(cx: &Cx, path: &Path, content: &FileContent, mode: Option<u32>) -> Result<(), Failure> {
    let wanted = match content {
        FileContent::Text(text) => text.clone().into_bytes(),
        FileContent::CopyOf(from) => {
            std::fs::read(from).map_err(|e| Failure::new(format!("cannot read {}: {e}", from.display())))?
        }
    };
    match (std::fs::read(path), mode) {
        (Ok(current), Some(mode)) if current == wanted => set_mode(cx, path, mode),
        (Ok(current), None) if current == wanted => Ok(()),
        _ => super::owned::write(cx, path, &path.display().to_string(), &wanted, mode),
    }
}

fn set_mode(cx: &Cx, path: &Path, mode: u32) -> Result<(), Failure> {
    cx.system.set_mode(path, mode).map_err(|e| Failure::new(format!("cannot chmod {}: {e}", path.display())))
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
        Test::InitSystem(init) => cx.facts.init == init.name(),
        Test::Probe(probe) => probe.run(cx.system, cx.env).is_ok(),
        Test::ProbeSoon { probe, within } => (0..within.as_millis().div_ceil(100)).any(|_| {
            std::thread::sleep(Duration::from_millis(100));
            probe.run(cx.system, cx.env).is_ok()
        }),
        Test::PidAlive(file) => first_line_pid(file).is_some_and(crate::system::process_alive),
        Test::SameContent(path, text) => std::fs::read(path).is_ok_and(|bytes| bytes == text.as_bytes()),
        Test::HoldsFiles(dir) => std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_some()),
        Test::VersionIn { file, constraint } => std::fs::read_to_string(file).is_ok_and(|text| {
            let have = text.trim();
            crate::version::lenient(have).is_some() && constraint.matches(have)
        }),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::step::testing::Sandbox;

    fn mode(path: &Path) -> Option<u32> {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).ok().map(|m| m.permissions().mode() & 0o7777)
    }

    fn write(path: &Path, text: &str, mode: Option<u32>) -> Action {
        Action::WriteFile { path: path.to_path_buf(), content: FileContent::Text(text.into()), mode, owner: None }
    }

    #[test]
    fn a_written_file_replaces_devups_own_older_content_but_keeps_a_persons_edit() {
        let mut sb = Sandbox::new();
        let path = sb.path("conf/app.ini");
        perform(&[write(&path, "one", Some(0o600))], &sb.cx()).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "one");
        assert_eq!(mode(&path), Some(0o600));
        perform(&[write(&path, "two", Some(0o600))], &sb.cx()).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "two", "devup's own content is replaced");

        sb.write("conf/app.ini", "mine");
        let refused = perform(&[write(&path, "two", None)], &sb.cx()).unwrap_err();
        assert!(refused.hint.unwrap().contains("--replace-files"));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "mine");
        sb.replace_files = true;
        perform(&[write(&path, "two", None)], &sb.cx()).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "two");
        assert_eq!(std::fs::read_to_string(sb.path("conf/app.ini.devup-backup")).unwrap(), "mine");
    }

    #[test]
    fn a_file_already_holding_its_content_is_only_given_its_mode() {
        let sb = Sandbox::new();
        sb.write("f", "same");
        let path = sb.path("f");
        perform(&[write(&path, "same", Some(0o640))], &sb.cx()).unwrap();
        assert_eq!(mode(&path), Some(0o640));
        assert!(!sb.path("f.devup-backup").exists(), "nothing was replaced");
        perform(&[Action::SetMode { path: path.clone(), mode: 0o600 }], &sb.cx()).unwrap();
        assert_eq!(mode(&path), Some(0o600));
    }

    #[test]
    fn a_copy_takes_the_other_files_bytes_where_it_runs() {
        let sb = Sandbox::new();
        sb.write("from", "A=1\n\n");
        let copy = Action::WriteFile {
            path: sb.path("to"),
            content: FileContent::CopyOf(sb.path("from")),
            mode: None,
            owner: None,
        };
        perform(std::slice::from_ref(&copy), &sb.cx()).unwrap();
        assert_eq!(std::fs::read_to_string(sb.path("to")).unwrap(), "A=1\n\n");
        std::fs::remove_file(sb.path("from")).unwrap();
        let failure = perform(&[copy], &sb.cx()).unwrap_err();
        assert!(failure.message.starts_with("cannot read "), "{}", failure.message);
    }

    #[test]
    fn a_failed_command_is_shown_masked_with_its_hint_and_as_devups_own_account_runs_as_is() {
        let sb = Sandbox::new();
        let secret = vec!["s3cret".to_string()];
        // The facts' account is devup's own: the command runs as is, in its directory.
        let run = Run::new("test \"$(basename \"$PWD\")\" = sub && echo \"$PASSWORD rejected\" >&2 && false")
            .cwd(sb.path("sub"))
            .envs(&[("PASSWORD".into(), "s3cret".into())])
            .run_as(Some(RunAs::User(sb.facts.user.clone())))
            .masked("create role app with '***'", &secret)
            .hint("check the server's log");
        std::fs::create_dir_all(sb.path("sub")).unwrap();
        let failure = perform(&[Action::Run(run), Action::Fingerprint("sha".into())], &sb.cx()).unwrap_err();
        assert_eq!(failure.message, "`create role app with '***'` failed (exit code 1)");
        assert_eq!(failure.output.as_deref(), Some("stderr:\n  *** rejected"));
        assert_eq!(failure.hint.as_deref(), Some("check the server's log"));
        assert_eq!(sb.memory.fingerprint("test.step"), None, "nothing is recorded after a failure");
    }

    #[test]
    fn a_fingerprint_is_recorded_for_the_step_once_the_actions_before_it_succeeded() {
        let sb = Sandbox::new();
        perform(&[Action::Run(Run::new("true")), Action::Fingerprint("sha".into())], &sb.cx()).unwrap();
        assert_eq!(sb.memory.fingerprint("test.step").as_deref(), Some("sha"));
    }

    /// The way each init system starts a server, chosen by the facts; the one for any other last.
    fn start_by_init(sb: &Sandbox) -> Vec<Action> {
        let made = |name: &str| vec![Action::MakeDir { path: sb.path(name), mode: None }];
        let mut chain = made("by-service");
        for init in [Init::Launchd, Init::OpenRc, Init::Systemd] {
            chain = vec![Action::If { test: Test::InitSystem(init), then: made(init.name()), otherwise: chain }];
        }
        chain
    }

    #[test]
    fn the_init_system_in_the_facts_decides_which_way_is_taken() {
        let mut sb = Sandbox::new();
        sb.facts.init = "openrc".into();
        perform(&start_by_init(&sb), &sb.cx()).unwrap();
        sb.facts.init = "none".into();
        perform(&start_by_init(&sb), &sb.cx()).unwrap();
        let taken: Vec<bool> =
            ["systemd", "openrc", "launchd", "by-service"].iter().map(|name| sb.path(name).exists()).collect();
        assert_eq!(taken, [false, true, false, true]);
    }

    #[test]
    fn waiting_for_a_probe_ends_when_it_answers_or_fails_with_its_last_words_and_the_hint() {
        let sb = Sandbox::new();
        let ready = sb.path("ready");
        let wait = |timeout: u64| Action::WaitFor {
            probe: Probe::Path(ready.clone(), None),
            timeout: Duration::from_secs(timeout),
            what: "the server".into(),
            hint: Some("see its log".into()),
        };
        let failure = perform(&[wait(0)], &sb.cx()).unwrap_err();
        assert_eq!(failure.message, format!("the server did not answer within 0s: {} does not exist", ready.display()));
        assert_eq!(failure.hint.as_deref(), Some("see its log"));
        // Written a moment after the wait began.
        let started = Action::Run(Run::new(format!("(sleep 0.3; touch {}) >/dev/null 2>&1 &", ready.display())));
        perform(&[started, wait(10)], &sb.cx()).unwrap();
    }
}

#[cfg(test)]
mod package_tests {
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
        perform(&[Action::InstallPackagesWith { manager, names: names.clone() }, restore.clone()], &sb.cx()).unwrap();
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

#[cfg(test)]
mod life_cycle_tests {
    use super::*;
    use crate::step::testing::Sandbox;

    /// A pid no process has: a child's, once it was waited for.
    fn dead_pid() -> u32 {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        child.wait().unwrap();
        child.id()
    }

    fn fail(message: &str) -> Action {
        Action::Fail { message: message.into(), hint: None }
    }

    #[test]
    fn a_failure_put_off_fails_the_actions_only_once_the_rest_succeeded() {
        let sb = Sandbox::new();
        let actions = [
            Action::If {
                test: Test::Exists(sb.path("")),
                then: vec![Action::FailLater(vec![fail("kept"), Action::MakeDir { path: sb.path("no"), mode: None }])],
                otherwise: vec![],
            },
            Action::MakeDir { path: sb.path("after"), mode: None },
        ];
        let failure = perform(&actions, &sb.cx()).unwrap_err();
        assert_eq!(failure.message, "kept");
        assert!(sb.path("after").is_dir(), "what follows is done");
        assert!(!sb.path("no").exists(), "the put-off actions stop at their failure");
        let failure = perform(&[Action::FailLater(vec![fail("first")]), fail("second")], &sb.cx()).unwrap_err();
        assert_eq!(failure.message, "second", "a failure of its own comes first");
    }

    #[test]
    fn an_init_fills_its_staging_directory_which_is_renamed_into_place_or_set_apart() {
        let sb = Sandbox::new();
        let (staging, data) = (sb.path("data.init"), sb.path("data"));
        let init = |script: &str| Action::InitInto {
            staging: staging.clone(),
            data: data.clone(),
            init: vec![Action::Run(Run::new(script).cwd(&staging).hint("initializing it failed"))],
        };
        let made = |s: &Sandbox| Action::MakeDir { path: s.path("data.init"), mode: None };

        let failure = perform(&[made(&sb), init("false")], &sb.cx()).unwrap_err();
        assert_eq!(failure.hint.as_deref(), Some("initializing it failed"));
        assert!(!staging.exists(), "an init that made nothing leaves nothing");

        let failure = perform(&[made(&sb), init("echo 1 > VERSION && false")], &sb.cx()).unwrap_err();
        let hint = format!("initializing it failed; what it made is in {}", staging.display());
        assert_eq!(failure.hint, Some(hint));
        assert!(staging.join("VERSION").exists() && !data.exists());

        std::fs::create_dir(&data).unwrap();
        perform(&[Action::RemoveDir(staging.clone()), made(&sb), init("echo 2 > VERSION")], &sb.cx()).unwrap();
        assert_eq!(std::fs::read_to_string(data.join("VERSION")).unwrap(), "2\n", "over an empty directory");
        assert!(!staging.exists());
    }

    #[test]
    fn a_programs_failure_names_its_log_and_shows_its_end() {
        let sb = Sandbox::new();
        let log = sb.path("log");
        let lines: Vec<String> = (1..=12).map(|n| format!("line {n}")).collect();
        sb.write("log", &lines.join("\n"));
        let with_log =
            |log: Option<PathBuf>, actions: Vec<Action>| Action::WithLog { name: "fake".into(), log, actions };

        let run = Action::Run(Run::new("echo oops >&2; false").hint("starting fake failed"));
        let failure = perform(&[with_log(Some(log.clone()), vec![run.clone()])], &sb.cx()).unwrap_err();
        assert_eq!(failure.hint, Some(format!("starting fake failed; its log is {}", log.display())));
        let output = failure.output.unwrap();
        assert!(output.starts_with("stderr:\n  oops\n--- end of fake:\nline 3\n"), "{output}");
        assert!(output.ends_with("line 12"), "{output}");

        let failure = perform(&[with_log(Some(log.clone()), vec![fail("it did not answer")])], &sb.cx()).unwrap_err();
        assert_eq!(failure.output.as_deref(), Some(lines[2..].join("\n").as_str()), "the log's last ten lines");

        let failure = perform(&[with_log(Some(sb.path("none")), vec![run])], &sb.cx()).unwrap_err();
        assert_eq!(failure.hint.as_deref(), Some("starting fake failed; its output is above"));
    }

    #[test]
    fn a_failure_is_told_in_its_context_and_a_refusal_quotes_what_it_found() {
        let sb = Sandbox::new();
        let context = Action::Context { message: "fake did not come back".into(), actions: vec![fail("no answer")] };
        assert_eq!(perform(&[context], &sb.cx()).unwrap_err().message, "fake did not come back: no answer");

        sb.write("PG_VERSION", "14\n");
        let refusal = Action::FailQuoting {
            file: sb.path("PG_VERSION"),
            message: "data from postgres {found}".into(),
            hint: "use {found}'s tools".into(),
        };
        let failure = perform(&[refusal], &sb.cx()).unwrap_err();
        assert_eq!(
            (failure.message.as_str(), failure.hint.as_deref()),
            ("data from postgres 14", Some("use 14's tools"))
        );
    }

    #[test]
    fn conditions_on_a_servers_files_are_read_where_it_runs() {
        let sb = Sandbox::new();
        let cx = sb.cx();
        sb.write("own.pid", &format!("{}\n", std::process::id()));
        sb.write("dead.pid", &format!("{}\n", dead_pid()));
        sb.write("garbage.pid", "not a pid\n");
        assert!(holds(&Test::PidAlive(sb.path("own.pid")), &cx));
        assert!(!holds(&Test::PidAlive(sb.path("dead.pid")), &cx));
        assert!(!holds(&Test::PidAlive(sb.path("garbage.pid")), &cx));
        assert!(!holds(&Test::PidAlive(sb.path("absent.pid")), &cx));

        sb.write("conf", "a=1\n");
        assert!(holds(&Test::SameContent(sb.path("conf"), "a=1\n".into()), &cx));
        assert!(!holds(&Test::SameContent(sb.path("conf"), "a=1".into()), &cx));
        assert!(!holds(&Test::SameContent(sb.path("absent"), String::new()), &cx));

        std::fs::create_dir(sb.path("empty")).unwrap();
        assert!(!holds(&Test::HoldsFiles(sb.path("empty")), &cx));
        assert!(!holds(&Test::HoldsFiles(sb.path("absent")), &cx));
        assert!(holds(&Test::HoldsFiles(sb.path("")), &cx));

        sb.write("VERSION", "15\n");
        let version_in =
            |want: &str| Test::VersionIn { file: sb.path("VERSION"), constraint: Constraint::parse(want).unwrap() };
        assert!(holds(&version_in("15"), &cx));
        assert!(!holds(&version_in("16"), &cx));
        assert!(holds(&Test::All(vec![version_in("15"), Test::Exists(sb.path("conf"))]), &cx));
        assert!(!holds(&Test::All(vec![version_in("15"), version_in("16")]), &cx));
        assert!(holds(&Test::All(vec![]), &cx));
    }

    #[test]
    fn a_probe_is_asked_now_or_a_few_times_within_a_moment() {
        let sb = Sandbox::new();
        let ready = sb.path("ready");
        let probe = Probe::Path(ready.clone(), None);
        assert!(!holds(&Test::Probe(probe.clone()), &sb.cx()));
        let soon = Test::ProbeSoon { probe: probe.clone(), within: Duration::from_secs(1) };
        assert!(!holds(&soon, &sb.cx()));
        perform(
            &[Action::Run(Run::new(format!("(sleep 0.3; touch {}) >/dev/null 2>&1 &", ready.display())))],
            &sb.cx(),
        )
        .unwrap();
        assert!(holds(&soon, &sb.cx()), "written a moment after the asking began");
        assert!(holds(&Test::Probe(probe), &sb.cx()));
    }

    #[test]
    fn only_pid_files_of_processes_that_are_gone_are_removed() {
        let sb = Sandbox::new();
        sb.write("own.pid", &format!("{}\n", std::process::id()));
        sb.write("dead.lock", &format!("{}\n", dead_pid()));
        let files = vec![sb.path("own.pid"), sb.path("dead.lock"), sb.path("absent")];
        perform(&[Action::RemoveStalePidFiles(files)], &sb.cx()).unwrap();
        assert!(sb.path("own.pid").exists());
        assert!(!sb.path("dead.lock").exists());
    }

    #[test]
    fn a_servers_directory_is_its_accounts_only_when_devup_is_root() {
        let mut sb = Sandbox::new();
        let dir = sb.path("data/server");
        let make = Action::MakeAccountDir {
            path: dir.clone(),
            mode: 0o700,
            account: "devup-no-such-account".into(),
            what: "fake".into(),
        };
        sb.facts.root = false;
        perform(std::slice::from_ref(&make), &sb.cx()).unwrap();
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&dir).unwrap().permissions().mode() & 0o7777, 0o700);
        sb.facts.root = true;
        let failure = perform(&[make], &sb.cx()).unwrap_err();
        assert!(failure.message.starts_with("fake must run as `devup-no-such-account` when devup is root: "));
        assert_eq!(
            failure.hint.as_deref(),
            Some("install the fake package (it creates the account), or run devup as a normal user")
        );
    }

    #[test]
    fn files_a_program_wrote_are_claimed_as_devups_own() {
        let sb = Sandbox::new();
        sb.write("pg_hba.conf", "initdb's\n");
        perform(&[Action::ClaimFiles(vec![sb.path("pg_hba.conf"), sb.path("absent")])], &sb.cx()).unwrap();
        assert_eq!(sb.memory.written(&sb.path("pg_hba.conf")), Some(sha256_hex(b"initdb's\n")));
        assert_eq!(sb.memory.written(&sb.path("absent")), None);
        // Now devup's own: replaced without a word.
        let write = Action::WriteFile {
            path: sb.path("pg_hba.conf"),
            content: FileContent::Text("devup's\n".into()),
            mode: Some(0o600),
            owner: Some("devup-no-such-account".into()),
        };
        perform(&[write], &sb.cx()).unwrap();
        assert_eq!(std::fs::read_to_string(sb.path("pg_hba.conf")).unwrap(), "devup's\n");
    }

    #[test]
    fn a_servers_command_finds_the_newest_matching_directory_first_on_its_path() {
        let mut sb = Sandbox::new();
        sb.facts.root = false;
        for version in ["9", "15", "14"] {
            sb.write(&format!("lib/{version}/bin/which-version"), &format!("#!/bin/sh\necho {version} > found\n"));
            let tool = sb.path(&format!("lib/{version}/bin/which-version"));
            std::fs::set_permissions(&tool, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
        }
        let pattern = format!("{}/lib/*/bin", sb.dir.path().display());
        let run = Run::new("which-version")
            .cwd(sb.path(""))
            .run_as(Some(RunAs::AccountWhenRoot("devup-no-such-account".into())))
            .path_first(&[pattern]);
        perform(&[Action::Run(run)], &sb.cx()).unwrap();
        assert_eq!(std::fs::read_to_string(sb.path("found")).unwrap(), "15\n");
    }
}
