//! `devup export`: the project's plan as artefacts that converge a machine without devup: a
//! POSIX shell script (`script.rs`), a Dockerfile (`dockerfile.rs`) and a devcontainer.json
//! (`devcontainer.rs`).
//!
//! Each resource kind renders itself as shell ([`crate::step::Resource::script`]): a check
//! that exits 0 when the step is met and an apply that meets it. This module holds what the
//! kinds share to do so ([`ScriptCx`], [`ScriptStep`], quoting, version tests) and the
//! platform the export is for. Nothing here reads or changes the machine beyond what opening
//! the project reads.

pub mod devcontainer;
pub mod dockerfile;
pub mod here;
#[cfg(test)]
mod parity_tests;
mod platform;
pub mod relocate;
pub mod script;

pub use crate::step::{ScriptCx, ScriptStep};
pub use platform::Platform;

pub use crate::shell::{exports, quote, version_test};

/// A shell function's body, as written (indenting it could change a quoted multi-line value);
/// `:` when empty.
pub fn body(text: &str) -> String {
    let text = text.trim_matches('\n');
    if text.trim().is_empty() { ":".to_string() } else { text.to_string() }
}
