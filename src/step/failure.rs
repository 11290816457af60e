//! Why an apply failed.

use serde::Serialize;

use crate::system::CmdOutput;

/// Why an apply failed: a message, what the command printed, and what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl Failure {
    pub fn new(message: impl Into<String>) -> Failure {
        Failure { message: message.into(), output: None, hint: None }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Failure {
        self.hint = Some(hint.into());
        self
    }

    /// A command that ran and failed; the last lines of its stdout and its stderr are kept
    /// (the run's log has them all).
    pub fn command(what: &str, out: &CmdOutput) -> Failure {
        let tail = out.tails(20);
        Failure {
            message: format!("`{what}` failed ({})", out.status_text()),
            output: (!tail.is_empty()).then_some(tail),
            hint: None,
        }
    }

    pub fn spawn(what: &str, e: &std::io::Error) -> Failure {
        Failure::new(format!("cannot run `{what}`: {e}"))
    }
}
