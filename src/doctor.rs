//! What `devup doctor` checks beyond the steps: causes that live in the machine rather than in
//! one step (a disk nearly full, a port taken, a lock held, an untrusted project file, an
//! unusable state file). Each finding says what is wrong and one line of what to do.

use std::path::Path;

use serde::Serialize;

use crate::state::ProjectLock;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Short name of what was checked: `disk`, `port`, `lock`, `trust`, `state`, or a step id.
    pub subject: String,
    pub cause: String,
    pub fix: String,
}

impl Finding {
    pub fn new(subject: impl Into<String>, cause: impl Into<String>, fix: impl Into<String>) -> Finding {
        Finding { subject: subject.into(), cause: cause.into(), fix: fix.into() }
    }
}

/// Below this much free space an install is likely to fail half-way.
const LOW_DISK_BYTES: u64 = 1024 * 1024 * 1024;

/// Free space where the project, its state and its data live.
pub fn disk(dirs: &[&Path]) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut seen = Vec::new();
    for dir in dirs {
        let existing = dir.ancestors().find(|d| d.exists()).unwrap_or(Path::new("/"));
        let Some((free, device)) = free_space(existing) else { continue };
        if seen.contains(&device) {
            continue;
        }
        seen.push(device);
        if free < LOW_DISK_BYTES {
            findings.push(Finding::new(
                "disk",
                format!("only {} MiB free where {} is", free / (1024 * 1024), dir.display()),
                "free some space: package installs and dependency installs need room to unpack",
            ));
        }
    }
    findings
}

/// Free bytes for an unprivileged user, and the device, from statvfs.
fn free_space(path: &Path) -> Option<(u64, u64)> {
    let c_path = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).ok()?;
    let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: c_path is a valid NUL-terminated string and stat a properly sized out-parameter.
    if unsafe { libc::statvfs(c_path.as_ptr(), &mut stat) } != 0 {
        return None;
    }
    #[allow(clippy::unnecessary_cast)] // the field types differ between platforms
    Some((stat.f_bavail as u64 * stat.f_frsize as u64, stat.f_fsid as u64))
}

/// Whether `localhost` resolves: where it does not (a container with a bare /etc/hosts),
/// clients that connect to `localhost` and installers that look it up (MariaDB's) fail.
pub fn localhost() -> Vec<Finding> {
    use std::net::ToSocketAddrs;
    let resolves = ("localhost", 0).to_socket_addrs().is_ok_and(|mut addrs| addrs.next().is_some());
    match resolves {
        true => Vec::new(),
        false => vec![Finding::new(
            "localhost",
            "the name `localhost` does not resolve on this machine",
            "add the line `127.0.0.1 localhost` to /etc/hosts",
        )],
    }
}

/// Whether another devup run holds the project's lock right now. (A lock cannot go stale: the
/// OS releases it when its process dies, whatever the lock file still says.)
pub fn lock(state_dir: &Path) -> Vec<Finding> {
    if !state_dir.join("lock").exists() {
        return Vec::new();
    }
    match ProjectLock::try_acquire(state_dir) {
        Ok(Some(_released_at_once)) => Vec::new(),
        Ok(None) => vec![Finding::new(
            "lock",
            "another devup run is working on this project right now",
            "wait for it to finish; `devup` waits by itself unless given --no-wait",
        )],
        Err(e) => vec![Finding::new(
            "lock",
            format!("the lock file cannot be used: {e}"),
            format!("check the permissions of {}", state_dir.display()),
        )],
    }
}

/// Commands a killed run left running: the next run waits for them.
pub fn leftovers(state_dir: &Path) -> Vec<Finding> {
    crate::system::journal::leftovers(&state_dir.join("running"))
        .into_iter()
        .map(|left| {
            Finding::new(
                "lock",
                format!(
                    "`{}` (pid {}) still runs, started by a devup run that was stopped before it ended",
                    left.command, left.pid
                ),
                format!("let it finish (the next `devup` waits for it), or stop it: kill {}", left.pid),
            )
        })
        .collect()
}

/// Notes from choosing ports: a preferred port held by another process.
pub fn ports(notes: &[String]) -> Vec<Finding> {
    notes
        .iter()
        .map(|note| {
            Finding::new(
                "port",
                note.clone(),
                "nothing to do unless your tests hardcode the usual port: then stop what holds it, or pin `port = N` in devup.toml; `devup env` has the port in use",
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_directory_is_measured_where_it_would_be() {
        // The temp dir's filesystem surely has some space; the point is not to fail or panic.
        let dir = tempfile::tempdir().unwrap();
        let findings = disk(&[&dir.path().join("not/yet/there"), dir.path()]);
        assert!(findings.len() <= 1);
    }

    #[test]
    fn a_held_lock_is_reported_and_a_free_one_is_not() {
        let dir = tempfile::tempdir().unwrap();
        assert!(lock(dir.path()).is_empty());
        let held = ProjectLock::acquire(dir.path(), crate::state::lock::Wait::No).unwrap();
        assert_eq!(lock(dir.path())[0].subject, "lock");
        drop(held);
        assert!(lock(dir.path()).is_empty());
    }
}
