//! Version constraints as users write them for tools: `"3.11"`, `">=3.11"`, `"20"`, `"*"`, and in
//! an ecosystem's own syntax where a recipe's parameter declares one (`syntax.rs`): PEP 440's
//! `~=3.11`, npm's `>=18 <21`, RubyGems' `~> 3.1`, Go's `go 1.22`.
//!
//! A bare version means "this release line" in every syntax: `"3.11"` accepts 3.11.0 and 3.11.9
//! but not 3.12, and `"20"` accepts any 20.x. That is what people mean when they pin a language,
//! and it is what `semver`'s `=3.11` means, so devup's own constraints are parsed by `semver`
//! after that one rewrite. Each other syntax is read by a crate that keeps its rules (`pep440.rs`,
//! `npm.rs`) or written onto one that does (`gem.rs`, `go.rs`); a text the ecosystem's syntax
//! refuses but devup's reads (`^3.10` for python) keeps devup's meaning, so no existing
//! `devup.toml` changes meaning. Versions printed by tools (`v20.1.0`, `go1.22.3`, `3.13.0rc1`)
//! are read leniently.

use std::fmt;

use pep440_rs::VersionSpecifiers;
use semver::{Version, VersionReq};

mod gem;
mod go;
mod npm;
mod pep440;
mod range;
mod syntax;

use range::Interval;
pub use syntax::Syntax;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constraint {
    text: String,
    spec: Spec,
}

/// The constraint as its syntax's crate reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Spec {
    Semver(VersionReq),
    Pep440(VersionSpecifiers),
    /// npm's alternatives (`18 || 20`), each one range.
    Npm(Vec<nodejs_semver::Range>),
}

impl Constraint {
    /// A constraint in devup's own syntax.
    pub fn parse(text: &str) -> Result<Constraint, String> {
        Constraint::parse_as(Syntax::Devup, text)
    }

    /// A constraint in `syntax`. The error says why the text is not one (the caller names the
    /// syntax: `Syntax::what`).
    pub fn parse_as(syntax: Syntax, text: &str) -> Result<Constraint, String> {
        let trimmed = text.trim();
        if trimmed.is_empty() || trimmed == "latest" || trimmed == "*" {
            return Ok(Constraint::any());
        }
        let make = |spec: Spec| Constraint { text: trimmed.to_string(), spec };
        // A bare version (`3.11`, `v20`, `3.12.*`) is its release line whatever the syntax.
        if syntax == Syntax::Devup || is_bare(trimmed) {
            return semver_req(trimmed).map(|req| make(Spec::Semver(req))).and_then(Constraint::satisfiable);
        }
        let own = match syntax {
            Syntax::Devup => unreachable!("read above"),
            Syntax::Pep440 => pep440::parse(trimmed).map(Spec::Pep440),
            Syntax::Gem => gem::parse(trimmed).map(Spec::Pep440),
            Syntax::Npm => npm::parse(trimmed).map(Spec::Npm),
            Syntax::Go => go::rewrite(trimmed).and_then(|devup| semver_req(&devup)).map(Spec::Semver),
        };
        match own {
            Ok(spec) => make(spec).satisfiable(),
            // devup's own syntax still reads what this one refuses (`^3.10`, `>=18, <21`); the
            // error is this syntax's, which the user is told to write.
            Err(e) => match semver_req(trimmed) {
                Ok(req) => make(Spec::Semver(req)).satisfiable(),
                Err(_) => Err(e),
            },
        }
    }

    fn satisfiable(self) -> Result<Constraint, String> {
        if self.intervals().iter().all(Interval::is_empty) {
            return Err("it matches no version: its bounds exclude each other".to_string());
        }
        Ok(self)
    }

    pub fn any() -> Constraint {
        Constraint { text: "*".into(), spec: Spec::Semver(VersionReq::STAR) }
    }

    pub fn is_any(&self) -> bool {
        matches!(&self.spec, Spec::Semver(req) if *req == VersionReq::STAR)
    }

    /// What to ask a version manager for: the newest release line the constraint admits (`3.11`
    /// for `"3.11"`, `3.12` for `>=3.10,<3.13`, `20` for `^20`), else `latest` (a constraint
    /// without an upper bound: the newest release satisfies it).
    pub fn request(&self) -> String {
        range::newest(&self.intervals()).unwrap_or_else(|| "latest".to_string())
    }

    pub fn matches(&self, version: &str) -> bool {
        match &self.spec {
            Spec::Semver(req) => lenient(version).is_some_and(|v| req.matches(&v)),
            Spec::Pep440(specifiers) => pep440::matches(specifiers, version),
            Spec::Npm(ranges) => npm::matches(ranges, version),
        }
    }

    /// Whether some version satisfies both (by bounds, as `intervals`): `20` and `>=22.18`
    /// do not overlap, `22.x` and `>=22.18` do.
    pub fn overlaps(&self, other: &Constraint) -> bool {
        let theirs = other.intervals();
        self.intervals().iter().any(|a| theirs.iter().any(|b| !a.meet(b).is_empty()))
    }

    /// Whether every version this admits, `other` admits too (by bounds): `22.x` is within
    /// `>=18`, not within `>=22.18`.
    pub fn within(&self, other: &Constraint) -> bool {
        let theirs = other.intervals();
        self.intervals().iter().filter(|a| !a.is_empty()).all(|a| theirs.iter().any(|b| a.meet(b) == *a))
    }

    /// The versions the constraint admits, as intervals of `x.y.z` versions (one but for npm's
    /// `||`). Bounds only: pre-release rules and PEP 440's `!=` are not kept.
    fn intervals(&self) -> Vec<Interval> {
        match &self.spec {
            Spec::Semver(req) => vec![semver_interval(req)],
            Spec::Pep440(specifiers) => vec![pep440::interval(specifiers)],
            Spec::Npm(ranges) => npm::intervals(ranges),
        }
    }

    /// The constraint as alternatives of bounds on a full `x.y.z` version (`(">=", "3.9.0")`,
    /// `("<", "4.0.0")`): a version satisfies when all bounds of one alternative hold. What a
    /// shell script compares with `sort -V`. Empty for any version. Pre-release rules are not
    /// kept (a script reads `3.13.0rc1` as 3.13.0), nor PEP 440's `!=`.
    pub fn alternatives(&self) -> Vec<Vec<(&'static str, String)>> {
        let all: Vec<Vec<(&'static str, String)>> =
            self.intervals().iter().filter(|i| !i.is_empty()).map(Interval::bounds).collect();
        if all.iter().any(Vec::is_empty) { Vec::new() } else { all }
    }

    /// The bounds of a constraint that is one interval.
    #[cfg(test)]
    pub fn bounds(&self) -> Vec<(&'static str, String)> {
        let mut all = self.alternatives();
        assert!(all.len() <= 1, "{self} is several intervals");
        all.pop().unwrap_or_default()
    }
}

/// A version with nothing but its numbers, a leading `v` and a trailing wildcard: `3.11`,
/// `v20`, `3.12.*`, `20.x`.
fn is_bare(text: &str) -> bool {
    let text = text.strip_prefix('v').unwrap_or(text);
    text.starts_with(|c: char| c.is_ascii_digit())
        && text.split('.').all(|part| matches!(part, "*" | "x" | "X") || part.bytes().all(|b| b.is_ascii_digit()))
}

/// devup's own syntax: `semver`'s, a bare version meaning its release line (`=3.11`).
fn semver_req(text: &str) -> Result<VersionReq, String> {
    let rewritten: Vec<String> = text
        .split(',')
        .map(|part| {
            let part = part.trim();
            let part = part.strip_prefix('v').unwrap_or(part);
            if part.starts_with(|c: char| c.is_ascii_digit()) { format!("={part}") } else { part.to_string() }
        })
        .collect();
    VersionReq::parse(&rewritten.join(", ")).map_err(|e| e.to_string())
}

/// A `semver` requirement's comparators, all of which must hold, as one interval.
fn semver_interval(req: &VersionReq) -> Interval {
    use semver::Op;
    let mut interval = Interval::default();
    for c in &req.comparators {
        let (major, minor, patch) = (c.major, c.minor, c.patch);
        let v = Version::new;
        let low = v(major, minor.unwrap_or(0), patch.unwrap_or(0));
        // The first version past the named release line (`3.11` → 3.12.0, `3` → 4.0.0).
        let past_line = match (minor, patch) {
            (Some(m), Some(p)) => v(major, m, p + 1),
            (Some(m), None) => v(major, m + 1, 0),
            _ => v(major + 1, 0, 0),
        };
        match c.op {
            Op::Exact | Op::Wildcard if patch.is_some() => {
                interval.at_least(low.clone(), true);
                interval.at_most(low, true);
            }
            Op::Exact | Op::Wildcard => {
                interval.at_least(low, true);
                interval.at_most(past_line, false);
            }
            Op::Greater if patch.is_some() => interval.at_least(low, false),
            Op::Greater => interval.at_least(past_line, true),
            Op::GreaterEq => interval.at_least(low, true),
            Op::Less => interval.at_most(low, false),
            Op::LessEq if patch.is_some() => interval.at_most(low, true),
            Op::LessEq => interval.at_most(past_line, false),
            Op::Tilde => {
                interval.at_least(low, true);
                interval.at_most(
                    if minor.is_some() { v(major, minor.unwrap_or(0) + 1, 0) } else { v(major + 1, 0, 0) },
                    false,
                );
            }
            Op::Caret => {
                interval.at_least(low, true);
                let upper = match (major, minor, patch) {
                    (0, Some(0), Some(p)) => v(0, 0, p + 1),
                    (0, Some(m), _) => v(0, m + 1, 0),
                    (0, None, _) => v(1, 0, 0),
                    _ => v(major + 1, 0, 0),
                };
                interval.at_most(upper, false);
            }
            _ => {}
        }
    }
    interval
}

impl fmt::Display for Constraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Reads a version as tools print it: leading `v`, missing minor or patch, a pre-release glued on.
pub fn lenient(text: &str) -> Option<Version> {
    let text = text.trim().trim_start_matches('v');
    let numeric_end = text.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(text.len());
    let (numbers, rest) = text.split_at(numeric_end);
    let mut parts = numbers.split('.').filter(|p| !p.is_empty()).map(|p| p.parse::<u64>().ok());
    let major = parts.next()??;
    let minor = parts.next().flatten().unwrap_or(0);
    let patch = parts.next().flatten().unwrap_or(0);
    let mut version = Version::new(major, minor, patch);
    // `+dfsg`, `+ds1`: build metadata (Debian's repacks), not a pre-release.
    if rest.starts_with('+') {
        return Some(version);
    }
    let pre = rest.trim_start_matches(['-', '_']);
    if !pre.is_empty() {
        let cleaned: String = pre.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '.').collect();
        if let Ok(pre) = semver::Prerelease::new(&cleaned) {
            version.pre = pre;
        }
    }
    Some(version)
}

/// Finds the first version-looking word in a tool's output, e.g. `Python 3.11.7` → `3.11.7`,
/// `go version go1.22.3 linux/amd64` → `1.22.3`. With `after`, the search starts after that
/// marker (for outputs such as MariaDB's, whose first number is not the server version).
pub fn extract(output: &str, after: Option<&str>) -> Option<String> {
    let text = match after {
        Some(marker) => &output[output.find(marker)? + marker.len()..],
        None => output,
    };
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
                i += 1;
            }
            let found = text[start..i].trim_end_matches('.');
            if found.contains('.') || after.is_some() {
                return Some(found.to_string());
            }
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(c: &str, v: &str) -> bool {
        Constraint::parse(c).unwrap().matches(v)
    }

    #[test]
    fn constraints_that_overlap_and_one_within_another() {
        let npm = |t: &str| Constraint::parse_as(Syntax::Npm, t).unwrap();
        let pep = |t: &str| Constraint::parse_as(Syntax::Pep440, t).unwrap();
        assert!(!npm("20").overlaps(&npm(">=22.18.0")), "a stale .nvmrc against engines");
        assert!(npm("22.x").overlaps(&npm(">=22.18.0")));
        assert!(!npm("22.x").within(&npm(">=22.18.0")));
        assert!(npm("22.x").within(&npm(">=18")));
        assert!(npm("18 || 20").overlaps(&npm(">=20")));
        assert!(!npm("18 || 20").within(&npm(">=20")));
        assert!(npm("20 || 22").within(&npm(">=20")));
        assert!(pep("3.11").within(&pep(">=3.8")));
        assert!(!pep("3.7").overlaps(&pep(">=3.8")));
        assert!(pep(">=3.9, <3.13").overlaps(&pep(">=3.10")));
        assert!(Constraint::any().within(&Constraint::any()));
        assert!(!Constraint::any().within(&pep(">=3.8")));
        assert!(npm(">=22.18.0 22.x").within(&npm(">=22.18.0")), "both, written together");
    }

    #[test]
    fn bare_version_is_a_release_line() {
        assert!(ok("3.11", "3.11.7"));
        assert!(ok("3.11", "3.11"));
        assert!(!ok("3.11", "3.12.0"));
        assert!(ok("20", "v20.20.2"));
        assert!(!ok("20", "18.19.0"));
        assert!(ok("3.11.7", "3.11.7"));
        assert!(!ok("3.11.7", "3.11.8"));
    }

    #[test]
    fn bounds_for_a_shell() {
        let b = |c: &str| Constraint::parse(c).unwrap().bounds();
        let pairs = |list: &[(&'static str, &str)]| list.iter().map(|(o, v)| (*o, v.to_string())).collect::<Vec<_>>();
        assert!(b("*").is_empty());
        assert_eq!(b("3.11"), pairs(&[(">=", "3.11.0"), ("<", "3.12.0")]));
        assert_eq!(b("20"), pairs(&[(">=", "20.0.0"), ("<", "21.0.0")]));
        assert_eq!(b(">=3.9"), pairs(&[(">=", "3.9.0")]));
        assert_eq!(b(">=18, <21"), pairs(&[(">=", "18.0.0"), ("<", "21.0.0")]));
        assert_eq!(b("~1.2"), pairs(&[(">=", "1.2.0"), ("<", "1.3.0")]));
        assert_eq!(b("^0.2.3"), pairs(&[(">=", "0.2.3"), ("<", "0.3.0")]));
        assert_eq!(b("3.11.7"), pairs(&[(">=", "3.11.7"), ("<=", "3.11.7")]));
        assert_eq!(b(">3"), pairs(&[(">=", "4.0.0")]));
    }

    #[test]
    fn operators_and_ranges() {
        assert!(ok(">=3.11", "3.12.1"));
        assert!(!ok(">=3.11", "3.10.14"));
        assert!(ok(">=18, <21", "20.1.0"));
        assert!(!ok(">=18, <21", "21.0.0"));
        assert!(ok("~1.2", "1.2.9"));
        assert!(ok("*", "0.0.1"));
        assert!(ok("latest", "99"));
        assert!(ok("3.11.*", "3.11.2"));
    }

    #[test]
    fn requests_for_version_managers() {
        assert_eq!(Constraint::parse("3.11").unwrap().request(), "3.11");
        assert_eq!(Constraint::parse(">=3.11").unwrap().request(), "latest");
        assert_eq!(Constraint::parse("*").unwrap().request(), "latest");
        // A range with an upper bound asks for the newest line below it, not the newest of all.
        assert_eq!(Constraint::parse("3.11.*").unwrap().request(), "3.11");
        assert_eq!(Constraint::parse(">=18, <21").unwrap().request(), "20");
        assert_eq!(Constraint::parse("3.11.7").unwrap().request(), "3.11.7");
        assert_eq!(Constraint::parse("v20").unwrap().request(), "20");
        let request = |syntax, text| Constraint::parse_as(syntax, text).unwrap().request();
        assert_eq!(request(Syntax::Pep440, "~=3.11"), "3");
        assert_eq!(request(Syntax::Pep440, ">=3.10,<3.13"), "3.12");
        assert_eq!(request(Syntax::Pep440, "==3.11"), "3.11.0");
        assert_eq!(request(Syntax::Pep440, ">=3.10"), "latest");
        assert_eq!(request(Syntax::Npm, ">=18 <21"), "20");
        assert_eq!(request(Syntax::Npm, "18 || 20"), "20");
        assert_eq!(request(Syntax::Npm, "^20"), "20");
        assert_eq!(request(Syntax::Gem, "~> 3.1"), "3");
        assert_eq!(request(Syntax::Gem, "~> 3.1.2"), "3.1");
        assert_eq!(request(Syntax::Go, "go 1.22"), "latest");
        assert_eq!(request(Syntax::Go, "go1.22.3"), "1.22.3");
    }

    #[test]
    fn each_syntax_reads_its_own_forms() {
        let ok = |syntax, c: &str, v: &str| Constraint::parse_as(syntax, c).unwrap().matches(v);
        assert!(ok(Syntax::Pep440, "~=3.11", "3.13.1"));
        assert!(!ok(Syntax::Pep440, "~=3.11", "3.10.4"));
        assert!(ok(Syntax::Pep440, ">=3.10,<3.13", "3.12.7"));
        assert!(!ok(Syntax::Pep440, ">=3.10,<3.13", "3.13.0"));
        assert!(ok(Syntax::Pep440, "3.12.*", "3.12.3"));
        assert!(ok(Syntax::Npm, ">=18 <21", "20.11.1"));
        assert!(!ok(Syntax::Npm, ">=18 <21", "21.0.0"));
        assert!(ok(Syntax::Npm, "20.x", "20.1.0"));
        assert!(ok(Syntax::Gem, "~> 3.1", "3.3.0"));
        assert!(!ok(Syntax::Gem, "~> 3.1", "4.0.0"));
        assert!(ok(Syntax::Go, "go 1.22", "1.23.4"));
        assert!(!ok(Syntax::Go, "go 1.22", "1.21.9"));
        assert!(ok(Syntax::Go, "go1.22.3", "1.22.3"));
        assert!(!ok(Syntax::Go, "go1.22.3", "1.22.4"));
    }

    #[test]
    fn a_bare_version_is_its_release_line_in_every_syntax() {
        for syntax in Syntax::ALL {
            let c = Constraint::parse_as(syntax, "3.11").unwrap();
            assert!(c.matches("3.11.9") && c.matches("3.11.0") && !c.matches("3.12.0"), "{syntax}");
            assert_eq!(c.request(), "3.11", "{syntax}");
            assert!(Constraint::parse_as(syntax, "*").unwrap().is_any(), "{syntax}");
            assert!(Constraint::parse_as(syntax, "latest").unwrap().is_any(), "{syntax}");
        }
    }

    #[test]
    fn devups_own_forms_keep_their_meaning_where_an_ecosystem_refuses_them() {
        let ok = |syntax, c: &str, v: &str| Constraint::parse_as(syntax, c).unwrap().matches(v);
        assert!(ok(Syntax::Pep440, "^3.10", "3.12.0"));
        assert!(ok(Syntax::Pep440, "~3.11", "3.11.4"));
        assert!(ok(Syntax::Npm, ">=18, <21", "20.1.0"));
        assert!(!ok(Syntax::Npm, ">=18, <21", "17.1.0"));
        assert!(ok(Syntax::Gem, "^3.1", "3.4.0"));
        assert!(ok(Syntax::Go, ">=1.21", "1.22.0"));
    }

    #[test]
    fn errors_are_the_syntaxs_own() {
        let err = |syntax, c: &str| Constraint::parse_as(syntax, c).unwrap_err();
        assert!(err(Syntax::Pep440, "~=3").contains("at least two segments"), "{}", err(Syntax::Pep440, "~=3"));
        assert!(err(Syntax::Npm, ">=banana").contains("`banana` is not a version"));
        assert!(err(Syntax::Gem, "~~> 3").contains("RubyGems operator"));
        assert!(err(Syntax::Go, "golang 1.22").contains("go 1.22"));
        assert!(err(Syntax::Pep440, ">=3.13,<3.12").contains("matches no version"));
        assert!(err(Syntax::Npm, ">=21 <18").contains("matches no version"));
    }

    #[test]
    fn bad_constraints_are_errors() {
        assert!(Constraint::parse(">=banana").is_err());
        assert!(Constraint::parse("3..1").is_err());
        assert!(Constraint::parse(">= 3, <<4").is_err());
    }

    #[test]
    fn a_range_no_version_meets_is_an_error() {
        for empty in [">=3, <2", ">=2, <2", "3.11, 3.12", ">3.1.4, <=3.1.4"] {
            let err = Constraint::parse(empty).unwrap_err();
            assert!(err.contains("matches no version"), "{empty}: {err}");
        }
        for fine in [">=3.1.4, <=3.1.4", ">=3, <4", "~1.2", "^0.3", "3.11", ">=18, <21", "*"] {
            assert!(Constraint::parse(fine).is_ok(), "{fine}");
        }
    }

    #[test]
    fn lenient_versions() {
        assert_eq!(lenient("v20.20.2"), Some(Version::new(20, 20, 2)));
        assert_eq!(lenient("3"), Some(Version::new(3, 0, 0)));
        assert_eq!(lenient("3.13.0rc1").unwrap().pre.as_str(), "rc1");
        // Debian's repacks are build metadata, not pre-releases.
        assert_eq!(lenient("18.20.4+dfsg"), Some(Version::new(18, 20, 4)));
        assert!(Constraint::parse(">=18").unwrap().matches("18.20.4+dfsg"));
        assert_eq!(lenient("abc"), None);
    }

    #[test]
    fn extracts_versions_from_tool_output() {
        assert_eq!(extract("Python 3.11.7\n", None).as_deref(), Some("3.11.7"));
        assert_eq!(extract("v20.20.2", None).as_deref(), Some("20.20.2"));
        assert_eq!(extract("go version go1.22.3 linux/amd64", None).as_deref(), Some("1.22.3"));
        assert_eq!(extract("openjdk version \"17.0.15\" 2025-04-15", None).as_deref(), Some("17.0.15"));
        assert_eq!(extract("Redis server v=7.0.15 sha=00000000:0", None).as_deref(), Some("7.0.15"));
        assert_eq!(
            extract("mysql  Ver 15.1 Distrib 10.11.6-MariaDB, for debian", Some("Distrib ")).as_deref(),
            Some("10.11.6")
        );
        assert_eq!(extract("no digits here", None), None);
    }
}
