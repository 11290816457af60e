//! The ground floor: what every step shares, whatever its kind. A step ([`Step`]), the trait its
//! resource implements ([`Resource`]), the run's context ([`Cx`]), what a check finds
//! ([`Status`]), why an apply fails ([`Failure`]) and a step as shell ([`ScriptStep`]). It
//! imports only the floors below it (`system`, `facts`, `state`, `tools`), never a kind, a
//! package manager or the engine.

pub mod action;
mod cx;
mod failure;
pub mod owned;
pub mod privilege;
mod resource;
mod script;
mod status;
#[cfg(test)]
pub(crate) mod testing;

pub use cx::Cx;
pub use failure::Failure;
pub use resource::Resource;
pub use script::{ScriptCx, ScriptStep};
pub use status::{Status, Stopped};

pub struct Step {
    /// Unique and stable across runs (the state is keyed by it): `languages.python`,
    /// `dependencies.pip.venv`, `datastores.postgres.database[app_dev]`, `step.env-file`.
    pub id: String,
    /// Indices of the steps this one needs, in the same list.
    pub requires: Vec<usize>,
    pub resource: Box<dyn Resource>,
    /// The kind of its resource, as recipes name it (`deps`, `service`).
    pub kind: &'static str,
    /// The recipe's own words for the step, when it has some; else the resource describes itself.
    pub description: Option<String>,
    /// Whether the step comes from the project (its file or its own recipes) rather than from
    /// devup's built-in recipes: such commands need the user's trust.
    pub from_project: bool,
}

impl Step {
    pub fn describe(&self) -> String {
        self.description.clone().unwrap_or_else(|| self.resource.describe())
    }
}

impl std::fmt::Debug for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Step").field("id", &self.id).field("requires", &self.requires).finish_non_exhaustive()
    }
}
