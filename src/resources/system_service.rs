//! `system-service`: a server of the machine, shared by its projects (`mode = "system"` of a
//! datastore), is running and answers its probe. devup starts it the way this machine starts
//! services: systemd's `systemctl` where systemd is PID 1 (also enabling it at boot), OpenRC's
//! `rc-service`, Homebrew's `brew services` on macOS, else the `service` command (init
//! scripts, as in containers without an init system).
//!
//! Health is the probe, never the init system's word: a unit systemd calls active may not
//! answer yet, and an init script's server may be running without any unit at all.

use std::time::Duration;

use serde::Deserialize;

use super::probe_args::ProbeArgs;
use super::{BuildCx, Cx, Failure, Resource, Status, Stopped, parse_args, paths};
use crate::protocols::Probe;
use crate::shell::quote;
use crate::step::action::{Action, Init, Run, RunAs, Test};
use crate::step::{ScriptCx, ScriptStep};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    /// What the server is, for messages: "postgres".
    name: String,
    /// Its name for the init system: the systemd unit, init script or Homebrew formula. A
    /// table names it per package manager, as packages are (`{ apt = "redis-server", dnf =
    /// "redis" }`): the machine's own manager (the first found) chooses.
    unit: Unit,
    probe: ProbeArgs,
    /// Seconds to wait for the probe after starting.
    #[serde(default = "default_timeout")]
    timeout: u64,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Unit {
    Same(String),
    ByManager(std::collections::BTreeMap<String, String>),
}

impl Unit {
    fn pick(&self, cx: &BuildCx) -> Result<String, String> {
        match self {
            Unit::Same(name) => cx.vars.text(name),
            Unit::ByManager(names) => {
                let manager = cx.facts.package_managers.first().map(String::as_str).unwrap_or("none");
                let name = names.get(manager).ok_or_else(|| {
                    let known: Vec<&str> = names.keys().map(String::as_str).collect();
                    format!("no `unit` for this machine's package manager ({manager}); known: {}", known.join(", "))
                })?;
                cx.vars.text(name)
            }
        }
    }
}

fn default_timeout() -> u64 {
    60
}

/// How this machine starts a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Starter {
    Systemd,
    OpenRc,
    Brew,
    InitScript,
}

impl Starter {
    fn for_init(init: &str) -> Starter {
        match init {
            "systemd" => Starter::Systemd,
            "openrc" => Starter::OpenRc,
            "launchd" => Starter::Brew,
            _ => Starter::InitScript,
        }
    }

    /// The command that starts `unit` (and keeps it started at boot where that is one step).
    fn start(self, unit: &str) -> String {
        let unit = quote(unit);
        match self {
            Starter::Systemd => format!("systemctl enable --now {unit}"),
            Starter::OpenRc => format!("rc-service {unit} start"),
            Starter::Brew => format!("brew services start {unit}"),
            Starter::InitScript => format!("service {unit} start"),
        }
    }

    /// Where the server's own words are when it does not come up.
    fn log_hint(self, unit: &str) -> String {
        match self {
            Starter::Systemd => format!("see `systemctl status {unit}` and `journalctl -u {unit}`"),
            Starter::Brew => format!("see `brew services info {unit}`"),
            Starter::OpenRc | Starter::InitScript => format!("see the server's log (under /var/log) for {unit}"),
        }
    }

    /// Homebrew services belong to the user; the others are the machine's.
    fn needs_root(self) -> bool {
        self != Starter::Brew
    }

    /// Starting `unit` this way, as root where the machine's services are root's.
    fn start_action(self, unit: &str) -> Action {
        let run = Run::new(self.start(unit))
            .run_as(self.needs_root().then_some(RunAs::Root))
            .hint(format!("the machine could not start {unit}; {}", self.log_hint(unit)));
        Action::Run(run)
    }
}

struct SystemService {
    name: String,
    unit: String,
    probe: Probe,
    starter: Starter,
    timeout: Duration,
}

pub fn build(args: toml::Table, cx: &BuildCx) -> Result<Box<dyn Resource>, super::BuildError> {
    let args: Args = parse_args(args)?;
    Ok(Box::new(SystemService {
        name: cx.vars.text(&args.name)?,
        unit: args.unit.pick(cx)?,
        probe: args.probe.render(cx.vars, |p| paths::resolve(cx, p, false))?,
        starter: Starter::for_init(&cx.facts.init),
        timeout: Duration::from_secs(args.timeout),
    }))
}

impl Resource for SystemService {
    fn describe(&self) -> String {
        format!("{} (the machine's, shared) on {}", self.name, self.probe.describe())
    }

    fn check(&self, cx: &Cx) -> Status {
        match self.probe.run(cx.system, cx.env) {
            Ok(()) => Status::Satisfied,
            Err(e) => Status::missing(format!("not running: {e}")),
        }
    }

    fn action(&self) -> String {
        format!("start the machine's {}: `{}`", self.name, self.starter.start(&self.unit))
    }

    /// Started the way of the machine it runs on: devup knows its init system, the script asks
    /// the machine (it may be exported for another one). Then the probe is waited for.
    fn actions(&self, _step_id: &str) -> Option<Vec<Action>> {
        // Innermost first: the `service` command where no other way is the machine's.
        let mut start = vec![Starter::InitScript.start_action(&self.unit)];
        for (init, starter) in
            [(Init::Launchd, Starter::Brew), (Init::OpenRc, Starter::OpenRc), (Init::Systemd, Starter::Systemd)]
        {
            let then = vec![starter.start_action(&self.unit)];
            start = vec![Action::If { test: Test::InitSystem(init), then, otherwise: start }];
        }
        start.push(Action::WaitFor {
            probe: self.probe.clone(),
            timeout: self.timeout,
            what: self.name.clone(),
            hint: Some(self.starter.log_hint(&self.unit)),
        });
        Some(start)
    }

    fn needs_root(&self) -> bool {
        self.starter.needs_root()
    }

    fn stop(&self, _cx: &Cx) -> Option<Result<Stopped, Failure>> {
        Some(Ok(Stopped::Shared))
    }

    fn script(&self, cx: &ScriptCx) -> Result<ScriptStep, String> {
        let check = crate::shell_forms::client_checks::shell(&self.probe, cx)?;
        Ok(ScriptStep { check, ..ScriptStep::default() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_init_system_starts_services_its_own_way() {
        let shown = |init: &str| Starter::for_init(init).start("postgresql");
        assert_eq!(shown("systemd"), "systemctl enable --now postgresql");
        assert_eq!(shown("openrc"), "rc-service postgresql start");
        assert_eq!(shown("launchd"), "brew services start postgresql");
        assert_eq!(shown("none"), "service postgresql start");
        assert!(!Starter::for_init("launchd").needs_root());
        assert!(Starter::for_init("none").needs_root());
    }

    #[test]
    fn the_exported_script_asks_the_machine_it_runs_on_how_to_start_the_unit() {
        let service = SystemService {
            name: "redis".into(),
            unit: "redis-server".into(),
            probe: Probe::Redis(std::net::SocketAddr::from(([127, 0, 0, 1], 6379))),
            starter: Starter::Brew,
            timeout: Duration::from_secs(2),
        };
        let facts = crate::facts::Facts::for_tests();
        let cx = ScriptCx::for_tests(&facts, std::path::Path::new("/p"), "s");
        let step = service.script(&cx).unwrap();
        assert_eq!(step.check, "redis_ping 127.0.0.1 6379");
        let apply = crate::shell_forms::actions::render(&service.actions("s").unwrap(), &cx);
        assert!(
            apply.starts_with(
                "if [ -d /run/systemd/system ]; then\nas_root sh -c 'systemctl enable --now redis-server'\n"
            ),
            "{apply}"
        );
        assert!(
            apply.contains(
                "\nelif command -v rc-service >/dev/null 2>&1; then\nas_root sh -c 'rc-service redis-server start'\n"
            ),
            "{apply}"
        );
        assert!(apply.contains("\nbrew services start redis-server\n"), "Homebrew's are the user's: {apply}");
        assert!(apply.contains("\nelse\nas_root sh -c 'service redis-server start'\nfi\n"), "{apply}");
        assert!(apply.contains("until redis_ping 127.0.0.1 6379; do"), "{apply}");
        assert!(apply.contains("[ \"$_n\" -gt 10 ]"), "{apply}");
    }
}
