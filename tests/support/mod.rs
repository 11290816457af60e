//! The sandbox every integration test runs devup in.
//!
//! ```ignore
//! let sb = Sandbox::new().manifest("[[step]]\n...");
//! let run = sb.devup(&["plan"]);
//! run.code(2).stdout_has("1 of 1 steps to change");
//! ```

pub mod mirror;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The machine's directories on the sandbox's PATH, after the stubs.
const SYSTEM_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Tools that change the machine and may be on its system PATH, blocked by default. (Version
/// managers live in a user's home, which is not on the sandbox's PATH.)
const GUARDED: &[&str] = &[
    "apt-get",
    "apt",
    "apt-cache",
    "dpkg",
    "dnf",
    "yum",
    "rpm",
    "pacman",
    "apk",
    "brew",
    "sudo",
    "systemctl",
    "service",
    "rc-service",
    "corepack",
    "gem",
];

pub struct Sandbox {
    root: tempfile::TempDir,
    /// Whether runs get DEVUP_TRUST=1 (most tests are not about trust).
    trusted: bool,
    /// More variables for devup's runs.
    env: Vec<(String, String)>,
}

/// The tools recipes install as prebuilt builds, by the name of their mirror variable.
const PREBUILT_TOOLS: &[&str] = &["NODE", "NPM", "PYTHON", "POSTGRES"];

/// What a devup run did.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let sb = Sandbox { root: tempfile::tempdir().expect("temp dir"), trusted: true, env: Vec::new() };
        for dir in ["project", "home", "state", "config", "data", "bin", "log"] {
            std::fs::create_dir_all(sb.root.path().join(dir)).unwrap();
        }
        // The machine's own package managers and privilege tools are shadowed: a sandbox test
        // must never install anything for real, even when it runs as root. A test that wants
        // one stubs it over this guard.
        let present = |tool: &&&str| SYSTEM_PATH.split(':').any(|dir| Path::new(dir).join(tool).exists());
        GUARDED.iter().filter(present).fold(sb, |sb, tool| {
            sb.stub(tool, &format!("echo 'devup sandbox: the real {tool} is blocked in tests' >&2; exit 97"))
        })
    }

    /// The sandbox's root: `project`, `home`, `state`... are in it.
    pub fn root(&self) -> &Path {
        self.root.path()
    }

    /// The project directory (where devup.toml goes).
    pub fn project(&self) -> PathBuf {
        self.root.path().join("project")
    }

    pub fn state_dir(&self) -> PathBuf {
        self.root.path().join("state")
    }

    pub fn data_dir(&self) -> PathBuf {
        self.root.path().join("data")
    }

    pub fn config_dir(&self) -> PathBuf {
        self.root.path().join("config")
    }

    /// A path inside the project.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.project().join(rel)
    }

    /// Sets a variable for devup's runs (after the sandbox's own, so it may replace one).
    pub fn env(mut self, key: &str, value: &str) -> Sandbox {
        self.env.push((key.to_string(), value.to_string()));
        self
    }

    /// Where prebuilt builds are installed in this sandbox.
    pub fn tools_dir(&self) -> PathBuf {
        self.root.path().join("tools")
    }

    /// Runs without DEVUP_TRUST: the project's commands need approval as for a new user.
    pub fn untrusted(mut self) -> Sandbox {
        self.trusted = false;
        self
    }

    pub fn manifest(self, text: &str) -> Sandbox {
        self.file("devup.toml", text)
    }

    /// Writes a file in the project.
    pub fn file(self, rel: &str, content: &str) -> Sandbox {
        write(&self.path(rel), content.as_bytes());
        self
    }

    pub fn write(&self, rel: &str, content: &str) {
        write(&self.path(rel), content.as_bytes());
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap_or_else(|e| panic!("cannot read {rel}: {e}"))
    }

    /// An executable on the sandbox's PATH, before the system's. Every call appends its
    /// arguments as one line to the stub's log; then `script` (sh) runs.
    pub fn stub(self, name: &str, script: &str) -> Sandbox {
        let log = self.root.path().join("log").join(name);
        let path = self.root.path().join("bin").join(name);
        write(&path, format!("#!/bin/sh\necho \"$*\" >> '{}'\n{script}\n", log.display()).as_bytes());
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        self
    }

    /// The argument lines a stub was called with, in order.
    pub fn calls(&self, name: &str) -> Vec<String> {
        std::fs::read_to_string(self.root.path().join("log").join(name))
            .map(|text| text.lines().map(str::to_string).collect())
            .unwrap_or_default()
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_devup"));
        cmd.args(args)
            .current_dir(self.project())
            .env_clear()
            .env("PATH", format!("{}:{SYSTEM_PATH}", self.root.path().join("bin").display()))
            .env("HOME", self.root.path().join("home"))
            .env("DEVUP_STATE_DIR", self.state_dir())
            .env("DEVUP_CONFIG_DIR", self.config_dir())
            .env("DEVUP_DATA_DIR", self.data_dir())
            .env("DEVUP_TOOLS_DIR", self.root.path().join("tools"))
            .env("DEVUP_CACHE_DIR", self.root.path().join("cache"))
            .env("CI", "true")
            .env("NO_COLOR", "1")
            .env("RUST_BACKTRACE", "1");
        if self.trusted {
            cmd.env("DEVUP_TRUST", "1");
        }
        // Prebuilt builds come from nowhere: a sandbox never reaches the network (port 9 on
        // loopback refuses at once). A test that wants builds serves them and sets its own.
        for tool in PREBUILT_TOOLS {
            cmd.env(format!("DEVUP_MIRROR_{tool}"), "http://127.0.0.1:9");
        }
        for (key, value) in &self.env {
            cmd.env(key, value);
        }
        cmd
    }

    /// A program (a shell) started in the project with the environment devup gets.
    pub fn program(&self, program: &str, args: &[&str]) -> Command {
        let mut cmd = Command::new(program);
        cmd.args(args).current_dir(self.project()).env_clear();
        for (key, value) in self.command(&[]).get_envs() {
            if let Some(value) = value {
                cmd.env(key, value);
            }
        }
        cmd
    }

    /// Runs a shell script (`sh -c`) in the project, with the environment devup gets.
    pub fn sh(&self, script: &str) -> Run {
        let out = self.program("sh", &["-c", script]).output().expect("sh runs");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    pub fn devup(&self, args: &[&str]) -> Run {
        let out = self.command(args).output().expect("devup runs");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

fn write(path: &Path, content: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
}

impl Run {
    #[track_caller]
    pub fn code(&self, expected: i32) -> &Run {
        assert_eq!(self.code, expected, "exit code\n--- stdout\n{}\n--- stderr\n{}", self.stdout, self.stderr);
        self
    }

    #[track_caller]
    pub fn stdout_has(&self, text: &str) -> &Run {
        assert!(
            self.stdout.contains(text),
            "stdout lacks {text:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    #[track_caller]
    pub fn stderr_has(&self, text: &str) -> &Run {
        assert!(
            self.stderr.contains(text),
            "stderr lacks {text:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    /// The summary line's counts: (ok, changed, failed, skipped).
    #[track_caller]
    pub fn summary(&self) -> (usize, usize, usize, usize) {
        let line = self
            .stderr
            .lines()
            .rev()
            .find(|l| l.contains(" ok, "))
            .unwrap_or_else(|| panic!("no summary in\n{}", self.stderr));
        let n: Vec<usize> = line.split(", ").map(|part| part.split(' ').next().unwrap().parse().unwrap()).collect();
        (n[0], n[1], n[2], n[3])
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", self.stdout))
    }
}
