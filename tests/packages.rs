//! System packages through apt, against a fake dpkg database (`DPKG_ADMINDIR`) and stub
//! `apt-get`, `dpkg`, `apt-cache` and `sudo` that log their calls and edit that database the
//! way the real ones would.
//!
//! apt refreshes package lists older than a day before installing; the lists are the
//! machine's, so a test counts `apt-get install` calls and allows an `apt-get update`.

use crate::support::{Run, Sandbox};

const RECIPE: &str = r#"
description = "system packages"

[[step]]
id = "system"
kind = "package"
packages = ["libpq-dev", { name = "magick", apt = "imagemagick", dnf = "ImageMagick" }, "git"]
"#;

/// One installed package (git), the others missing.
const STATUS: &str = "\
Package: git
Status: install ok installed
Architecture: amd64
Version: 1:2.39.5-0+deb12u1

Package: postgresql-15
Status: deinstall ok config-files
Architecture: amd64
Version: 15.8-0+deb12u1
";

/// A project whose recipe installs packages, with stubs that log every call (in one shared
/// log too, to see the order) and mark installed what they are asked to install.
fn project(status: &str) -> Sandbox {
    let sb = Sandbox::new()
        .manifest("[project]\nname = \"pk\"\n\n[dependencies]\nx = {}\n")
        .file(".devup/recipes/dependencies/x.toml", RECIPE)
        .file("dpkg/status", status);
    let order = sb.path("order.log");
    let log = |tool: &str| format!("echo \"{tool} $*\" >> '{}'", order.display());
    sb.stub(
        "apt-get",
        &format!(
            r#"{}
case " $* " in
*" install "*)
    skip=
    for p in "$@"; do
        if [ -n "$skip" ]; then skip=; continue; fi
        case "$p" in
        -o) skip=1;;
        -*|install) ;;
        *) printf '\nPackage: %s\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.0-1\n' "$p" >> "$DPKG_ADMINDIR/status";;
        esac
    done;;
esac"#,
            log("apt-get")
        ),
    )
    .stub(
        "dpkg",
        &format!(
            r#"{}
[ "$1" = --configure ] && sed -i 's/install ok half-configured/install ok installed/' "$DPKG_ADMINDIR/status""#,
            log("dpkg")
        ),
    )
    .stub("apt-cache", &log("apt-cache"))
    .stub("apt", "true")
    .stub(
        "sudo",
        &format!(
            "{}\nwhile [ \"$1\" = -n ]; do shift; done\nexec env \"$@\"",
            log("sudo")
        ),
    )
}

fn devup(sb: &Sandbox, args: &[&str]) -> Run {
    let out = sb.command(args).env("DPKG_ADMINDIR", sb.path("dpkg")).output().expect("devup runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn installs(sb: &Sandbox) -> Vec<String> {
    sb.calls("apt-get").into_iter().filter(|c| c.contains(" install ")).collect()
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

#[test]
fn converge_installs_every_missing_package_in_one_apt_get_call() {
    let sb = project(STATUS);
    devup(&sb, &["plan"]).code(2).stdout_has("not installed: libpq-dev, imagemagick").stdout_has(
        "apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends -o Dpkg::Options::=--force-confold libpq-dev imagemagick`",
    );
    let plan = devup(&sb, &["plan", "--json"]);
    let step = &plan.json()["steps"][0];
    assert_eq!(step["id"], "dependencies.x.system");
    assert_eq!(step["description"], "packages libpq-dev, imagemagick, git");
    assert!(sb.calls("apt-get").is_empty(), "plan installs nothing");

    let run = devup(&sb, &["--yes"]);
    run.code(0);
    assert_eq!(run.summary(), (0, 1, 0, 0), "{}", run.stderr);
    assert_eq!(
        installs(&sb),
        [
            "-o DPkg::Lock::Timeout=300 install -y --no-install-recommends -o Dpkg::Options::=--force-confold libpq-dev imagemagick"
        ]
    );
    assert!(sb.calls("dpkg").is_empty(), "nothing was broken");
    assert!(sb.calls("apt-cache").is_empty(), "no version was asked for");
}

#[test]
fn a_second_run_spawns_nothing_for_packages() {
    let sb = project(STATUS);
    devup(&sb, &["--yes"]).code(0);
    let calls = sb.calls("apt-get").len();
    let run = devup(&sb, &["--timings"]);
    run.code(0).stderr_has("0 processes started");
    assert_eq!(run.summary(), (1, 0, 0, 0), "{}", run.stderr);
    assert_eq!(sb.calls("apt-get").len(), calls);
    devup(&sb, &["plan"]).code(0).stdout_has("all 1 steps are satisfied");
}

#[test]
fn a_half_configured_package_is_configured_before_the_install() {
    let sb = project(&format!(
        "{STATUS}\nPackage: libpq-dev\nStatus: install ok half-configured\nArchitecture: amd64\nVersion: 15.8-0+deb12u1\n"
    ));
    devup(&sb, &["plan"])
        .code(2)
        .stdout_has("left broken by an interrupted install: libpq-dev (half-configured)")
        .stdout_has("dpkg --configure -a");
    devup(&sb, &["--yes"]).code(0);
    assert_eq!(sb.calls("dpkg"), ["--configure -a"]);
    let order: Vec<String> = std::fs::read_to_string(sb.path("order.log"))
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("dpkg") || (l.starts_with("apt-get") && l.contains(" install ")))
        .map(str::to_string)
        .collect();
    assert_eq!(
        order,
        [
            "dpkg --configure -a",
            "apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends -o Dpkg::Options::=--force-confold libpq-dev imagemagick"
        ]
    );
    // The repaired database is read again: the next run has nothing to do.
    devup(&sb, &["plan"]).code(0);
}

#[test]
fn sudo_n_is_used_exactly_when_devup_is_not_root() {
    let sb = project(STATUS);
    let plan = devup(&sb, &["plan", "--json"]);
    plan.code(2);
    let step = &plan.json()["steps"][0];
    let action = step["action"].as_str().unwrap();
    let install = "DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends -o Dpkg::Options::=--force-confold libpq-dev imagemagick`";
    devup(&sb, &["--yes"]).code(0);
    if is_root() {
        // Tests usually run as root in containers: no sudo at all (the `sudo -n` path is
        // covered by the unit tests of `packages::privilege` and the `package` kind).
        assert!(
            action.ends_with(&format!("run `{install}")) || action.ends_with(&format!("then `{install}")),
            "{action}"
        );
        assert_eq!(step["needs_root"], false);
        assert!(sb.calls("sudo").is_empty());
    } else {
        assert!(action.ends_with(&format!("`sudo -n {install}")), "{action}");
        assert_eq!(step["needs_root"], true);
        assert!(sb.calls("sudo").contains(
            &"-n DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends -o Dpkg::Options::=--force-confold libpq-dev imagemagick".to_string()
        ));
    }
}

#[test]
fn an_unknown_package_is_retried_once_after_refreshing_the_lists_then_explained() {
    let sb = project(STATUS).stub(
        "apt-get",
        r#"case " $* " in *" install "*) echo "E: Unable to locate package libpq-dev" >&2; exit 100;; esac"#,
    );
    let run = devup(&sb, &["--yes"]);
    run.code(1).stderr_has("Unable to locate package libpq-dev").stderr_has("apt has no package named libpq-dev");
    // One refresh: before the install when the machine's lists are old, else after the
    // first failure, followed by the one retry.
    let install = "-o DPkg::Lock::Timeout=300 install -y --no-install-recommends -o Dpkg::Options::=--force-confold libpq-dev imagemagick";
    let calls = sb.calls("apt-get");
    let update = "-o DPkg::Lock::Timeout=300 update";
    assert!(calls == [update, install] || calls == [install, update, install], "{calls:?}");
}

#[test]
fn the_packages_section_installs_logical_names_in_one_call() {
    let sb = project(STATUS);
    // libpq's built-in recipe names it libpq-dev on apt; an inline name wins over a recipe.
    sb.write(
        "devup.toml",
        "[packages]\nlibpq = \"*\"\ngit = \">=2\"\nmagick = { apt = \"imagemagick\", brew = \"imagemagick\" }\n",
    );
    let plan = devup(&sb, &["plan", "--json"]);
    plan.code(2);
    assert_eq!(plan.json()["steps"][0]["id"], "packages");
    devup(&sb, &["--yes"]).code(0);
    assert_eq!(
        installs(&sb),
        [
            "-o DPkg::Lock::Timeout=300 install -y --no-install-recommends -o Dpkg::Options::=--force-confold libpq-dev imagemagick"
        ]
    );
    assert_eq!(devup(&sb, &[]).code(0).summary(), (1, 0, 0, 0));
}

#[test]
fn the_packages_section_rejects_unknown_managers_and_bad_versions() {
    let sb = project(STATUS);
    sb.write("devup.toml", "[packages]\nlibpq = { atp = \"libpq-dev\" }\n");
    devup(&sb, &["plan"]).code(3).stderr_has("devup.toml:2:11").stderr_has("did you mean `apt`?");
    sb.write("devup.toml", "[packages]\ngit = \">=two\"\n");
    devup(&sb, &["plan"]).code(3).stderr_has("devup.toml:2:7").stderr_has("not a version constraint");
    sb.write("devup.toml", "[packages]\n\"-y\" = \"*\"\n");
    devup(&sb, &["plan"]).code(3).stderr_has("not a package name");
}
