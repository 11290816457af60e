//! A step: one resource to converge, with its place in the graph.

use crate::resources::Resource;

pub struct Step {
    /// Unique and stable across runs (the state is keyed by it): `languages.python`,
    /// `dependencies.pip.venv`, `datastores.postgres.database[app_dev]`, `step.env-file`.
    pub id: String,
    /// Indices of the steps this one needs, in the same list.
    pub requires: Vec<usize>,
    pub resource: Box<dyn Resource>,
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
