//! Everything devup reads from its environment, resolved once at start and passed down.
//! This is the only place that reads environment variables.
//!
//! | variable           | meaning                                                        |
//! |--------------------|----------------------------------------------------------------|
//! | `DEVUP_STATE_DIR`  | where per-project state lives (default: the platform state dir) |
//! | `DEVUP_DATA_DIR`   | where datastores keep their data (default: ~/.local/share/devup/datastores; as root, /var/lib/devup) |
//! | `DEVUP_CONFIG_DIR` | the user's config dir; user recipes in `recipes/` under it      |
//! | `DEVUP_YES`        | `1`: answer yes to the plan confirmation, as `--yes` does       |
//! | `DEVUP_TRUST`      | `1`: trust the project's own commands, as `--trust` does (CI)   |
//! | `SUDO_USER`        | set by sudo: devup refuses to run project commands as root      |
//! | `CI`               | set: no prompts, no spinners, plain output                      |
//! | `NO_COLOR`         | set: no colour                                                  |
//! | `HOME`             | the user's home, for `~` in recipes                             |
//! | `PATH`             | where commands are found; the project's tool directories go first |
//! | `DEVUP_TOOLS_DIR`  | where prebuilt tools are installed, one directory per tool and version (default: ~/.local/share/devup/tools; as root, /opt/devup/tools) |
//! | `DEVUP_CACHE_DIR`  | where downloads are kept (default: the platform cache dir)      |
//! | `DEVUP_MIRROR_<TOOL>` | a mirror for a tool's prebuilt builds (`DEVUP_MIRROR_NODE=https://...`): replaces the recipe's source address |
//! | `PWD`              | the shell's directory, as it names it (activation finds the project from it) |
//! | `SHELL`            | the user's shell, which `devup exec` with no command opens      |
//! | `__DEVUP_STATE`    | what activation applied in this shell (written by devup itself) |
//! | `USER` (`USERNAME` on Windows) | the account's name, when the password database has no entry for it |
//! | `DPKG_ADMINDIR`    | dpkg's database directory (dpkg's own variable; default /var/lib/dpkg) |
//! | `DEVUP_BLESS`      | tests only: `1` rewrites the expected files instead of comparing with them |
//!
//! Activation and `devup exec` also read the current value of each variable they set (and
//! PATH), to restore it on leaving the project: those are values to keep, not settings, and
//! which variables they are is known only once the project is read. They are read through
//! [`variable`], the one way to read a variable named at run time.
//!
//! The crates devup uses read a few more, as the tools they stand for do: `directories` reads
//! `HOME` and the `XDG_*_HOME` variables to compute the platform directories above, and
//!
//! downloads leave two groups to the crates that use them, read there and nowhere in devup:
//! `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` (and lowercase forms) by the HTTP
//! client (ureq), and `SSL_CERT_FILE`, `SSL_CERT_DIR` by the certificate-store loader
//! (rustls-native-certs, through rustls-platform-verifier).

use std::ffi::OsString;
use std::io::IsTerminal;
use std::path::PathBuf;

#[derive(Clone)]
pub struct Settings {
    pub state_root: PathBuf,
    /// Where per-project datastores keep their data. As root it is not under root's home
    /// (mode 0700), because servers that refuse to run as root must reach it.
    pub data_root: PathBuf,
    pub config_dir: Option<PathBuf>,
    pub home: Option<PathBuf>,
    /// Running in CI (the `CI` variable is set).
    pub ci: bool,
    /// A person is at a terminal: prompts and spinners are possible.
    pub interactive: bool,
    pub color: bool,
    /// `DEVUP_YES=1`.
    pub assume_yes: bool,
    /// `DEVUP_TRUST=1`.
    pub trust: bool,
    /// The user who ran devup through sudo, if that is how it was started.
    pub sudo_user: Option<String>,
    /// The PATH devup was started with.
    pub path: std::ffi::OsString,
    /// Where prebuilt tools are installed (`<tools>/<tool>/<version>`), shared by projects.
    pub tools_root: PathBuf,
    /// Where downloaded archives are kept, named by their checksum.
    pub cache_root: PathBuf,
    /// Mirrors for prebuilt tools, by tool name in lower case (`DEVUP_MIRROR_NODE` → `node`).
    pub mirrors: std::collections::BTreeMap<String, String>,
    /// The shell's current directory as it names it (`PWD`, symbolic links kept), when it is
    /// absolute.
    pub pwd: Option<PathBuf>,
    /// The user's shell (`SHELL`).
    pub shell: Option<PathBuf>,
    /// What activation applied in this shell (`__DEVUP_STATE`), as written.
    pub activation: Option<String>,
    /// The account's name as the environment gives it (`USER`; `USERNAME` on Windows), for
    /// when the password database has no entry for the effective uid.
    pub user: Option<String>,
    /// dpkg's database directory (`DPKG_ADMINDIR`), when set: dpkg's own variable, honoured
    /// so that tests can give apt a database of their own.
    pub dpkg_admindir: Option<PathBuf>,
}

/// The value of a variable of devup's environment, read now. For what cannot be named in
/// advance: activation restores each variable it set to the value the shell had (any name a
/// project's `[env]` declares), and tests. Every setting is read by [`Settings::from_env`].
pub fn variable(name: &str) -> Option<OsString> {
    std::env::var_os(name)
}

impl Settings {
    pub fn from_env() -> Settings {
        let var = |name: &str| variable(name).filter(|v| !v.is_empty());
        let dirs = directories::ProjectDirs::from("", "", "devup");
        let state_root = var("DEVUP_STATE_DIR").map(PathBuf::from).unwrap_or_else(|| {
            dirs.as_ref()
                .map(|d| d.state_dir().unwrap_or_else(|| d.data_local_dir()).to_path_buf())
                .unwrap_or_else(|| std::env::temp_dir().join("devup-state"))
        });
        // Servers' data is kept apart from devup's state: deleting the state must never delete
        // a database.
        let user_data = dirs
            .as_ref()
            .map(|d| d.data_local_dir().join("datastores"))
            .unwrap_or_else(|| state_root.join("datastores"));
        let config_dir =
            var("DEVUP_CONFIG_DIR").map(PathBuf::from).or_else(|| dirs.as_ref().map(|d| d.config_dir().to_path_buf()));
        let ci = var("CI").is_some_and(|v| v != "false" && v != "0");
        let terminal = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
        // SAFETY: geteuid has no preconditions.
        let root = unsafe { libc::geteuid() } == 0;
        let data_root = var("DEVUP_DATA_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| if root { PathBuf::from("/var/lib/devup") } else { user_data });
        // As root, tools are not under root's home (mode 0700): servers that refuse to run as
        // root must reach their binaries.
        let tools_root = var("DEVUP_TOOLS_DIR").map(PathBuf::from).unwrap_or_else(|| {
            if root {
                PathBuf::from("/opt/devup/tools")
            } else {
                dirs.as_ref().map(|d| d.data_local_dir().join("tools")).unwrap_or_else(|| state_root.join("tools"))
            }
        });
        let cache_root = var("DEVUP_CACHE_DIR").map(PathBuf::from).unwrap_or_else(|| {
            dirs.as_ref().map(|d| d.cache_dir().to_path_buf()).unwrap_or_else(|| state_root.join("cache"))
        });
        let mirrors = std::env::vars()
            .filter_map(|(k, v)| Some((k.strip_prefix("DEVUP_MIRROR_")?.to_ascii_lowercase(), v)))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        Settings {
            path: variable("PATH").unwrap_or_default(),
            tools_root,
            cache_root,
            mirrors,
            data_root,
            state_root,
            config_dir,
            home: var("HOME").map(PathBuf::from),
            ci,
            interactive: terminal && !ci,
            color: var("NO_COLOR").is_none() && std::io::stderr().is_terminal(),
            assume_yes: var("DEVUP_YES").is_some_and(|v| v == "1" || v == "true"),
            trust: var("DEVUP_TRUST").is_some_and(|v| v == "1" || v == "true"),
            sudo_user: var("SUDO_USER").map(|v| v.to_string_lossy().into_owned()).filter(|u| u != "root"),
            pwd: var("PWD").map(PathBuf::from).filter(|p| p.is_absolute()),
            shell: var("SHELL").map(PathBuf::from),
            activation: var(crate::activation::STATE_VAR).map(|v| v.to_string_lossy().into_owned()),
            user: var(if cfg!(unix) { "USER" } else { "USERNAME" }).map(|v| v.to_string_lossy().into_owned()),
            dpkg_admindir: var("DPKG_ADMINDIR").map(PathBuf::from),
        }
    }

    /// The user's own recipes.
    pub fn user_recipes(&self) -> Option<PathBuf> {
        self.config_dir.as_ref().map(|d| d.join("recipes"))
    }
}
