//! `devup export` carries nothing of the machine it is made on: the same text from another
//! project path, another home and a busy port; the script converges a copy of the project at
//! another path, choosing its ports there, and devup afterwards agrees and starts nothing. And
//! writing an export changes nothing but its output file.

use std::net::TcpListener;
use std::path::{Path, PathBuf};

use crate::converge::every_kind;
use crate::services::{SERVER, free_port, recipe};
use crate::support::{Run, Sandbox};

/// Every kind of step, and a server of the project's own (a fake datastore preferring `port`).
fn project(port: u16) -> Servers {
    let sb = every_kind()
        .manifest(
            "[project]\nname = \"kinds\"\n[dependencies]\ndemo = { greeting = \"hi there\" }\n\
             [datastores]\nfake = {}\n[env]\nAPP_URL = \"{datastores.fake.FAKE_URL}\"\n\
             [[step]]\nname = \"marker\"\ncheck = \"test -f marker\"\napply = \"touch marker\"\nrequires = [\"demo\"]\n",
        )
        .file(".devup/recipes/datastores/fake.toml", &recipe(port))
        .file("server.py", SERVER);
    Servers { sb }
}

/// A sandbox whose fake servers (at any project path) are killed when the test ends.
struct Servers {
    sb: Sandbox,
}

impl Drop for Servers {
    fn drop(&mut self) {
        for dir in std::fs::read_dir(self.sb.data_dir().join("projects")).into_iter().flatten().flatten() {
            if let Ok(pid) = std::fs::read_to_string(dir.path().join("fake/pid")) {
                let _ = std::process::Command::new("kill").arg("-9").arg(pid.trim()).status();
            }
        }
    }
}

/// A copy of the project at another path, as another clone of the repository.
fn copy_project(sb: &Sandbox, to: &Path) {
    let status = std::process::Command::new("cp").arg("-a").arg(sb.project()).arg(to).status().unwrap();
    assert!(status.success());
}

fn run(cmd: &mut std::process::Command) -> Run {
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The three exports, made in `dir` with `home`.
fn exports(sb: &Sandbox, dir: &Path, home: &Path) -> Vec<String> {
    ["script", "dockerfile", "devcontainer"]
        .iter()
        .map(|what| {
            let out = run(sb.command(&["export", what, "--platform", "debian-12"]).current_dir(dir).env("HOME", home));
            out.code(0);
            out.stdout
        })
        .collect()
}

#[test]
fn an_export_is_the_same_wherever_it_is_made_and_names_nothing_of_that_machine() {
    let port = free_port();
    let p = project(port);
    let sb = &p.sb;
    let root = sb.project().parent().unwrap().to_path_buf();
    let first = exports(sb, &sb.project(), &root.join("home"));

    // Another machine state: the project cloned elsewhere, another home, the preferred port busy.
    let elsewhere = root.join("clones/kinds-2");
    std::fs::create_dir_all(elsewhere.parent().unwrap()).unwrap();
    copy_project(sb, &elsewhere);
    let home = root.join("another home");
    std::fs::create_dir_all(&home).unwrap();
    let _busy = TcpListener::bind(("127.0.0.1", port)).unwrap();
    let env = run(sb.command(&["env", "--format", "json"]).current_dir(&elsewhere).env("HOME", &home));
    let moved_to: u16 = env.json()["env"]["FAKE_URL"].as_str().unwrap().rsplit(':').next().unwrap().parse().unwrap();
    assert_ne!(moved_to, port, "devup here moves to another port: {}", env.stdout);
    let second = exports(sb, &elsewhere, &home);

    for (a, b) in first.iter().zip(&second) {
        assert_eq!(a, b, "the same export from another path, home and port state");
    }
    // Nothing of either machine state: no path of theirs, no port chosen there.
    let machine: Vec<String> = vec![
        root.display().to_string(),
        sb.project().display().to_string(),
        elsewhere.display().to_string(),
        home.display().to_string(),
        sb.state_dir().display().to_string(),
        sb.data_dir().display().to_string(),
        moved_to.to_string(),
    ];
    for text in first.iter().chain(&second) {
        for value in &machine {
            assert!(!text.contains(value.as_str()), "`{value}` of the exporting machine in:\n{text}");
        }
    }
    // The image and the devcontainer name the port the server takes in a container: its preferred.
    assert!(first[1].contains(&format!("ENV APP_URL=\"fake://127.0.0.1:{port}\"")), "{}", first[1]);
    let json: serde_json::Value = serde_json::from_str(&first[2]).unwrap();
    assert_eq!(json["forwardPorts"], serde_json::json!([port]));
}

#[test]
fn the_script_converges_a_copy_at_another_path_choosing_its_ports_there_and_devup_agrees() {
    let port = free_port();
    let p = project(port);
    let sb = &p.sb;
    let root = sb.project().parent().unwrap().to_path_buf();
    sb.devup(&["export", "script", "-o", "../converge.sh"]).code(0);
    let elsewhere = root.join("elsewhere");
    copy_project(sb, &elsewhere);
    // Where the script runs, the preferred port is taken: it chooses the next free one, as devup would.
    let _busy = TcpListener::bind(("127.0.0.1", port)).unwrap();

    let first = sb.sh(&format!("sh ../converge.sh {}", elsewhere.display()));
    first.code(0).stdout_has("changed  datastores.fake.server").stdout_has("kinds: 1 ok, 7 changed, 0 failed");
    let data: Vec<PathBuf> =
        std::fs::read_dir(sb.data_dir().join("projects")).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(data.len(), 1, "one server's data, for the copy: {data:?}");
    let ports: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(data[0].join("ports.json")).unwrap()).unwrap();
    let chosen = ports["datastores.fake"].as_u64().unwrap() as u16;
    assert_ne!(chosen, port, "the busy preferred port is not taken");
    let pid = std::fs::read_to_string(data[0].join("fake/pid")).unwrap();

    // devup at that path: nothing to change, and a run starts no second server.
    let plan = run(sb.command(&["plan"]).current_dir(&elsewhere));
    plan.code(0).stdout_has("all 8 steps are satisfied");
    let env = run(sb.command(&["env", "--format", "json"]).current_dir(&elsewhere));
    assert_eq!(env.json()["env"]["APP_URL"], format!("fake://127.0.0.1:{chosen}"));
    let up = run(sb.command(&["--yes"]).current_dir(&elsewhere));
    assert_eq!(up.summary(), (8, 0, 0, 0), "{}", up.stderr);
    assert_eq!(std::fs::read_to_string(data[0].join("fake/pid")).unwrap(), pid, "the same server");
    // The script again: nothing to change either.
    sb.sh(&format!("sh ../converge.sh {}", elsewhere.display())).code(0).stdout_has("kinds: 8 ok, 0 changed, 0 failed");
}

/// `-o` names the file to write, and nothing else is changed: what is not a regular file is
/// refused and left as it was; an existing file keeps its mode.
#[test]
fn writing_an_export_changes_nothing_but_its_output_file() {
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};
    let sb = Sandbox::new().manifest("[project]\nname = \"p\"\n");
    let mode = |p: &Path| std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o7777;
    let at = |rel: &str| sb.project().parent().unwrap().join(rel);

    let fifo = at("fifo");
    assert!(std::process::Command::new("mkfifo").args(["-m", "0644"]).arg(&fifo).status().unwrap().success());
    sb.devup(&["export", "script", "-o", "../fifo"]).code(4).stderr_has("it is a FIFO");
    assert!(std::fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
    assert_eq!(mode(&fifo), 0o644);

    // A device node, where the tests can make one (as root): one of its own, never the machine's.
    let device = at("null-device");
    if std::process::Command::new("mknod")
        .args(["-m", "0666"])
        .arg(&device)
        .args(["c", "1", "3"])
        .status()
        .unwrap()
        .success()
    {
        sb.devup(&["export", "script", "-o", "../null-device"]).code(4).stderr_has("it is a device");
        assert!(std::fs::symlink_metadata(&device).unwrap().file_type().is_char_device());
        assert_eq!(mode(&device), 0o666, "the device's mode is untouched");
    } else {
        eprintln!("NOTE: not root: the device case of -o is not exercised here (the FIFO's is)");
    }

    std::fs::create_dir(at("dir")).unwrap();
    std::fs::set_permissions(at("dir"), std::fs::Permissions::from_mode(0o750)).unwrap();
    sb.devup(&["export", "script", "-o", "../dir"]).code(4).stderr_has("it is a directory");
    assert_eq!(mode(&at("dir")), 0o750);

    std::fs::write(at("target"), "kept\n").unwrap();
    std::fs::set_permissions(at("target"), std::fs::Permissions::from_mode(0o600)).unwrap();
    std::os::unix::fs::symlink(at("target"), at("link")).unwrap();
    sb.devup(&["export", "script", "-o", "../link"]).code(4).stderr_has("a symbolic link");
    assert_eq!((std::fs::read_to_string(at("target")).unwrap().as_str(), mode(&at("target"))), ("kept\n", 0o600));

    // A regular file: its content is the export, its mode stays.
    sb.devup(&["export", "script", "-o", "../target"]).code(0).stderr_has("wrote ../target");
    assert!(std::fs::read_to_string(at("target")).unwrap().starts_with("#!/bin/sh\n"));
    assert_eq!(mode(&at("target")), 0o600);
    // A new script is executable.
    sb.devup(&["export", "script", "-o", "../new.sh"]).code(0);
    assert_eq!(mode(&at("new.sh")) & 0o100, 0o100);
}
