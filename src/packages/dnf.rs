//! dnf (Fedora, RHEL and relatives): installed packages from one `rpm -q` for all names,
//! installs with one `dnf install -y`.

use std::collections::HashMap;

use super::{PackageManager, PackageState, query_candidate, query_installed, without_epoch, without_revision};
use crate::step::Cx;
use crate::system::Cmd;

pub struct Dnf;

/// rpm expands `\n` in its query format itself.
const QUERY_FORMAT: &str = "%{NAME} %{VERSION}-%{RELEASE} %{ARCH}\\n";

fn query_command(names: &[String]) -> Cmd {
    Cmd::new("rpm").args(["-q", "--qf", QUERY_FORMAT]).args(names)
}

fn candidate_command(name: &str) -> Cmd {
    Cmd::new("dnf").args(["repoquery", "--quiet", "--latest-limit=1", "--queryformat", "%{version}\\n", name])
}

/// Pure: the output of `rpm -q --qf QUERY_FORMAT NAMES`. Installed packages print
/// `NAME VERSION-RELEASE ARCH` (one line per installed architecture); missing ones
/// `package NAME is not installed`. rpm exits with the number of missing packages, so errors
/// are told apart by its `error:` lines.
fn parse_query(stdout: &str, stderr: &str, names: &[String]) -> Result<Vec<PackageState>, String> {
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    if !errors.is_empty() {
        return Err(format!("rpm -q failed: {}", errors.join("; ")));
    }
    let mut versions: HashMap<String, String> = HashMap::new();
    for line in stdout.lines() {
        let mut words = line.split_whitespace();
        let (Some(name), Some(version), Some(arch), None) = (words.next(), words.next(), words.next(), words.next())
        else {
            continue;
        };
        if name == "package" {
            continue;
        }
        versions.entry(name.to_string()).or_insert(version.to_string());
        versions.insert(format!("{name}.{arch}"), version.to_string());
    }
    Ok(names
        .iter()
        .map(|n| match versions.get(n) {
            Some(v) => PackageState::Installed(v.clone()),
            None => PackageState::Missing,
        })
        .collect())
}

/// Pure: the first version `dnf repoquery` printed.
fn parse_candidate(stdout: &str) -> Option<String> {
    stdout.lines().map(str::trim).find(|l| !l.is_empty()).map(str::to_string)
}

impl PackageManager for Dnf {
    fn name(&self) -> &'static str {
        "dnf"
    }

    fn installed(&self, cx: &Cx, names: &[String]) -> Result<Vec<PackageState>, String> {
        query_installed(cx, &query_command(names), |stdout, stderr| parse_query(stdout, stderr, names))
    }

    fn candidate(&self, cx: &Cx, name: &str) -> Option<String> {
        query_candidate(cx, &candidate_command(name), parse_candidate)
    }

    fn install_command(&self, names: &[String]) -> Cmd {
        Cmd::new("dnf").args(["install", "-y"]).args(names)
    }

    /// `16.1-4.fc40` → `16.1`.
    fn upstream(&self, version: &str) -> String {
        without_revision(without_epoch(version), '-').to_string()
    }

    /// dnf 4 says `No match for argument: X` and `Error: Unable to find a match: X Y`;
    /// dnf 5 only the first.
    fn not_found(&self, output: &str) -> Vec<String> {
        let mut found: Vec<String> = Vec::new();
        for line in output.lines().map(str::trim) {
            let names = line
                .strip_prefix("No match for argument:")
                .or_else(|| line.strip_prefix("Error: Unable to find a match:"));
            for name in names.into_iter().flat_map(str::split_whitespace) {
                if !found.iter().any(|f| f == name) {
                    found.push(name.to_string());
                }
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packages::names;

    #[test]
    fn commands() {
        let all = names(&["libpq-devel", "ImageMagick"]);
        assert_eq!(super::super::show(&Dnf.install_command(&all)), "dnf install -y libpq-devel ImageMagick");
        assert_eq!(
            super::super::show(&query_command(&all)),
            r#"rpm -q --qf "%{NAME} %{VERSION}-%{RELEASE} %{ARCH}\\n" libpq-devel ImageMagick"#
        );
        assert_eq!(
            super::super::show(&candidate_command("libpq-devel")),
            r#"dnf repoquery --quiet --latest-limit=1 --queryformat "%{version}\\n" libpq-devel"#
        );
    }

    #[test]
    fn parses_installed_missing_and_multilib() {
        let states = parse_query(
            recorded!("dnf", "rpm-q-mixed.stdout"),
            "",
            &names(&["libpq-devel", "ImageMagick", "git", "glibc", "glibc.i686", "nosuch"]),
        )
        .unwrap();
        use PackageState::*;
        assert_eq!(
            states,
            [
                Installed("16.1-4.fc40".into()),
                Missing,
                Installed("2.45.2-2.fc40".into()),
                Installed("2.39-17.fc40".into()),
                Installed("2.39-17.fc40".into()),
                Missing,
            ]
        );
    }

    #[test]
    fn a_broken_database_is_an_error() {
        let err = parse_query("", recorded!("dnf", "rpm-q-broken-db.stderr"), &names(&["git"])).unwrap_err();
        assert!(err.contains("cannot open Packages database"), "{err}");
    }

    #[test]
    fn candidates() {
        assert_eq!(parse_candidate(recorded!("dnf", "repoquery-candidate.stdout")).as_deref(), Some("16.1"));
        assert_eq!(parse_candidate(recorded!("dnf", "repoquery-none.stdout")), None);
    }

    #[test]
    fn upstream_and_unknown_names() {
        assert_eq!(Dnf.upstream("16.1-4.fc40"), "16.1");
        assert_eq!(Dnf.upstream("2:9.1.0-1.fc40"), "9.1.0");
        assert_eq!(Dnf.not_found(recorded!("dnf", "install-no-match-dnf4.stderr")), ["libpq-dev"]);
        assert_eq!(Dnf.not_found(recorded!("dnf", "install-no-match-dnf5.stderr")), ["libpq-dev"]);
        assert!(Dnf.not_found("Complete!\n").is_empty());
    }
}
