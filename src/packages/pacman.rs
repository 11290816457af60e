//! pacman (Arch and relatives): installed packages from one `pacman -Q` for all names,
//! installs with one `pacman -S --needed --noconfirm`.

use std::collections::HashMap;

use super::{PackageManager, PackageState, query_candidate, query_installed, without_epoch, without_revision};
use crate::step::Cx;
use crate::system::Cmd;

pub struct Pacman;

fn query_command(names: &[String]) -> Cmd {
    Cmd::new("pacman").arg("-Q").args(names)
}

fn candidate_command(name: &str) -> Cmd {
    Cmd::new("pacman").args(["-Si", name])
}

/// Pure: the output of `pacman -Q NAMES`: `NAME VERSION` on stdout for each installed one,
/// `error: package 'NAME' was not found` on stderr for each missing one. Any other error
/// means pacman could not read its database.
fn parse_query(stdout: &str, stderr: &str, names: &[String]) -> Result<Vec<PackageState>, String> {
    let errors: Vec<&str> =
        stderr.lines().filter(|l| l.starts_with("error:") && !l.ends_with("' was not found")).collect();
    if !errors.is_empty() {
        return Err(format!("pacman -Q failed: {}", errors.join("; ")));
    }
    let versions: HashMap<&str, &str> =
        stdout.lines().filter_map(|l| l.split_once(' ')).map(|(name, version)| (name, version.trim())).collect();
    Ok(names
        .iter()
        .map(|n| match versions.get(n.as_str()) {
            Some(v) => PackageState::Installed(v.to_string()),
            None => PackageState::Missing,
        })
        .collect())
}

/// Pure: the `Version` field of `pacman -Si NAME`.
fn parse_candidate(stdout: &str) -> Option<String> {
    stdout.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        (key.trim() == "Version").then(|| value.trim().to_string())
    })
}

impl PackageManager for Pacman {
    fn name(&self) -> &'static str {
        "pacman"
    }

    fn installed(&self, cx: &Cx, names: &[String]) -> Result<Vec<PackageState>, String> {
        query_installed(cx, &query_command(names), |stdout, stderr| parse_query(stdout, stderr, names))
    }

    fn candidate(&self, cx: &Cx, name: &str) -> Option<String> {
        query_candidate(cx, &candidate_command(name), parse_candidate)
    }

    fn install_command(&self, names: &[String]) -> Cmd {
        Cmd::new("pacman").args(["-S", "--needed", "--noconfirm"]).args(names)
    }

    /// `1:2.4.3-1` → `2.4.3`.
    fn upstream(&self, version: &str) -> String {
        without_revision(without_epoch(version), '-').to_string()
    }

    fn not_found(&self, output: &str) -> Vec<String> {
        output
            .lines()
            .filter_map(|l| l.trim().strip_prefix("error: target not found:"))
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
        let all = names(&["postgresql-libs", "imagemagick"]);
        assert_eq!(
            super::super::show(&Pacman.install_command(&all)),
            "pacman -S --needed --noconfirm postgresql-libs imagemagick"
        );
        assert_eq!(super::super::show(&query_command(&all)), "pacman -Q postgresql-libs imagemagick");
        assert_eq!(super::super::show(&candidate_command("x")), "pacman -Si x");
    }

    #[test]
    fn parses_installed_and_missing() {
        use PackageState::*;
        let states = parse_query(
            recorded!("pacman", "Q-mixed.stdout"),
            recorded!("pacman", "Q-mixed.stderr"),
            &names(&["postgresql-libs", "nosuch", "ffmpeg"]),
        )
        .unwrap();
        assert_eq!(states, [Installed("16.3-1".into()), Missing, Installed("2:7.0.1-1".into())]);
    }

    #[test]
    fn a_broken_database_is_an_error() {
        let err = parse_query("", recorded!("pacman", "Q-broken-db.stderr"), &names(&["x"])).unwrap_err();
        assert!(err.contains("failed to initialize alpm library"), "{err}");
    }

    #[test]
    fn candidates() {
        assert_eq!(parse_candidate(recorded!("pacman", "Si-postgresql-libs.stdout")).as_deref(), Some("16.3-1"));
        assert_eq!(parse_candidate(""), None);
        assert_eq!(parse_candidate(recorded!("pacman", "Si-not-found.stderr")), None);
    }

    #[test]
    fn upstream_and_unknown_names() {
        assert_eq!(Pacman.upstream("16.3-1"), "16.3");
        assert_eq!(Pacman.upstream("2:7.0.1-1"), "7.0.1");
        assert_eq!(Pacman.not_found(recorded!("pacman", "S-target-not-found.stderr")), ["libpq-dev", "nosuch"]);
    }
}
