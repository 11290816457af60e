//! Every side effect devup has on the machine goes through this module: spawning processes
//! (and replacing devup with one, `devup exec`), writing files, changing permissions, making
//! links, locking, opening sockets, downloading and unpacking archives. Most of it is `System`'s;
//! what happens before a run has one (choosing ports while expanding, the project's lock) or in
//! commands that converge nothing (`export -o`, `man --dir`) is a free function or type here.
//! Reads of files are not side effects and use `std::fs` directly. `tests/conventions.rs`
//! fails when a side effect appears outside this module.
//!
//! One place means one place to count what a run spawned (`--timings`, the benchmark) and one
//! place to make writes atomic.

mod command;
mod download;
pub mod journal;
pub mod lock;
pub mod output;
pub mod runlog;
pub mod socket;

pub use command::{Account, Cmd, CmdOutput, replace_process};
pub use download::{Checksum, DownloadError};
use journal::Journal;
pub use runlog::RunLog;

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::{self, BufRead, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

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
    /// The run's log (`devup up`): every command with all it printed.
    log: Option<RunLog>,
    /// Where each line a command prints goes as it is printed (`--verbose`).
    live: Option<Live>,
}

/// Receives the lines commands print as they print them: the step (if any) and the line, masked.
pub struct Live(pub Box<LiveFn>);

pub type LiveFn = dyn Fn(Option<&str>, &str) + Send + Sync;

impl std::fmt::Debug for Live {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Live")
    }
}

thread_local! {
    /// The step this thread checks or applies, to name it beside the commands it runs.
    static STEP: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// While it lives, the commands this thread runs are the step's (see `in_step`).
pub struct StepGuard(Option<String>);

/// Marks the commands this thread runs until the guard is dropped as `step`'s, for the log and
/// the live output. The engine calls it around each check and apply.
pub fn in_step(step: &str) -> StepGuard {
    StepGuard(STEP.with(|s| s.replace(Some(step.to_string()))))
}

impl Drop for StepGuard {
    fn drop(&mut self) {
        let previous = self.0.take();
        STEP.with(|s| *s.borrow_mut() = previous);
    }
}

fn current_step() -> Option<String> {
    STEP.with(|s| s.borrow().clone())
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
            log: None,
            live: None,
        }
    }

    /// Keeps every command and what it printed in `log`.
    pub fn with_log(mut self, log: RunLog) -> System {
        self.log = Some(log);
        self
    }

    /// Passes each line a command prints to `live` as it comes.
    pub fn with_live(mut self, live: Option<Live>) -> System {
        self.live = live;
        self
    }

    pub fn log(&self) -> Option<&RunLog> {
        self.log.as_ref()
    }

    /// Values never to be written to the log nor shown live (a step's passwords).
    pub fn add_secrets(&self, secrets: impl IntoIterator<Item = String>) {
        if let Some(log) = &self.log {
            log.add_secrets(secrets);
        }
    }

    /// How many processes this run has started.
    pub fn spawned(&self) -> usize {
        self.spawned.load(Ordering::Relaxed)
    }

    /// Runs a command to completion, capturing its output. Its stdin is empty: devup never
    /// lets a step wait for keyboard input that nobody will type.
    /// With a log, the command and all it printed are written to it; with live output, each
    /// line goes there as it is printed.
    pub fn run(&self, cmd: &Cmd) -> io::Result<CmdOutput> {
        self.spawned.fetch_add(1, Ordering::Relaxed);
        let started = Instant::now();
        let step = if self.log.is_some() || self.live.is_some() { current_step() } else { None };
        let child = match cmd.command().and_then(|mut c| c.spawn()) {
            Ok(child) => child,
            Err(e) => {
                if let Some(log) = &self.log {
                    log.cannot_start(step.as_deref(), &cmd.display(), &e);
                }
                return Err(e);
            }
        };
        let pid = child.id();
        if let Some(journal) = &self.journal {
            journal.record(pid, &cmd.display());
        }
        let output = match &self.live {
            Some(live) => self.wait_streaming(child, live, step.as_deref()),
            None => child.wait_with_output(),
        };
        if let Some(journal) = &self.journal {
            journal.forget(pid);
        }
        let output: CmdOutput = output?.into();
        if let Some(log) = &self.log {
            log.command(step.as_deref(), &cmd.display(), cmd.cwd.as_deref(), &output, started.elapsed());
        }
        Ok(output)
    }

    /// Waits for a child, reading its stdout and stderr line by line as they come (a thread
    /// each) and passing every line to `live`, whole: lines of parallel steps never mix.
    fn wait_streaming(
        &self,
        mut child: std::process::Child,
        live: &Live,
        step: Option<&str>,
    ) -> io::Result<std::process::Output> {
        let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
        let emit = |line: &[u8]| {
            let text = String::from_utf8_lossy(line);
            let text = text.trim_end_matches(['\n', '\r']);
            // What a terminal would show of a line redrawn with `\r` (a progress bar).
            let shown = text.rsplit('\r').next().unwrap_or_default();
            let shown = match &self.log {
                Some(log) => log.mask(shown),
                None => shown.to_string(),
            };
            (live.0)(step, &shown);
        };
        let pump = |stream: Option<Box<dyn Read + Send>>| -> io::Result<Vec<u8>> {
            let mut all = Vec::new();
            let Some(stream) = stream else { return Ok(all) };
            let mut reader = io::BufReader::new(stream);
            loop {
                let start = all.len();
                if reader.read_until(b'\n', &mut all)? == 0 {
                    return Ok(all);
                }
                emit(&all[start..]);
            }
        };
        let (out, err) = std::thread::scope(|scope| {
            let out = scope.spawn(|| pump(stdout.map(|s| Box::new(s) as Box<dyn Read + Send>)));
            let err = pump(stderr.map(|s| Box::new(s) as Box<dyn Read + Send>));
            (out.join().unwrap_or_else(|_| Ok(Vec::new())), err)
        });
        let status = child.wait()?;
        Ok(std::process::Output { status, stdout: out?, stderr: err? })
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
        socket::connect(addr, timeout)
    }

    /// A unix socket connection, for probes (a machine's shared postgres, peer-authenticated).
    pub fn connect_unix(&self, path: &Path) -> io::Result<UnixStream> {
        socket::connect_unix(path)
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
