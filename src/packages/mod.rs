//! System package managers: one trait, one file per manager, one registry list.
//!
//! A manager answers "what is installed" without side effects and without root (apt parses
//! the dpkg database; the others ask their query command once for all names), says what it
//! would install, and installs every given package in one command, elevated through
//! [`privilege`] when it needs root. Parsers of the managers' outputs are pure functions
//! tested on recorded outputs in `tests/fixtures/packages/<manager>/`.

/// A package manager's recorded output, for tests: `recorded!("dnf", "rpm-query.txt")`.
#[cfg(test)]
macro_rules! recorded {
    ($manager:literal, $name:literal) => {
        include_str!(concat!("../../tests/fixtures/packages/", $manager, "/", $name))
    };
}

mod apk;
mod apt;
/// apt's shell functions for an exported script (an image calls them in its own RUNs).
pub use apt::SCRIPT_FUNCTIONS as APT_SCRIPT_FUNCTIONS;
mod brew;
mod dnf;
mod dpkg;
mod pacman;
pub mod pending;

use crate::facts::Facts;
use crate::step::action::SystemPackages;
use crate::step::{Cx, Failure};
use crate::system::Cmd;

// Running as root is the ground floor's, shared with the steps' actions.
pub use crate::step::privilege::{self, Elevation, show};

/// What a manager knows about one package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PackageState {
    /// Installed at this version, as the manager prints it (epoch and revision included).
    Installed(String),
    Missing,
    /// Present but not usable: an interrupted install (dpkg's half-configured, unpacked...).
    Broken(String),
}

/// Every manager is one actions can use ([`crate::step::action::SystemPackages`]).
pub trait PackageManager: SystemPackages + Send + Sync {
    /// The name facts use for it: "apt", "dnf", "pacman", "apk", "brew".
    fn name(&self) -> &'static str;

    fn is_available(&self, facts: &Facts) -> bool {
        facts.package_managers.iter().any(|m| m == self.name())
    }

    /// The state of each name, in order. Side-effect free; never elevates.
    fn installed(&self, cx: &Cx, names: &[String]) -> Result<Vec<PackageState>, String>;

    /// The version an install of `name` would bring, None when the manager has none to offer
    /// (or could not tell). May spawn: used only when something is missing.
    fn candidate(&self, cx: &Cx, name: &str) -> Option<String>;

    /// The one command that installs all of `names`, before elevation.
    fn install_command(&self, names: &[String]) -> Cmd;

    /// Commands that must run before the install on this machine as it is now (apt: finish an
    /// interrupted dpkg run, refresh stale package lists), before elevation. Reads only.
    fn preparation(&self, _cx: &Cx) -> Vec<Cmd> {
        Vec::new()
    }

    /// Installs all of `names` in one command, after the preparation.
    /// The installed packages that own these files, from the package database (the files
    /// themselves may be gone): what to reinstall when a command was deleted by hand.
    fn owners(&self, _paths: &[std::path::PathBuf]) -> Vec<String> {
        Vec::new()
    }

    /// Installs packages the database says are installed but whose files were removed by hand
    /// (a deleted binary). Managers without a reinstall of their own install again.
    fn reinstall(&self, cx: &Cx, names: &[String]) -> Result<(), Failure> {
        self.install(cx, names)
    }

    fn install(&self, cx: &Cx, names: &[String]) -> Result<(), Failure> {
        let how = elevation(self, cx.facts);
        for cmd in self.preparation(cx) {
            how.run_ok(cx, &cmd)?;
        }
        let cmd = self.install_command(names);
        let out = how.run(cx, &cmd)?;
        if out.success() {
            return Ok(());
        }
        Err(install_failure(self, &how.wrap(&cmd), &out))
    }

    /// Whether installing needs root (Homebrew refuses to run as root).
    fn needs_root(&self) -> bool {
        true
    }

    /// The upstream version inside a version the manager prints: no epoch, no packaging
    /// revision (`1:15.18-0+deb12u1` → `15.18`).
    fn upstream(&self, version: &str) -> String;

    /// The names a failed install's output says the manager does not know.
    fn not_found(&self, output: &str) -> Vec<String>;

    /// Shell functions for `devup export`: `pkg_installed NAME` (installed and usable),
    /// `pkg_version NAME` (its upstream version, comparable) and `pkg_install NAME...` (as root,
    /// preparation included). `None`: exports cannot use this manager.
    fn script_functions(&self) -> Option<&'static str> {
        None
    }

    /// The shell commands of a container image's package layer: install `names` as root, then
    /// drop what only the install needed. `None` as for `script_functions`.
    fn image_install(&self, _names: &[String]) -> Option<String> {
        None
    }
}

impl<M: PackageManager + ?Sized> SystemPackages for M {
    fn manager_name(&self) -> &'static str {
        self.name()
    }

    /// Without root nor sudo the system's packages are out of reach of a manager that needs root.
    fn can_install(&self, cx: &Cx) -> bool {
        !self.needs_root() || cx.facts.root || cx.facts.sudo
    }

    fn offered(&self, cx: &Cx, name: &str) -> Option<String> {
        self.candidate(cx, name).map(|v| self.upstream(&v))
    }

    fn install_all(&self, cx: &Cx, names: &[String]) -> Result<(), Failure> {
        self.install(cx, names)
    }

    fn restore(&self, cx: &Cx, files: &[std::path::PathBuf], names: &[String]) -> Result<(), Failure> {
        let owners = self.owners(files);
        self.reinstall(cx, if owners.is_empty() { names } else { &owners })
    }
}

/// `installed` for a manager asked through a query command (all but apt, which reads dpkg's
/// database): runs it and parses what it printed (stdout, stderr).
fn query_installed(
    cx: &Cx,
    cmd: &Cmd,
    parse: impl FnOnce(&str, &str) -> Result<Vec<PackageState>, String>,
) -> Result<Vec<PackageState>, String> {
    let out = cx.system.run(cmd).map_err(|e| format!("cannot run {}: {e}", cmd.program.to_string_lossy()))?;
    parse(&out.stdout, &out.stderr)
}

/// `candidate` for such a manager: the version its answer names, when it answers at all.
fn query_candidate(cx: &Cx, cmd: &Cmd, parse: impl FnOnce(&str) -> Option<String>) -> Option<String> {
    let out = cx.system.run(cmd).ok()?;
    out.success().then(|| parse(&out.stdout)).flatten()
}

/// Names as the managers take them, for tests.
#[cfg(test)]
fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

static APT: apt::Apt = apt::Apt::new();

/// Gives the managers what the settings say of them (`DPKG_ADMINDIR`). Called once at start,
/// before any package is read: the managers are static, shared by the whole run.
pub fn configure(settings: &crate::settings::Settings) {
    APT.configure(apt::Paths::new(settings.dpkg_admindir.clone()));
}

/// Every manager devup drives.
pub fn managers() -> [&'static dyn PackageManager; 5] {
    [&APT, &dnf::Dnf, &pacman::Pacman, &apk::Apk, &brew::Brew]
}

/// The manager to use here: the first of the machine's managers (native one first) that devup
/// drives.
pub fn for_facts(facts: &Facts) -> Option<&'static dyn PackageManager> {
    facts
        .package_managers
        .iter()
        .find_map(|name| managers().into_iter().find(|m| m.name() == name))
        .filter(|m| m.is_available(facts))
}

/// An apt reading dpkg's database and apt's lists from these directories, for tests.
#[cfg(test)]
pub fn apt_at(admindir: &std::path::Path, lists: &std::path::Path) -> &'static dyn PackageManager {
    Box::leak(Box::new(apt::Apt::at(apt::Paths { admindir: admindir.to_path_buf(), lists: lists.to_path_buf() })))
}

/// How `manager`'s installs are elevated on this machine.
pub fn elevation<M: PackageManager + ?Sized>(manager: &M, facts: &Facts) -> Elevation {
    if manager.needs_root() { Elevation::for_facts(facts) } else { Elevation::None }
}

/// The commands an install of `names` will run here, elevated, in order.
pub fn planned(manager: &dyn PackageManager, cx: &Cx, names: &[String]) -> Vec<Cmd> {
    let how = elevation(manager, cx.facts);
    manager.preparation(cx).into_iter().chain([manager.install_command(names)]).map(|cmd| how.wrap(&cmd)).collect()
}

/// The part of an upstream version a constraint is compared with: its leading numbers
/// (`2.9.14+dfsg` → `2.9.14`, `7.1.1-36` → `7.1.1`), so that packaging suffixes are not
/// mistaken for pre-releases.
pub fn comparable(upstream: &str) -> &str {
    let end = upstream.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(upstream.len());
    upstream[..end].trim_end_matches('.')
}

/// Whether `name` can be a package name: it is passed as an argument to a command running as
/// root, so it must not look like an option.
pub fn valid_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || "+-._@:/".contains(c))
}

/// A failed install, with a hint when the manager named packages it does not know.
fn install_failure<M: PackageManager + ?Sized>(manager: &M, cmd: &Cmd, out: &crate::system::CmdOutput) -> Failure {
    let failure = Failure::command(&show(cmd), out);
    let unknown = manager.not_found(&format!("{}\n{}", out.stdout, out.stderr));
    if unknown.is_empty() {
        return failure;
    }
    failure.with_hint(format!(
        "{} has no package named {}: check the name for {} in the recipe (`{} = \"...\"`)",
        manager.name(),
        unknown.join(", "),
        manager.name(),
        manager.name()
    ))
}

/// Removes a leading `N:` epoch.
fn without_epoch(version: &str) -> &str {
    match version.split_once(':') {
        Some((epoch, rest)) if !epoch.is_empty() && epoch.chars().all(|c| c.is_ascii_digit()) => rest,
        _ => version,
    }
}

/// Removes the packaging revision after the last `sep` (`15.8-0+deb12u1` → `15.8`).
fn without_revision(version: &str, sep: char) -> &str {
    version.rsplit_once(sep).map_or(version, |(v, _)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(managers: &[&str]) -> Facts {
        Facts { package_managers: managers.iter().map(|m| m.to_string()).collect(), ..Facts::for_tests() }
    }

    #[test]
    fn the_first_present_manager_is_used_in_the_facts_order() {
        assert_eq!(for_facts(&facts(&["apt"])).map(|m| m.name()), Some("apt"));
        assert_eq!(for_facts(&facts(&["dnf", "brew"])).map(|m| m.name()), Some("dnf"));
        assert_eq!(for_facts(&facts(&["brew", "apt"])).map(|m| m.name()), Some("brew"));
        assert!(for_facts(&facts(&[])).is_none());
        assert!(for_facts(&facts(&["zypper"])).is_none());
    }

    #[test]
    fn every_manager_is_registered_once_under_its_facts_name() {
        let names: Vec<_> = managers().iter().map(|m| m.name()).collect();
        assert_eq!(names, ["apt", "dnf", "pacman", "apk", "brew"]);
        for m in managers() {
            assert!(m.is_available(&facts(&[m.name()])));
            assert!(!m.is_available(&facts(&[])));
        }
    }

    #[test]
    fn only_homebrew_installs_without_root() {
        for m in managers() {
            assert_eq!(m.needs_root(), m.name() != "brew", "{}", m.name());
        }
    }

    #[test]
    fn comparable_keeps_the_leading_numbers() {
        assert_eq!(comparable("15.18"), "15.18");
        assert_eq!(comparable("2.9.14+dfsg"), "2.9.14");
        assert_eq!(comparable("7.1.1-36"), "7.1.1");
        assert_eq!(comparable("20230311"), "20230311");
        assert_eq!(comparable("1.2.13.dfsg"), "1.2.13");
        assert_eq!(comparable("HEAD-abc"), "");
    }

    #[test]
    fn epochs_and_revisions() {
        assert_eq!(without_epoch("1:15.18-0+deb12u1"), "15.18-0+deb12u1");
        assert_eq!(without_epoch("15.18"), "15.18");
        assert_eq!(without_epoch("a:b"), "a:b");
        assert_eq!(without_revision("15.18-0+deb12u1", '-'), "15.18");
        assert_eq!(without_revision("3.3.2_1", '_'), "3.3.2");
        assert_eq!(without_revision("248", '-'), "248");
    }

    #[test]
    fn names_cannot_be_options() {
        for ok in ["libpq-dev", "openssl@3", "libc6:i386", "g++", "python3.11", "a/b/c"] {
            assert!(valid_name(ok), "{ok}");
        }
        for bad in ["", "-y", "--allow-unauthenticated", "a b", "a;b", "$(x)", "*"] {
            assert!(!valid_name(bad), "{bad}");
        }
    }
}
