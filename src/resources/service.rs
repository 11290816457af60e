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
use crate::protocols::Probe;
use crate::shell::quote;
use crate::step::action::{Action, FileContent, Run, RunAs, Test};
use crate::step::{ScriptCx, ScriptStep};
use crate::version::{self, Constraint};

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
    /// The pid in the pid file, and whether that process is alive.
    fn pid(&self) -> Option<(i32, bool)> {
        let text = std::fs::read_to_string(self.pid_file.as_ref()?).ok()?;
        let pid = text.lines().next()?.trim().parse::<i32>().ok()?;
        Some((pid, crate::system::process_alive(pid)))
    }

    /// Data from a version the project does not declare, e.g. postgres 14 data for 15.
    fn wrong_data_version(&self) -> Option<String> {
        let (file, want) = self.data_version.as_ref()?;
        let have = std::fs::read_to_string(file).ok()?;
        let have = have.trim();
        (!version::lenient(have).is_some_and(|_| want.matches(have))).then(|| have.to_string())
    }

    /// The configuration files whose content differs from what is declared.
    fn stale_config(&self) -> Vec<&PathBuf> {
        self.config
            .iter()
            .filter(|(path, want)| std::fs::read_to_string(path).ok().as_deref() != Some(want))
            .map(|(p, _)| p)
            .collect()
    }

    /// Configuration files a person edited (devup keeps them unless asked to replace them).
    fn edited_config(&self, cx: &Cx) -> Vec<String> {
        self.config
            .iter()
            .filter(|(path, want)| owned::on_disk(cx, path, want.as_bytes()).is_ok_and(|d| d == owned::OnDisk::Edited))
            .map(|(p, _)| p.display().to_string())
            .collect()
    }

    fn probe_answers(&self) -> bool {
        self.probe.run(&crate::system::System::new(), &[]).is_ok()
    }

    /// One of the server's commands as an action, run from `dir` as the recipe's account when
    /// devup is root, its directories first on PATH; a failure says `what` failed, where the
    /// server's log is, and shows its end (where servers say why they would not start).
    fn command(&self, what: &str, script: &str, dir: &Path) -> Action {
        let run = Run::new(script)
            .cwd(dir)
            .run_as(self.user.clone().map(RunAs::AccountWhenRoot))
            .path_first(&self.path_patterns)
            .hint(format!("{what} {} failed", self.name));
        self.with_log(vec![Action::Run(run)])
    }

    fn with_log(&self, actions: Vec<Action>) -> Action {
        Action::WithLog { name: self.name.clone(), log: self.log.clone(), actions }
    }

    /// A directory for the server's data (its data directory, or the one `init` fills), owned
    /// by the server's account when devup is root.
    fn make_dir(&self, dir: &Path) -> Action {
        match &self.user {
            Some(account) => Action::MakeAccountDir {
                path: dir.to_path_buf(),
                mode: 0o700,
                account: account.clone(),
                what: self.name.clone(),
            },
            None => Action::MakeDir { path: dir.to_path_buf(), mode: Some(0o700) },
        }
    }

    /// Data from another version than the one declared is refused, quoting the version found.
    fn refuse_other_data_version(&self) -> Option<Action> {
        let (file, want) = self.data_version.as_ref()?;
        let refusal = Action::FailQuoting {
            file: file.clone(),
            message: format!(
                "{} holds data from {} {{found}}; devup never deletes data",
                self.data.display(),
                self.name
            ),
            hint:
                "dump it with {found}'s tools, move the directory away, and run devup again; or declare version {found}"
                    .to_string(),
        };
        let wrong = Test::Not(Box::new(Test::VersionIn { file: file.clone(), constraint: want.clone() }));
        let inner = Action::If { test: wrong, then: vec![refusal], otherwise: vec![] };
        Some(Action::If { test: Test::Exists(file.clone()), then: vec![inner], otherwise: vec![] })
    }

    /// `init` runs in a directory of its own beside the data directory, renamed into place
    /// once it succeeded: an init killed halfway leaves nothing that looks initialized (initdb
    /// writes PG_VERSION first), and the next run starts it afresh. The recipe's `init` finds
    /// that directory in `$DEVUP_INIT_DIR`.
    fn initialize(&self, marker: &Path, init: &str) -> Action {
        let name = marker.file_name().unwrap_or_default().to_string_lossy();
        let holds_files = Action::Fail {
            message: format!(
                "{} holds files but is not an initialized {} data directory (no {name}); devup never deletes data",
                self.data.display(),
                self.name
            ),
            hint: Some("move the directory away (or finish its initialization by hand) and run devup again".into()),
        };
        let staging = init_dir(&self.data);
        let run = Run::new(init)
            .cwd(&staging)
            .envs(&[("DEVUP_INIT_DIR".to_string(), staging.display().to_string())])
            .run_as(self.user.clone().map(RunAs::AccountWhenRoot))
            .path_first(&self.path_patterns)
            .hint(format!("initializing {} failed", self.name));
        Action::If {
            test: Test::Not(Box::new(Test::Exists(marker.to_path_buf()))),
            then: vec![
                Action::If { test: Test::HoldsFiles(self.data.clone()), then: vec![holds_files], otherwise: vec![] },
                // What a killed init left: devup made it, and it never became the data directory.
                Action::RemoveDir(staging.clone()),
                self.make_dir(&staging),
                Action::InitInto {
                    staging: staging.clone(),
                    data: self.data.clone(),
                    init: vec![self.with_log(vec![Action::Run(run)])],
                },
                // The configuration files the init wrote (initdb's pg_hba.conf) are devup's to
                // replace.
                Action::ClaimFiles(self.config.iter().map(|(path, _)| path.clone()).collect()),
            ],
            otherwise: vec![],
        }
    }

    /// The declared configuration written, readable only by the server's account (it may hold
    /// passwords or access rules). A person's edit is kept (unless asked): the server runs with
    /// it, and the step fails saying so once the server is up.
    fn write_config(&self) -> Vec<Action> {
        if self.config.is_empty() {
            return Vec::new();
        }
        vec![Action::FailLater(
            self.config
                .iter()
                .map(|(path, content)| Action::WriteFile {
                    path: path.clone(),
                    content: FileContent::Text(content.clone()),
                    mode: Some(0o600),
                    owner: self.user.clone(),
                })
                .collect(),
        )]
    }

    fn config_declared(&self) -> Test {
        Test::All(self.config.iter().map(|(path, content)| Test::SameContent(path.clone(), content.clone())).collect())
    }

    /// Started unless a process is already at its pid (starting up, or hung: it gets the same
    /// time a start gets); a crash left the pid file (and lock files), which a server may refuse
    /// to start beside.
    fn start(&self) -> Vec<Action> {
        let start =
            vec![Action::RemoveStalePidFiles(self.stale_files()), self.command("starting", &self.start, &self.data)];
        let start = match &self.pid_file {
            Some(pid) => {
                vec![Action::If {
                    test: Test::Not(Box::new(Test::PidAlive(pid.clone()))),
                    then: start,
                    otherwise: vec![],
                }]
            }
            None => start,
        };
        [start, vec![self.with_log(self.wait())]].concat()
    }

    fn stale_files(&self) -> Vec<PathBuf> {
        self.pid_file.iter().chain(&self.lock_files).cloned().collect()
    }

    /// Until the probe answers, then until the pid file is written: some servers (mysqld) listen
    /// before they write it, and the next run, finding the port held and no pid file naming the
    /// project's own server, would take another port and start a second one.
    fn wait(&self) -> Vec<Action> {
        let mut waits = vec![Action::WaitFor {
            probe: self.probe.clone(),
            timeout: self.timeout,
            what: self.name.clone(),
            hint: None,
        }];
        if let Some(pid) = &self.pid_file {
            waits.push(Action::WaitFor {
                probe: Probe::Path(pid.clone(), None),
                timeout: self.timeout,
                what: format!("{} (its pid file {})", self.name, pid.display()),
                hint: None,
            });
        }
        waits
    }

    /// Changed configuration applied to a running server: a reload, then a restart when the
    /// server says a changed setting needs one (or when it has no reload).
    fn apply_config(&self) -> Vec<Action> {
        let restart = match &self.stop {
            Some(stop) => vec![
                self.command("stopping", stop, &self.data),
                Action::RemoveStalePidFiles(self.stale_files()),
                self.command("starting", &self.start, &self.data),
                Action::Context {
                    message: format!("{} did not come back after a restart", self.name),
                    actions: self.wait(),
                },
            ],
            None => vec![Action::Fail {
                message: format!("{} has no stop command to restart it with", self.name),
                hint: None,
            }],
        };
        match (&self.reload, &self.needs_restart) {
            (Some(reload), needs_restart) => {
                let mut actions = vec![self.command("reloading", reload, &self.data)];
                if let Some(probe) = needs_restart {
                    // The server takes a moment to re-read its files.
                    let soon = Test::ProbeSoon { probe: probe.clone(), within: Duration::from_secs(1) };
                    actions.push(Action::If { test: soon, then: restart, otherwise: vec![] });
                }
                actions
            }
            (None, _) => restart,
        }
    }
}

/// Where `init` builds a data directory before it is renamed into place: beside it, on the
/// same file system.
fn init_dir(data: &Path) -> PathBuf {
    let mut name = data.file_name().unwrap_or_default().to_os_string();
    name.push(".devup-init");
    data.with_file_name(name)
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

    /// Refuses data from another version; initializes; makes the data directory; writes the
    /// configuration; then starts the server unless its probe answers (applying a changed
    /// configuration to it when it does), and waits for the probe.
    fn actions(&self, _step_id: &str) -> Option<Vec<Action>> {
        let mut actions: Vec<Action> = self.refuse_other_data_version().into_iter().collect();
        if let (Some(marker), Some(init)) = (&self.initialized, &self.init) {
            actions.push(self.initialize(marker, init));
        }
        actions.push(self.make_dir(&self.data));
        let changed = Test::Not(Box::new(self.config_declared()));
        // Only a configuration written as declared is applied; a kept one fails the step after.
        let apply_config = Action::If { test: self.config_declared(), then: self.apply_config(), otherwise: vec![] };
        let running =
            Action::If { test: changed, then: [self.write_config(), vec![apply_config]].concat(), otherwise: vec![] };
        actions.push(Action::If {
            test: Test::Probe(self.probe.clone()),
            then: vec![running],
            otherwise: [self.write_config(), self.start()].concat(),
        });
        Some(actions)
    }

    fn stop(&self, cx: &Cx) -> Option<Result<Stopped, Failure>> {
        let stop = self.stop.as_ref()?;
        if self.probe.run(cx.system, cx.env).is_err() && !self.pid().is_some_and(|(_, alive)| alive) {
            return Some(Ok(Stopped::WasNotRunning));
        }
        Some(crate::step::action::perform(&[self.command("stopping", stop, &self.data)], cx).map(|()| Stopped::Stopped))
    }

    fn commands(&self) -> Vec<String> {
        [self.init.as_ref(), Some(&self.start), self.stop.as_ref()].into_iter().flatten().cloned().collect()
    }

    /// The check in shell (the export renders the apply from the actions).
    fn script(&self, cx: &ScriptCx) -> Result<ScriptStep, String> {
        let q = |p: &Path| cx.path(p);
        let probe = crate::shell_forms::client_checks::shell(&self.probe, cx)?;
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
            let test = crate::shell::version_test(want, "_v").unwrap_or_else(|| "true".into());
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

        Ok(ScriptStep { check: check.join(" &&\n"), ..ScriptStep::default() })
    }
}
