//! Performing actions on this machine: every side effect through `cx.system`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::*;
use crate::state::sha256_hex;
use crate::step::privilege::Elevation;
use crate::system::{Account, Cmd};

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
        _ => crate::step::owned::write(cx, path, &path.display().to_string(), &wanted, mode),
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
