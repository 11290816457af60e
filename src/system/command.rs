//! A command line to run, and what it printed.

use std::ffi::{OsStr, OsString};
use std::io;
use std::path::PathBuf;
use std::process::{Command, Stdio};

#[derive(Debug, Clone)]
pub struct Cmd {
    pub program: OsString,
    pub args: Vec<OsString>,
    pub cwd: Option<PathBuf>,
    pub env: Vec<(String, String)>,
    /// Run as this account (only possible when devup is root): for servers that refuse root.
    pub user: Option<String>,
}

impl Cmd {
    pub fn new(program: impl Into<OsString>) -> Cmd {
        Cmd { program: program.into(), args: Vec::new(), cwd: None, env: Vec::new(), user: None }
    }

    /// A shell command line, run by `sh -c`.
    pub fn shell(script: &str) -> Cmd {
        Cmd::new("sh").arg("-c").arg(script)
    }

    pub fn arg(mut self, arg: impl Into<OsString>) -> Cmd {
        self.args.push(arg.into());
        self
    }

    pub fn args<I: IntoIterator<Item = S>, S: Into<OsString>>(mut self, args: I) -> Cmd {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    pub fn cwd(mut self, dir: impl Into<PathBuf>) -> Cmd {
        self.cwd = Some(dir.into());
        self
    }

    pub fn envs(mut self, vars: &[(String, String)]) -> Cmd {
        self.env.extend(vars.iter().cloned());
        self
    }

    pub fn as_user(mut self, user: Option<&str>) -> Cmd {
        self.user = user.map(str::to_string);
        self
    }

    /// The command as a person would type it, for plans and error messages.
    pub fn display(&self) -> String {
        let words = std::iter::once(&self.program).chain(&self.args).map(|w| w.to_string_lossy());
        if self.program == "sh" && self.args.len() == 2 && self.args[0] == "-c" {
            return self.args[1].to_string_lossy().into_owned();
        }
        words.map(|w| crate::shell::quote(&w)).collect::<Vec<_>>().join(" ")
    }

    /// The process to start: stdin empty, stdout and stderr captured.
    pub(super) fn command(&self) -> io::Result<Command> {
        let mut command = Command::new(&self.program);
        command.args(&self.args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        if let Some(dir) = &self.cwd {
            command.current_dir(dir);
        }
        if let Some(name) = &self.user {
            let account = Account::lookup(name)?;
            std::os::unix::process::CommandExt::uid(&mut command, account.uid);
            std::os::unix::process::CommandExt::gid(&mut command, account.gid);
            command.env("HOME", &account.home).env("USER", name).env("LOGNAME", name);
        }
        for (key, value) in &self.env {
            command.env(key, value);
        }
        Ok(command)
    }
}

/// Replaces this process with `program` (`exec`), its environment this one's with `changes`
/// made (a value to set, or none to unset): its exit code and signals are then the program's.
/// Returns only when it cannot start, with why.
pub fn replace_process(program: &OsStr, args: &[OsString], changes: &[(String, Option<String>)]) -> io::Error {
    use std::os::unix::process::CommandExt;
    let mut command = Command::new(program);
    command.args(args);
    for (name, value) in changes {
        match value {
            Some(value) => command.env(name, value),
            None => command.env_remove(name),
        };
    }
    command.exec()
}

impl From<std::process::Output> for CmdOutput {
    fn from(output: std::process::Output) -> CmdOutput {
        CmdOutput {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CmdOutput {
    /// The exit code; `None` when a signal ended the process.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl CmdOutput {
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }

    /// The last lines the command printed (stderr, else stdout), to show why it failed.
    pub fn tail(&self, lines: usize) -> String {
        let text = if self.stderr.trim().is_empty() { &self.stdout } else { &self.stderr };
        let all: Vec<&str> = text.trim_end().lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }

    /// The last `lines` lines of each stream that printed anything, each under its name, to
    /// show why a command failed: a tool may say why on either.
    pub fn tails(&self, lines: usize) -> String {
        let mut shown = Vec::new();
        for (name, text) in [("stdout", &self.stdout), ("stderr", &self.stderr)] {
            let all: Vec<&str> = text.trim_end().lines().collect();
            if all.is_empty() {
                continue;
            }
            let last = &all[all.len().saturating_sub(lines)..];
            if last.len() < all.len() {
                shown.push(format!("{name} (last {} of {} lines):", last.len(), all.len()));
            } else {
                shown.push(format!("{name}:"));
            }
            shown.extend(last.iter().map(|line| format!("  {line}")));
        }
        shown.join("\n")
    }

    /// "exit code 3" or "killed by a signal".
    pub fn status_text(&self) -> String {
        match self.code {
            Some(code) => format!("exit code {code}"),
            None => "killed by a signal".to_string(),
        }
    }
}

/// A system account, from the password database.
pub struct Account {
    pub uid: u32,
    pub gid: u32,
    pub home: PathBuf,
}

impl Account {
    pub fn lookup(name: &str) -> io::Result<Account> {
        let not_found = || io::Error::new(io::ErrorKind::NotFound, format!("there is no account `{name}`"));
        let c_name = std::ffi::CString::new(name).map_err(|_| not_found())?;
        // SAFETY: getpwnam returns NULL or a pointer to a static record that is valid until the
        // next call; every field used is copied out before returning.
        unsafe {
            let record = libc::getpwnam(c_name.as_ptr());
            if record.is_null() {
                return Err(not_found());
            }
            let home = std::ffi::CStr::from_ptr((*record).pw_dir).to_string_lossy().into_owned();
            Ok(Account { uid: (*record).pw_uid, gid: (*record).pw_gid, home: PathBuf::from(home) })
        }
    }
}
