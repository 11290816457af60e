//! The one error type of devup, its exit codes, and how it is shown.
//!
//! Errors are plain values: none captures a backtrace, because `RUST_BACKTRACE=1` is common on
//! developer machines and capturing one costs far more than a whole no-op run.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::diagnostic::Diagnostic;

/// Exit codes, documented in the README. They are part of devup's interface: scripts and CI
/// branch on them.
pub mod exit {
    /// Converged, or the command did what was asked.
    pub const OK: u8 = 0;
    /// One or more steps failed; the others were applied.
    pub const FAILED: u8 = 1;
    /// `devup plan` only: the machine is not converged, changes are pending.
    pub const CHANGES_PENDING: u8 = 2;
    /// The project file, a recipe or the command line is invalid; nothing was touched.
    pub const INVALID_INPUT: u8 = 3;
    /// devup refused to go on: the project is not trusted, the plan was declined, or devup
    /// was started through sudo.
    pub const REFUSED: u8 = 4;
    /// Another devup run holds this project's lock.
    pub const BUSY: u8 = 5;
    /// devup itself could not work: its state directory is unwritable, a file cannot be read.
    pub const ENVIRONMENT: u8 = 6;
    /// Ctrl-C: devup stopped, saying what was done and what was not (128 + SIGINT, as shells
    /// report it).
    pub const INTERRUPTED: u8 = 130;
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input, with its location and a hint.
    #[error("{0}")]
    Input(Box<Diagnostic>),

    #[error("no devup.toml in {} or any parent directory", dir.display())]
    NoProjectFile { dir: PathBuf },

    #[error("{message}")]
    Refused { message: String, hint: Option<String> },

    #[error("another devup run (pid {pid}) is working on this project")]
    Busy { pid: String },

    /// A killed run's commands still run (see `system::journal`).
    #[error("`{command}` (pid {pid}), started by a devup run that was stopped before it ended, still runs")]
    Leftover { pid: i32, command: String },

    #[error("{context}: {source}")]
    Io { context: String, source: std::io::Error },

    /// Ctrl-C, before anything was changed (at a prompt).
    #[error("interrupted: {0}")]
    Interrupted(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<Diagnostic> for Error {
    fn from(d: Diagnostic) -> Self {
        Error::Input(Box::new(d))
    }
}

impl Error {
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io { context: context.into(), source }
    }

    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Input(_) | Error::NoProjectFile { .. } => exit::INVALID_INPUT,
            Error::Refused { .. } => exit::REFUSED,
            Error::Busy { .. } | Error::Leftover { .. } => exit::BUSY,
            Error::Io { .. } => exit::ENVIRONMENT,
            Error::Interrupted(_) => exit::INTERRUPTED,
        }
    }

    fn hint(&self) -> Option<String> {
        match self {
            Error::NoProjectFile { .. } => {
                Some("run `devup init` to write one from what this repository contains".into())
            }
            Error::Busy { .. } => Some("wait for it to finish, or run again without `--no-wait` to wait".into()),
            Error::Leftover { .. } => {
                Some("devup waits for it before working on this project: run again without `--no-wait`".into())
            }
            Error::Refused { hint, .. } => hint.clone(),
            _ => None,
        }
    }

    pub fn refused(message: impl Into<String>, hint: Option<&str>) -> Self {
        Error::Refused { message: message.into(), hint: hint.map(str::to_string) }
    }

    /// The full text shown on stderr: `error: ...`, then location and hint lines.
    pub fn render(&self) -> String {
        let mut text = format!("error: {self}");
        if let Some(hint) = self.hint() {
            text.push_str(&format!("\n  hint: {hint}"));
        }
        text
    }

    /// Shows the error on stderr, its `error:` and `hint:` coloured when colour is on.
    pub fn report(&self) -> ExitCode {
        eprintln!("{}", paint(&self.render()));
        ExitCode::from(self.exit_code())
    }
}

/// Colours the labels of a rendered error (`error:`, `hint:`), for stderr.
fn paint(text: &str) -> String {
    use console::style;
    text.lines()
        .map(|line| {
            let indent = &line[..line.len() - line.trim_start().len()];
            let rest = line.trim_start();
            if let Some(message) = rest.strip_prefix("error:") {
                format!("{indent}{}{message}", style("error:").red().bold().for_stderr())
            } else if let Some(hint) = rest.strip_prefix("hint:") {
                format!("{indent}{}{hint}", style("hint:").cyan().bold().for_stderr())
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}
