//! The convergence core: check every step, plan the unmet ones, apply them in dependency order,
//! check each again, and report. It knows nothing about particular tools.

mod apply;
mod check;
mod plan;

pub use apply::{Events, NOT_STARTED, Outcome, StepResult, Summary, apply};
pub use check::{CheckResult, check_all, check_tools};
pub use plan::{Plan, PlannedStep};

#[cfg(test)]
mod tests;
