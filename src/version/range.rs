//! A constraint as the `x.y.z` versions it admits: an interval (or, for npm's `||`, several).
//! Each syntax answers "does this version satisfy?" with its own crate; this one model answers
//! what needs bounds instead: whether any version can satisfy, the `sort -V` tests of an
//! exported script, and which release to ask a version manager for.

use semver::Version;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bound {
    pub version: Version,
    pub inclusive: bool,
}

/// The versions between two bounds; a missing bound is open.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Interval {
    pub low: Option<Bound>,
    pub high: Option<Bound>,
}

impl Interval {
    /// Keeps only versions at or above `version` (above it when not `inclusive`).
    pub fn at_least(&mut self, version: Version, inclusive: bool) {
        let tighter = match &self.low {
            None => true,
            Some(b) => version > b.version || (version == b.version && b.inclusive && !inclusive),
        };
        if tighter {
            self.low = Some(Bound { version, inclusive });
        }
    }

    /// Keeps only versions at or below `version` (below it when not `inclusive`).
    pub fn at_most(&mut self, version: Version, inclusive: bool) {
        let tighter = match &self.high {
            None => true,
            Some(b) => version < b.version || (version == b.version && b.inclusive && !inclusive),
        };
        if tighter {
            self.high = Some(Bound { version, inclusive });
        }
    }

    /// The versions both admit.
    pub fn meet(&self, other: &Interval) -> Interval {
        let mut both = self.clone();
        if let Some(low) = &other.low {
            both.at_least(low.version.clone(), low.inclusive);
        }
        if let Some(high) = &other.high {
            both.at_most(high.version.clone(), high.inclusive);
        }
        both
    }

    pub fn is_empty(&self) -> bool {
        match (&self.low, &self.high) {
            (Some(low), Some(high)) => {
                low.version > high.version || (low.version == high.version && !(low.inclusive && high.inclusive))
            }
            _ => false,
        }
    }

    /// `(">=", "3.9.0")`, `("<", "4.0.0")`: every one must hold. Empty for any version.
    pub fn bounds(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if let Some(low) = &self.low {
            out.push((if low.inclusive { ">=" } else { ">" }, low.version.to_string()));
        }
        if let Some(high) = &self.high {
            out.push((if high.inclusive { "<=" } else { "<" }, high.version.to_string()));
        }
        out
    }

    /// The newest release this interval admits, as a version manager names it: `<3.13` → the
    /// `3.12` line, `<21` → `20`, `<=3.11.0` → `3.11.0`. `None` without an upper bound (the
    /// newest release of all will do).
    pub fn newest(&self) -> Option<String> {
        let high = self.high.as_ref()?;
        let v = &high.version;
        if high.inclusive {
            return Some(format!("{}.{}.{}", v.major, v.minor, v.patch));
        }
        if v.patch > 0 {
            Some(format!("{}.{}.{}", v.major, v.minor, v.patch - 1))
        } else if v.minor > 0 {
            Some(format!("{}.{}", v.major, v.minor - 1))
        } else if v.major > 0 {
            Some(format!("{}", v.major - 1))
        } else {
            None
        }
    }
}

/// What to ask a version manager for: the newest release line the constraint admits, or `None`
/// when it has no upper bound. Of several intervals, the one reaching highest.
pub fn newest(intervals: &[Interval]) -> Option<String> {
    if intervals.is_empty() || intervals.iter().any(|i| i.high.is_none()) {
        return None;
    }
    let top = intervals.iter().max_by(|a, b| {
        let (a, b) = (a.high.as_ref().expect("bounded"), b.high.as_ref().expect("bounded"));
        a.version.cmp(&b.version).then(a.inclusive.cmp(&b.inclusive))
    })?;
    top.newest()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Version {
        Version::parse(text).unwrap()
    }

    #[test]
    fn tightening_keeps_the_narrowest_bounds() {
        let mut i = Interval::default();
        i.at_least(v("3.10.0"), true);
        i.at_least(v("3.9.0"), true);
        i.at_least(v("3.10.0"), false);
        i.at_most(v("4.0.0"), false);
        i.at_most(v("3.13.0"), false);
        assert_eq!(i.bounds(), [(">", "3.10.0".to_string()), ("<", "3.13.0".to_string())]);
        assert!(!i.is_empty());
        i.at_most(v("3.10.0"), true);
        assert!(i.is_empty());
    }

    #[test]
    fn the_newest_release_below_an_upper_bound() {
        let below = |text: &str, inclusive: bool| {
            let mut i = Interval::default();
            i.at_most(v(text), inclusive);
            i.newest()
        };
        assert_eq!(below("3.13.0", false).as_deref(), Some("3.12"));
        assert_eq!(below("21.0.0", false).as_deref(), Some("20"));
        assert_eq!(below("3.12.5", false).as_deref(), Some("3.12.4"));
        assert_eq!(below("3.11.0", true).as_deref(), Some("3.11.0"));
        assert_eq!(below("0.0.0", false), None);
        assert_eq!(Interval::default().newest(), None);
        let mut low = Interval::default();
        low.at_most(v("19.0.0"), false);
        let mut high = Interval::default();
        high.at_most(v("23.0.0"), false);
        assert_eq!(newest(&[low.clone(), high]).as_deref(), Some("22"));
        assert_eq!(newest(&[low, Interval::default()]), None);
    }
}
