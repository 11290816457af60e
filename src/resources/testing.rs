//! Building a kind in a test [`Sandbox`].

use std::path::Path;

use super::{BuildCx, Builder, Resource};
pub use crate::step::testing::Sandbox;

impl Sandbox {
    /// Builds a step of `build`'s kind from `args`; the error as the person reads it.
    pub fn build(&self, build: Builder, args: &str) -> Result<Box<dyn Resource>, String> {
        let table: toml::Table = toml::from_str(args).unwrap();
        let state = self.dir.path().join(".state");
        build(table, &BuildCx { state_dir: &state, ..self.build_cx() }).map_err(|e| e.to_string())
    }

    /// What a kind is built with in this sandbox (the state directory does not exist).
    pub fn build_cx(&self) -> BuildCx<'_> {
        BuildCx {
            facts: &self.facts,
            project_dir: self.dir.path(),
            state_dir: Path::new("/nonexistent-state"),
            data_dir: Path::new("/nonexistent-data"),
            home: None,
            vars: &self.vars,
            description: None,
        }
    }
}
