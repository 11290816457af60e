//! `devup export`: the exported script, run with `sh` in the sandbox, converges the project as
//! devup does, and devup agrees afterwards.

use crate::converge::every_kind;
use crate::support::Sandbox;

#[test]
fn the_script_converges_and_devup_finds_nothing_to_change() {
    let sb = every_kind();
    sb.devup(&["export", "script", "-o", "converge.sh"]).code(0).stderr_has("wrote converge.sh");
    // Exporting changes nothing: no state, nothing built.
    assert_eq!(std::fs::read_dir(sb.state_dir()).unwrap().count(), 0);
    assert!(!sb.path("vendor").exists());
    let script = sb.read("converge.sh");
    assert!(script.starts_with("#!/bin/sh\n# Converges the project `kinds` on debian-"), "{script}");
    assert!(script.contains("set -eu\n"));

    let first = sb.sh("sh converge.sh");
    first.code(0).stdout_has("changed  dependencies.demo.install").stdout_has("kinds: 1 ok, 6 changed, 0 failed");
    assert_eq!(sb.read("build/app.conf"), "greeting = hi there\n");
    assert_eq!(sb.read("flag"), "hi there\n");
    assert_eq!(std::fs::read_link(sb.path("current")).unwrap().to_str(), Some("build"));

    sb.devup(&["plan"]).code(0).stdout_has("all 7 steps are satisfied");
    sb.sh("sh converge.sh").code(0).stdout_has("kinds: 7 ok, 0 changed, 0 failed");
    assert_eq!(sb.calls("demo-tool").iter().filter(|c| *c == "install").count(), 1);
    sb.devup(&["--yes"]).code(0);
    assert_eq!(sb.devup(&[]).summary(), (7, 0, 0, 0));
}

#[test]
fn script_and_devup_agree_on_a_changed_lockfile() {
    let sb = every_kind();
    sb.devup(&["--yes"]).code(0);
    sb.devup(&["export", "script", "-o", "converge.sh"]).code(0);
    // What devup installed, the script finds done.
    sb.sh("sh converge.sh").code(0).stdout_has("kinds: 7 ok, 0 changed");
    sb.write("lock.txt", "v2\n");
    sb.devup(&["plan"]).code(2).stdout_has("lock.txt");
    sb.sh("sh converge.sh").code(0).stdout_has("changed  dependencies.demo.install");
    sb.devup(&["plan"]).code(0);
}

#[test]
fn a_failing_step_stops_the_script_naming_it() {
    let sb = Sandbox::new().manifest(
        "[project]\nname = \"p\"\n[[step]]\nname = \"broken\"\ncheck = \"test -f never\"\napply = \"echo no disk >&2; exit 3\"\n",
    );
    let out = sb.devup(&["export", "script"]);
    out.code(0);
    sb.write("converge.sh", &out.stdout);
    sb.sh("sh converge.sh")
        .code(1)
        .stderr_has("no disk")
        .stderr_has("error: step step.broken: applying it failed (exit code 3)");
}

#[test]
fn values_stay_quoted_in_the_script() {
    let sb = Sandbox::new().manifest(
        "[project]\nname = \"p\"\n[env]\nNOTE = \"it's $(touch pwned)\"\n[[step]]\nname = \"x\"\ncheck = \"test -f out\"\napply = \"printf '%s' \\\"$NOTE\\\" > out\"\n",
    );
    let out = sb.devup(&["export", "script"]);
    sb.write("converge.sh", &out.stdout);
    sb.sh("sh converge.sh").code(0);
    assert_eq!(sb.read("out"), "it's $(touch pwned)");
    assert!(!sb.path("pwned").exists());
}

#[test]
fn other_platforms_are_refused_with_the_supported_ones() {
    let sb = Sandbox::new().manifest("[project]\nname = \"p\"\n");
    sb.devup(&["export", "script", "--platform", "fedora-40"])
        .code(4)
        .stderr_has("Debian and Ubuntu")
        .stderr_has("--platform debian-12");
    sb.devup(&["export", "script", "--platform", "ubuntu-24.04"]).code(0).stdout_has("on ubuntu-24.04");
}

#[test]
fn the_dockerfile_installs_from_lockfiles_before_copying_the_code() {
    let sb = every_kind();
    let out = sb.devup(&["export", "dockerfile", "--platform", "debian-12"]);
    out.code(0);
    let text = &out.stdout;
    let at = |needle: &str| text.find(needle).unwrap_or_else(|| panic!("no `{needle}` in:\n{text}"));
    assert!(at("FROM debian:12") < at("RUN apt-get update"));
    assert!(at("RUN apt-get update") < at(r#"COPY ["lock.txt", "/workspace/lock.txt"]"#));
    assert!(at(r#"COPY ["lock.txt""#) < at(r#"RUN ["/bin/sh", "-c", "set -eu"#));
    assert!(at(r#"demo-tool install\n"#) < at("COPY . ."));
    assert!(!text.contains("<<") && !text.contains("# syntax="), "only what every builder reads:\n{text}");
    assert_eq!(std::fs::read_dir(sb.state_dir()).unwrap().count(), 0, "exporting changes nothing");

    let json = sb.devup(&["export", "devcontainer"]);
    json.code(0);
    let value: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(value["build"]["dockerfile"], "Dockerfile");
    assert_eq!(value["workspaceFolder"], "/workspace");
}

/// A project whose install keeps its stamp inside what it builds, as the built-in recipes do
/// (`node_modules/.devup-fingerprint`), and reads a file it also builds (as pip's venv step reads
/// `.venv/bin/python`).
fn stamped_install() -> Sandbox {
    Sandbox::new()
        .manifest("[project]\nname = \"img\"\n[dependencies]\nvend = {}\n")
        .file("web/lock.txt", "v1\n")
        .file(
            ".devup/recipes/dependencies/vend.toml",
            r#"
description = "vendored packages"
[[step]]
id = "tool"
kind = "binary"
command = "demo-tool"

[[step]]
id = "install"
kind = "deps"
run = "demo-tool install"
cwd = "web"
inputs = ["web/lock.txt", "web/vendor/bin/tool"]
outputs = ["web/vendor"]
stamp = "web/vendor/.devup-fingerprint"
tools = ["demo-tool"]
requires = ["tool"]
"#,
        )
        .stub(
            "demo-tool",
            "case \"$1\" in --version) echo 'demo-tool 1.4.0';; install) mkdir -p vendor/bin && touch vendor/bin/tool;; esac",
        )
}

/// The shell of each `RUN ["/bin/sh", "-c", "..."]` of a Dockerfile (the exec form every builder
/// reads; here-documents are refused by buildah 1.28).
fn shell_runs(dockerfile: &str) -> Vec<String> {
    dockerfile
        .lines()
        .filter_map(|line| line.strip_prefix("RUN "))
        .filter(|json| json.starts_with('['))
        .map(|json| {
            let words: Vec<String> = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {json}"));
            assert_eq!(words[..2], ["/bin/sh", "-c"], "{json}");
            words[2].clone()
        })
        .collect()
}

/// The shell of each dependency install of a Dockerfile (not the code stage's `rm`).
fn install_runs(dockerfile: &str) -> Vec<String> {
    shell_runs(dockerfile).into_iter().filter(|run| run.starts_with("set -eu\n")).collect()
}

#[test]
fn the_dockerfile_installs_leave_the_stamps_devup_reads() {
    let sb = stamped_install();
    // Built where the export runs: the image must not copy it, it builds its own.
    sb.write("web/vendor/bin/tool", "local\n");
    let out = sb.devup(&["export", "dockerfile", "--platform", "debian-12"]);
    out.code(0);
    let text = &out.stdout;
    let at = |needle: &str| text.find(needle).unwrap_or_else(|| panic!("no `{needle}` in:\n{text}"));
    assert!(at(r#"COPY ["web/lock.txt", "/workspace/web/lock.txt"]"#) < at(r#"RUN ["/bin/sh", "-c", "set -eu"#));
    assert!(!text.contains(r#"COPY ["web/vendor"#), "an input the install builds is not copied:\n{text}");
    // The code comes from a stage that dropped a local copy of what the installs build.
    assert!(at("FROM debian:12 AS code\nCOPY . /workspace\n") < at("FROM debian:12 AS base\n"), "{text}");
    assert!(text.contains(r#"RUN ["/bin/sh", "-c", "rm -rf /workspace/web/vendor"]"#), "{text}");
    assert!(at(r#"RUN ["/bin/sh", "-c", "set -eu"#) < at("COPY --from=code /workspace /workspace\n"), "{text}");
    assert!(!text.contains("COPY . .\n"), "{text}");
    // What it builds is a directory of the project: it installs in a stage of its own, which the
    // image copies in before the code.
    assert!(at("FROM base AS install-web-vendor\n") < at(r#"COPY ["web/lock.txt""#), "{text}");
    let copy_in = r#"COPY --from=install-web-vendor ["/workspace/web/vendor", "/workspace/web/vendor"]"#;
    assert!(at("\nFROM base\n") < at(copy_in) && at(copy_in) < at("COPY --from=code"), "{text}");
    let runs = install_runs(text);
    assert_eq!(runs.len(), 1, "{text}");
    // The helpers the record needs are defined in the RUN itself.
    assert!(runs[0].starts_with("set -eu\n") && runs[0].contains("tool_identity() {"), "{}", runs[0]);

    // The RUN, in the project as the image has it, then devup there: nothing to install.
    std::fs::remove_dir_all(sb.path("web/vendor")).unwrap();
    sb.sh(&runs[0]).code(0);
    assert!(sb.path("web/vendor/.devup-fingerprint").is_file());
    sb.devup(&["plan"]).code(0).stdout_has("all 2 steps are satisfied");
    assert_eq!(sb.devup(&["--yes"]).summary(), (2, 0, 0, 0));
    assert_eq!(sb.calls("demo-tool").iter().filter(|c| *c == "install").count(), 1);

    // The devcontainer keeps what the image built in a volume of its own, not under the bind mount.
    let json: serde_json::Value = serde_json::from_str(&sb.devup(&["export", "devcontainer"]).stdout).unwrap();
    assert_eq!(json["mounts"][0], "source=devup-${devcontainerId}-web-vendor,target=/workspace/web/vendor,type=volume");
}

/// Two installs that each build a directory of the project (the second in two steps, as pip's
/// venv then its requirements), one that keeps its record in devup's state, and one that needs
/// the first directory.
fn installs_of_every_place() -> Sandbox {
    let deps = |id: &str, lock: &str, stamp: &str, requires: &str| {
        let lock = if lock.is_empty() { String::new() } else { format!("\"{lock}\"") };
        let stamp = if stamp.is_empty() { String::new() } else { format!("stamp = \"{stamp}\"\n") };
        format!(
            "[[step]]\nid = \"{id}\"\nkind = \"deps\"\nrun = \"touch {id}.done\"\ninputs = [{lock}]\n{stamp}requires = [{requires}]\n"
        )
    };
    let recipe = [
        deps("web", "web.lock", "web/node_modules/.devup-fingerprint", ""),
        deps("system", "system.lock", "", ""),
        deps("env", "", "env/.devup-env", ""),
        deps("env-packages", "env.lock", "env/.devup-packages", "\"env\""),
        deps("uses-web", "uses.lock", "", "\"web\""),
    ]
    .concat();
    let mut sb = Sandbox::new()
        .manifest("[project]\nname = \"places\"\n[dependencies]\nall = {}\n")
        .file(".devup/recipes/dependencies/all.toml", &format!("description = \"installs\"\n{recipe}"));
    for lock in ["web.lock", "system.lock", "env.lock", "uses.lock"] {
        sb = sb.file(lock, "v1\n");
    }
    sb
}

/// A changed lockfile re-runs its own install only: each directory an install builds is a stage
/// of its own from the base, with only its inputs; what writes elsewhere, or needs a stage's
/// result, stays in the image's sequence, before or after the stages are copied in.
#[test]
fn installs_that_build_a_directory_run_in_stages_of_their_own() {
    let sb = installs_of_every_place();
    let out = sb.devup(&["export", "dockerfile", "--platform", "debian-12"]);
    out.code(0);
    let text = &out.stdout;
    // The Dockerfile's instructions but the shell of its RUNs and the environment.
    let skeleton: Vec<String> = text
        .lines()
        .filter(|l| {
            l.starts_with("FROM ") || l.starts_with("COPY ") || l.starts_with("RUN [\"/bin/sh\", \"-c\", \"set -eu")
        })
        .map(|l| {
            if l.starts_with("RUN ") {
                format!("RUN {}", l.split("\\ntouch ").nth(1).map_or("", |r| r.split('\\').next().unwrap_or(r)))
            } else {
                l.to_string()
            }
        })
        .collect();
    assert_eq!(
        skeleton,
        [
            "FROM debian:12 AS code",
            "COPY . /workspace",
            "FROM debian:12 AS base",
            "FROM base AS install-web-node_modules",
            r#"COPY ["web.lock", "/workspace/web.lock"]"#,
            "RUN web.done",
            "FROM base AS install-env",
            "RUN env.done",
            r#"COPY ["env.lock", "/workspace/env.lock"]"#,
            "RUN env-packages.done",
            "FROM base",
            r#"COPY ["system.lock", "/workspace/system.lock"]"#,
            "RUN system.done",
            r#"COPY --from=install-web-node_modules ["/workspace/web/node_modules", "/workspace/web/node_modules"]"#,
            r#"COPY --from=install-env ["/workspace/env", "/workspace/env"]"#,
            r#"COPY ["uses.lock", "/workspace/uses.lock"]"#,
            "RUN uses-web.done",
            "COPY --from=code /workspace /workspace",
        ],
        "{text}"
    );
    assert!(text.contains(r#"RUN ["/bin/sh", "-c", "rm -rf /workspace/web/node_modules /workspace/env"]"#), "{text}");
    // The devcontainer keeps each of those directories in a volume.
    let json: serde_json::Value = serde_json::from_str(&sb.devup(&["export", "devcontainer"]).stdout).unwrap();
    assert_eq!(json["mounts"].as_array().map(Vec::len), Some(2), "{json}");
}

#[test]
fn a_stamp_kept_in_the_state_goes_to_the_state_of_where_the_install_runs() {
    let sb = every_kind();
    let text = sb.devup(&["export", "dockerfile", "--platform", "debian-12"]).stdout;
    let runs = install_runs(&text);
    assert_eq!(runs.len(), 1, "{text}");
    // devup's state for the project where it is built (root's, for /workspace, in an image).
    assert!(runs[0].contains("devup_dirs kinds\n") && runs[0].contains(">\"${devup_state_dir}\"/deps/"), "{}", runs[0]);
    assert!(!text.contains(&sb.state_dir().display().to_string()), "{text}");
    // Run where the project is here, the install leaves its stamp where devup here reads it.
    sb.sh(&runs[0]).code(0);
    let plan = sb.devup(&["plan"]);
    plan.code(2).stdout_has("5 of 7 steps to change");
    assert!(!plan.stdout.contains("dependencies.demo.install"), "{}", plan.stdout);
}

/// A command found in a version directory of a search path (as Debian's pg_ctl is in
/// /usr/lib/postgresql/15/bin): the script finds it there, newest first, and the steps after it
/// run that one, as devup does.
#[test]
fn the_script_finds_a_command_in_version_directories_and_the_next_steps_run_it() {
    let recipe = "description = \"demo\"\nshorthand = \"version\"\n[params.version]\ntype = \"version\"\ndefault = \"*\"\n\
                  [[step]]\nid = \"demo\"\nkind = \"binary\"\ncommand = \"devup-demo-ctl\"\nversion = \"{version}\"\n\
                  paths = [\"~/demo tools/*/bin\"]\n";
    let manifest = "[project]\nname = \"p\"\n[languages]\ndemo = \"2\"\n\n[[step]]\nname = \"use\"\n\
                    requires = [\"languages.demo\"]\ncheck = \"test -f used.txt\"\napply = \"devup-demo-ctl > used.txt\"\n";
    let sb = Sandbox::new().manifest(manifest).file(".devup/recipes/languages/demo.toml", recipe);
    let home = sb.project().parent().unwrap().join("home");
    for v in ["1.0.0", "2.0.0"] {
        let bin = home.join(format!("demo tools/{v}/bin"));
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::write(bin.join("devup-demo-ctl"), format!("#!/bin/sh\necho devup-demo-ctl {v}\n")).unwrap();
        std::fs::set_permissions(bin.join("devup-demo-ctl"), std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
    }
    sb.devup(&["export", "script", "-o", "converge.sh"]).code(0);
    sb.sh("sh converge.sh").code(0).stdout_has("ok       languages.demo").stdout_has("changed  step.use");
    assert_eq!(sb.read("used.txt"), "devup-demo-ctl 2.0.0\n");
    sb.devup(&["plan"]).code(0);
}
