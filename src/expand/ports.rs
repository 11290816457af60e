//! Choosing the port of each of a project's servers. A pinned port (`port = 5433`) is used as
//! it is. Otherwise the port an earlier run chose is kept while it is free or held by the
//! project's own server; else the recipe's preferred port (5432 for postgres) is taken when
//! free, so test suites that hardcode it work; else the next free one. The choice is recorded
//! by `devup up`, and `devup env` reports it.
//!
//! "Free" means nothing accepts a connection on 127.0.0.1 at that port: a read-only probe.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::recipe::template::{Value, Vars};
use crate::recipe::{ParamType, Recipe};

pub struct Choice {
    pub param: String,
    pub port: u16,
    /// Set when the port is not the one the user would expect.
    pub note: Option<String>,
    /// How the port is chosen, for an export that chooses it where it runs.
    pub plan: PortPlan,
}

/// How an entry's port is chosen, as data: an export renders the choice in shell, to be made
/// where it runs ([`crate::export`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortPlan {
    /// The entry (`datastores.postgres`).
    pub entry: String,
    /// The port in the expanded steps: the one chosen, or an export's placeholder.
    pub port: u16,
    /// `port = 5433` in devup.toml: used as it is.
    pub pinned: bool,
    /// The recipe's preferred port (5432), taken when free.
    pub preferred: u16,
    /// The pid file of the project's own server, which may hold its recorded port.
    pub owner: Option<PathBuf>,
}

pub fn choose_all(
    recipe: &Recipe,
    vars: &Vars,
    entry: &str,
    recorded: &BTreeMap<String, u16>,
    taken: &BTreeMap<String, u16>,
    placeholders: Option<u16>,
    resolve: impl Fn(&str) -> Result<PathBuf, String>,
) -> Result<Vec<Choice>, String> {
    // A port another entry of the project has chosen is in use: two postgres entries get two.
    let in_use = |port: u16| taken.values().any(|&p| p == port) || crate::system::socket::port_in_use(port);
    let mut choices = Vec::new();
    for (name, spec) in recipe.params.iter().filter(|(_, s)| s.kind == ParamType::Port) {
        let pinned = match vars.get(name) {
            Some(Value::Text(text)) => text.parse::<u16>().unwrap_or(0),
            _ => 0,
        };
        let preferred = spec.preferred.unwrap_or(0);
        let owner = spec.owner.as_ref().map(|o| vars.text(o).and_then(|t| resolve(&t))).transpose()?;
        if let Some((other, _)) = taken.iter().find(|(_, p)| pinned != 0 && **p == pinned) {
            return Err(format!("port {pinned} is also {other}'s"));
        }
        let (port, note) = match placeholders {
            // For an export: no port is probed nor recorded here; a placeholder of its own
            // stands for the port chosen where the export runs.
            Some(base) if pinned == 0 => (base + (taken.len() + choices.len()) as u16, None),
            _ => choose(entry, pinned, recorded.get(entry).copied(), preferred, owner.as_deref(), &in_use),
        };
        let plan = PortPlan { entry: entry.to_string(), port, pinned: pinned != 0, preferred, owner };
        choices.push(Choice { param: name.clone(), port, note, plan });
    }
    Ok(choices)
}

/// The decision, given how to tell whether a port is in use (pure, for tests).
fn choose(
    entry: &str,
    pinned: u16,
    recorded: Option<u16>,
    preferred: u16,
    owner: Option<&Path>,
    in_use: &dyn Fn(u16) -> bool,
) -> (u16, Option<String>) {
    if pinned != 0 {
        return (pinned, None);
    }
    if let Some(port) = recorded {
        // The project's own server on it needs no probe (a probe costs postgres a process).
        if owner.is_some_and(owner_alive) || !in_use(port) {
            return (port, None);
        }
        let next = first_free(preferred, in_use);
        return (next, Some(format!("{entry}: port {port} is now held by another process; using port {next}")));
    }
    let port = first_free(preferred, in_use);
    let note = (port != preferred).then(|| format!("{entry}: port {preferred} is taken; using port {port}"));
    (port, note)
}

fn first_free(preferred: u16, in_use: &dyn Fn(u16) -> bool) -> u16 {
    (preferred..=u16::MAX).find(|&p| !in_use(p)).unwrap_or(preferred)
}

/// Whether the pid in the server's pid file (its first line) is a running process.
pub fn owner_alive(pid_file: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(pid_file) else {
        return false;
    };
    let Some(pid) = text.lines().next().and_then(|l| l.trim().parse::<i32>().ok()) else {
        return false;
    };
    pid > 0 && crate::system::process_alive(pid)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn taken(ports: &'static [u16]) -> impl Fn(u16) -> bool {
        move |p| ports.contains(&p)
    }

    #[test]
    fn preferred_when_free_else_the_next_free() {
        assert_eq!(choose("db", 0, None, 5432, None, &taken(&[])), (5432, None));
        let (port, note) = choose("db", 0, None, 5432, None, &taken(&[5432, 5433]));
        assert_eq!(port, 5434);
        assert_eq!(note.unwrap(), "db: port 5432 is taken; using port 5434");
    }

    #[test]
    fn pinned_wins_and_a_recorded_port_is_kept_while_free() {
        assert_eq!(choose("db", 6000, Some(5433), 5432, None, &taken(&[6000])), (6000, None));
        assert_eq!(choose("db", 0, Some(5433), 5432, None, &taken(&[])), (5433, None));
    }

    #[test]
    fn a_recorded_port_held_by_someone_else_moves() {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("pid");
        std::fs::write(&pid_file, format!("{}\n", std::process::id())).unwrap();
        // Our own server holds it: keep.
        assert_eq!(choose("db", 0, Some(5433), 5432, Some(&pid_file), &taken(&[5433])), (5433, None));
        std::fs::write(&pid_file, "999999999\n").unwrap();
        let (port, note) = choose("db", 0, Some(5433), 5432, Some(&pid_file), &taken(&[5433]));
        assert_eq!(port, 5432);
        assert!(note.unwrap().contains("now held by another process"));
    }
}
