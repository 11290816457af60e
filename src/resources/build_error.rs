//! Why a kind refused to build a step: the expansion decides on the variant where the error
//! points (the recipe's step, or the project's entry), so no message is ever read for it.

/// A kind's refusal of a step, from its `build`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    /// The shape of the step's arguments: an unknown or missing argument, a wrong type. These
    /// come from the recipe's text alone (placeholders are not filled yet), so they are the
    /// recipe's mistake. `message` is serde's words, with the closest name when one is close;
    /// `unknown` is the argument that is not one, to point at it.
    #[error("{message}")]
    Arguments { message: String, unknown: Option<String> },
    /// A value the step was given (a path that leaves the project, a version that is not one),
    /// usually through a placeholder filled from devup.toml.
    #[error("{0}")]
    Value(String),
}

/// The kinds' helpers (placeholders, paths, modes) refuse values: their words are a value's.
impl From<String> for BuildError {
    fn from(message: String) -> Self {
        BuildError::Value(message)
    }
}

impl From<&str> for BuildError {
    fn from(message: &str) -> Self {
        BuildError::Value(message.to_string())
    }
}
