//! Helpers for the kinds' unit tests: a temporary project and a context to check and apply in.

use std::path::{Path, PathBuf};

use super::{BuildCx, Cx, Resource, Status};
use crate::facts::Facts;
use crate::recipe::template::Vars;
use crate::state::Memory;
use crate::system::System;

pub struct Sandbox {
    pub dir: tempfile::TempDir,
    pub system: System,
    pub facts: Facts,
    pub memory: Memory,
    pub vars: Vars,
    pub replace_files: bool,
    pub tools: crate::tools::Toolbox,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        Sandbox {
            dir: tempfile::tempdir().unwrap(),
            system: System::new(),
            facts: Facts::for_tests(),
            memory: Memory::default(),
            vars: Vars::default(),
            replace_files: false,
            tools: crate::tools::Toolbox::for_tests(),
        }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn write(&self, rel: &str, content: &str) {
        let path = self.path(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }

    pub fn build(&self, build: super::Builder, args: &str) -> Result<Box<dyn Resource>, String> {
        let table: toml::Table = toml::from_str(args).unwrap();
        let state = self.dir.path().join(".state");
        build(table, &BuildCx { state_dir: &state, ..self.build_cx() })
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

    pub fn cx(&self) -> Cx<'_> {
        Cx {
            system: &self.system,
            facts: &self.facts,
            memory: &self.memory,
            env: &[],
            replace_files: self.replace_files,
            step_id: "test.step",
            tools: &self.tools,
        }
    }

    pub fn check(&self, r: &dyn Resource) -> Status {
        r.check(&self.cx())
    }

    /// Applies and checks again, as the engine does.
    pub fn converge(&self, r: &dyn Resource) -> Result<Status, super::Failure> {
        r.apply(&self.cx())?;
        Ok(self.check(r))
    }
}

/// A resource that is always satisfied, for tests of the graph and the engine.
pub struct Noop;

impl Resource for Noop {
    fn describe(&self) -> String {
        "nothing".into()
    }
    fn check(&self, _cx: &Cx) -> Status {
        Status::Satisfied
    }
    fn action(&self) -> String {
        "nothing".into()
    }
    fn apply(&self, _cx: &Cx) -> Result<(), super::Failure> {
        Ok(())
    }
}
