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
use crate::export::{ScriptCx, ScriptStep, quote};
use crate::packages::privilege::Elevation;
use crate::protocols::Probe;
use crate::system::Cmd;

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
    fn start(self, unit: &str) -> Cmd {
        match self {
            Starter::Systemd => Cmd::new("systemctl").args(["enable", "--now", unit]),
            Starter::OpenRc => Cmd::new("rc-service").args([unit, "start"]),
            Starter::Brew => Cmd::new("brew").args(["services", "start", unit]),
            Starter::InitScript => Cmd::new("service").args([unit, "start"]),
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

impl SystemService {
    fn start_cmd(&self) -> Cmd {
        self.starter.start(&self.unit)
    }
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
        format!("start the machine's {}: `{}`", self.name, self.start_cmd().display())
    }

    fn apply(&self, cx: &Cx) -> Result<(), Failure> {
        let cmd = self.start_cmd();
        let out = if self.starter.needs_root() {
            Elevation::for_facts(cx.facts).run(cx, &cmd)?
        } else {
            cx.system.run(&cmd).map_err(|e| Failure::spawn(&cmd.display(), &e))?
        };
        if !out.success() {
            return Err(Failure::command(&cmd.display(), &out).with_hint(format!(
                "the machine could not start {}; {}",
                self.unit,
                self.starter.log_hint(&self.unit)
            )));
        }
        self.probe.wait(cx.system, cx.env, self.timeout).map_err(|e| {
            Failure::new(format!("{} did not answer within {}s: {e}", self.name, self.timeout.as_secs()))
                .with_hint(self.starter.log_hint(&self.unit))
        })
    }

    fn needs_root(&self) -> bool {
        self.starter.needs_root()
    }

    fn stop(&self, _cx: &Cx) -> Option<Result<Stopped, Failure>> {
        Some(Ok(Stopped::Shared))
    }

    /// The script asks the machine it runs on how it starts services (it may be exported for
    /// another one): systemd where it is PID 1, else OpenRC, else init scripts.
    fn script(&self, cx: &ScriptCx) -> Result<ScriptStep, String> {
        let probe = crate::export::client_checks::shell(&self.probe, cx)?;
        let unit = quote(&self.unit);
        let tries = self.timeout.as_secs() * 5;
        let apply = format!(
            "if [ -d /run/systemd/system ]; then as_root systemctl enable --now {unit}
             elif command -v rc-service >/dev/null 2>&1; then as_root rc-service {unit} start
             else as_root service {unit} start
fi
             _n=0
until {probe}; do
_n=$((_n + 1))
[ \"$_n\" -le {tries} ] || exit 1
sleep 0.2
done"
        );
        Ok(ScriptStep { check: probe, apply, ..ScriptStep::default() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_init_system_starts_services_its_own_way() {
        let shown = |init: &str| Starter::for_init(init).start("postgresql").display();
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
        assert!(
            step.apply.starts_with("if [ -d /run/systemd/system ]; then as_root systemctl enable --now redis-server\n")
        );
        assert!(step.apply.contains("else as_root service redis-server start\nfi\n"));
        assert!(step.apply.contains("[ \"$_n\" -le 10 ] || exit 1"), "{}", step.apply);
    }
}
