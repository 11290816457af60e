//! What a check found, and what `devup down` did.

use serde::Serialize;

/// What a check found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum Status {
    Satisfied,
    Missing {
        why: String,
    },
    Drifted {
        have: String,
        want: String,
    },
    /// The check could not tell; the step will be applied, and the reason is shown.
    Unknown {
        why: String,
    },
    /// Not met, and no way devup knows can meet it here: the step is not applied (it fails with
    /// the reason and the hint) and the steps that require it do not start.
    Cannot {
        why: String,
        hint: String,
    },
}

impl Status {
    pub fn missing(why: impl Into<String>) -> Status {
        Status::Missing { why: why.into() }
    }

    pub fn drifted(have: impl Into<String>, want: impl Into<String>) -> Status {
        Status::Drifted { have: have.into(), want: want.into() }
    }

    pub fn unknown(why: impl Into<String>) -> Status {
        Status::Unknown { why: why.into() }
    }

    pub fn cannot(why: impl Into<String>, hint: impl Into<String>) -> Status {
        Status::Cannot { why: why.into(), hint: hint.into() }
    }

    pub fn is_satisfied(&self) -> bool {
        matches!(self, Status::Satisfied)
    }

    /// One line saying why the step is not satisfied.
    pub fn reason(&self) -> String {
        match self {
            Status::Satisfied => "satisfied".to_string(),
            Status::Missing { why } => why.clone(),
            Status::Drifted { have, want } => format!("have {have}, want {want}"),
            Status::Unknown { why } => format!("could not check: {why}"),
            Status::Cannot { why, .. } => format!("cannot be done: {why}"),
        }
    }
}

/// What `devup down` did to a server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    Stopped,
    WasNotRunning,
    /// The machine's own, shared with other projects: left running.
    Shared,
}
