//! Version constraints as users write them for tools: `"3.11"`, `">=3.11"`, `"20"`, `"*"`.
//!
//! A bare version means "this release line": `"3.11"` accepts 3.11.0 and 3.11.9 but not 3.12,
//! and `"20"` accepts any 20.x. That is what people mean when they pin a language, and it is
//! what `semver`'s `=3.11` means, so constraints are parsed by `semver` after that one rewrite.
//! Versions printed by tools (`v20.1.0`, `go1.22.3`, `3.13.0rc1`) are read leniently.

use std::fmt;

use semver::{Version, VersionReq};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constraint {
    text: String,
    req: VersionReq,
}

impl Constraint {
    pub fn parse(text: &str) -> Result<Constraint, String> {
        let trimmed = text.trim();
        if trimmed.is_empty() || trimmed == "latest" {
            return Ok(Constraint::any());
        }
        let rewritten: Vec<String> = trimmed
            .split(',')
            .map(|part| {
                let part = part.trim();
                let part = part.strip_prefix('v').unwrap_or(part);
                if part.starts_with(|c: char| c.is_ascii_digit()) { format!("={part}") } else { part.to_string() }
            })
            .collect();
        let req = VersionReq::parse(&rewritten.join(", ")).map_err(|e| e.to_string())?;
        let constraint = Constraint { text: trimmed.to_string(), req };
        if !constraint.is_satisfiable() {
            return Err("it matches no version: its bounds exclude each other".to_string());
        }
        Ok(constraint)
    }

    /// Whether some version meets every bound: `>=3, <2` meets none.
    fn is_satisfiable(&self) -> bool {
        let mut lowest: Option<(Version, bool)> = None; // (bound, inclusive)
        let mut highest: Option<(Version, bool)> = None;
        for (op, text) in self.bounds() {
            let Ok(v) = Version::parse(&text) else { continue };
            match op {
                ">=" | ">" if lowest.as_ref().is_none_or(|(l, _)| v >= *l) => lowest = Some((v, op == ">=")),
                "<=" | "<" if highest.as_ref().is_none_or(|(h, _)| v <= *h) => highest = Some((v, op == "<=")),
                _ => {}
            }
        }
        match (lowest, highest) {
            (Some((low, low_in)), Some((high, high_in))) => low < high || (low == high && low_in && high_in),
            _ => true,
        }
    }

    pub fn any() -> Constraint {
        Constraint { text: "*".into(), req: VersionReq::STAR }
    }

    pub fn is_any(&self) -> bool {
        self.req == VersionReq::STAR
    }

    /// What to ask a version manager for: the release line itself for a bare version
    /// (`3.11`), else `latest` (a range such as `>=3.11` names no single release).
    pub fn request(&self) -> String {
        let bare = self.text.starts_with(|c: char| c.is_ascii_digit()) && !self.text.contains([',', '*', ' ']);
        if bare { self.text.clone() } else { "latest".to_string() }
    }

    pub fn matches(&self, version: &str) -> bool {
        match lenient(version) {
            Some(v) => self.req.matches(&v),
            None => false,
        }
    }
}

impl Constraint {
    /// The constraint as bounds on a full `x.y.z` version (`(">=", "3.9.0")`, `("<", "4.0.0")`),
    /// all of which must hold: what a shell script compares with `sort -V`. Empty for any
    /// version. Pre-release rules are not kept (a script reads `3.13.0rc1` as 3.13.0).
    pub fn bounds(&self) -> Vec<(&'static str, String)> {
        use semver::Op;
        let mut out = Vec::new();
        for c in &self.req.comparators {
            let (major, minor, patch) = (c.major, c.minor, c.patch);
            let v = |a: u64, b: u64, p: u64| format!("{a}.{b}.{p}");
            let low = v(major, minor.unwrap_or(0), patch.unwrap_or(0));
            // The first version past the named release line (`3.11` → 3.12.0, `3` → 4.0.0).
            let past_line = match (minor, patch) {
                (Some(m), Some(p)) => v(major, m, p + 1),
                (Some(m), None) => v(major, m + 1, 0),
                _ => v(major + 1, 0, 0),
            };
            match c.op {
                Op::Exact | Op::Wildcard if patch.is_some() => {
                    out.push((">=", low.clone()));
                    out.push(("<=", low));
                }
                Op::Exact | Op::Wildcard => {
                    out.push((">=", low));
                    out.push(("<", past_line));
                }
                Op::Greater if patch.is_some() => out.push((">", low)),
                Op::Greater => out.push((">=", past_line)),
                Op::GreaterEq => out.push((">=", low)),
                Op::Less => out.push(("<", low)),
                Op::LessEq if patch.is_some() => out.push(("<=", low)),
                Op::LessEq => out.push(("<", past_line)),
                Op::Tilde => {
                    out.push((">=", low));
                    out.push((
                        "<",
                        if minor.is_some() { v(major, minor.unwrap_or(0) + 1, 0) } else { v(major + 1, 0, 0) },
                    ));
                }
                Op::Caret => {
                    out.push((">=", low));
                    let upper = match (major, minor, patch) {
                        (0, Some(0), Some(p)) => v(0, 0, p + 1),
                        (0, Some(m), _) => v(0, m + 1, 0),
                        (0, None, _) => v(1, 0, 0),
                        _ => v(major + 1, 0, 0),
                    };
                    out.push(("<", upper));
                }
                _ => {}
            }
        }
        out
    }
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
        assert_eq!(Constraint::parse("3.11.*").unwrap().request(), "latest");
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
