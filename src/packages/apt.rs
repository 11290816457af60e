//! apt (Debian, Ubuntu): installed packages come from parsing the dpkg database, not from
//! spawning dpkg per package; installs are one `apt-get install`, after finishing an
//! interrupted dpkg run and refreshing stale package lists.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use super::dpkg::Database;
use super::{Elevation, PackageManager, PackageState, elevation, install_failure, without_epoch, without_revision};
use crate::step::{Cx, Failure};
use crate::system::Cmd;

/// apt in an exported script, as devup drives it: the dpkg database says what is installed (a
/// half-installed package is not), an interrupted dpkg run is finished and lists older than a
/// day are refreshed before one install of every missing package.
pub const SCRIPT_FUNCTIONS: &str = r#"pkg_installed() {
    [ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null)" = 'ii ' ]
}
pkg_version() {
    dpkg-query -W -f='${Version}' "$1" 2>/dev/null | sed 's/^[0-9]*://; s/-[^-]*$//; s/[^0-9.].*//; s/\.$//' \
        | awk -F. '{ printf "%d.%d.%d\n", $1, $2, $3 }'
}
# pkg_candidate NAME: the version apt would install (x.y.z, upstream), reading fresh lists.
pkg_candidate() {
    if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages' -mmin -1440 2>/dev/null | head -n 1)" ]; then
        as_root apt-get -o DPkg::Lock::Timeout=300 update >&2
    fi
    apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: //p' | grep -v '(none)' \
        | sed 's/^[0-9]*://; s/-[^-]*$//; s/[^0-9.].*//; s/\.$//' | awk -F. 'NF { printf "%d.%d.%d\n", $1, $2, $3 }'
}
pkg_install() {
    if [ -n "$(dpkg --audit 2>/dev/null)" ]; then
        as_root env DEBIAN_FRONTEND=noninteractive dpkg --configure -a
    fi
    if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages' -mmin -1440 2>/dev/null | head -n 1)" ]; then
        as_root apt-get -o DPkg::Lock::Timeout=300 update
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y \
        --no-install-recommends -o Dpkg::Options::=--force-confold "$@"
}
"#;

/// Package lists older than this are refreshed before an install.
const LISTS_MAX_AGE: Duration = Duration::from_secs(24 * 60 * 60);

/// apt and dpkg take one lock for the whole machine: two installs of one run (two steps applied
/// in parallel) would fail on it, so they take turns.
static MACHINE: Mutex<()> = Mutex::new(());

pub struct Apt {
    paths: OnceLock<Paths>,
    /// The parsed database and the stamp of the files it was parsed from.
    db: Mutex<Option<(Stamp, Arc<Database>)>>,
}

/// Where apt and dpkg keep their state.
#[derive(Debug, Clone)]
pub struct Paths {
    /// dpkg's admin directory: `status` and the `updates/` journal.
    pub admindir: PathBuf,
    /// apt's downloaded package lists.
    pub lists: PathBuf,
}

impl Paths {
    /// dpkg's database in `admindir` (the settings' `DPKG_ADMINDIR`, honoured so tests can use
    /// a fake database), else in `/var/lib/dpkg`; apt's lists where apt keeps them.
    pub fn new(admindir: Option<PathBuf>) -> Paths {
        Paths {
            admindir: admindir.unwrap_or_else(|| PathBuf::from("/var/lib/dpkg")),
            lists: PathBuf::from("/var/lib/apt/lists"),
        }
    }
}

/// What the parsed database was read from: the status file's path, size and mtime, and the
/// journal directory's mtime (dpkg adds a file there for each change not yet merged).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stamp {
    status: PathBuf,
    size: u64,
    mtime: Option<SystemTime>,
    journal: Option<SystemTime>,
}

impl Apt {
    pub const fn new() -> Apt {
        Apt { paths: OnceLock::new(), db: Mutex::new(None) }
    }

    #[cfg(test)]
    pub fn at(paths: Paths) -> Apt {
        let apt = Apt::new();
        apt.paths.set(paths).unwrap();
        apt
    }

    /// Reads dpkg's database and apt's lists from `paths`, unless they were already read from
    /// elsewhere (the paths are set once, at start).
    pub fn configure(&self, paths: Paths) {
        let _ = self.paths.set(paths);
    }

    fn paths(&self) -> &Paths {
        self.paths.get_or_init(|| Paths::new(None))
    }

    /// The database, parsed once per run and again only when dpkg changed it.
    fn database(&self) -> Result<Arc<Database>, String> {
        let admindir = &self.paths().admindir;
        let status = admindir.join("status");
        let meta = std::fs::metadata(&status).map_err(|e| format!("cannot read {}: {e}", status.display()))?;
        let journal = admindir.join("updates");
        let stamp = Stamp {
            status: status.clone(),
            size: meta.len(),
            mtime: meta.modified().ok(),
            journal: std::fs::metadata(&journal).and_then(|m| m.modified()).ok(),
        };
        let mut cached = self.db.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((seen, db)) = cached.as_ref()
            && *seen == stamp
        {
            return Ok(db.clone());
        }
        let text = std::fs::read_to_string(&status).map_err(|e| format!("cannot read {}: {e}", status.display()))?;
        let mut db = Database::parse(&text);
        for entry in journal_files(&journal) {
            if let Ok(text) = std::fs::read_to_string(entry) {
                db.merge(&text);
            }
        }
        let db = Arc::new(db);
        *cached = Some((stamp, db.clone()));
        Ok(db)
    }
}

/// dpkg's journal entries (`updates/0000`, `0001`...), in the order they apply.
fn journal_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
        })
        .collect();
    files.sort();
    files
}

/// Why the package lists need refreshing, if they do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lists {
    Fresh,
    Missing,
    Stale,
}

/// Thin: the `*_Packages` files under apt's lists directory, with their mtimes.
fn read_lists(dir: &Path) -> Vec<SystemTime> {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("_Packages"))
        .filter_map(|e| e.metadata().ok()?.modified().ok())
        .collect()
}

/// Pure: lists are stale when the newest is older than a day (one in the future is fresh).
fn lists_state(mtimes: &[SystemTime], now: SystemTime) -> Lists {
    match mtimes.iter().max() {
        None => Lists::Missing,
        Some(newest) => match now.duration_since(*newest) {
            Ok(age) if age > LISTS_MAX_AGE => Lists::Stale,
            _ => Lists::Fresh,
        },
    }
}

/// How long to wait for apt's and dpkg's locks, held by another install (or one left running by
/// a killed devup). `DPkg::Lock::Timeout` covers dpkg's lock but not the lists' lock.
const LOCK_WAIT: Duration = Duration::from_secs(300);

/// Runs an apt command, waiting while another process holds apt's or dpkg's lock.
fn run_waiting(how: Elevation, cx: &Cx, cmd: &Cmd) -> Result<crate::system::CmdOutput, Failure> {
    let deadline = std::time::Instant::now() + LOCK_WAIT;
    loop {
        let out = how.run(cx, cmd)?;
        let locked = !out.success()
            && (out.stderr.contains("Could not get lock") || out.stderr.contains("lock was locked by another process"));
        if !locked || std::time::Instant::now() >= deadline {
            return Ok(out);
        }
        std::thread::sleep(Duration::from_secs(1));
    }
}

fn run_ok(how: Elevation, cx: &Cx, cmd: &Cmd) -> Result<crate::system::CmdOutput, Failure> {
    let out = run_waiting(how, cx, cmd)?;
    if out.success() { Ok(out) } else { Err(Failure::command(&super::show(&how.wrap(cmd)), &out)) }
}

fn update_command() -> Cmd {
    Cmd::new("apt-get").args(["-o", "DPkg::Lock::Timeout=300", "update"])
}

fn configure_command() -> Cmd {
    Cmd::new("dpkg").args(["--configure", "-a"]).envs(&[noninteractive()])
}

fn noninteractive() -> (String, String) {
    ("DEBIAN_FRONTEND".into(), "noninteractive".into())
}

/// Pure: the `Candidate:` of `apt-cache policy NAME`; `(none)` and no output mean none.
fn parse_policy(output: &str) -> Option<String> {
    output
        .lines()
        .find_map(|line| line.trim().strip_prefix("Candidate:"))
        .map(str::trim)
        .filter(|v| !v.is_empty() && *v != "(none)")
        .map(str::to_string)
}

/// Pure: whether apt-get stopped because an earlier dpkg run was interrupted.
fn says_interrupted(output: &str) -> bool {
    output.contains("dpkg was interrupted")
}

/// What to do before trying a failed install again.
#[derive(Debug, PartialEq, Eq)]
enum Retry {
    Configure,
    Update,
}

impl Apt {
    /// Pure: after a failed install, the one fix worth a retry, each at most once per run:
    /// finish an interrupted dpkg run, or refresh lists that do not know a package yet.
    fn retry(&self, output: &str, configured: bool, updated: bool) -> Option<Retry> {
        if !configured && says_interrupted(output) {
            Some(Retry::Configure)
        } else if !updated && !self.not_found(output).is_empty() {
            Some(Retry::Update)
        } else {
            None
        }
    }
}

impl PackageManager for Apt {
    fn name(&self) -> &'static str {
        "apt"
    }

    fn installed(&self, _cx: &Cx, names: &[String]) -> Result<Vec<PackageState>, String> {
        let db = self.database()?;
        Ok(names.iter().map(|n| db.state(n)).collect())
    }

    fn candidate(&self, cx: &Cx, name: &str) -> Option<String> {
        // Without package lists (a fresh container) apt knows no package yet.
        if lists_state(&read_lists(&self.paths().lists), SystemTime::now()) == Lists::Missing {
            let _turn = MACHINE.lock().unwrap_or_else(|p| p.into_inner());
            if lists_state(&read_lists(&self.paths().lists), SystemTime::now()) == Lists::Missing {
                let _ = run_ok(elevation(self, cx.facts), cx, &update_command());
            }
        }
        let out = cx.system.run(&Cmd::new("apt-cache").args(["policy", name])).ok()?;
        out.success().then(|| parse_policy(&out.stdout)).flatten()
    }

    fn install_command(&self, names: &[String]) -> Cmd {
        Cmd::new("apt-get")
            // A config file the machine already has (e.g. written by devup before the package
            // that owns it is installed) is kept, never replaced behind anyone's back.
            .args([
                "-o",
                "DPkg::Lock::Timeout=300",
                "install",
                "-y",
                "--no-install-recommends",
                "-o",
                "Dpkg::Options::=--force-confold",
            ])
            .args(names)
            .envs(&[noninteractive()])
    }

    fn script_functions(&self) -> Option<&'static str> {
        Some(SCRIPT_FUNCTIONS)
    }

    fn image_install(&self, names: &[String]) -> Option<String> {
        let names: Vec<String> = names.iter().map(|n| crate::recipe::template::quote(n)).collect();
        Some(format!(
            "apt-get update \\\n    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends {} \\\n    && rm -rf /var/lib/apt/lists/*",
            names.join(" ")
        ))
    }

    fn preparation(&self, _cx: &Cx) -> Vec<Cmd> {
        let mut cmds = Vec::new();
        if self.database().is_ok_and(|db| !db.interrupted().is_empty()) {
            cmds.push(configure_command());
        }
        if lists_state(&read_lists(&self.paths().lists), SystemTime::now()) != Lists::Fresh {
            cmds.push(update_command());
        }
        cmds
    }

    /// The preparation, then the install; an install that fails because dpkg was interrupted
    /// or a package is unknown (stale lists) is retried once after the fix.
    fn owners(&self, paths: &[PathBuf]) -> Vec<String> {
        let wanted: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        let Ok(lists) = std::fs::read_dir(self.paths().admindir.join("info")) else { return Vec::new() };
        let mut found = Vec::new();
        for list in lists.flatten() {
            let name = list.file_name().to_string_lossy().into_owned();
            let Some(package) = name.strip_suffix(".list") else { continue };
            let owns = std::fs::read_to_string(list.path())
                .is_ok_and(|text| text.lines().any(|l| wanted.iter().any(|w| w == l)));
            if owns {
                found.push(package.split(':').next().unwrap_or(package).to_string());
            }
        }
        found.sort();
        found.dedup();
        found
    }

    fn reinstall(&self, cx: &Cx, names: &[String]) -> Result<(), Failure> {
        let _turn = MACHINE.lock().unwrap_or_else(|p| p.into_inner());
        let cmd = self.install_command(names).arg("--reinstall");
        run_ok(elevation(self, cx.facts), cx, &cmd).map(drop)
    }

    fn install(&self, cx: &Cx, names: &[String]) -> Result<(), Failure> {
        let _turn = MACHINE.lock().unwrap_or_else(|p| p.into_inner());
        let how = elevation(self, cx.facts);
        let mut configured = false;
        let mut updated = false;
        for cmd in self.preparation(cx) {
            run_ok(how, cx, &cmd)?;
            configured |= cmd.program == "dpkg";
            updated |= cmd.program == "apt-get";
        }
        let install = self.install_command(names);
        loop {
            let out = run_waiting(how, cx, &install)?;
            if out.success() {
                return Ok(());
            }
            let text = format!("{}\n{}", out.stdout, out.stderr);
            match self.retry(&text, configured, updated) {
                Some(Retry::Configure) => {
                    run_ok(how, cx, &configure_command())?;
                    configured = true;
                }
                Some(Retry::Update) => {
                    run_ok(how, cx, &update_command())?;
                    updated = true;
                }
                None => return Err(install_failure(self, &how.wrap(&install), &out)),
            }
        }
    }

    /// `1:15.18-0+deb12u1` → `15.18`.
    fn upstream(&self, version: &str) -> String {
        without_revision(without_epoch(version), '-').to_string()
    }

    fn not_found(&self, output: &str) -> Vec<String> {
        output
            .lines()
            .filter_map(|line| {
                let line = line.trim();
                if let Some(name) = line.strip_prefix("E: Unable to locate package ") {
                    return Some(name.trim().to_string());
                }
                let rest = line.strip_prefix("E: Package '")?;
                let (name, tail) = rest.split_once('\'')?;
                tail.contains("has no installation candidate").then(|| name.to_string())
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packages::names;

    #[test]
    fn owners_of_removed_files_come_from_the_package_lists() {
        let dir = tempfile::tempdir().unwrap();
        let info = dir.path().join("info");
        std::fs::create_dir_all(&info).unwrap();
        std::fs::write(info.join("python3.11-minimal:amd64.list"), "/.\n/usr/bin\n/usr/bin/python3.11\n").unwrap();
        std::fs::write(info.join("python3-minimal.list"), "/usr/bin/python3\n").unwrap();
        std::fs::write(info.join("other.list"), "/usr/bin/other\n").unwrap();
        let apt = Apt::at(Paths { admindir: dir.path().to_path_buf(), lists: dir.path().join("lists") });
        let owners = apt.owners(&[PathBuf::from("/usr/bin/python3"), PathBuf::from("/usr/bin/python3.11")]);
        assert_eq!(owners, ["python3-minimal", "python3.11-minimal"]);
        assert!(apt.owners(&[PathBuf::from("/usr/bin/nothing")]).is_empty());
    }
    use crate::step::testing::Sandbox;

    /// An apt reading a database in a temp dir, with lists fresh or not.
    fn apt_in(sb: &Sandbox, status: &str, lists: Option<SystemTime>) -> Apt {
        sb.write("dpkg/status", status);
        std::fs::create_dir_all(sb.path("lists")).unwrap();
        if let Some(mtime) = lists {
            let path = sb.path("lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4");
            std::fs::write(&path, "").unwrap();
            std::fs::File::options().write(true).open(&path).unwrap().set_modified(mtime).unwrap();
        }
        Apt::at(Paths { admindir: sb.path("dpkg"), lists: sb.path("lists") })
    }

    const INSTALLED: &str = include_str!("../../tests/fixtures/packages/apt/status-installed");
    const HALF: &str = include_str!("../../tests/fixtures/packages/apt/status-half-configured");

    #[test]
    fn installed_reads_the_database_without_spawning() {
        let sb = Sandbox::new();
        let apt = apt_in(&sb, INSTALLED, Some(SystemTime::now()));
        let states = apt.installed(&sb.cx(), &names(&["libpq-dev", "imagemagick"])).unwrap();
        assert_eq!(states, [PackageState::Installed("15.8-0+deb12u1".into()), PackageState::Missing]);
        assert_eq!(sb.system.spawned(), 0);
    }

    #[test]
    fn the_database_is_parsed_again_only_when_it_changed() {
        let sb = Sandbox::new();
        let apt = apt_in(&sb, INSTALLED, None);
        let first = apt.database().unwrap();
        assert!(Arc::ptr_eq(&first, &apt.database().unwrap()));
        sb.write(
            "dpkg/status",
            &format!("{INSTALLED}\nPackage: imagemagick\nStatus: install ok installed\nArchitecture: amd64\nVersion: 8:6.9.11.60+dfsg-1.6\n"),
        );
        let cx = sb.cx();
        assert!(matches!(apt.installed(&cx, &names(&["imagemagick"])).unwrap()[0], PackageState::Installed(_)));
    }

    #[test]
    fn the_journal_is_applied() {
        let sb = Sandbox::new();
        let apt = apt_in(&sb, HALF, None);
        sb.write(
            "dpkg/updates/0001",
            "Package: postgresql-common\nStatus: install ok installed\nArchitecture: all\nVersion: 248\n",
        );
        sb.write("dpkg/updates/tmp.i", "garbage");
        assert_eq!(
            apt.installed(&sb.cx(), &names(&["postgresql-common"])).unwrap(),
            [PackageState::Installed("248".into())]
        );
    }

    #[test]
    fn a_missing_database_is_an_error_not_a_guess() {
        let sb = Sandbox::new();
        let apt = Apt::at(Paths { admindir: sb.path("nowhere"), lists: sb.path("lists") });
        let err = apt.installed(&sb.cx(), &names(&["x"])).unwrap_err();
        assert!(err.contains("cannot read"), "{err}");
    }

    #[test]
    fn the_install_command_installs_everything_at_once() {
        let cmd = Apt::new().install_command(&names(&["libpq-dev", "imagemagick"]));
        assert_eq!(
            super::super::show(&cmd),
            "DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends -o Dpkg::Options::=--force-confold libpq-dev imagemagick"
        );
    }

    #[test]
    fn preparation_finishes_dpkg_and_refreshes_old_lists() {
        let sb = Sandbox::new();
        let shown = |apt: &Apt| -> Vec<String> { apt.preparation(&sb.cx()).iter().map(super::super::show).collect() };
        let fresh = apt_in(&sb, INSTALLED, Some(SystemTime::now()));
        assert!(shown(&fresh).is_empty());

        let old = SystemTime::now() - Duration::from_secs(3 * 24 * 3600);
        let sb2 = Sandbox::new();
        let stale = apt_in(&sb2, HALF, Some(old));
        assert_eq!(
            stale.preparation(&sb2.cx()).iter().map(super::super::show).collect::<Vec<_>>(),
            ["DEBIAN_FRONTEND=noninteractive dpkg --configure -a", "apt-get -o DPkg::Lock::Timeout=300 update"]
        );
    }

    #[test]
    fn a_failed_install_is_retried_once_after_the_right_fix() {
        let apt = Apt::new();
        let unknown = include_str!("../../tests/fixtures/packages/apt/apt-get-install-unable-to-locate.txt");
        let interrupted = include_str!("../../tests/fixtures/packages/apt/apt-get-install-interrupted.txt");
        let locked = include_str!("../../tests/fixtures/packages/apt/apt-get-install-locked.txt");
        assert_eq!(apt.retry(unknown, false, false), Some(Retry::Update));
        assert_eq!(apt.retry(unknown, false, true), None, "updated already");
        assert_eq!(apt.retry(interrupted, false, true), Some(Retry::Configure));
        assert_eq!(apt.retry(interrupted, true, false), None, "configured already");
        assert_eq!(apt.retry(locked, false, false), None);
    }

    #[test]
    fn lists_freshness() {
        let now = SystemTime::now();
        let hours = |h: u64| now - Duration::from_secs(h * 3600);
        assert_eq!(lists_state(&[], now), Lists::Missing);
        assert_eq!(lists_state(&[hours(1)], now), Lists::Fresh);
        assert_eq!(lists_state(&[hours(30)], now), Lists::Stale);
        assert_eq!(lists_state(&[hours(30), hours(2)], now), Lists::Fresh);
        assert_eq!(lists_state(&[now + Duration::from_secs(60)], now), Lists::Fresh);
    }

    #[test]
    fn candidates_from_apt_cache_policy() {
        assert_eq!(parse_policy(recorded!("apt", "apt-cache-policy-candidate.txt")).as_deref(), Some("15.8-0+deb12u1"));
        assert_eq!(
            parse_policy(recorded!("apt", "apt-cache-policy-installed.txt")).as_deref(),
            Some("2:9.0.1378-2+deb12u2")
        );
        assert_eq!(parse_policy(recorded!("apt", "apt-cache-policy-none.txt")), None);
        assert_eq!(parse_policy(recorded!("apt", "apt-cache-policy-unknown.txt")), None);
    }

    #[test]
    fn upstream_versions_drop_epoch_and_revision() {
        let apt = Apt::new();
        assert_eq!(apt.upstream("1:15.18-0+deb12u1"), "15.18");
        assert_eq!(apt.upstream("15.8-0+deb12u1"), "15.8");
        assert_eq!(apt.upstream("8:6.9.11.60+dfsg-1.6+deb12u2"), "6.9.11.60+dfsg");
        assert_eq!(apt.upstream("1:1.2.13.dfsg-1"), "1.2.13.dfsg");
        assert_eq!(apt.upstream("20230311"), "20230311");
        // A hyphen in the upstream part is allowed when there is a revision.
        assert_eq!(apt.upstream("2.0-rc1-3"), "2.0-rc1");
    }

    #[test]
    fn install_errors_name_unknown_packages() {
        let apt = Apt::new();
        assert_eq!(
            apt.not_found(include_str!("../../tests/fixtures/packages/apt/apt-get-install-unable-to-locate.txt")),
            ["libpq-dev"]
        );
        assert_eq!(
            apt.not_found(include_str!("../../tests/fixtures/packages/apt/apt-get-install-no-candidate.txt")),
            ["postgresql-16"]
        );
        let locked = include_str!("../../tests/fixtures/packages/apt/apt-get-install-locked.txt");
        assert!(apt.not_found(locked).is_empty());
        assert!(!says_interrupted(locked));
        assert!(says_interrupted(include_str!("../../tests/fixtures/packages/apt/apt-get-install-interrupted.txt")));
    }
}
