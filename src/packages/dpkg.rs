//! The dpkg status database (`/var/lib/dpkg/status`, deb822 paragraphs), parsed once: which
//! packages are installed, at which version, and which an interrupted dpkg run left broken.
//!
//! Only the fields devup needs are kept (Package, Architecture, Status, Version); a real
//! database of ~700 packages (630 kB) parses in about a millisecond.

use std::collections::HashMap;

use super::PackageState;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Database {
    /// Package name → one record per architecture (multi-arch `libc6:amd64`, `libc6:i386`).
    packages: HashMap<String, Vec<Record>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Record {
    arch: String,
    version: String,
    state: State,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    Installed,
    /// Removed (maybe with its configuration files left), or never installed.
    Absent,
    /// Why dpkg left it unusable.
    Broken(&'static str),
}

impl Database {
    /// Pure: parses status-file text.
    pub fn parse(text: &str) -> Database {
        let mut db = Database::default();
        db.merge(text);
        db
    }

    /// Adds paragraphs, each replacing any earlier record of the same package and
    /// architecture: the status file, then dpkg's journal (`updates/`) in order.
    pub fn merge(&mut self, text: &str) {
        let mut fields = Fields::default();
        for line in text.lines().chain([""]) {
            if line.trim().is_empty() {
                if let Some((name, record)) = fields.take() {
                    let records = self.packages.entry(name).or_default();
                    match records.iter_mut().find(|r| r.arch == record.arch) {
                        Some(old) => *old = record,
                        None => records.push(record),
                    }
                }
                continue;
            }
            // Only four fields matter; continuation lines (descriptions, conffiles) start
            // with a space and most other fields with other letters, so a look at the first
            // byte skips them.
            if !line.starts_with(['P', 'A', 'S', 'V']) {
                continue;
            }
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            let slot = match key {
                "Package" => &mut fields.package,
                "Architecture" => &mut fields.arch,
                "Status" => &mut fields.status,
                "Version" => &mut fields.version,
                _ => continue,
            };
            *slot = Some(value.trim());
        }
    }

    /// What dpkg says about `query`: a name (any architecture) or `name:arch`.
    pub fn state(&self, query: &str) -> PackageState {
        let (name, arch) = match query.split_once(':') {
            Some((name, arch)) if arch != "any" => (name, Some(arch)),
            Some((name, _)) => (name, None),
            None => (query, None),
        };
        let records: Vec<&Record> =
            self.packages.get(name).into_iter().flatten().filter(|r| arch.is_none_or(|a| r.arch == a)).collect();
        // One broken architecture is enough: dpkg refuses to go on until it is fixed.
        if let Some(why) = records.iter().find_map(|r| match r.state {
            State::Broken(why) => Some(why),
            _ => None,
        }) {
            return PackageState::Broken(why.to_string());
        }
        records
            .iter()
            .find(|r| r.state == State::Installed)
            .map_or(PackageState::Missing, |r| PackageState::Installed(r.version.clone()))
    }

    /// Every package an interrupted dpkg run left broken, as `name:arch (why)`.
    pub fn interrupted(&self) -> Vec<String> {
        let mut found: Vec<String> = self
            .packages
            .iter()
            .flat_map(|(name, records)| {
                records.iter().filter_map(move |r| match r.state {
                    State::Broken(why) => Some(format!("{name}:{} ({why})", r.arch)),
                    _ => None,
                })
            })
            .collect();
        found.sort();
        found
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.packages.values().map(Vec::len).sum()
    }
}

/// The fields of the paragraph being read, borrowed from the text.
#[derive(Default)]
struct Fields<'a> {
    package: Option<&'a str>,
    arch: Option<&'a str>,
    status: Option<&'a str>,
    version: Option<&'a str>,
}

impl Fields<'_> {
    fn take(&mut self) -> Option<(String, Record)> {
        let fields = std::mem::take(self);
        let record = Record {
            arch: fields.arch.unwrap_or("").to_string(),
            version: fields.version.unwrap_or("").to_string(),
            state: state(fields.status.unwrap_or("")),
        };
        Some((fields.package?.to_string(), record))
    }
}

/// Pure: a `Status:` value, "want flag status" (dpkg(1), "PACKAGE STATES").
fn state(status: &str) -> State {
    let words: Vec<&str> = status.split_whitespace().collect();
    let (flag, status) = match words.as_slice() {
        [_want, flag, status] => (*flag, *status),
        _ => return State::Broken("an unreadable status"),
    };
    if flag.contains("reinstreq") {
        return State::Broken("needs reinstalling");
    }
    match status {
        "installed" => State::Installed,
        "not-installed" | "config-files" => State::Absent,
        "half-installed" => State::Broken("half-installed"),
        "unpacked" => State::Broken("unpacked, not configured"),
        "half-configured" => State::Broken("half-configured"),
        "triggers-awaited" => State::Broken("triggers awaited"),
        "triggers-pending" => State::Broken("triggers pending"),
        _ => State::Broken("an unknown status"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PackageState::*;

    macro_rules! fixture {
        ($name:literal) => {
            Database::parse(recorded!("apt", $name))
        };
    }

    fn installed(v: &str) -> PackageState {
        Installed(v.to_string())
    }

    fn broken(why: &str) -> PackageState {
        Broken(why.to_string())
    }

    #[test]
    fn installed_packages_and_their_versions() {
        let db = fixture!("status-installed");
        assert_eq!(db.state("libpq-dev"), installed("15.8-0+deb12u1"));
        assert_eq!(db.state("libpq5"), installed("15.8-0+deb12u1"));
        // Held packages are installed.
        assert_eq!(db.state("git"), installed("1:2.39.5-0+deb12u1"));
        assert_eq!(db.state("tzdata"), installed("2024a-0+deb12u1"));
        assert_eq!(db.state("imagemagick"), Missing);
        assert_eq!(db.len(), 4);
        assert!(db.interrupted().is_empty());
    }

    #[test]
    fn removed_packages_count_as_missing() {
        let db = fixture!("status-removed-config");
        assert_eq!(db.state("postgresql-15"), Missing, "config-files");
        assert_eq!(db.state("redis-server"), Missing, "purged");
        assert_eq!(db.state("redis-tools"), installed("5:7.0.15-1~deb12u1"));
        // Selected for removal but still on disk: still installed.
        assert_eq!(db.state("nano"), installed("7.2-1+deb12u1"));
    }

    #[test]
    fn an_interrupted_configure_is_broken() {
        let db = fixture!("status-half-configured");
        assert_eq!(db.state("postgresql-common"), broken("half-configured"));
        assert_eq!(db.state("man-db"), broken("triggers pending"));
        assert_eq!(db.state("libc-bin"), broken("triggers awaited"));
        assert_eq!(db.state("curl"), installed("7.88.1-10+deb12u8"));
        assert_eq!(
            db.interrupted(),
            [
                "libc-bin:amd64 (triggers awaited)",
                "man-db:amd64 (triggers pending)",
                "postgresql-common:all (half-configured)"
            ]
        );
    }

    #[test]
    fn an_interrupted_unpack_is_broken() {
        let db = fixture!("status-unpacked");
        assert_eq!(db.state("imagemagick-6.q16"), broken("unpacked, not configured"));
        assert_eq!(db.state("libmagickcore-6.q16-6"), broken("needs reinstalling"));
        assert_eq!(db.state("imagemagick"), Missing);
    }

    #[test]
    fn multi_arch_records_are_kept_apart() {
        let db = fixture!("status-multiarch");
        assert_eq!(db.state("libc6"), installed("2.36-9+deb12u9"));
        assert_eq!(db.state("libc6:i386"), installed("2.36-9+deb12u9"));
        assert_eq!(db.state("libc6:any"), installed("2.36-9+deb12u9"));
        assert_eq!(db.state("libc6:arm64"), Missing);
        assert_eq!(db.state("libssl3"), installed("3.0.15-1~deb12u1"));
        assert_eq!(db.state("libssl3:amd64"), installed("3.0.15-1~deb12u1"));
        assert_eq!(db.state("libssl3:i386"), Missing);
        assert_eq!(db.state("libstdc++6:amd64"), installed("12.2.0-14"));
        assert_eq!(db.state("libstdc++6:i386"), broken("half-configured"));
        assert_eq!(db.state("libstdc++6"), broken("half-configured"));
        assert_eq!(db.len(), 6);
    }

    #[test]
    fn versions_keep_their_epochs() {
        let db = fixture!("status-epochs");
        assert_eq!(db.state("postgresql-client-15"), installed("1:15.18-0+deb12u1"));
        assert_eq!(db.state("vim"), installed("2:9.0.1378-2"));
        assert_eq!(db.state("ca-certificates"), installed("20230311"));
    }

    #[test]
    fn the_journal_overrides_the_status_file() {
        let mut db = fixture!("status-half-configured");
        db.merge("Package: postgresql-common\nStatus: install ok installed\nArchitecture: all\nVersion: 248\n");
        assert_eq!(db.state("postgresql-common"), installed("248"));
        assert_eq!(db.len(), 4);
    }

    #[test]
    fn odd_input_does_not_panic() {
        let db = Database::parse("Package: x\nStatus: garbage\n\n\n\nno colon here\nVersion: 1\n");
        assert_eq!(db.state("x"), broken("an unreadable status"));
        assert_eq!(Database::parse("").state("x"), Missing);
    }

    /// `cargo test measure_dpkg -- --ignored --nocapture` prints how long this machine's real
    /// database takes to read and parse.
    #[test]
    #[ignore = "measurement"]
    fn measure_dpkg_status_parse() {
        let path = std::path::Path::new("/var/lib/dpkg/status");
        let Ok(text) = std::fs::read_to_string(path) else {
            panic!("no dpkg database at {}", path.display());
        };
        let runs = 50;
        let started = std::time::Instant::now();
        for _ in 0..runs {
            std::hint::black_box(std::fs::read_to_string(path).unwrap());
        }
        let read = started.elapsed() / runs;
        let started = std::time::Instant::now();
        let mut records = 0;
        for _ in 0..runs {
            records = Database::parse(std::hint::black_box(&text)).len();
        }
        let parse = started.elapsed() / runs;
        println!(
            "{} ({} bytes, {records} records): read {:.3} ms, parse {:.3} ms",
            path.display(),
            text.len(),
            read.as_secs_f64() * 1000.0,
            parse.as_secs_f64() * 1000.0
        );
    }
}
