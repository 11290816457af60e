//! A new user's first minutes: install.sh says what it does while it builds and what to do
//! next; devup without a project file says how to get one.

use crate::support::Sandbox;

/// install.sh with a stand-in cargo (the real build takes minutes): progress is cargo's own,
/// not hidden, and the script ends with the next steps on a project.
#[test]
fn install_sh_shows_progress_and_what_to_do_next() {
    let sb = Sandbox::new();
    let prefix = sb.root().join("prefix");
    // The stand-in "installs" a devup that records how it was run.
    let sb = sb.stub(
        "cargo",
        &format!(
            "echo '   Compiling devup v0.1.0 (stand-in)' >&2\nmkdir -p '{0}/bin'\n\
             printf '#!/bin/sh\\necho \"$*\" >> \"{0}/devup.calls\"\\n' > '{0}/bin/devup'\nchmod +x '{0}/bin/devup'",
            prefix.display()
        ),
    );
    let install = concat!(env!("CARGO_MANIFEST_DIR"), "/install.sh");
    let mut cmd = sb.program("sh", &[install]);
    cmd.env("DEVUP_PREFIX", &prefix);
    let out = cmd.output().unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    let cargo = sb.calls("cargo").join("\n");
    assert!(cargo.starts_with("install --locked") && !cargo.contains("--quiet"), "cargo's progress is shown: {cargo}");
    assert!(stderr.contains("Compiling devup"), "{stderr}");
    let building = stdout.find("==> building devup").expect("says it builds");
    let next = stdout.find("Next, on your project:").expect("ends with what to do next");
    assert!(building < next, "{stdout}");
    for line in ["cd ~/src/your-project", "devup init", "devup plan", "devup activate bash"] {
        assert!(stdout[next..].contains(line), "{line:?} in\n{stdout}");
    }
    // Not on PATH here: the next steps name the installed binary, and say how to add it.
    assert!(stdout.contains(&format!("{}/bin/devup init", prefix.display())), "{stdout}");
    assert!(stdout.contains("is not on your PATH"), "{stdout}");
    let calls = std::fs::read_to_string(prefix.join("devup.calls")).unwrap();
    assert!(calls.lines().any(|l| l == format!("man --dir {}/share/man/man1", prefix.display())), "{calls}");
    assert!(calls.contains("--yes --trust"), "{calls}");
}

#[test]
fn devup_without_a_project_file_suggests_devup_init() {
    let sb = Sandbox::new();
    std::fs::remove_file(sb.path("devup.toml")).ok();
    sb.devup(&[]).code(3).stderr_has("no devup.toml in").stderr_has("hint: run `devup init`");
    sb.devup(&["plan"]).code(3).stderr_has("hint: run `devup init`");
}
