//! The commands a run has going, each recorded in a file while it runs.
//!
//! A devup killed mid-run (SIGKILL, the OOM killer) releases its lock at once, but what it
//! started goes on as orphans: an `apt-get install`, a `python3 -m venv` still running
//! ensurepip, an `npm ci`. A next run that started the same work beside them would have two
//! venvs built in one directory. So the next run reads the records and waits for those still
//! running first. Only devup's direct children are recorded: each waits for what it started
//! itself, and a daemon a command leaves behind (a server) is nobody's to wait for.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::process_alive;

#[derive(Debug)]
pub struct Journal {
    dir: PathBuf,
}

/// A command an earlier run started that still runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leftover {
    pub pid: i32,
    pub command: String,
}

impl Journal {
    pub fn new(dir: PathBuf) -> Journal {
        Journal { dir }
    }

    /// Records a command that has just started. A record that cannot be written only makes a
    /// killed run's leftovers unknown to the next one; the command runs all the same.
    pub fn record(&self, pid: u32, command: &str) {
        let start = start_time(pid as i32).unwrap_or_default();
        let _ = std::fs::write(self.dir.join(pid.to_string()), format!("{start}\n{command}\n"));
    }

    /// Forgets a command that has ended.
    pub fn forget(&self, pid: u32) {
        let _ = std::fs::remove_file(self.dir.join(pid.to_string()));
    }
}

/// The recorded commands that still run.
pub fn leftovers(dir: &Path) -> Vec<Leftover> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut running = Vec::new();
    for entry in entries.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<i32>().ok()) else { continue };
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        let (start, command) = text.split_once('\n').unwrap_or((&text, ""));
        // The same process only if it started when the record says: pids are reused.
        if process_alive(pid) && start_time(pid).unwrap_or_default() == start {
            running.push(Leftover { pid, command: command.trim_end().to_string() });
        }
    }
    running.sort_by_key(|l| l.pid);
    running
}

/// Waits until none of the recorded commands runs any more, then clears the records (the
/// caller holds the project's lock: nobody records anything meanwhile). `notify` is called
/// once, with what is still running, when there is something to wait for.
pub fn wait_for_leftovers(dir: &Path, notify: impl FnOnce(&[Leftover])) {
    let mut left = leftovers(dir);
    if !left.is_empty() {
        notify(&left);
    }
    while !left.is_empty() {
        std::thread::sleep(Duration::from_millis(100));
        left = leftovers(dir);
    }
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// When the process started, in clock ticks since boot (field 22 of /proc/PID/stat): with the
/// pid, it names one process. Empty where there is no /proc (macOS): the pid alone then.
fn start_time(pid: i32) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The fields after the command name, which is in parentheses and may hold spaces; the
    // first of them is field 3.
    let (_, rest) = stat.rsplit_once(')')?;
    rest.split_whitespace().nth(22 - 3).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recorded_command_is_a_leftover_while_it_runs_and_not_after() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("running")).unwrap();
        let journal = Journal::new(dir.path().join("running"));
        let mut child = std::process::Command::new("sleep").arg("30").spawn().unwrap();
        journal.record(child.id(), "sleep 30");
        let found = leftovers(&dir.path().join("running"));
        assert_eq!(found, vec![Leftover { pid: child.id() as i32, command: "sleep 30".into() }]);
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(leftovers(&dir.path().join("running")).is_empty());
    }

    #[test]
    fn a_reused_pid_is_not_taken_for_the_recorded_command() {
        let dir = tempfile::tempdir().unwrap();
        // This process, recorded with another start time: a record of a dead process whose pid
        // was given to a new one.
        std::fs::write(dir.path().join(std::process::id().to_string()), "1\nnpm ci\n").unwrap();
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn waiting_ends_when_the_leftover_ends() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::new(dir.path().to_path_buf());
        let mut child = std::process::Command::new("sleep").arg("0.3").spawn().unwrap();
        journal.record(child.id(), "sleep 0.3");
        let reaper = std::thread::spawn(move || child.wait());
        let mut told = Vec::new();
        wait_for_leftovers(dir.path(), |left| told = left.to_vec());
        assert_eq!(told.len(), 1);
        reaper.join().unwrap().unwrap();
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "the records are cleared");
    }
}
