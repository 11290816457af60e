//! The trait every resource kind implements (the kinds are in `resources/`).

use super::action::{self, Action};
use super::{Cx, Failure, ScriptCx, ScriptStep, Status, Stopped};

pub trait Resource: Send + Sync {
    /// What the step makes true, e.g. "directory .venv".
    fn describe(&self) -> String;

    /// Reads the machine; never changes it.
    fn check(&self, cx: &Cx) -> Status;

    /// What `apply` will do, for the plan, e.g. "run `npm ci`".
    fn action(&self) -> String;

    /// What `apply` does, as data: the commands it runs, the files and directories it makes,
    /// and the conditions it decides on where it runs. `devup up` performs them and `devup
    /// export` writes them as shell, so the two run the same commands. `None` for a kind whose
    /// apply is still its own code (and its export its own shell).
    fn actions(&self, _step_id: &str) -> Option<Vec<Action>> {
        None
    }

    /// Makes the step true: its actions, performed. A kind without actions has its own.
    fn apply(&self, cx: &Cx) -> Result<(), Failure> {
        match self.actions(cx.step_id) {
            Some(actions) => action::perform(&actions, cx),
            None => Err(Failure::new("this kind of step has nothing to apply")),
        }
    }

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

    /// The step as POSIX shell, for `devup export`: a check doing what `check` does, and for a
    /// kind without actions an apply doing what `apply` does (a kind with actions leaves `apply`
    /// empty: the export renders its actions). A kind without one makes the export fail, naming
    /// the step.
    fn script(&self, _cx: &ScriptCx) -> Result<ScriptStep, String> {
        Err("this kind of step has no shell equivalent yet".to_string())
    }
}

impl std::fmt::Debug for dyn Resource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}
