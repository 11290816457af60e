//! A step as POSIX shell, for `devup export`: what a kind needs to render itself, and what it
//! renders.

use std::path::Path;

use crate::facts::Facts;
use crate::shell::quote;

/// What a kind needs to render itself as shell.
pub struct ScriptCx<'a> {
    /// The facts of the platform the export is for.
    pub facts: &'a Facts,
    /// The script runs from the project directory: paths inside it are written relative to it.
    pub project_dir: &'a Path,
    /// The step being rendered (its id names default records, as in [`crate::step::Cx`]).
    pub step_id: &'a str,
    /// What devup.lock records for the step: a prebuilt build the export installs exactly.
    pub locked: Option<&'a crate::tools::lockfile::Locked>,
    /// Where prebuilt builds go (devup's tools directory here; the export stands in for it).
    pub tools_root: &'a Path,
    /// The platform of prebuilt builds (`linux-x86_64`).
    pub platform: &'a str,
}

impl<'a> ScriptCx<'a> {
    /// A context for tests: no lock, prebuilt builds under `/tools`.
    pub fn for_tests(facts: &'a Facts, project_dir: &'a Path, step_id: &'a str) -> ScriptCx<'a> {
        ScriptCx {
            facts,
            project_dir,
            step_id,
            locked: None,
            tools_root: Path::new("/tools"),
            platform: "linux-x86_64",
        }
    }

    /// A path as one shell word: relative to the project when inside it (the script runs
    /// there), else absolute.
    pub fn path(&self, path: &Path) -> String {
        quote(&self.rel(path))
    }

    /// A path as the script names it, unquoted.
    pub fn rel(&self, path: &Path) -> String {
        match path.strip_prefix(self.project_dir) {
            Ok(rel) if rel.as_os_str().is_empty() => ".".to_string(),
            Ok(rel) => rel.display().to_string(),
            Err(_) => path.display().to_string(),
        }
    }
}

/// One step as shell. `check` and `apply` are bodies of shell functions: the script runs
/// `check` (exit 0: met), and when it fails, `apply` (in a subshell, with `set -e`), then
/// `check` again.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScriptStep {
    pub check: String,
    pub apply: String,
    /// Functions the step's bodies call, defined once before them (a deps step's fingerprint).
    pub functions: String,
    /// System packages this step installs, on the platform's manager: the first layer of a
    /// Dockerfile installs all of them in one command.
    pub packages: Vec<String>,
    /// Project files the apply reads (a lockfile): a Dockerfile copies only these before the
    /// step, so that its layer survives changes to the rest of the code.
    pub inputs: Vec<String>,
    /// For a dependency install: the stamp its apply writes, as the script names it (unquoted);
    /// `None` for steps that are not installs. A Dockerfile runs installs in layers of their own.
    pub stamp: Option<String>,
    /// What the script cannot do as devup does, written as loud comments above the step.
    pub warnings: Vec<String>,
    /// Shell run in the script's own shell once the step converged: a tool found outside PATH
    /// has its directory put first on PATH for the steps after it.
    pub then: String,
    /// Which of its ways installs it is decided where it runs (a version that the system's
    /// package may or may not satisfy): an image converges it in a `RUN` of its own rather than
    /// installing its packages blindly with the others.
    pub decided_there: bool,
    /// Directories the export installs the step's commands into (a prebuilt build's `bin`):
    /// an image puts them on the PATH of its container's commands.
    pub tool_dirs: Vec<std::path::PathBuf>,
}
