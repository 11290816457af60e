//! `package`: system packages are installed, through the machine's package manager.
//!
//! ```toml
//! kind = "package"
//! packages = [
//!     "imagemagick",
//!     { name = "libpq", apt = "libpq-dev", dnf = "libpq-devel", pacman = "postgresql-libs", version = "15" },
//! ]
//! ```
//!
//! A string is the package's name on every manager; a table names it per manager (`name` is
//! used where none is given) and may constrain its version. One step holds many packages: the
//! check reports every one that is missing, broken or at the wrong version, and apply installs
//! them all with one command of the manager.

use std::sync::Mutex;

use serde::Deserialize;

use super::{BuildCx, Cx, Resource, Status, parse_args};
use crate::packages::pending::{self, Findings, no_manager_reason};
use crate::packages::{self, PackageManager};
use crate::shell_forms::actions::package_installed;
use crate::step::action::{Action, Installer, SystemPackage};
use crate::step::{ScriptCx, ScriptStep};
use crate::version::Constraint;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    packages: Vec<toml::Value>,
}

struct Package {
    wanted: Vec<SystemPackage>,
    /// The manager to use instead of the machine's (tests).
    manager: Option<&'static dyn PackageManager>,
    /// What installs the pending packages where the apply runs: the machine's manager, or
    /// `manager` when given.
    installer: Installer,
    /// What the last check found, for `describe`, `action` and `needs_root`, which have no
    /// context of their own; the engine checks a step before it plans or applies it.
    seen: Mutex<Seen>,
}

#[derive(Clone)]
enum Seen {
    NotChecked,
    NoManager,
    Manager {
        name: &'static str,
        /// Every package's name on that manager.
        names: Vec<String>,
        /// The commands an apply would run now, as shown to the user.
        commands: Vec<String>,
        needs_root: bool,
    },
}

pub fn build(args: toml::Table, cx: &BuildCx) -> Result<Box<dyn Resource>, super::BuildError> {
    Ok(Box::new(parse(args, cx)?))
}

fn parse(args: toml::Table, cx: &BuildCx) -> Result<Package, super::BuildError> {
    let args: Args = parse_args(args)?;
    if args.packages.is_empty() {
        return Err("`packages` is empty: name at least one package".into());
    }
    let wanted = args
        .packages
        .into_iter()
        .enumerate()
        .map(|(i, item)| wanted(item, cx).map_err(|e| format!("packages[{i}]: {e}")))
        .collect::<Result<_, _>>()?;
    Ok(Package { wanted, manager: None, installer: pending::machine(), seen: Mutex::new(Seen::NotChecked) })
}

/// One item of `packages`: a name, or a table of `name`, `version` and a name per manager
/// (any manager in the registry; one left empty, e.g. by an unset placeholder, means `name`).
fn wanted(item: toml::Value, cx: &BuildCx) -> Result<SystemPackage, String> {
    let mut table = match item {
        toml::Value::String(name) => {
            return Ok(SystemPackage {
                name: package_name(&cx.vars.text(&name)?)?,
                per_manager: Vec::new(),
                constraint: Constraint::any(),
            });
        }
        toml::Value::Table(table) => table,
        other => {
            return Err(format!(
                "expected a package name or a table such as {{ name = \"libpq\", apt = \"libpq-dev\" }}, found {}",
                other.type_str()
            ));
        }
    };
    let mut take = |key: &str| match table.remove(key) {
        None => Ok(None),
        Some(toml::Value::String(text)) => cx.vars.text(&text).map(Some),
        Some(other) => Err(format!("`{key}` must be a string, not {}", other.type_str())),
    };
    let name = take("name")?.ok_or("missing field `name`")?;
    let constraint = match take("version")? {
        Some(text) => Constraint::parse(&text).map_err(|e| format!("version `{text}`: {e}"))?,
        None => Constraint::any(),
    };
    // Only the names for this machine's manager are checked here; the others are checked on
    // their own platforms (`postgresql@{version}` is brew's, and means nothing on apt with "*").
    let here = packages::for_facts(cx.facts).map(|m| m.name());
    let mut per_manager = Vec::new();
    for manager in packages::managers() {
        if let Some(text) = take(manager.name())?.filter(|t| !t.is_empty()) {
            let name = if Some(manager.name()) == here { package_name(&text)? } else { text };
            per_manager.push((manager.name(), name));
        }
    }
    if let Some(key) = table.keys().next() {
        let known: Vec<String> = ["name", "version"]
            .into_iter()
            .chain(packages::managers().iter().map(|m| m.name()))
            .map(|k| format!("`{k}`"))
            .collect();
        return Err(format!("unknown field `{key}`, expected one of {}", known.join(", ")));
    }
    Ok(SystemPackage { name: package_name(&name)?, per_manager, constraint })
}

/// A package name (placeholders filled), refused when it could be taken for an option.
fn package_name(name: &str) -> Result<String, String> {
    if packages::valid_name(name) {
        Ok(name.to_string())
    } else {
        Err(format!("`{name}` is not a package name (letters, digits and `+-._@:/`, starting with a letter or digit)"))
    }
}

/// What the check reports of what it found.
fn status(found: &Findings) -> Status {
    if found.pending.is_empty() {
        return Status::Satisfied;
    }
    if found.missing.is_empty() && found.broken.is_empty() {
        let (have, want): (Vec<_>, Vec<_>) = found.wrong.iter().cloned().unzip();
        return Status::drifted(have.join(", "), want.join(", "));
    }
    let mut parts = Vec::new();
    if !found.missing.is_empty() {
        parts.push(format!("not installed: {}", found.missing.join(", ")));
    }
    if !found.broken.is_empty() {
        parts.push(format!("left broken by an interrupted install: {}", found.broken.join(", ")));
    }
    if !found.wrong.is_empty() {
        let wrong: Vec<String> = found.wrong.iter().map(|(have, want)| format!("{have} (want {want})")).collect();
        parts.push(format!("wrong version: {}", wrong.join(", ")));
    }
    Status::missing(parts.join("; "))
}

impl Package {
    fn manager(&self, cx: &Cx) -> Option<&'static dyn PackageManager> {
        self.manager.or_else(|| packages::for_facts(cx.facts))
    }

    fn names_on(&self, manager: &dyn PackageManager) -> Vec<String> {
        self.wanted.iter().map(|w| w.name_on(manager.name()).to_string()).collect()
    }

    fn logical_names(&self) -> Vec<String> {
        self.wanted.iter().map(|w| w.name.clone()).collect()
    }

    fn remember(&self, seen: Seen) {
        *self.seen.lock().unwrap_or_else(|p| p.into_inner()) = seen;
    }

    fn seen(&self) -> Seen {
        self.seen.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

impl Resource for Package {
    fn describe(&self) -> String {
        let names = match self.seen() {
            Seen::Manager { names, .. } => names,
            _ => self.logical_names(),
        };
        let shown: Vec<String> = names
            .iter()
            .zip(&self.wanted)
            .map(|(name, w)| if w.constraint.is_any() { name.clone() } else { format!("{name} {}", w.constraint) })
            .collect();
        let noun = if shown.len() == 1 { "package" } else { "packages" };
        format!("{noun} {}", shown.join(", "))
    }

    fn check(&self, cx: &Cx) -> Status {
        let Some(manager) = self.manager(cx) else {
            self.remember(Seen::NoManager);
            return Status::unknown(no_manager_reason());
        };
        let found = pending::examine(manager, cx, &self.wanted);
        let commands = match &found {
            Ok(found) if found.pending.is_empty() => Vec::new(),
            Ok(found) => packages::planned(manager, cx, &found.pending),
            Err(_) => packages::planned(manager, cx, &self.names_on(manager)),
        };
        self.remember(Seen::Manager {
            name: manager.name(),
            names: self.names_on(manager),
            commands: commands.iter().map(packages::show).collect(),
            needs_root: manager.needs_root() && !cx.facts.root,
        });
        match found {
            Ok(found) => status(&found),
            Err(e) => Status::unknown(e),
        }
    }

    fn action(&self) -> String {
        match self.seen() {
            Seen::Manager { commands, .. } if !commands.is_empty() => {
                format!("run `{}`", commands.join("`, then `"))
            }
            Seen::Manager { name, names, .. } => {
                format!("install {} with {name}", names.join(", "))
            }
            Seen::NoManager => format!("nothing devup can do: install {} yourself", self.logical_names().join(", ")),
            Seen::NotChecked => self.commands().join(", "),
        }
    }

    /// The packages not installed at a wanted version, found where it runs, installed in one
    /// command of the manager there.
    fn actions(&self, _step_id: &str) -> Option<Vec<Action>> {
        Some(vec![Action::InstallPackages { installer: self.installer, packages: self.wanted.clone() }])
    }

    /// What a person approves before a project's step runs: the packages, per manager where
    /// the names differ. It does not depend on the machine's state, so neither does approval.
    fn commands(&self) -> Vec<String> {
        let items: Vec<String> = self
            .wanted
            .iter()
            .map(|w| {
                let mut item = w.name.clone();
                if !w.per_manager.is_empty() {
                    let names: Vec<String> = w.per_manager.iter().map(|(m, n)| format!("{m}: {n}")).collect();
                    item.push_str(&format!(" ({})", names.join(", ")));
                }
                if !w.constraint.is_any() {
                    item.push_str(&format!(" {}", w.constraint));
                }
                item
            })
            .collect();
        vec![format!("install system packages: {}", items.join(", "))]
    }

    fn needs_root(&self) -> bool {
        match self.seen() {
            Seen::Manager { needs_root, .. } => needs_root,
            _ => true,
        }
    }

    /// Each package is checked in the package database (the apply, the missing ones or at a
    /// wrong version installed in one command as root, is its actions').
    fn script(&self, cx: &ScriptCx) -> Result<ScriptStep, String> {
        let manager = self.manager.or_else(|| packages::for_facts(cx.facts)).ok_or_else(no_manager_reason)?;
        if manager.script_functions().is_none() {
            return Err(format!("installing packages through {} cannot be exported", manager.name()));
        }
        let names = self.names_on(manager);
        let met: Vec<String> =
            self.wanted.iter().zip(&names).map(|(wanted, name)| package_installed(name, &wanted.constraint)).collect();
        Ok(ScriptStep { check: met.join(" &&\n"), packages: names, ..ScriptStep::default() })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::packages::PackageState;
    use crate::resources::testing::Sandbox;
    use crate::step::Failure;
    use crate::system::Cmd;

    thread_local! {
        /// The manager the next `build_in` gives its package, per test thread.
        static MANAGER: std::cell::Cell<Option<&'static dyn PackageManager>> =
            const { std::cell::Cell::new(None) };
    }

    fn with_test_manager(args: toml::Table, cx: &BuildCx) -> Result<Box<dyn Resource>, crate::resources::BuildError> {
        let mut package = parse(args, cx)?;
        if let Some(manager) = MANAGER.get() {
            package.manager = Some(manager);
            package.installer = pending::only(manager);
        }
        Ok(Box::new(package))
    }

    fn build_in(
        sb: &Sandbox,
        args: &str,
        manager: Option<&'static dyn PackageManager>,
    ) -> Result<Box<dyn Resource>, String> {
        MANAGER.set(manager);
        sb.build(with_test_manager, args)
    }

    /// A package step checked against a dpkg database holding `status`, lists fresh.
    fn on_apt(sb: &Sandbox, status: &str, args: &str) -> Box<dyn Resource> {
        sb.write("dpkg/status", status);
        sb.write("lists/x_bookworm_main_binary-amd64_Packages", "");
        let apt = crate::packages::apt_at(&sb.path("dpkg"), &sb.path("lists"));
        build_in(sb, args, Some(apt)).unwrap()
    }

    macro_rules! status {
        ($name:literal) => {
            include_str!(concat!("../../tests/fixtures/packages/apt/", $name))
        };
    }

    fn root(sb: &mut Sandbox) {
        sb.facts.root = true;
    }

    #[test]
    fn reports_every_missing_package_in_one_status() {
        let mut sb = Sandbox::new();
        root(&mut sb);
        let p = on_apt(
            &sb,
            status!("status-installed"),
            "packages = ['libpq-dev', 'imagemagick', { name = 'pq', apt = 'libpq5' }, 'make']",
        );
        assert_eq!(sb.check(p.as_ref()), Status::missing("not installed: imagemagick, make"));
        assert_eq!(p.describe(), "packages libpq-dev, imagemagick, libpq5, make");
        assert_eq!(
            p.action(),
            "run `DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends -o Dpkg::Options::=--force-confold imagemagick make`"
        );
        assert!(!p.needs_root(), "devup is root here");
        assert_eq!(sb.system.spawned(), 0, "apt checks read files only");
    }

    #[test]
    fn satisfied_when_everything_is_installed() {
        let sb = Sandbox::new();
        let p = on_apt(
            &sb,
            status!("status-installed"),
            "packages = [{ name = 'libpq', apt = 'libpq-dev', dnf = 'libpq-devel', brew = 'libpq', version = '15' }, 'git']",
        );
        assert_eq!(sb.check(p.as_ref()), Status::Satisfied);
        assert_eq!(p.describe(), "packages libpq-dev 15, git");
    }

    #[test]
    fn not_root_in_ci_installs_with_sudo_n() {
        let mut sb = Sandbox::new();
        sb.facts.sudo = true;
        let p = on_apt(&sb, status!("status-installed"), "packages = ['imagemagick']");
        sb.check(p.as_ref());
        assert_eq!(
            p.action(),
            "run `sudo -n DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends -o Dpkg::Options::=--force-confold imagemagick`"
        );
        assert!(p.needs_root());
        assert_eq!(p.describe(), "package imagemagick");
    }

    #[test]
    fn a_broken_package_is_configured_first() {
        let mut sb = Sandbox::new();
        root(&mut sb);
        let p = on_apt(&sb, status!("status-half-configured"), "packages = ['postgresql-common', 'curl', 'libpq-dev']");
        assert_eq!(
            sb.check(p.as_ref()),
            Status::missing(
                "not installed: libpq-dev; left broken by an interrupted install: postgresql-common (half-configured)"
            )
        );
        assert_eq!(
            p.action(),
            "run `DEBIAN_FRONTEND=noninteractive dpkg --configure -a`, then \
             `DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends -o Dpkg::Options::=--force-confold postgresql-common libpq-dev`"
        );
    }

    #[test]
    fn versions_are_compared_without_epoch_and_revision() {
        let sb = Sandbox::new();
        let ok = on_apt(
            &sb,
            status!("status-epochs"),
            "packages = [{ name = 'postgresql-client-15', version = '15' }, { name = 'vim', version = '>=9' }, { name = 'zlib1g', version = '1.2' }]",
        );
        assert_eq!(sb.check(ok.as_ref()), Status::Satisfied);
        let old = on_apt(
            &sb,
            status!("status-epochs"),
            "packages = [{ name = 'postgresql-client-15', version = '>=16' }, 'vim']",
        );
        assert_eq!(sb.check(old.as_ref()), Status::drifted("postgresql-client-15 15.18", "postgresql-client-15 >=16"));
    }

    #[test]
    fn an_unreadable_database_is_unknown() {
        let sb = Sandbox::new();
        let apt = crate::packages::apt_at(&sb.path("none"), &sb.path("none"));
        let p = build_in(&sb, "packages = ['git']", Some(apt)).unwrap();
        let Status::Unknown { why } = sb.check(p.as_ref()) else { panic!() };
        assert!(why.starts_with("cannot tell what apt has installed"), "{why}");
    }

    #[test]
    fn without_a_package_manager_check_is_unknown_and_apply_fails_with_a_hint() {
        let mut sb = Sandbox::new();
        sb.facts.package_managers.clear();
        let p = build_in(&sb, "packages = [{ name = 'libpq', apt = 'libpq-dev' }]", None).unwrap();
        let Status::Unknown { why } = sb.check(p.as_ref()) else { panic!() };
        assert!(why.contains("no package manager"), "{why}");
        assert_eq!(p.describe(), "package libpq");
        let failure = p.apply(&sb.cx()).unwrap_err();
        assert!(failure.message.contains("cannot install libpq"), "{failure:?}");
        assert!(failure.hint.is_some());
    }

    /// A package manager that remembers what it was asked to install.
    struct Fake {
        installed: Mutex<HashMap<String, String>>,
        candidates: HashMap<&'static str, &'static str>,
        installs: Mutex<Vec<Vec<String>>>,
    }

    impl Fake {
        fn leaked(installed: &[(&str, &str)], candidates: &[(&'static str, &'static str)]) -> &'static Fake {
            Box::leak(Box::new(Fake {
                installed: Mutex::new(installed.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect()),
                candidates: candidates.iter().copied().collect(),
                installs: Mutex::new(Vec::new()),
            }))
        }

        fn installs(&self) -> Vec<Vec<String>> {
            self.installs.lock().unwrap().clone()
        }
    }

    impl PackageManager for Fake {
        fn name(&self) -> &'static str {
            "dnf"
        }
        fn installed(&self, _cx: &Cx, names: &[String]) -> Result<Vec<PackageState>, String> {
            let installed = self.installed.lock().unwrap();
            Ok(names
                .iter()
                .map(|n| match installed.get(n) {
                    Some(v) => PackageState::Installed(v.clone()),
                    None => PackageState::Missing,
                })
                .collect())
        }
        fn candidate(&self, _cx: &Cx, name: &str) -> Option<String> {
            self.candidates.get(name).map(|v| v.to_string())
        }
        fn install_command(&self, names: &[String]) -> Cmd {
            Cmd::new("fake-install").args(names)
        }
        fn install(&self, _cx: &Cx, names: &[String]) -> Result<(), Failure> {
            self.installs.lock().unwrap().push(names.to_vec());
            let mut installed = self.installed.lock().unwrap();
            for name in names {
                let version = self.candidates.get(name.as_str()).unwrap_or(&"1.0-1");
                installed.insert(name.clone(), version.to_string());
            }
            Ok(())
        }
        fn upstream(&self, version: &str) -> String {
            version.split('-').next().unwrap_or(version).to_string()
        }
        fn not_found(&self, _output: &str) -> Vec<String> {
            Vec::new()
        }
    }

    fn with_fake(sb: &Sandbox, args: &str, fake: &'static Fake) -> Box<dyn Resource> {
        build_in(sb, args, Some(fake)).unwrap()
    }

    #[test]
    fn apply_installs_all_missing_in_one_call_then_nothing() {
        let sb = Sandbox::new();
        let fake = Fake::leaked(&[("git", "2.45.2-2.fc40")], &[]);
        let p = with_fake(&sb, "packages = ['git', { name = 'libpq', dnf = 'libpq-devel' }, 'ImageMagick']", fake);
        assert_eq!(sb.check(p.as_ref()), Status::missing("not installed: libpq-devel, ImageMagick"));
        assert_eq!(p.action(), "run `fake-install libpq-devel ImageMagick`");
        assert_eq!(sb.converge(p.as_ref()).unwrap(), Status::Satisfied);
        assert_eq!(fake.installs(), [vec!["libpq-devel", "ImageMagick"]]);
        p.apply(&sb.cx()).unwrap();
        assert_eq!(fake.installs().len(), 1, "nothing left to install");
    }

    #[test]
    fn a_version_the_manager_does_not_offer_is_refused_before_installing() {
        let sb = Sandbox::new();
        let fake = Fake::leaked(&[], &[("postgresql-server", "13.14-1.el9")]);
        let p = with_fake(&sb, "packages = [{ name = 'postgresql-server', version = '15' }]", fake);
        let failure = p.apply(&sb.cx()).unwrap_err();
        assert_eq!(
            failure.message,
            "dnf cannot install the wanted versions: postgresql-server: dnf offers 13.14, want 15"
        );
        assert!(fake.installs().is_empty());

        let offered = Fake::leaked(&[], &[("postgresql-server", "15.6-1.el9")]);
        let p = with_fake(&sb, "packages = [{ name = 'postgresql-server', version = '15' }]", offered);
        assert_eq!(sb.converge(p.as_ref()).unwrap(), Status::Satisfied);
    }

    #[test]
    fn what_a_person_approves_does_not_depend_on_the_machine() {
        let sb = Sandbox::new();
        let p = on_apt(
            &sb,
            status!("status-installed"),
            "packages = ['imagemagick', { name = 'libpq', apt = 'libpq-dev', dnf = 'libpq-devel', version = '>=15' }]",
        );
        let before = p.commands();
        assert_eq!(before, ["install system packages: imagemagick, libpq (apt: libpq-dev, dnf: libpq-devel) >=15"]);
        // Unchecked (as for an untrusted project), the action says the same.
        assert_eq!(p.action(), before[0]);
        sb.check(p.as_ref());
        assert_eq!(p.commands(), before);
    }

    #[test]
    fn arguments_are_checked() {
        let sb = Sandbox::new();
        let err = |args: &str| build_in(&sb, args, None).err().unwrap();
        assert!(err("packages = []").contains("empty"));
        let typo = err("packages = ['git', { name = 'libpq', brw = 'libpq' }]");
        assert!(typo.starts_with("packages[1]: unknown field `brw`"), "{typo}");
        assert!(err("packages = ['--force-yes']").contains("not a package name"));
        assert!(err("packages = [{ name = 'x', apt = 'a b' }]").contains("not a package name"));
        assert!(err("packages = [{ name = 'x', version = '>=banana' }]").contains("version"));
        assert!(err("packages = [3]").contains("found integer"));
        assert!(err("packages = ['x']\nextra = 1").contains("unknown field `extra`"));
        assert!(err("packages = [{ apt = 'x' }]").contains("missing field `name`"));
        assert!(err("packages = [{ name = 'x', apt = 3 }]").contains("`apt` must be a string"));
        assert!(typo.ends_with("expected one of `name`, `version`, `apt`, `dnf`, `pacman`, `apk`, `brew`"), "{typo}");
    }

    #[test]
    fn an_empty_name_for_a_manager_means_the_default_name() {
        let sb = Sandbox::new();
        let p = on_apt(&sb, status!("status-installed"), "packages = [{ name = 'git', apt = '', dnf = 'git-core' }]");
        assert_eq!(sb.check(p.as_ref()), Status::Satisfied);
        assert_eq!(p.describe(), "package git");
    }
}
