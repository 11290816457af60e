//! The log of one `devup up`: each step's check and apply, each command with its full stdout and
//! stderr and how long it took, the summary. Written under the project's state directory as
//! `logs/<UTC time>-<pid>.log`; the newest `KEEP` are kept.
//!
//! Text is gathered in memory and appended to the file at `flush` (after each applied step and
//! at the end of the run), so a converged run costs one small write, and a run killed half-way
//! still leaves the steps it finished. Every value a step lists as a secret is replaced by `***`
//! everywhere in the file, before it reaches the disk.

use std::fmt::Write as _;
use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::CmdOutput;

/// How many logs a project keeps.
pub const KEEP: usize = 10;

#[derive(Debug)]
pub struct RunLog {
    path: PathBuf,
    keep: usize,
    started: Instant,
    /// Text not yet on disk.
    pending: Mutex<Pending>,
    secrets: RwLock<Vec<String>>,
}

#[derive(Debug, Default)]
struct Pending {
    text: String,
    /// The file exists (made, and older logs rotated, at the first flush).
    opened: bool,
}

impl RunLog {
    /// A log in `dir`, named by the time and this process's id. Nothing is written yet.
    pub fn new(dir: &Path, keep: usize) -> RunLog {
        let name = format!("{}-{}.log", file_time(SystemTime::now()), std::process::id());
        RunLog {
            path: dir.join(name),
            keep,
            started: Instant::now(),
            pending: Mutex::default(),
            secrets: RwLock::default(),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Values never to be written (passwords): masked wherever they occur, longest first.
    pub fn add_secrets(&self, secrets: impl IntoIterator<Item = String>) {
        let mut all = self.secrets.write().unwrap_or_else(|p| p.into_inner());
        all.extend(secrets.into_iter().filter(|s| !s.is_empty()));
        all.sort_by_key(|s| std::cmp::Reverse(s.len()));
        all.dedup();
    }

    /// `text` with every secret replaced by `***`.
    pub fn mask(&self, text: &str) -> String {
        let secrets = self.secrets.read().unwrap_or_else(|p| p.into_inner());
        secrets.iter().fold(text.to_string(), |t, s| t.replace(s.as_str(), "***"))
    }

    /// A line of the log, stamped with the time since the run started.
    pub fn note(&self, text: &str) {
        let at = self.started.elapsed().as_secs_f64();
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        for (i, line) in text.lines().enumerate() {
            if i == 0 {
                let _ = writeln!(pending.text, "+{at:.3}s {line}");
            } else {
                let _ = writeln!(pending.text, "         {line}");
            }
        }
    }

    /// A command that ran, with everything it printed.
    pub fn command(&self, step: Option<&str>, command: &str, cwd: Option<&Path>, out: &CmdOutput, took: Duration) {
        let mut text = String::new();
        let who = step.unwrap_or("devup");
        let _ = write!(text, "{who}: ran `{command}`");
        if let Some(cwd) = cwd {
            let _ = write!(text, " in {}", cwd.display());
        }
        let _ = write!(text, ": {} in {}", out.status_text(), crate::printer::format_duration(took));
        for (name, stream) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
            for line in stream.lines() {
                let _ = write!(text, "\n  {name} | {line}");
            }
        }
        self.note(&text);
    }

    /// A command that could not be started.
    pub fn cannot_start(&self, step: Option<&str>, command: &str, error: &std::io::Error) {
        self.note(&format!("{}: cannot run `{command}`: {error}", step.unwrap_or("devup")));
    }

    /// Appends what was gathered to the file. The first flush makes the directory and the file
    /// and removes the oldest logs beyond `keep`.
    pub fn flush(&self) -> std::io::Result<()> {
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        if pending.text.is_empty() && pending.opened {
            return Ok(());
        }
        let text = self.mask(&std::mem::take(&mut pending.text));
        if !pending.opened {
            let dir = self.path.parent().unwrap_or(Path::new("."));
            std::fs::create_dir_all(dir)?;
            pending.opened = true;
            rotate(dir, &self.path, self.keep);
        }
        // Only its owner reads it: commands print what they print (a token in a URL).
        let mut file = std::fs::OpenOptions::new().create(true).append(true).mode(0o600).open(&self.path)?;
        file.write_all(text.as_bytes())
    }
}

impl Drop for RunLog {
    /// A run that ends early (an error, a refusal) still leaves what it gathered.
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

/// Removes the oldest logs so that, with `current`, `keep` remain. Names sort by time.
fn rotate(dir: &Path, current: &Path, keep: usize) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut logs: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "log") && p != current)
        .collect();
    logs.sort();
    let excess = (logs.len() + 1).saturating_sub(keep.max(1));
    for old in &logs[..excess.min(logs.len())] {
        let _ = std::fs::remove_file(old);
    }
}

/// `2026-12-07T043918.123Z`: UTC, sorts as time does, no `:` (awkward in file names).
fn file_time(at: SystemTime) -> String {
    let since = at.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
    let s = secs % 86_400;
    format!("{y:04}-{m:02}-{d:02}T{:02}{:02}{:02}.{:03}Z", s / 3600, s % 3600 / 60, s % 60, since.subsec_millis())
}

/// The date of a day counted from 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_utc_times_that_sort_as_time_does() {
        assert_eq!(file_time(UNIX_EPOCH), "1970-01-01T000000.000Z");
        let t = UNIX_EPOCH + Duration::from_millis(1_796_618_358_042);
        assert_eq!(file_time(t), "2026-12-07T043918.042Z");
        assert_eq!(file_time(UNIX_EPOCH + Duration::from_secs(951_782_400)), "2000-02-29T000000.000Z");
    }

    #[test]
    fn secrets_never_reach_the_file_and_the_oldest_logs_go() {
        let dir = tempfile::tempdir().unwrap();
        for old in ["2020-01-01T000000.000Z-1.log", "2020-01-02T000000.000Z-1.log", "2020-01-03T000000.000Z-1.log"] {
            std::fs::write(dir.path().join(old), "old").unwrap();
        }
        std::fs::write(dir.path().join("notes.txt"), "not a log").unwrap();
        let log = RunLog::new(dir.path(), 3);
        log.add_secrets(["hunter2".to_string(), String::new()]);
        let out = CmdOutput { code: Some(1), stdout: "one\ntwo\n".into(), stderr: "bad password hunter2\n".into() };
        log.command(Some("step.x"), "login --password hunter2", None, &out, Duration::from_millis(3));
        log.flush().unwrap();
        log.note("more");
        drop(log);
        let mut names: Vec<String> =
            std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        names.sort();
        assert_eq!(names.len(), 4, "{names:?}");
        assert_eq!(&names[..2], ["2020-01-02T000000.000Z-1.log", "2020-01-03T000000.000Z-1.log"]);
        assert_eq!(names[3], "notes.txt");
        let path = dir.path().join(&names[2]);
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600, "only its owner reads it");
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("step.x: ran `login --password ***`: exit code 1 in 3.0ms"), "{text}");
        assert!(text.contains("  stdout | one\n") && text.contains("  stdout | two\n"), "{text}");
        assert!(text.contains("  stderr | bad password ***\n"), "{text}");
        assert!(text.ends_with(" more\n"), "what was noted after the flush is written on drop: {text}");
    }
}
