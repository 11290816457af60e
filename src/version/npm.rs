//! npm version ranges (`engines.node`): `>=18 <21`, `^20`, `20.x`, `18 || >=20`, `1.2 - 2.3`,
//! read by `nodejs-semver` (a port of npm's own `node-semver`, small and maintained).

use nodejs_semver::{Range, Version as NpmVersion};
use semver::Version;

use super::range::Interval;

/// The range's alternatives (the parts between `||`), each one interval; alternatives no
/// version satisfies are dropped, and when all are, it is an error.
///
/// Each alternative is parsed alone: `nodejs-semver` 7 turns bounds that exclude each other
/// (`>=3 <2`) into a union (`>=3.0.0||<2.0.0`) that admits every version, where npm admits none.
/// An alternative without `||` is one intersection, so more than one part in its parse is
/// that mistake, and the alternative is read as admitting nothing.
pub fn parse(text: &str) -> Result<Vec<Range>, String> {
    // npm ranges have no commas; `>=18, <21` would silently lose its first half.
    if text.contains(',') {
        return Err("npm ranges separate bounds with spaces, not commas".into());
    }
    let mut ranges = Vec::new();
    for alternative in text.split("||") {
        check_grammar(alternative)?;
        let range =
            Range::parse(alternative).map_err(|_| format!("`{}` is not a version or range", alternative.trim()))?;
        if range.to_string().contains("||") {
            continue;
        }
        ranges.push(range);
    }
    if ranges.is_empty() {
        return Err("it matches no version: its bounds exclude each other".into());
    }
    Ok(ranges)
}

/// Refuses what npm refuses: `nodejs-semver` reads loosely and drops what it cannot read
/// (`>=18 <21 banana` is `>=18 <21` to it, `>=18 <<21` is `>=18`), where npm's own parser
/// throws. One alternative is comparators separated by spaces, or a hyphen range `1.2 - 2.3`;
/// a comparator is an operator (`<`, `<=`, `>`, `>=`, `=`, `~`, `~>`, `^`, or none; a space may
/// follow it) and a partial version (`20`, `20.x`, `v1.2.3-rc.1`).
fn check_grammar(alternative: &str) -> Result<(), String> {
    let words: Vec<&str> = alternative.split_whitespace().collect();
    if let [low, "-", high] = words.as_slice() {
        return partial(low).and(partial(high));
    }
    let mut i = 0;
    while i < words.len() {
        let word = words[i];
        let op_len = word.find(|c: char| !matches!(c, '<' | '>' | '=' | '~' | '^')).unwrap_or(word.len());
        let (op, version) = word.split_at(op_len);
        if !matches!(op, "" | "<" | "<=" | ">" | ">=" | "=" | "~" | "~>" | "^") {
            return Err(format!("`{op}` is not an npm operator (<, <=, >, >=, =, ~, ^)"));
        }
        let version = match (version, words.get(i + 1)) {
            ("", Some(next)) if !op.is_empty() => {
                i += 1;
                *next
            }
            ("", _) => return Err(format!("`{word}` has no version after it")),
            (version, _) => version,
        };
        partial(version)?;
        i += 1;
    }
    Ok(())
}

/// `20`, `20.x`, `v1.2.3-rc.1+build`, `*`.
fn partial(text: &str) -> Result<(), String> {
    let bad = || Err(format!("`{text}` is not a version"));
    let bare = text.strip_prefix(['v', '=']).unwrap_or(text);
    let (numbers, qualifier) = match bare.find(['-', '+']) {
        Some(i) => bare.split_at(i),
        None => (bare, ""),
    };
    let parts: Vec<&str> = numbers.split('.').collect();
    let part_ok = |p: &&str| matches!(*p, "x" | "X" | "*") || (!p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    if parts.len() > 3 || !parts.iter().all(part_ok) {
        return bad();
    }
    let qualifier_ok = qualifier.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '+' | '.'));
    if !qualifier.is_empty() && (parts.len() < 3 || !qualifier_ok) {
        return bad();
    }
    Ok(())
}

/// Whether a version a tool printed (`v20.1.0`, `18.20.4+dfsg`) satisfies one alternative.
/// Pre-releases match only a range that names one of the same release, as npm has it.
pub fn matches(ranges: &[Range], version: &str) -> bool {
    let Some(v) = super::lenient(version) else {
        return false;
    };
    let Ok(v) = NpmVersion::parse(v.to_string()) else {
        return false;
    };
    ranges.iter().any(|r| r.satisfies(&v))
}

/// Each alternative as an interval, read from the crate's normal form (`>=20.0.0 <21.0.0-0`).
pub fn intervals(ranges: &[Range]) -> Vec<Interval> {
    ranges.iter().map(|r| interval(&r.to_string())).collect()
}

fn interval(normal: &str) -> Interval {
    let mut interval = Interval::default();
    for word in normal.split_whitespace() {
        let (op, rest) = match word.find(|c: char| c.is_ascii_digit()) {
            Some(i) => word.split_at(i),
            None => continue, // `*`
        };
        let Ok(mut v) = Version::parse(rest) else { continue };
        // `<21.0.0-0` is "below every 21.0.0 pre-release": below 21.0.0 for release versions.
        v.pre = semver::Prerelease::EMPTY;
        match op {
            ">=" => interval.at_least(v, true),
            ">" => interval.at_least(v, false),
            "<" => interval.at_most(v, false),
            "<=" => at_most_inclusive(&mut interval, v),
            _ => {
                interval.at_least(v.clone(), true);
                interval.at_most(v, true);
            }
        }
    }
    interval
}

/// `<=20` is written `<=20.900719925474099.900719925474099` ("the last 20.x"): below 21.0.0.
fn at_most_inclusive(interval: &mut Interval, v: Version) {
    const LAST: u64 = 900_719_925_474_099;
    if v.minor >= LAST {
        interval.at_most(Version::new(v.major + 1, 0, 0), false);
    } else if v.patch >= LAST {
        interval.at_most(Version::new(v.major, v.minor + 1, 0), false);
    } else {
        interval.at_most(v, true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(range: &str, version: &str) -> bool {
        matches(&parse(range).unwrap(), version)
    }

    fn bounds(range: &str) -> Vec<Vec<(&'static str, String)>> {
        intervals(&parse(range).unwrap()).iter().map(Interval::bounds).collect()
    }

    #[test]
    fn ranges_match_as_npm_has_them() {
        assert!(ok(">=18 <21", "20.11.1"));
        assert!(!ok(">=18 <21", "21.0.0"));
        assert!(!ok(">=18 <21", "16.20.2"));
        assert!(ok("^20", "v20.20.2"));
        assert!(!ok("^20", "21.1.0"));
        assert!(ok("20.x", "20.0.0"));
        assert!(ok("18 || >=22", "18.19.0"));
        assert!(ok("18 || >=22", "23.1.0"));
        assert!(!ok("18 || >=22", "20.1.0"));
        assert!(ok("<=20", "20.5.1"));
        assert!(ok("1.2 - 2.3", "2.3.9"));
        assert!(ok(">=18", "18.20.4+dfsg"));
        assert!(!ok(">=18", "22.0.0-rc.1"));
    }

    #[test]
    fn ranges_as_bounds() {
        let one =
            |list: &[(&'static str, &str)]| vec![list.iter().map(|(o, v)| (*o, v.to_string())).collect::<Vec<_>>()];
        assert_eq!(bounds(">=18 <21"), one(&[(">=", "18.0.0"), ("<", "21.0.0")]));
        assert_eq!(bounds("^20"), one(&[(">=", "20.0.0"), ("<", "21.0.0")]));
        assert_eq!(bounds("<=20"), one(&[("<", "21.0.0")]));
        assert_eq!(bounds("20.1.2"), one(&[(">=", "20.1.2"), ("<=", "20.1.2")]));
        assert_eq!(bounds("18 || 20").len(), 2);
    }

    #[test]
    fn what_npm_refuses_and_what_matches_nothing() {
        assert!(parse(">=banana").is_err());
        assert!(parse("lts/iron").is_err());
        assert!(parse(">=18, <21").unwrap_err().contains("commas"));
        assert!(parse(">=3 <2").unwrap_err().contains("matches no version"));
        // What the crate would silently drop is refused, as npm refuses it.
        assert!(parse(">=18 <<21").unwrap_err().contains("not an npm operator"));
        assert!(parse(">=18 <21 banana").unwrap_err().contains("`banana` is not a version"));
        assert!(parse("=> 18").is_err());
        assert!(parse(">=").is_err());
        for fine in [">= 18 < 21", "~> 20.1", "v20.1.2-rc.1", "1.2 - 2.3", "20.x || 22.*", "=20", "^0.2.3", "x"] {
            assert!(parse(fine).is_ok(), "{fine}");
        }
        // A contradictory alternative is dropped, not widened to every version.
        assert!(!ok(">=3 <2 || 20", "1.0.0"));
        assert!(ok(">=3 <2 || 20", "20.1.0"));
    }
}
