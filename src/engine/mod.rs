//! The convergence core: check every step, plan the unmet ones, apply them in dependency order,
//! check each again, and report. It knows nothing about particular tools.

mod apply;
mod check;
mod plan;

pub use apply::{Events, NOT_STARTED, Outcome, StepResult, Summary, apply};
pub use check::{CheckResult, check_all, check_tools};
pub use plan::{Plan, PlannedStep};

use crate::facts::Facts;
use crate::resources::Cx;
use crate::state::Memory;
use crate::system::System;

/// What every step of a run shares.
#[derive(Clone, Copy)]
pub struct RunCx<'a> {
    pub system: &'a System,
    pub facts: &'a Facts,
    pub memory: &'a Memory,
    pub env: &'a [(String, String)],
    pub replace_files: bool,
    /// How many steps may be checked or applied at once.
    pub jobs: usize,
    pub tools: &'a crate::tools::Toolbox,
}

impl RunCx<'_> {
    pub fn for_step<'s>(&'s self, step_id: &'s str) -> Cx<'s> {
        Cx {
            system: self.system,
            facts: self.facts,
            memory: self.memory,
            env: self.env,
            replace_files: self.replace_files,
            step_id,
            tools: self.tools,
        }
    }
}

#[cfg(test)]
mod tests;
