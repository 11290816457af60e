//! Homebrew (macOS, and Linux where it is installed): installed formulae from one
//! `brew list --versions` for all names, installs with one `brew install`. Homebrew refuses to
//! run as root, so it is never elevated.

use std::collections::HashMap;

use super::{PackageManager, PackageState, query_candidate, query_installed, without_revision};
use crate::step::Cx;
use crate::system::Cmd;

pub struct Brew;

fn query_command(names: &[String]) -> Cmd {
    Cmd::new("brew").args(["list", "--formula", "--versions"]).args(names)
}

fn candidate_command(name: &str) -> Cmd {
    Cmd::new("brew").args(["info", "--json=v2", name])
}

/// Pure: the output of `brew list --versions NAMES`: `NAME VERSION...` for each installed
/// formula (several versions when old kegs remain; the last is the newest). Missing ones
/// print nothing, and brew exits 1, so only an `Error:` with nothing listed is a failure.
fn parse_query(stdout: &str, stderr: &str, names: &[String]) -> Result<Vec<PackageState>, String> {
    let versions: HashMap<&str, &str> = stdout
        .lines()
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            Some((words.next()?, words.last()?))
        })
        .collect();
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("Error:") && !l.contains("No such keg")).collect();
    if versions.is_empty() && !errors.is_empty() {
        return Err(format!("brew list failed: {}", errors.join("; ")));
    }
    Ok(names
        .iter()
        .map(|n| {
            // A tap-qualified name (`homebrew/core/libpq`) is listed by its short name.
            let short = n.rsplit('/').next().unwrap_or(n);
            match versions.get(short) {
                Some(v) => PackageState::Installed(v.to_string()),
                None => PackageState::Missing,
            }
        })
        .collect())
}

/// Pure: the stable version in `brew info --json=v2 NAME`.
fn parse_candidate(json: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(json).ok()?;
    value["formulae"][0]["versions"]["stable"].as_str().map(str::to_string)
}

impl PackageManager for Brew {
    fn name(&self) -> &'static str {
        "brew"
    }

    fn installed(&self, cx: &Cx, names: &[String]) -> Result<Vec<PackageState>, String> {
        query_installed(cx, &query_command(names), |stdout, stderr| parse_query(stdout, stderr, names))
    }

    fn candidate(&self, cx: &Cx, name: &str) -> Option<String> {
        query_candidate(cx, &candidate_command(name), parse_candidate)
    }

    fn install_command(&self, names: &[String]) -> Cmd {
        Cmd::new("brew").arg("install").args(names)
    }

    fn needs_root(&self) -> bool {
        false
    }

    /// `3.3.2_1` → `3.3.2` (a formula's revision follows an underscore).
    fn upstream(&self, version: &str) -> String {
        without_revision(version, '_').to_string()
    }

    /// `No available formula with the name "X"` and `No formulae or casks found for X.`
    fn not_found(&self, output: &str) -> Vec<String> {
        let mut found: Vec<String> = Vec::new();
        for line in output.lines() {
            let name = if let Some((_, rest)) = line.split_once("No available formula with the name \"") {
                rest.split('"').next()
            } else if let Some((_, rest)) = line.split_once("No formulae or casks found for ") {
                Some(rest.trim().trim_end_matches('.'))
            } else {
                None
            };
            if let Some(name) = name
                && !found.iter().any(|f| f == name)
            {
                found.push(name.to_string());
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
        let all = names(&["libpq", "imagemagick"]);
        assert_eq!(super::super::show(&Brew.install_command(&all)), "brew install libpq imagemagick");
        assert_eq!(super::super::show(&query_command(&all)), "brew list --formula --versions libpq imagemagick");
        assert_eq!(super::super::show(&candidate_command("libpq")), "brew info --json=v2 libpq");
    }

    #[test]
    fn parses_installed_and_missing() {
        use PackageState::*;
        let states = parse_query(
            recorded!("brew", "list-versions.stdout"),
            "",
            &names(&["libpq", "nosuch", "imagemagick", "openssl@3", "homebrew/core/libpq"]),
        )
        .unwrap();
        assert_eq!(
            states,
            [
                Installed("16.4".into()),
                Missing,
                Installed("7.1.1-36".into()),
                Installed("3.3.2_1".into()),
                Installed("16.4".into()),
            ]
        );
        // Nothing installed: brew prints nothing and exits 1; that is not an error.
        assert_eq!(parse_query("", "", &names(&["x"])).unwrap(), [Missing]);
    }

    #[test]
    fn an_error_with_nothing_listed_is_an_error() {
        let err = parse_query("", recorded!("brew", "list-permission-denied.stderr"), &names(&["x"])).unwrap_err();
        assert!(err.contains("Permission denied"), "{err}");
    }

    #[test]
    fn candidates() {
        assert_eq!(parse_candidate(recorded!("brew", "info-libpq.json")).as_deref(), Some("16.4"));
        assert_eq!(parse_candidate(recorded!("brew", "info-not-found.stderr")), None);
    }

    #[test]
    fn upstream_and_unknown_names() {
        assert_eq!(Brew.upstream("3.3.2_1"), "3.3.2");
        assert_eq!(Brew.upstream("16.4"), "16.4");
        assert_eq!(Brew.not_found(recorded!("brew", "install-not-found.stderr")), ["libpq-dev"]);
        assert_eq!(Brew.not_found(recorded!("brew", "info-not-found.stderr")), ["nosuch"]);
    }
}
