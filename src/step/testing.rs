//! Helpers for unit tests of kinds and package managers: a temporary project and a context to
//! check and apply in. Building a kind in it is `resources::testing`'s.

use std::path::PathBuf;

use super::{Cx, Failure, Resource, Status};
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

    pub fn cx(&self) -> Cx<'_> {
        Cx {
            system: &self.system,
            facts: &self.facts,
            memory: &self.memory,
            env: &[],
            replace_files: self.replace_files,
            step_id: "test.step",
            tools: &self.tools,
            jobs: 1,
        }
    }

    pub fn check(&self, r: &dyn Resource) -> Status {
        r.check(&self.cx())
    }

    /// Applies and checks again, as the engine does.
    pub fn converge(&self, r: &dyn Resource) -> Result<Status, Failure> {
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
    fn apply(&self, _cx: &Cx) -> Result<(), Failure> {
        Ok(())
    }
}
