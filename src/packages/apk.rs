//! apk (Alpine): installed packages from one `apk list --installed` for all names, installs
//! with one `apk add`.

use std::collections::HashMap;

use super::{PackageManager, PackageState, query_candidate, query_installed, without_revision};
use crate::step::Cx;
use crate::system::Cmd;

pub struct Apk;

fn query_command(names: &[String]) -> Cmd {
    Cmd::new("apk").args(["list", "--installed"]).args(names)
}

fn candidate_command(name: &str) -> Cmd {
    Cmd::new("apk").args(["search", "--exact", name])
}

/// Pure: `libpq-dev-16.3-r0` → (`libpq-dev`, `16.3-r0`). apk versions always end in `-rN`,
/// and names may contain hyphens, so the split is at the second hyphen from the end.
fn split_name_version(word: &str) -> Option<(&str, &str)> {
    let (rest, release) = word.rsplit_once('-')?;
    let (name, version) = rest.rsplit_once('-')?;
    let version_len = version.len() + 1 + release.len();
    (!name.is_empty() && release.starts_with('r') && version.starts_with(|c: char| c.is_ascii_digit()))
        .then(|| (name, &word[word.len() - version_len..]))
}

/// Pure: the output of `apk list --installed NAMES`:
/// `NAME-VERSION ARCH {ORIGIN} (LICENSE) [installed]`; missing names are simply absent.
/// `WARNING:` lines are noise; an `ERROR:` means apk could not read its database.
fn parse_query(stdout: &str, stderr: &str, names: &[String]) -> Result<Vec<PackageState>, String> {
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("ERROR:")).collect();
    if !errors.is_empty() {
        return Err(format!("apk list failed: {}", errors.join("; ")));
    }
    let versions: HashMap<&str, &str> = stdout
        .lines()
        .filter(|l| l.contains("[installed]") || l.contains("[upgradable from"))
        .filter_map(|l| split_name_version(l.split_whitespace().next()?))
        .collect();
    Ok(names
        .iter()
        .map(|n| match versions.get(n.as_str()) {
            Some(v) => PackageState::Installed(v.to_string()),
            None => PackageState::Missing,
        })
        .collect())
}

/// Pure: the version in the first line of `apk search --exact NAME`.
fn parse_candidate(stdout: &str, name: &str) -> Option<String> {
    stdout.lines().find_map(|line| {
        let (n, version) = split_name_version(line.split_whitespace().next()?)?;
        (n == name).then(|| version.to_string())
    })
}

impl PackageManager for Apk {
    fn name(&self) -> &'static str {
        "apk"
    }

    fn installed(&self, cx: &Cx, names: &[String]) -> Result<Vec<PackageState>, String> {
        query_installed(cx, &query_command(names), |stdout, stderr| parse_query(stdout, stderr, names))
    }

    fn candidate(&self, cx: &Cx, name: &str) -> Option<String> {
        query_candidate(cx, &candidate_command(name), |stdout| parse_candidate(stdout, name))
    }

    fn install_command(&self, names: &[String]) -> Cmd {
        Cmd::new("apk").arg("add").args(names)
    }

    /// `16.3-r0` → `16.3`.
    fn upstream(&self, version: &str) -> String {
        without_revision(version, '-').to_string()
    }

    /// `  NAME (no such package):` under `ERROR: unable to select packages:`.
    fn not_found(&self, output: &str) -> Vec<String> {
        output
            .lines()
            .filter_map(|l| l.trim().strip_suffix("(no such package):"))
            .map(|name| name.trim().to_string())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packages::names;

    #[test]
    fn commands() {
        let all = names(&["libpq-dev", "imagemagick"]);
        assert_eq!(super::super::show(&Apk.install_command(&all)), "apk add libpq-dev imagemagick");
        assert_eq!(super::super::show(&query_command(&all)), "apk list --installed libpq-dev imagemagick");
        assert_eq!(super::super::show(&candidate_command("libpq-dev")), "apk search --exact libpq-dev");
    }

    #[test]
    fn splits_names_from_versions() {
        assert_eq!(split_name_version("libpq-dev-16.3-r0"), Some(("libpq-dev", "16.3-r0")));
        assert_eq!(split_name_version("py3-pip-24.0-r2"), Some(("py3-pip", "24.0-r2")));
        assert_eq!(split_name_version("WARNING:"), None);
        assert_eq!(split_name_version("-1.0-r0"), None);
    }

    #[test]
    fn parses_installed_and_missing() {
        use PackageState::*;
        let states = parse_query(
            recorded!("apk", "list-installed.stdout"),
            recorded!("apk", "list-installed-warning.stderr"),
            &names(&["libpq-dev", "nosuch", "py3-pip"]),
        )
        .unwrap();
        assert_eq!(states, [Installed("16.3-r0".into()), Missing, Installed("24.0-r2".into())]);
    }

    #[test]
    fn a_broken_database_is_an_error() {
        let err = parse_query("", recorded!("apk", "list-broken-db.stderr"), &names(&["x"])).unwrap_err();
        assert!(err.contains("Failed to open apk database"), "{err}");
    }

    #[test]
    fn candidates() {
        assert_eq!(parse_candidate(recorded!("apk", "search-exact.stdout"), "libpq-dev").as_deref(), Some("16.3-r0"));
        assert_eq!(parse_candidate(recorded!("apk", "search-exact-none.stdout"), "x"), None);
    }

    #[test]
    fn upstream_and_unknown_names() {
        assert_eq!(Apk.upstream("16.3-r0"), "16.3");
        assert_eq!(Apk.not_found(recorded!("apk", "add-no-such-package.stderr")), ["libpq-devel", "nosuch"]);
    }
}
