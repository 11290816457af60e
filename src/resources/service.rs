//! `service`: a server of the project's own (a per-project postgres, redis...) is initialized,
//! running, and answering its health probe. It needs no init system: devup starts it in the
//! background with the recipe's command and knows it by its pid file and its probe.
//!
//! When devup runs as root (CI images, containers), a server that refuses root runs under the
//! account the recipe names, which then owns its data directory.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use super::probe_args::ProbeArgs;
use super::{BuildCx, Cx, Failure, Resource, Status, Stopped, owned, parse_args, paths};
use crate::export::{ScriptCx, ScriptStep, quote};
use crate::protocols::Probe;
use crate::system::{Account, Cmd};
use crate::version::{self, Constraint};
use crate::version_dirs;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    /// What the server is, for messages: "postgres".
    name: String,
    /// Its data directory (created when missing).
    data: String,
    /// A file (relative to the data directory) that exists once `init` has run.
    initialized: Option<String>,
    /// Initializes the data directory.
    init: Option<String>,
    /// Starts the server in the background; devup then waits for the probe.
    start: String,
    /// Stops it (`devup down`).
    stop: Option<String>,
    /// The pid file (relative to the data directory), first line the server's pid.
    pid_file: Option<String>,
    /// The server's log (relative to the data directory), shown when it fails to start.
    log: Option<String>,
    /// Lock files (relative to the data directory) whose first line is the pid of the server
    /// that made them, such as postgres's socket lock `.s.PGSQL.5432.lock`: removed before a
    /// start when that process is gone or a zombie. A host whose PID 1 does not reap orphans
    /// (most containers) keeps a killed server as a zombie, and a server refuses to start
    /// beside a lock whose pid still exists.
    #[serde(default)]
    lock_files: Vec<String>,
    probe: ProbeArgs,
    /// The account the server's commands run as when devup is root.
    user: Option<String>,
    /// Directories put first on PATH for the server's commands; one `*` component picks the
    /// newest matching directory (`/usr/lib/postgresql/*/bin`).
    #[serde(default)]
    paths: Vec<String>,
    /// A file (relative to the data directory) holding the version that created the data, and
    /// the constraint it must satisfy: data from another major version is never touched.
    data_version: Option<DataVersion>,
    /// Seconds to wait for the probe after starting.
    #[serde(default = "default_timeout")]
    timeout: u64,
    /// Configuration files the server reads, written by devup into its data directory (after
    /// `init`, before a start) and kept as declared.
    #[serde(default)]
    config: Vec<ConfigFile>,
    /// Makes a running server read changed configuration. Without it, a change restarts it.
    reload: Option<String>,
    /// After a reload: a probe that passes when a changed setting needs a restart.
    needs_restart: Option<ProbeArgs>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    /// Relative to the data directory.
    path: String,
    content: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DataVersion {
    file: String,
    want: String,
}

fn default_timeout() -> u64 {
    30
}

struct Service {
    name: String,
    data: PathBuf,
    initialized: Option<PathBuf>,
    init: Option<String>,
    start: String,
    stop: Option<String>,
    pid_file: Option<PathBuf>,
    log: Option<PathBuf>,
    lock_files: Vec<PathBuf>,
    probe: Probe,
    user: Option<String>,
    path_patterns: Vec<String>,
    data_version: Option<(PathBuf, Constraint)>,
    timeout: Duration,
    config: Vec<(PathBuf, String)>,
    reload: Option<String>,
    needs_restart: Option<Probe>,
    /// Set by the check when a person edited a configuration file: what the plan says.
    edited: std::sync::Mutex<Option<String>>,
}

pub fn build(args: toml::Table, cx: &BuildCx) -> Result<Box<dyn Resource>, super::BuildError> {
    let args: Args = parse_args(args)?;
    let data = paths::resolve(cx, &cx.vars.text(&args.data)?, false)?;
    let in_data = |rel: &Option<String>| -> Result<Option<PathBuf>, String> {
        rel.as_ref().map(|r| cx.vars.text(r).map(|r| data.join(r))).transpose()
    };
    // Matched when a command runs: the server's package may be installed by an earlier step.
    let path_patterns: Vec<String> = args.paths.iter().map(|p| cx.vars.text(p)).collect::<Result<_, _>>()?;
    let data_version = match &args.data_version {
        Some(dv) => {
            let want = super::constraint(cx.vars, &dv.want).map_err(|e| format!("data_version: {e}"))?;
            Some((data.join(cx.vars.text(&dv.file)?), want))
        }
        None => None,
    };
    let probe = args.probe.render(cx.vars, |p| paths::resolve(cx, p, false))?;
    let mut config = Vec::new();
    for file in &args.config {
        let path = paths::resolve(cx, &data.join(cx.vars.text(&file.path)?).display().to_string(), false)?;
        config.push((path, cx.vars.text(&file.content)?));
    }
    let needs_restart =
        args.needs_restart.as_ref().map(|p| p.render(cx.vars, |p| paths::resolve(cx, p, false))).transpose()?;
    Ok(Box::new(Service {
        name: cx.vars.text(&args.name)?,
        initialized: in_data(&args.initialized)?,
        pid_file: in_data(&args.pid_file)?,
        log: in_data(&args.log)?,
        lock_files: args.lock_files.iter().map(|f| cx.vars.text(f).map(|f| data.join(f))).collect::<Result<_, _>>()?,
        init: args.init.map(|c| cx.vars.shell(&c)).transpose()?,
        start: cx.vars.shell(&args.start)?,
        stop: args.stop.map(|c| cx.vars.shell(&c)).transpose()?,
        user: args.user.map(|u| cx.vars.text(&u)).transpose()?,
        probe,
        path_patterns,
        data_version,
        timeout: Duration::from_secs(args.timeout),
        config,
        reload: args.reload.map(|c| cx.vars.shell(&c)).transpose()?,
        needs_restart,
        edited: Default::default(),
        data,
    }))
}

impl Service {
    /// The account to run as: only when devup is root and the recipe names one.
    fn account(&self, cx: &Cx) -> Option<&str> {
        self.user.as_deref().filter(|_| cx.facts.root)
    }

    /// One of the server's commands, run from `dir` (its data directory, or the directory
    /// `init` fills).
    fn cmd(&self, cx: &Cx, script: &str, dir: &Path) -> Cmd {
        let mut cmd = Cmd::shell(script).cwd(dir).envs(cx.env).as_user(self.account(cx));
        let dirs: Vec<String> =
            self.path_patterns.iter().flat_map(|p| version_dirs::newest(p)).map(|d| d.display().to_string()).collect();
        if !dirs.is_empty() {
            let path = format!("{}:{}", dirs.join(":"), cx.path_var().to_string_lossy());
            cmd = cmd.envs(&[("PATH".to_string(), path)]);
        }
        cmd
    }

    /// Runs one of the server's commands; a failure shows the command's output and the end of
    /// the server's log, where servers say why they would not start.
    fn run(&self, cx: &Cx, what: &str, script: &str) -> Result<(), Failure> {
        self.run_cmd(cx, what, script, self.cmd(cx, script, &self.data))
    }

    fn run_cmd(&self, cx: &Cx, what: &str, script: &str, cmd: Cmd) -> Result<(), Failure> {
        match cx.system.run(&cmd) {
            Ok(out) if out.success() => Ok(()),
            Ok(out) => {
                let mut failure = Failure::command(script, &out).with_hint(format!(
                    "{what} {} failed; {}",
                    self.name,
                    self.log_hint()
                ));
                if let Some(log) = self.log_tail() {
                    let command_output = failure.output.take().unwrap_or_default();
                    failure.output =
                        Some(format!("{command_output}\n--- end of {}:\n{log}", self.name).trim_start().to_string());
                }
                Err(failure)
            }
            Err(e) => Err(Failure::spawn(script, &e)),
        }
    }

    /// Where to read more: the server's log when it has written one, else its output above.
    fn log_hint(&self) -> String {
        match &self.log {
            Some(log) if log.exists() => format!("its log is {}", log.display()),
            _ => "its output is above".to_string(),
        }
    }

    /// The pid in the pid file, and whether that process is alive.
    fn pid(&self) -> Option<(i32, bool)> {
        let text = std::fs::read_to_string(self.pid_file.as_ref()?).ok()?;
        let pid = text.lines().next()?.trim().parse::<i32>().ok()?;
        Some((pid, crate::system::process_alive(pid)))
    }

    /// Removes the pid file and lock files whose process is gone or a zombie.
    fn remove_stale_locks(&self, cx: &Cx) {
        for file in self.pid_file.iter().chain(&self.lock_files) {
            let pid = std::fs::read_to_string(file).ok().and_then(|t| t.lines().next()?.trim().parse::<i32>().ok());
            if pid.is_some_and(|pid| !crate::system::process_alive(pid)) {
                let _ = cx.system.remove_file(file);
            }
        }
    }

    /// Data from a version the project does not declare, e.g. postgres 14 data for 15.
    fn wrong_data_version(&self) -> Option<String> {
        let (file, want) = self.data_version.as_ref()?;
        let have = std::fs::read_to_string(file).ok()?;
        let have = have.trim();
        (!version::lenient(have).is_some_and(|_| want.matches(have))).then(|| have.to_string())
    }

    /// Creates a directory for the server's data (its data directory, or the one `init`
    /// fills), owned by the server's account when there is one; its parents must be
    /// traversable by that account.
    fn prepare_dir(&self, cx: &Cx, dir: &Path) -> Result<(), Failure> {
        let fail = |e: std::io::Error| Failure::new(format!("cannot create {}: {e}", dir.display()));
        if let Some(parent) = dir.parent() {
            cx.system.create_dir_all(parent, None).map_err(fail)?;
        }
        cx.system.create_dir_all(dir, Some(0o700)).map_err(fail)?;
        if let Some(name) = self.account(cx) {
            let account = Account::lookup(name).map_err(|e| {
                Failure::new(format!("{} must run as `{name}` when devup is root: {e}", self.name)).with_hint(format!(
                    "install the {} package (it creates the account), or run devup as a normal user",
                    self.name
                ))
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
        }
        Ok(())
    }

    /// Runs `init` in a directory of its own beside the data directory, renamed into place
    /// once it succeeded: an init killed halfway leaves nothing that looks initialized (initdb
    /// writes PG_VERSION first), and the next run starts it afresh. The recipe's `init` finds
    /// that directory in `$DEVUP_INIT_DIR`.
    fn initialize(&self, cx: &Cx, marker: &Path, init: &str) -> Result<(), Failure> {
        if std::fs::read_dir(&self.data).is_ok_and(|mut entries| entries.next().is_some()) {
            let name = marker.file_name().unwrap_or_default().to_string_lossy();
            return Err(Failure::new(format!(
                "{} holds files but is not an initialized {} data directory (no {name}); devup never deletes data",
                self.data.display(),
                self.name
            ))
            .with_hint("move the directory away (or finish its initialization by hand) and run devup again"));
        }
        let staging = init_dir(&self.data);
        // What a killed init left: devup made it, and it never became the data directory.
        if staging.exists() {
            cx.system
                .remove_dir_all(&staging)
                .map_err(|e| Failure::new(format!("cannot remove {}: {e}", staging.display())))?;
        }
        self.prepare_dir(cx, &staging)?;
        let cmd = self.cmd(cx, init, &staging).envs(&[("DEVUP_INIT_DIR".to_string(), staging.display().to_string())]);
        if let Err(mut failure) = self.run_cmd(cx, "initializing", init, cmd) {
            // An init that made nothing leaves nothing; what one made is kept for a look (the
            // next run starts afresh), and the hint says where.
            if std::fs::read_dir(&staging).is_ok_and(|mut entries| entries.next().is_none()) {
                let _ = cx.system.remove_dir_all(&staging);
            } else if let Some(hint) = &mut failure.hint {
                hint.push_str(&format!("; what it made is in {}", staging.display()));
            }
            return Err(failure);
        }
        // Over an empty data directory (an earlier devup may have made one), as rename allows.
        cx.system.rename(&staging, &self.data).map_err(|e| {
            Failure::new(format!("cannot move the initialized {} to {}: {e}", staging.display(), self.data.display()))
        })?;
        // The configuration files the init wrote (initdb's pg_hba.conf) are devup's to replace.
        for (path, _) in &self.config {
            if let Ok(made) = std::fs::read(path) {
                cx.memory.set_written(path, crate::state::sha256_hex(&made));
            }
        }
        Ok(())
    }

    /// The configuration files whose content differs from what is declared.
    fn stale_config(&self) -> Vec<&PathBuf> {
        self.config
            .iter()
            .filter(|(path, want)| std::fs::read_to_string(path).ok().as_deref() != Some(want))
            .map(|(p, _)| p)
            .collect()
    }

    /// Writes the declared configuration, readable only by the server's account (it may hold
    /// passwords or access rules).
    fn write_config(&self, cx: &Cx) -> Result<(), Failure> {
        let account = self.account(cx).map(Account::lookup).transpose().map_err(|e| Failure::new(e.to_string()))?;
        for (path, content) in &self.config {
            if std::fs::read(path).ok().as_deref() == Some(content.as_bytes()) {
                continue;
            }
            owned::write(cx, path, &path.display().to_string(), content.as_bytes(), Some(0o600))?;
            if let Some(account) = &account {
                cx.system
                    .chown(path, account)
                    .map_err(|e| Failure::new(format!("cannot give {} to the server: {e}", path.display())))?;
            }
        }
        Ok(())
    }

    /// Configuration files a person edited (devup keeps them unless asked to replace them).
    fn edited_config(&self, cx: &Cx) -> Vec<String> {
        self.config
            .iter()
            .filter(|(path, want)| owned::on_disk(cx, path, want.as_bytes()).is_ok_and(|d| d == owned::OnDisk::Edited))
            .map(|(p, _)| p.display().to_string())
            .collect()
    }

    /// Applies changed configuration to a running server: a reload, then a restart when the
    /// server says a changed setting needs one (or when it has no reload).
    fn apply_config(&self, cx: &Cx) -> Result<(), Failure> {
        if let Some(reload) = &self.reload {
            self.run(cx, "reloading", reload)?;
            let restart = match &self.needs_restart {
                // The server takes a moment to re-read its files.
                Some(probe) => (0..10).any(|_| {
                    std::thread::sleep(Duration::from_millis(100));
                    probe.run(cx.system, cx.env).is_ok()
                }),
                None => false,
            };
            if !restart {
                return Ok(());
            }
        }
        let stop = self
            .stop
            .as_ref()
            .ok_or_else(|| Failure::new(format!("{} has no stop command to restart it with", self.name)))?;
        self.run(cx, "stopping", stop)?;
        self.remove_stale_locks(cx);
        self.run(cx, "starting", &self.start)?;
        self.wait_for_probe(cx)
            .map_err(|e| Failure::new(format!("{} did not come back after a restart: {e}", self.name)))
    }

    fn wait_for_probe(&self, cx: &Cx) -> Result<(), String> {
        self.probe.wait(cx.system, cx.env, self.timeout)
    }

    fn probe_answers(&self) -> bool {
        self.probe.run(&crate::system::System::new(), &[]).is_ok()
    }

    fn log_tail(&self) -> Option<String> {
        let text = std::fs::read_to_string(self.log.as_ref()?).ok()?;
        let lines: Vec<&str> = text.lines().collect();
        Some(lines[lines.len().saturating_sub(10)..].join("\n"))
    }
}

/// Where `init` builds a data directory before it is renamed into place: beside it, on the
/// same file system.
fn init_dir(data: &Path) -> PathBuf {
    let mut name = data.file_name().unwrap_or_default().to_os_string();
    name.push(".devup-init");
    data.with_file_name(name)
}

/// The first parent directory that other accounts cannot enter (no `x` for others).
fn untraversable_parent(path: &Path) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    path.ancestors()
        .skip(1)
        .find(|dir| std::fs::metadata(dir).is_ok_and(|m| m.permissions().mode() & 0o001 == 0))
        .map(Path::to_path_buf)
}

impl Resource for Service {
    fn describe(&self) -> String {
        format!("{} server on {}", self.name, self.probe.describe())
    }

    fn check(&self, cx: &Cx) -> Status {
        *self.edited.lock().unwrap_or_else(|p| p.into_inner()) = None;
        if let Some(have) = self.wrong_data_version() {
            let (_, want) = self.data_version.as_ref().expect("checked above");
            return Status::drifted(
                format!("data in {} from {} {have}", self.data.display(), self.name),
                format!("{} {want}", self.name),
            );
        }
        if let Some(marker) = &self.initialized
            && !marker.exists()
        {
            let name = marker.file_name().unwrap_or_default().to_string_lossy();
            return Status::missing(format!("not initialized (no {name} in {})", self.data.display()));
        }
        let probed = self.probe.run(cx.system, cx.env);
        match (probed, self.pid()) {
            (Ok(()), _) if !self.stale_config().is_empty() => {
                let edited = self.edited_config(cx);
                if !edited.is_empty() {
                    let action = edited.iter().map(|f| owned::edited_action(cx, f)).collect::<Vec<_>>().join("; ");
                    *self.edited.lock().unwrap_or_else(|p| p.into_inner()) = Some(action);
                    return Status::drifted(
                        format!("{} edited by hand", edited.join(", ")),
                        "the configuration devup.toml declares",
                    );
                }
                let files: Vec<String> = self
                    .stale_config()
                    .iter()
                    .map(|p| p.file_name().unwrap_or_default().to_string_lossy().into_owned())
                    .collect();
                Status::drifted(
                    format!("running with an older {}", files.join(", ")),
                    "the configuration devup.toml declares",
                )
            }
            (Ok(()), _) => Status::Satisfied,
            (Err(e), Some((pid, true))) => Status::missing(format!("running (pid {pid}) but not answering: {e}")),
            (Err(_), Some((pid, false))) => {
                Status::missing(format!("not running: it stopped or crashed (stale pid file for pid {pid})"))
            }
            (Err(e), None) => Status::missing(format!("not running: {e}")),
        }
    }

    fn action(&self) -> String {
        if let Some(action) = self.edited.lock().unwrap_or_else(|p| p.into_inner()).clone()
            && self.initialized.as_ref().is_none_or(|m| m.exists())
        {
            return action;
        }
        match &self.initialized {
            Some(marker) if !marker.exists() => {
                format!("initialize {} and start {}", self.data.display(), self.name)
            }
            _ if !self.stale_config().is_empty() && self.probe_answers() => match &self.reload {
                Some(_) => format!(
                    "write the new configuration and reload {} (restarting it if a changed setting needs that)",
                    self.name
                ),
                None => format!("write the new configuration and restart {}", self.name),
            },
            _ => format!("start {}", self.name),
        }
    }

    fn apply(&self, cx: &Cx) -> Result<(), Failure> {
        if let Some(have) = self.wrong_data_version() {
            return Err(Failure::new(format!(
                "{} holds data from {} {have}; devup never deletes data",
                self.data.display(),
                self.name
            ))
            .with_hint(format!(
                "dump it with {have}'s tools, move the directory away, and run devup again; or declare version {have}"
            )));
        }
        match (&self.initialized, &self.init) {
            (Some(marker), Some(init)) if !marker.exists() => self.initialize(cx, marker, init)?,
            _ => self.prepare_dir(cx, &self.data)?,
        }
        let changed = !self.stale_config().is_empty();
        // A configuration a person edited is kept (unless asked): the server runs with it, and
        // the step fails saying so once the server is up.
        let kept = if changed { self.write_config(cx).err() } else { None };
        if self.probe.run(cx.system, cx.env).is_ok() {
            return match kept {
                Some(failure) => Err(failure),
                None if changed => self.apply_config(cx),
                None => Ok(()),
            };
        }
        match self.pid() {
            // Starting up, or hung: give it the same time a start gets.
            Some((_, true)) => {}
            // A crash left the pid file (and lock files); a server that finds them may refuse
            // to start.
            Some((_, false)) | None => {
                self.remove_stale_locks(cx);
                self.run(cx, "starting", &self.start)?;
            }
        }
        self.wait_for_probe(cx).map_err(|e| {
            let mut failure =
                Failure::new(format!("{} did not answer within {}s: {e}", self.name, self.timeout.as_secs()))
                    .with_hint(self.log_hint());
            failure.output = self.log_tail();
            failure
        })?;
        kept.map_or(Ok(()), Err)
    }

    fn stop(&self, cx: &Cx) -> Option<Result<Stopped, Failure>> {
        let stop = self.stop.as_ref()?;
        if self.probe.run(cx.system, cx.env).is_err() && !self.pid().is_some_and(|(_, alive)| alive) {
            return Some(Ok(Stopped::WasNotRunning));
        }
        Some(self.run(cx, "stopping", stop).map(|()| Stopped::Stopped))
    }

    fn commands(&self) -> Vec<String> {
        [self.init.as_ref(), Some(&self.start), self.stop.as_ref()].into_iter().flatten().cloned().collect()
    }

    /// The same life cycle in shell: initialize in a directory of its own renamed into place,
    /// write the configuration, start unless the probe answers, wait for the probe.
    fn script(&self, cx: &ScriptCx) -> Result<ScriptStep, String> {
        let q = |p: &Path| cx.path(p);
        let data = q(&self.data);
        let user = quote(self.user.as_deref().unwrap_or(""));
        let name = &self.name;
        let probe = crate::export::client_checks::shell(&self.probe, cx)?;
        let mut path = String::from("_dirs=''\n");
        for pattern in &self.path_patterns {
            let words: Vec<String> = pattern.split('*').map(quote).collect();
            path.push_str(&format!(
                "_d=$(glob_dirs {})\n[ -z \"$_d\" ] || _dirs=\"$_dirs${{_dirs:+:}}$_d\"\n",
                words.join("*")
            ));
        }
        path.push_str("[ -z \"$_dirs\" ] || PATH=\"$_dirs:$PATH\"\nexport PATH\n");
        let version_ok = self.data_version.as_ref().map(|(file, want)| {
            let test = crate::export::version_test(want, "_v").unwrap_or_else(|| "true".into());
            (
                q(file),
                format!(
                    "{{ _v=$(awk -F. 'NR == 1 {{ printf \"%d.%d.%d\\n\", $1, $2, $3 }}' {}) && {test}; }}",
                    q(file)
                ),
            )
        });
        let configs: Vec<(String, String)> = self.config.iter().map(|(p, c)| (q(p), quote(c))).collect();

        let mut check = vec![path.trim_end().to_string()];
        if let Some((file, ok)) = &version_ok {
            check.push(format!("{{ [ ! -f {file} ] || {ok}; }}"));
        }
        if let Some(marker) = &self.initialized {
            check.push(format!("test -e {}", q(marker)));
        }
        check.push(probe.clone());
        check.extend(configs.iter().map(|(p, c)| format!("same_content {p} {c}")));

        let run_as = |script: &str| format!("(cd {data} && as_account {user} {})", quote(script));
        let own = |dir: &str| format!("if [ -n {user} ] && [ \"$(id -u)\" = 0 ]; then chown {user}: {dir}; fi");
        let mut apply = vec![path];
        if let Some((file, ok)) = &version_ok {
            apply.push(format!(
                "if [ -f {file} ] && ! {ok}; then\nprintf '%s\\n' {} >&2\nexit 1\nfi",
                quote(&format!(
                    "error: {} holds data from another version of {name} than the one declared; devup never deletes data. \
                     hint: dump it with that version's tools, move the directory away, and run this again",
                    self.data.display()
                ))
            ));
        }
        if let (Some(marker), Some(init)) = (&self.initialized, &self.init) {
            let staging = q(&init_dir(&self.data));
            let parent = q(self.data.parent().unwrap_or(&self.data));
            apply.push(format!(
                "if [ ! -e {marker} ]; then\n\
                 if [ -n \"$(ls -A {data} 2>/dev/null)\" ]; then\nprintf '%s\\n' {holds} >&2\nexit 1\nfi\n\
                 rm -rf {staging}\nmkdir -p {parent}\nmkdir -m 700 {staging}\n{own_staging}\n\
                 (cd {staging} && DEVUP_INIT_DIR={abs_staging} && export DEVUP_INIT_DIR && as_account {user} {init})\n\
                 rmdir {data} 2>/dev/null || true\nmv {staging} {data}\nfi",
                marker = q(marker),
                holds = quote(&format!(
                    "error: {} holds files but is not an initialized {name} data directory; devup never deletes data. \
                     hint: move the directory away and run this again",
                    self.data.display()
                )),
                own_staging = own(&staging),
                abs_staging = quote(&init_dir(&self.data).display().to_string()),
                init = quote(init),
            ));
        }
        apply.push(format!("mkdir -p {data}\nchmod 700 {data}\n{}", own(&data)));
        apply.push("_changed=''".to_string());
        for (p, c) in &configs {
            apply.push(format!("if ! same_content {p} {c}; then\nput_file {p} {c} 600\n{}\n_changed=1\nfi", own(p)));
        }
        let restart = match (&self.reload, &self.stop) {
            (Some(reload), _) => {
                let mut text = run_as(reload);
                if let Some(needs) = &self.needs_restart {
                    let needs = crate::export::client_checks::shell(needs, cx)?;
                    if let Some(stop) = &self.stop {
                        text.push_str(&format!(
                            "\nsleep 1\nif {needs}; then\n{}\n{}\nfi",
                            run_as(stop),
                            run_as(&self.start)
                        ));
                    }
                }
                text
            }
            (None, Some(stop)) => format!("{}\n{}", run_as(stop), run_as(&self.start)),
            (None, None) => format!(
                "printf '%s\\n' {} >&2\nexit 1",
                quote(&format!("error: {name} has no stop command to restart it with"))
            ),
        };
        let pid = self.pid_file.as_ref().map(|p| q(p));
        let start = match &pid {
            Some(pid) => format!("if ! pid_alive {pid}; then\nrm -f {pid}\n{}\nfi", run_as(&self.start)),
            None => run_as(&self.start),
        };
        apply.push(format!("if {probe}; then\nif [ -n \"$_changed\" ]; then\n{restart}\nfi\nelse\n{start}\nfi"));
        let log = self.log.as_ref().map(|l| format!("\n[ ! -f {0} ] || tail -n 10 {0} >&2", q(l))).unwrap_or_default();
        apply.push(format!(
            "_i=0\nuntil {probe}; do\n_i=$((_i + 1))\nif [ \"$_i\" -gt {ticks} ]; then\nprintf '%s\\n' {msg} >&2{log}\nexit 1\nfi\nsleep 0.2\ndone",
            ticks = self.timeout.as_secs() * 5,
            msg = quote(&format!("error: {name} did not answer within {}s", self.timeout.as_secs())),
        ));
        Ok(ScriptStep { check: check.join(" &&\n"), apply: apply.join("\n"), ..ScriptStep::default() })
    }
}
