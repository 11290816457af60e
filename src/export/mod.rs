//! `devup export`: the project's plan as artefacts that converge a machine without devup: a
//! POSIX shell script (`script.rs`), a Dockerfile (`dockerfile.rs`) and a devcontainer.json
//! (`devcontainer.rs`).
//!
//! Each resource kind renders itself as shell ([`crate::resources::Resource::script`]): a check
//! that exits 0 when the step is met and an apply that meets it. This module holds what the
//! kinds share to do so ([`ScriptCx`], [`ScriptStep`], quoting, version tests) and the
//! platform the export is for. Nothing here reads or changes the machine beyond what opening
//! the project reads.

pub mod devcontainer;
pub mod dockerfile;
pub mod here;
mod platform;
pub mod probe;
pub mod relocate;
pub mod script;

use std::path::Path;

use crate::facts::Facts;
use crate::version::Constraint;

pub use platform::Platform;

/// What a kind needs to render itself as shell.
pub struct ScriptCx<'a> {
    /// The facts of the platform the export is for.
    pub facts: &'a Facts,
    /// The script runs from the project directory: paths inside it are written relative to it.
    pub project_dir: &'a Path,
    /// The step being rendered (its id names default records, as in [`crate::resources::Cx`]).
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

/// Shell-quotes one word.
pub fn quote(word: &str) -> String {
    crate::recipe::template::quote(word)
}

/// A shell condition true when the version in `$var` (an `x.y.z` from `version_in`) satisfies
/// `constraint`; `None` for any version.
pub fn version_test(constraint: &Constraint, var: &str) -> Option<String> {
    let alternatives = constraint.alternatives();
    if alternatives.is_empty() {
        return None;
    }
    let tests: Vec<String> = alternatives
        .iter()
        .map(|bounds| {
            let words: Vec<String> = bounds.iter().map(|(op, v)| format!("{} {v}", quote(op))).collect();
            format!("version_matches \"${var}\" {}", words.join(" "))
        })
        .collect();
    // npm's `18 || 20`: any alternative.
    Some(if tests.len() == 1 { tests.concat() } else { format!("{{ {}; }}", tests.join(" || ")) })
}

/// Shell lines that `export` each variable.
pub fn exports(env: &[(String, String)]) -> String {
    env.iter().map(|(k, v)| format!("export {k}={}\n", quote(v))).collect()
}

/// A shell function's body, as written (indenting it could change a quoted multi-line value);
/// `:` when empty.
pub fn body(text: &str) -> String {
    let text = text.trim_matches('\n');
    if text.trim().is_empty() { ":".to_string() } else { text.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::version::Syntax;

    /// Runs the test a script would, with the prelude's `version_matches`.
    fn passes(syntax: Syntax, constraint: &str, version: &str) -> bool {
        let constraint = Constraint::parse_as(syntax, constraint).unwrap();
        let test = version_test(&constraint, "_v").expect("a bounded constraint");
        let script = format!("{}\n_v={version}\n{test}\n", include_str!("prelude.sh"));
        std::process::Command::new("sh").arg("-c").arg(script).status().unwrap().success()
    }

    #[test]
    fn each_syntax_becomes_bounds_a_shell_compares() {
        assert!(passes(Syntax::Pep440, "~=3.11", "3.13.2"));
        assert!(!passes(Syntax::Pep440, "~=3.11", "4.0.0"));
        assert!(passes(Syntax::Npm, ">=18 <21", "20.11.1"));
        assert!(!passes(Syntax::Npm, ">=18 <21", "21.0.0"));
        // npm's `||`: either alternative.
        assert!(passes(Syntax::Npm, "18 || 22", "18.19.0"));
        assert!(passes(Syntax::Npm, "18 || 22", "22.1.0"));
        assert!(!passes(Syntax::Npm, "18 || 22", "20.1.0"));
        assert!(passes(Syntax::Gem, "~> 3.1", "3.3.0"));
        assert!(!passes(Syntax::Go, "go 1.22", "1.21.9"));
        assert_eq!(version_test(&Constraint::parse_as(Syntax::Npm, "*").unwrap(), "_v"), None);
    }
}
