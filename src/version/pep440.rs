//! PEP 440 version specifiers (`requires-python`): `~=3.11`, `>=3.10,<3.13`, `==3.12.*`, read by
//! `pep440_rs` (the parser uv and ruff use). RubyGems requirements are written onto them
//! (`gem.rs`): both compare release numbers the same way, zero-padded (`3.1` = `3.1.0`).

use std::str::FromStr;

use pep440_rs::{Operator, Version as Pep440Version, VersionSpecifiers};
use semver::Version;

use super::range::Interval;

pub fn parse(text: &str) -> Result<VersionSpecifiers, String> {
    VersionSpecifiers::from_str(text).map_err(|e| {
        // The crate's message is "Failed to parse version: WHY:" and the text with carets
        // under it; devup's diagnostic already points at the text.
        let message = e.to_string();
        let first = message.lines().next().unwrap_or_default();
        let why = first.trim_start_matches("Failed to parse version: ").trim_end_matches(':');
        // A clause of devup's sentence: "`~=3` is not a PEP 440 version specifier: the ~= ..."
        let mut chars = why.chars();
        chars.next().map(|c| c.to_lowercase().chain(chars).collect()).unwrap_or_default()
    })
}

/// Whether a version a tool printed (`3.11.7`, `3.13.0rc1`, `v3.12`) satisfies every specifier.
pub fn matches(specifiers: &VersionSpecifiers, version: &str) -> bool {
    let version = version.trim();
    let parsed = Pep440Version::from_str(version).ok().or_else(|| {
        let v = super::lenient(version)?;
        Pep440Version::from_str(&format!("{}.{}.{}", v.major, v.minor, v.patch)).ok()
    });
    parsed.is_some_and(|v| specifiers.contains(&v))
}

/// The versions the specifiers admit, as one interval. `!=` excludes single versions an
/// interval cannot hole, so it is left out: the bounds are a little wider than the specifier.
pub fn interval(specifiers: &VersionSpecifiers) -> Interval {
    let mut interval = Interval::default();
    for specifier in specifiers.iter() {
        let release = specifier.version().release();
        let at = |i: usize| release.get(i).copied().unwrap_or(0);
        let v = Version::new(at(0), at(1), at(2));
        // The first version past the release named by its first `n` numbers.
        let past = |n: usize| match n {
            1 => Version::new(at(0) + 1, 0, 0),
            2 => Version::new(at(0), at(1) + 1, 0),
            _ => Version::new(at(0), at(1), at(2) + 1),
        };
        match specifier.operator() {
            Operator::Equal | Operator::ExactEqual => {
                interval.at_least(v.clone(), true);
                interval.at_most(v, true);
            }
            Operator::EqualStar => {
                interval.at_least(v, true);
                interval.at_most(past(release.len()), false);
            }
            // `~=3.11` is `>=3.11, ==3.*`; `~=3.11.2` is `>=3.11.2, ==3.11.*`.
            Operator::TildeEqual => {
                interval.at_least(v, true);
                interval.at_most(past(release.len().saturating_sub(1).max(1)), false);
            }
            Operator::GreaterThanEqual => interval.at_least(v, true),
            Operator::GreaterThan => interval.at_least(v, false),
            Operator::LessThanEqual => interval.at_most(v, true),
            Operator::LessThan => interval.at_most(v, false),
            Operator::NotEqual | Operator::NotEqualStar => {}
        }
    }
    interval
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bounds(text: &str) -> Vec<(&'static str, String)> {
        interval(&parse(text).unwrap()).bounds()
    }

    fn pairs(list: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
        list.iter().map(|(o, v)| (*o, v.to_string())).collect()
    }

    #[test]
    fn specifiers_as_bounds() {
        assert_eq!(bounds("~=3.11"), pairs(&[(">=", "3.11.0"), ("<", "4.0.0")]));
        assert_eq!(bounds("~=3.11.2"), pairs(&[(">=", "3.11.2"), ("<", "3.12.0")]));
        assert_eq!(bounds(">=3.10,<3.13"), pairs(&[(">=", "3.10.0"), ("<", "3.13.0")]));
        assert_eq!(bounds("==3.12.*"), pairs(&[(">=", "3.12.0"), ("<", "3.13.0")]));
        assert_eq!(bounds("==3.11"), pairs(&[(">=", "3.11.0"), ("<=", "3.11.0")]));
        assert_eq!(bounds(">3.10, !=3.11.2"), pairs(&[(">", "3.10.0")]));
    }

    #[test]
    fn matching_follows_pep_440() {
        let ok = |spec: &str, v: &str| matches(&parse(spec).unwrap(), v);
        assert!(ok("~=3.11", "3.12.1"));
        assert!(!ok("~=3.11", "4.0.0"));
        assert!(!ok("~=3.11", "3.10.14"));
        assert!(ok(">=3.10,<3.13", "3.12.7"));
        assert!(!ok(">=3.10,<3.13", "3.13.0"));
        assert!(ok("==3.12.*", "3.12.0"));
        assert!(!ok("==3.12.*", "3.13.0"));
        // `<=3.11` is at most 3.11.0 in PEP 440, as pip reads `requires-python`.
        assert!(!ok("<=3.11", "3.11.7"));
        assert!(ok(">3.10", "3.10.1"));
        assert!(!ok("!=3.11.2", "3.11.2"));
        assert!(ok(">=3.11", "v3.12.0"));
        assert!(ok(">=18", "18.20.4+dfsg"));
        assert!(!ok(">=3.11", "not a version"));
    }

    #[test]
    fn errors_say_what_is_wrong() {
        assert_eq!(parse("~=3").unwrap_err(), "the ~= operator requires at least two segments in the release version");
        assert!(parse("=>3.10").is_err());
    }
}
