//! The convergence core: check every step, plan the unmet ones, apply them in dependency order,
//! check each again, and report. It knows nothing about particular tools.

mod apply;
mod check;
mod plan;

pub use apply::{Events, NOT_STARTED, Outcome, StepResult, Summary, apply};
pub use check::{CheckResult, check_all, check_tools};
pub use plan::{Plan, PlannedStep};

/// The run's environment for one step, its PATH made from the resolutions as they are now (an
/// install before it may have added a directory) with the step's own entry's tools first (of a
/// postgres 15 and a 16, each server's `pg_ctl`; of a Yarn 1 and a 4, each app's `yarn`), as
/// the step's check and its apply both see it.
pub(crate) fn step_env(run: &crate::step::Cx, step: &str) -> Vec<(String, String)> {
    let mut env = run.env.to_vec();
    if run.tools.dirs().is_empty() {
        return env;
    }
    let path = run.tools.path_var_for(step).to_string_lossy().into_owned();
    match env.iter_mut().rev().find(|(k, _)| k == "PATH") {
        Some((_, old)) => *old = path,
        None => env.push(("PATH".to_string(), path)),
    }
    env
}

#[cfg(test)]
mod tests;
