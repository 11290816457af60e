//! The trait every resource kind implements (the kinds are in `resources/`).

use super::{Cx, Failure, ScriptCx, ScriptStep, Status, Stopped};

pub trait Resource: Send + Sync {
    /// What the step makes true, e.g. "directory .venv".
    fn describe(&self) -> String;

    /// Reads the machine; never changes it.
    fn check(&self, cx: &Cx) -> Status;

    /// What `apply` will do, for the plan, e.g. "run `npm ci`".
    fn action(&self) -> String;

    fn apply(&self, cx: &Cx) -> Result<(), Failure>;

    /// The shell commands this resource may run, shown to the user before trusting a project.
    fn commands(&self) -> Vec<String> {
        Vec::new()
    }

    /// Values this step may handle that must never be shown nor logged (passwords): the run's
    /// log and live output mask them wherever they occur.
    fn secrets(&self) -> Vec<String> {
        Vec::new()
    }

    /// Stops what the resource started (`devup down`): `None` when it starts nothing.
    fn stop(&self, _cx: &Cx) -> Option<Result<Stopped, Failure>> {
        None
    }

    /// Whether the step resolves a tool the project's other steps run (a `binary`): such steps
    /// are checked first, so that the others are checked with the project's PATH.
    fn resolves_tool(&self) -> bool {
        false
    }

    /// Whether applying needs root (package installs).
    fn needs_root(&self) -> bool {
        false
    }

    /// The step as POSIX shell, for `devup export`: a check and an apply doing what `check` and
    /// `apply` do. A kind without one makes the export fail, naming the step.
    fn script(&self, _cx: &ScriptCx) -> Result<ScriptStep, String> {
        Err("this kind of step has no shell equivalent yet".to_string())
    }
}

impl std::fmt::Debug for dyn Resource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}
