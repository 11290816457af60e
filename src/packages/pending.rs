//! Which of a step's system packages are to be installed, and installing them: what the
//! `package` kind's check reports and what `devup up` does for an install action
//! ([`crate::step::action::Action::InstallPackages`]), from the same reading of the manager.

use super::{PackageManager, PackageState, comparable, for_facts};
use crate::step::action::{Installer, InstallsPackages, SystemPackage};
use crate::step::{Cx, Failure};

/// What is wrong with the packages, by kind.
#[derive(Default)]
pub struct Findings {
    pub missing: Vec<String>,
    pub broken: Vec<String>,
    /// (name and version found, name and constraint wanted)
    pub wrong: Vec<(String, String)>,
    /// The manager's names of every package to install.
    pub pending: Vec<String>,
}

/// Every package's name on `manager`.
pub fn names_on(manager: &dyn PackageManager, packages: &[SystemPackage]) -> Vec<String> {
    packages.iter().map(|p| p.name_on(manager.name()).to_string()).collect()
}

/// Reads what `manager` has installed (apt: dpkg's database, in-process) and sorts out what is
/// not as wanted.
pub fn examine(manager: &dyn PackageManager, cx: &Cx, packages: &[SystemPackage]) -> Result<Findings, String> {
    let names = names_on(manager, packages);
    let states =
        manager.installed(cx, &names).map_err(|e| format!("cannot tell what {} has installed: {e}", manager.name()))?;
    let mut found = Findings::default();
    for ((wanted, name), state) in packages.iter().zip(&names).zip(states) {
        match state {
            PackageState::Missing => found.missing.push(name.clone()),
            PackageState::Broken(why) => found.broken.push(format!("{name} ({why})")),
            PackageState::Installed(version) => {
                let upstream = manager.upstream(&version);
                if wanted.constraint.matches(comparable(&upstream)) {
                    continue;
                }
                found.wrong.push((format!("{name} {upstream}"), format!("{name} {}", wanted.constraint)));
            }
        }
        found.pending.push(name.clone());
    }
    Ok(found)
}

/// Why no package can be installed here.
pub fn no_manager_reason() -> String {
    "no package manager devup supports was found (it looks for apt, dnf, pacman, apk and brew)".to_string()
}

/// Installs the pending packages with `manager`, after refusing any whose wanted version it
/// would not install.
fn install_pending(manager: &dyn PackageManager, cx: &Cx, packages: &[SystemPackage]) -> Result<(), Failure> {
    let found = examine(manager, cx, packages)
        .map_err(|e| Failure::new(e).with_hint(format!("check that {} works", manager.name())))?;
    if found.pending.is_empty() {
        return Ok(());
    }
    let unavailable = unavailable_versions(manager, cx, packages, &found.pending);
    if !unavailable.is_empty() {
        return Err(Failure::new(format!(
            "{} cannot install the wanted versions: {}",
            manager.name(),
            unavailable.join("; ")
        ))
        .with_hint("add a package repository that has them (e.g. the vendor's), or change `version` in the recipe"));
    }
    manager.install(cx, &found.pending)
}

/// The pending packages whose wanted version the manager would not install, each as
/// "NAME: MANAGER offers VERSION, want CONSTRAINT". Asks the manager (may spawn), so only
/// when something is to be installed.
fn unavailable_versions(
    manager: &dyn PackageManager,
    cx: &Cx,
    packages: &[SystemPackage],
    pending: &[String],
) -> Vec<String> {
    packages
        .iter()
        .filter(|p| !p.constraint.is_any())
        .map(|p| (p, p.name_on(manager.name())))
        .filter(|(_, name)| pending.iter().any(|p| p == name))
        .filter_map(|(p, name)| {
            let candidate = manager.candidate(cx, name)?;
            let upstream = manager.upstream(&candidate);
            (!p.constraint.matches(comparable(&upstream)))
                .then(|| format!("{name}: {} offers {upstream}, want {}", manager.name(), p.constraint))
        })
        .collect()
}

/// The machine's package manager, as its facts name it.
struct Machine;

impl InstallsPackages for Machine {
    fn install_pending(&self, cx: &Cx, packages: &[SystemPackage]) -> Result<(), Failure> {
        let Some(manager) = for_facts(cx.facts) else {
            let names: Vec<&str> = packages.iter().map(|p| p.name.as_str()).collect();
            return Err(Failure::new(format!("cannot install {}: {}", names.join(", "), no_manager_reason()))
                .with_hint("install them with your system's package manager, then run devup again"));
        };
        install_pending(manager, cx, packages)
    }
}

/// One manager, whatever the machine's (tests).
#[cfg(test)]
struct Only(&'static dyn PackageManager);

#[cfg(test)]
impl InstallsPackages for Only {
    fn install_pending(&self, cx: &Cx, packages: &[SystemPackage]) -> Result<(), Failure> {
        install_pending(self.0, cx, packages)
    }
}

static MACHINE: Machine = Machine;

/// The installer of an install action: the machine's manager where it runs.
pub fn machine() -> Installer {
    Installer(&MACHINE)
}

/// An installer that always uses `manager` (a test's).
#[cfg(test)]
pub fn only(manager: &'static dyn PackageManager) -> Installer {
    Installer(Box::leak(Box::new(Only(manager))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::step::action::{Action, perform};
    use crate::step::testing::Sandbox;
    use crate::version::Constraint;

    fn package(name: &str, apt: Option<&str>, version: &str) -> SystemPackage {
        SystemPackage {
            name: name.to_string(),
            per_manager: apt.map(|n| ("apt", n.to_string())).into_iter().collect(),
            constraint: if version.is_empty() { Constraint::any() } else { Constraint::parse(version).unwrap() },
        }
    }

    fn install(installer: Installer, packages: Vec<SystemPackage>) -> Action {
        Action::InstallPackages { installer, packages }
    }

    #[test]
    fn what_is_installed_at_a_wanted_version_is_not_installed_again() {
        let sb = Sandbox::new();
        sb.write("dpkg/status", recorded!("apt", "status-installed"));
        sb.write("lists/x_bookworm_main_binary-amd64_Packages", "");
        let apt = super::super::apt_at(&sb.path("dpkg"), &sb.path("lists"));
        let wanted = vec![package("libpq", Some("libpq-dev"), "15"), package("git", None, ">=2.39")];
        perform(&[install(only(apt), wanted)], &sb.cx()).unwrap();
        assert_eq!(sb.system.spawned(), 0, "read from dpkg's database, nothing to install");
    }

    #[test]
    fn without_a_manager_the_machine_installs_nothing_and_says_why() {
        let mut sb = Sandbox::new();
        sb.facts.package_managers.clear();
        let action = install(machine(), vec![package("libpq", Some("libpq-dev"), ""), package("make", None, "")]);
        let failure = perform(&[action], &sb.cx()).unwrap_err();
        assert_eq!(failure.message, format!("cannot install libpq, make: {}", no_manager_reason()));
        assert_eq!(
            failure.hint.as_deref(),
            Some("install them with your system's package manager, then run devup again")
        );
        assert_eq!(sb.system.spawned(), 0);
    }

    #[test]
    fn installers_are_compared_by_identity() {
        assert_eq!(machine(), machine());
        let apt = super::super::managers()[0];
        assert_ne!(machine(), only(apt));
    }
}
