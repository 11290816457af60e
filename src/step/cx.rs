//! The one context of a run: what every step shares while it is checked, applied or stopped.

use crate::facts::Facts;
use crate::state::Memory;
use crate::system::System;

/// What every step of a run shares, and the step being checked or applied: the engine holds
/// one for the run (`step_id` empty) and hands each step a copy naming it ([`Cx::for_step`]).
#[derive(Clone, Copy)]
pub struct Cx<'a> {
    pub system: &'a System,
    pub facts: &'a Facts,
    pub memory: &'a Memory,
    /// Variables added to every command's environment (the project's `[env]`).
    pub env: &'a [(String, String)],
    /// The user asked to replace files that differ from what devup wrote (a backup is kept).
    pub replace_files: bool,
    /// The step being checked or applied, as the key of what the state remembers for it.
    pub step_id: &'a str,
    /// The project's tools: the lock, this run's resolutions, prebuilt installs.
    pub tools: &'a crate::tools::Toolbox,
    /// How many steps may be checked or applied at once.
    pub jobs: usize,
}

impl<'a> Cx<'a> {
    /// The same run, for one step.
    pub fn for_step<'s>(&'s self, step_id: &'s str) -> Cx<'s> {
        Cx { step_id, ..*self }
    }

    /// The same run, with the environment its commands get.
    pub fn with_env<'s>(&'s self, env: &'s [(String, String)]) -> Cx<'s> {
        Cx { env, ..*self }
    }

    /// The PATH the project's commands are found on: the project's own (its tools first) when
    /// the run set one, else the one devup was started with.
    pub fn path_var(&self) -> std::ffi::OsString {
        match self.env.iter().rev().find(|(k, _)| k == "PATH") {
            Some((_, v)) => v.into(),
            None => self.tools.inherited_path.clone(),
        }
    }
}
