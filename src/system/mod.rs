//! Every side effect devup has on the machine goes through `System`: spawning processes,
//! writing files, changing permissions, probing sockets, downloading and unpacking archives.
//! Reads of files are not side effects and use `std::fs` directly.
//!
//! One place means one place to count what a run spawned (`--timings`, the benchmark) and one
//! place to make writes atomic.

mod command;
mod download;
pub mod journal;

pub use command::{Account, Cmd, CmdOutput};
pub use download::{Checksum, DownloadError};
use journal::Journal;

use std::collections::HashMap;
use std::io::{self, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

#[derive(Debug, Default)]
pub struct System {
    spawned: AtomicUsize,
    /// Open protocol sessions a probe may reuse during this run, each with the bytes that end
    /// it politely.
    sessions: Mutex<HashMap<String, Session>>,
    /// Where the commands this run has going are recorded (a run that changes the machine).
    journal: Option<Journal>,
    /// The HTTP client for downloads, made at the first request (most runs download nothing),
    /// then kept so that requests to one host share a connection.
    http: OnceLock<ureq::Agent>,
}

impl System {
    pub fn new() -> System {
        System::default()
    }

    /// A `System` that records the commands it has going in `dir`, for the next run to wait
    /// for should this one be killed (see `journal`).
    pub fn recording(dir: PathBuf) -> System {
        // Made once here, not at every command: a record that cannot be written only makes a
        // killed run's leftovers unknown to the next one.
        let _ = std::fs::create_dir_all(&dir);
        System {
            spawned: AtomicUsize::new(0),
            sessions: Mutex::default(),
            journal: Some(Journal::new(dir)),
            http: OnceLock::new(),
        }
    }

    /// How many processes this run has started.
    pub fn spawned(&self) -> usize {
        self.spawned.load(Ordering::Relaxed)
    }

    /// Runs a command to completion, capturing its output. Its stdin is empty: devup never
    /// lets a step wait for keyboard input that nobody will type.
    pub fn run(&self, cmd: &Cmd) -> io::Result<CmdOutput> {
        self.spawned.fetch_add(1, Ordering::Relaxed);
        let child = cmd.command()?.spawn()?;
        let pid = child.id();
        if let Some(journal) = &self.journal {
            journal.record(pid, &cmd.display());
        }
        let output = child.wait_with_output();
        if let Some(journal) = &self.journal {
            journal.forget(pid);
        }
        Ok(output?.into())
    }

    /// Writes a file so that a reader (or a crash) sees either the old or the new content.
    pub fn write_atomic(&self, path: &Path, content: &[u8], mode: Option<u32>) -> io::Result<()> {
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let mut temp = tempfile::Builder::new().prefix(".devup-tmp").tempfile_in(dir)?;
        temp.write_all(content)?;
        temp.as_file().sync_all()?;
        if let Some(mode) = mode {
            set_mode(temp.path(), mode)?;
        }
        temp.persist(path).map_err(|e| e.error)?;
        Ok(())
    }

    pub fn create_dir_all(&self, path: &Path, mode: Option<u32>) -> io::Result<()> {
        std::fs::create_dir_all(path)?;
        if let Some(mode) = mode {
            set_mode(path, mode)?;
        }
        Ok(())
    }

    /// Gives a file or directory to an account (for a server's data directory).
    pub fn chown(&self, path: &Path, account: &Account) -> io::Result<()> {
        std::os::unix::fs::chown(path, Some(account.uid), Some(account.gid))
    }

    pub fn set_mode(&self, path: &Path, mode: u32) -> io::Result<()> {
        set_mode(path, mode)
    }

    pub fn symlink(&self, target: &Path, link: &Path) -> io::Result<()> {
        std::os::unix::fs::symlink(target, link)
    }

    pub fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        std::fs::rename(from, to)
    }

    pub fn remove_file(&self, path: &Path) -> io::Result<()> {
        std::fs::remove_file(path)
    }

    /// Removes a directory devup made and that holds nothing of the user's (a killed init's).
    pub fn remove_dir_all(&self, path: &Path) -> io::Result<()> {
        std::fs::remove_dir_all(path)
    }

    /// A session kept by an earlier probe of this run, taken for exclusive use.
    pub fn take_session(&self, key: &str) -> Option<Box<dyn Connection>> {
        self.sessions.lock().unwrap_or_else(|p| p.into_inner()).remove(key).map(|(stream, _)| stream)
    }

    /// Keeps a session for later probes; `goodbye` is written to it when the run ends.
    pub fn keep_session(&self, key: String, stream: Box<dyn Connection>, goodbye: Vec<u8>) {
        self.sessions.lock().unwrap_or_else(|p| p.into_inner()).insert(key, (stream, goodbye));
    }

    /// A TCP connection, for probes.
    pub fn connect(&self, addr: SocketAddr, timeout: Duration) -> io::Result<TcpStream> {
        TcpStream::connect_timeout(&addr, timeout)
    }

    /// A unix socket connection, for probes (a machine's shared postgres, peer-authenticated).
    pub fn connect_unix(&self, path: &Path) -> io::Result<UnixStream> {
        UnixStream::connect(path)
    }
}

/// A kept connection, with the bytes that end it politely.
type Session = (Box<dyn Connection>, Vec<u8>);

/// An open connection a probe speaks a protocol over.
pub trait Connection: io::Read + io::Write + Send + std::fmt::Debug {}
impl Connection for TcpStream {}
impl Connection for UnixStream {}

impl Drop for System {
    fn drop(&mut self) {
        let sessions = std::mem::take(self.sessions.get_mut().unwrap_or_else(|p| p.into_inner()));
        for (_, (mut stream, goodbye)) in sessions {
            let _ = stream.write_all(&goodbye);
        }
    }
}

/// Whether a process runs: it exists and is not a zombie (a server killed with -9 whose parent
/// has not reaped it still has a pid, but it serves nothing).
pub fn process_alive(pid: i32) -> bool {
    if let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the command name, which is in parentheses and may hold spaces.
        let state = stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().next());
        return state.is_some_and(|s| s != "Z" && s != "X");
    }
    // No /proc (macOS): signal 0 checks for existence; EPERM means it exists but is not ours.
    // SAFETY: kill with signal 0 sends nothing; it only reports whether the pid exists.
    let result = unsafe { libc::kill(pid, 0) };
    result == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

fn set_mode(path: &Path, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn atomic_write_replaces_content_and_sets_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let system = System::new();
        system.write_atomic(&path, b"one", None).unwrap();
        system.write_atomic(&path, b"two", Some(0o600)).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "two");
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temp file left behind");
    }

    #[test]
    fn zombies_and_missing_processes_are_not_alive() {
        assert!(process_alive(std::process::id() as i32));
        assert!(!process_alive(999_999_999));
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id() as i32;
        std::thread::sleep(std::time::Duration::from_millis(200));
        assert!(!process_alive(pid), "an exited, unreaped child is a zombie");
        child.wait().unwrap();
    }

    #[test]
    fn counts_spawned_processes() {
        let system = System::new();
        let out = system.run(&Cmd::shell("echo hi; echo err >&2; exit 3")).unwrap();
        assert_eq!(system.spawned(), 1);
        assert_eq!(out.code, Some(3));
        assert_eq!(out.stdout, "hi\n");
        assert_eq!(out.stderr, "err\n");
    }
}
