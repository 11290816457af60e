//! Facts about the machine, read once per run.
//!
//! Reading is thin (files, `std::env::consts`, PATH lookups, `geteuid`; never a
//! spawned process) and each parser is a pure function tested on saved outputs
//! in `tests/fixtures/facts/`. Recipes see facts through [`Facts::get`] and
//! [`Facts::matches`], in `query.rs`.

mod init_system;
mod macos;
mod os_release;
mod package_managers;
mod query;

use serde::Serialize;

use crate::settings::Settings;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Facts {
    /// `std::env::consts::OS`: "linux", "macos", ...
    pub os: String,
    /// `std::env::consts::ARCH`: "x86_64", "aarch64", ...
    pub arch: String,
    /// From os-release on Linux (and BSDs), SystemVersion.plist on macOS.
    pub distro: Option<Distro>,
    /// Managers found on PATH, the distro's native one first.
    pub package_managers: Vec<String>,
    /// "systemd", "launchd", "openrc" or "none".
    pub init: String,
    /// Effective uid is 0.
    pub root: bool,
    /// The account devup runs as ("" when it has no name): the role a developer gets in a
    /// machine's shared postgres.
    pub user: String,
    /// A `sudo` binary is on PATH.
    pub sudo: bool,
    pub ci: bool,
    pub interactive: bool,
}

/// The operating system release, in os-release terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Distro {
    /// `ID`: "debian", "ubuntu", "fedora", "macos", ...
    pub id: String,
    /// `VERSION_ID`, or "" when the release has none (Arch, Debian sid).
    pub version_id: String,
    /// `ID_LIKE`, closest relative first: Ubuntu is like ["debian"].
    pub like: Vec<String>,
    /// `NAME`: "Debian GNU/Linux", "macOS", ...
    pub name: String,
    /// `VERSION_CODENAME` (or `UBUNTU_CODENAME`): "bookworm", "noble".
    pub codename: Option<String>,
}

impl Facts {
    /// Reads the machine. `ci`, `interactive`, the PATH commands are looked for on and the
    /// user's name when the password database lacks it come from the settings, which own
    /// environment variables and TTY checks.
    pub fn read(settings: &Settings) -> Facts {
        let on_path = |name: &str| on_path(name, &settings.path);
        let os = std::env::consts::OS;
        let distro = match os {
            "macos" => macos::read(),
            // Linux and the BSDs that adopted os-release; elsewhere the file
            // is simply missing and the distro is None.
            _ => os_release::read(),
        };
        Facts {
            os: os.to_string(),
            arch: std::env::consts::ARCH.to_string(),
            package_managers: package_managers::read(os, distro.as_ref(), on_path),
            init: init_system::read(os).to_string(),
            root: is_root(),
            user: user_name(settings.user.as_deref()),
            sudo: on_path("sudo"),
            distro,
            ci: settings.ci,
            interactive: settings.interactive,
        }
    }

    /// A fixed value for tests: a Debian 12 container in CI.
    pub fn for_tests() -> Facts {
        Facts {
            os: "linux".to_string(),
            arch: "x86_64".to_string(),
            distro: Some(Distro {
                id: "debian".to_string(),
                version_id: "12".to_string(),
                like: Vec::new(),
                name: "Debian GNU/Linux".to_string(),
                codename: Some("bookworm".to_string()),
            }),
            package_managers: vec!["apt".to_string()],
            init: "none".to_string(),
            root: false,
            user: "dev".to_string(),
            sudo: false,
            ci: true,
            interactive: false,
        }
    }
}

/// Whether `name` is an executable in one of `path`'s directories.
fn on_path(name: &str, path: &std::ffi::OsStr) -> bool {
    let cwd = std::env::current_dir().unwrap_or_else(|_| std::path::PathBuf::from("/"));
    which::which_in(name, Some(path), cwd).is_ok()
}

#[cfg(unix)]
fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// The name of the effective user, from the password database (`$USER` may be unset, as for
/// root in containers, or stale after `su`); else `from_env` (`$USER`).
#[cfg(unix)]
fn user_name(from_env: Option<&str>) -> String {
    // SAFETY: getpwuid returns NULL or a pointer to a static record valid until the next call;
    // the name is copied out at once.
    unsafe {
        let record = libc::getpwuid(libc::geteuid());
        if record.is_null() {
            return from_env.unwrap_or_default().to_string();
        }
        std::ffi::CStr::from_ptr((*record).pw_name).to_string_lossy().into_owned()
    }
}

/// `$USERNAME`.
#[cfg(not(unix))]
fn user_name(from_env: Option<&str>) -> String {
    from_env.unwrap_or_default().to_string()
}

#[cfg(not(unix))]
fn is_root() -> bool {
    // There is no uid 0 to be; elevation works differently there.
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_does_not_panic_and_keeps_the_callers_flags() {
        let settings = Settings { ci: true, interactive: false, ..Settings::from_env() };
        let facts = Facts::read(&settings);
        assert_eq!(facts.os, std::env::consts::OS);
        assert_eq!(facts.arch, std::env::consts::ARCH);
        assert!(facts.ci);
        assert!(!facts.interactive);
        assert!(["systemd", "launchd", "openrc", "none"].contains(&facts.init.as_str()));
    }

    #[test]
    fn for_tests_is_debian_12_in_ci() {
        let facts = Facts::for_tests();
        assert_eq!(facts.get("distro").as_deref(), Some("debian"));
        assert_eq!(facts.get("codename").as_deref(), Some("bookworm"));
        assert_eq!(facts.package_managers, ["apt"]);
        assert!(facts.ci && !facts.interactive && !facts.root && !facts.sudo);
    }

    #[test]
    fn serialises_to_json() {
        let json = serde_json::to_value(Facts::for_tests()).expect("Facts serialise");
        assert_eq!(json["distro"]["version_id"], "12");
        assert_eq!(json["package_managers"][0], "apt");
    }
}
