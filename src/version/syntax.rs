//! Which syntax a version is written in: recipe data, on a `version` parameter
//! (`syntax = "pep440"`), so a project writes its tool's version as its ecosystem does.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Syntax {
    /// devup's own: `"3.11"` (the release line), `">=3.10, <3.13"`, `"^20"`, `"*"` (Cargo's
    /// operators, read by `semver`).
    #[default]
    Devup,
    /// Python's PEP 440 specifiers: `~=3.11`, `>=3.10,<3.13`, `==3.12.*`.
    Pep440,
    /// npm's ranges: `>=18 <21`, `^20`, `20.x`, `18 || 20`.
    Npm,
    /// RubyGems' requirements: `~> 3.1`, `>= 3.1, < 3.4`.
    Gem,
    /// Go's: `go 1.22` (that Go or newer), `go1.22.3`.
    Go,
}

impl Syntax {
    pub const ALL: [Syntax; 5] = [Syntax::Devup, Syntax::Pep440, Syntax::Npm, Syntax::Gem, Syntax::Go];

    pub fn name(self) -> &'static str {
        match self {
            Syntax::Devup => "devup",
            Syntax::Pep440 => "pep440",
            Syntax::Npm => "npm",
            Syntax::Gem => "gem",
            Syntax::Go => "go",
        }
    }

    pub fn from_name(name: &str) -> Option<Syntax> {
        Syntax::ALL.into_iter().find(|s| s.name() == name)
    }

    pub fn is_default(&self) -> bool {
        *self == Syntax::Devup
    }

    /// What a value in this syntax is, for messages: "`x` is not a PEP 440 version specifier".
    pub fn what(self) -> &'static str {
        match self {
            Syntax::Devup => "a version constraint",
            Syntax::Pep440 => "a PEP 440 version specifier",
            Syntax::Npm => "an npm version range",
            Syntax::Gem => "a RubyGems requirement",
            Syntax::Go => "a Go version",
        }
    }

    /// Examples, for a hint: what to write instead.
    pub fn examples(self) -> &'static str {
        match self {
            Syntax::Devup => "\"3.11\" (the 3.11 line), \">=3.10, <3.13\" or \"*\"",
            Syntax::Pep440 => "\"~=3.11\", \">=3.10,<3.13\" or \"3.12.*\"",
            Syntax::Npm => "\">=18 <21\", \"^20\" or \"20.x\"",
            Syntax::Gem => "\"~> 3.1\" or \">= 3.1, < 3.4\"",
            Syntax::Go => "\"go 1.22\" (that Go or newer) or \"1.22\" (the 1.22 line)",
        }
    }

    /// Constraints that must all hold, written as one: npm separates them with a space, the
    /// others with a comma (`>=22.18.0 <23`, `>=3.10, <3.13`).
    pub fn all_of(self, parts: &[&str]) -> String {
        parts.join(if self == Syntax::Npm { " " } else { ", " })
    }

    /// Releases any of which will do (`20 || 22`), where the syntax writes alternatives (npm);
    /// `None` where it does not.
    pub fn any_of(self, releases: &[&str]) -> Option<String> {
        (self == Syntax::Npm).then(|| releases.join(" || "))
    }

    /// The hint of an error: this syntax's examples, and that devup's own forms still work.
    pub fn hint(self) -> String {
        match self {
            Syntax::Devup => format!("write a version constraint such as {}", self.examples()),
            _ => format!(
                "write {} such as {}; a bare version (\"3.11\") is that release line",
                self.what(),
                self.examples()
            ),
        }
    }
}

impl fmt::Display for Syntax {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
