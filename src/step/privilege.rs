//! Running a command as root or as another account (a package manager, a step's action):
//! directly when devup is root, through `sudo` otherwise. Where nobody can type a password
//! (CI, no terminal) it is `sudo -n`, and sudo asking for one becomes a failure that says what
//! to do instead of a hang.

use super::{Cx, Failure};
use crate::facts::Facts;
use crate::system::{Cmd, CmdOutput};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Elevation {
    /// Run as is: devup is root, or the manager does not want root.
    None,
    /// `sudo`, which may ask the person at the terminal for a password.
    Sudo,
    /// `sudo -n`: never prompts, fails when a password would be needed.
    SudoNonInteractive,
    /// Not root and no `sudo` on PATH.
    Unavailable,
}

impl Elevation {
    /// How to become root here.
    pub fn for_facts(facts: &Facts) -> Elevation {
        if facts.root {
            Elevation::None
        } else if !facts.sudo {
            Elevation::Unavailable
        } else if facts.interactive && !facts.ci {
            Elevation::Sudo
        } else {
            Elevation::SudoNonInteractive
        }
    }

    /// The command as it will run. sudo resets the environment, so the command's variables
    /// become `VAR=value` arguments of sudo.
    pub fn wrap(self, cmd: &Cmd) -> Cmd {
        self.wrap_as(cmd, None)
    }

    /// The command as it will run as `user` (`sudo -u`), or as root when `user` is `None`.
    fn wrap_as(self, cmd: &Cmd, user: Option<&str>) -> Cmd {
        let flags: &[&str] = match self {
            Elevation::None | Elevation::Unavailable => return cmd.clone(),
            Elevation::Sudo => &[],
            Elevation::SudoNonInteractive => &["-n"],
        };
        let as_user: Vec<&str> = user.map(|u| vec!["-u", u]).unwrap_or_default();
        let mut sudo = Cmd::new("sudo")
            .args(flags)
            .args(as_user)
            .args(cmd.env.iter().map(|(k, v)| format!("{k}={v}")))
            .arg(&cmd.program)
            .args(&cmd.args);
        sudo.cwd = cmd.cwd.clone();
        sudo
    }

    /// Runs `cmd` elevated. A command that ran and failed is an `Ok` output, for the caller to
    /// read; a failure to become root is an `Err` saying what to do.
    pub fn run(self, cx: &Cx, cmd: &Cmd) -> Result<CmdOutput, Failure> {
        self.run_as(cx, cmd, None)
    }

    /// Runs `cmd` as another account (`sudo -u`; root when `user` is `None`), as `run` does.
    pub fn run_as(self, cx: &Cx, cmd: &Cmd, user: Option<&str>) -> Result<CmdOutput, Failure> {
        let wrapped = self.wrap_as(cmd, user);
        let shown = show(&wrapped);
        if self == Elevation::Unavailable {
            let who = user.unwrap_or("root");
            return Err(Failure::new(format!(
                "`{shown}` must run as {who}; devup is not root and `sudo` is not installed"
            ))
            .with_hint("run devup as root, or install sudo and run devup again"));
        }
        let out = cx.system.run(&wrapped).map_err(|e| Failure::spawn(&shown, &e))?;
        self.interpret(&shown, out)
    }

    /// Like `run`, and a command that failed is a failure too.
    pub fn run_ok(self, cx: &Cx, cmd: &Cmd) -> Result<CmdOutput, Failure> {
        let out = self.run(cx, cmd)?;
        if out.success() { Ok(out) } else { Err(Failure::command(&show(&self.wrap(cmd)), &out)) }
    }

    /// Pure: turns sudo refusing to go on without a password into a failure with the ways out.
    fn interpret(self, shown: &str, out: CmdOutput) -> Result<CmdOutput, Failure> {
        if self == Elevation::None || out.success() || !password_required(&out.stderr) {
            return Ok(out);
        }
        Err(Failure {
            message: format!("`{shown}` needs root, and sudo asks for a password nobody can type here"),
            output: Some(out.tail(5)),
            hint: Some(
                "run devup as root, configure passwordless sudo for this user \
                 (NOPASSWD in sudoers), or run devup interactively in a terminal"
                    .into(),
            ),
        })
    }
}

/// Whether sudo's output says it needed a password it could not ask for.
fn password_required(stderr: &str) -> bool {
    stderr.lines().any(|line| {
        line.starts_with("sudo:")
            && (line.contains("a password is required") || line.contains("a terminal is required"))
    })
}
/// A command line as it will run, environment assignments first:
/// `DEBIAN_FRONTEND=noninteractive apt-get install -y libpq-dev`. Words are quoted only when a
/// shell would need it (`=` and `:` are fine, unlike in [`Cmd::display`]).
pub fn show(cmd: &Cmd) -> String {
    let env = cmd.env.iter().map(|(k, v)| format!("{k}={v}"));
    let words = std::iter::once(&cmd.program).chain(&cmd.args).map(|w| w.to_string_lossy().into_owned());
    env.chain(words)
        .map(|w| {
            let plain = !w.is_empty() && w.chars().all(|c| c.is_ascii_alphanumeric() || "-_=+:,./@%".contains(c));
            if plain { w } else { crate::shell::quote(&w) }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(root: bool, sudo: bool, interactive: bool, ci: bool) -> Facts {
        Facts { root, sudo, interactive, ci, ..Facts::for_tests() }
    }

    fn apt_install() -> Cmd {
        Cmd::new("apt-get")
            .args(["install", "-y", "libpq-dev"])
            .envs(&[("DEBIAN_FRONTEND".into(), "noninteractive".into())])
    }

    #[test]
    fn show_puts_the_environment_first() {
        let cmd = Cmd::new("apt-get").arg("install").envs(&[("DEBIAN_FRONTEND".into(), "noninteractive".into())]);
        assert_eq!(show(&cmd), "DEBIAN_FRONTEND=noninteractive apt-get install");
        let odd = Cmd::new("rpm").args(["--qf", "%{NAME}\\n", "--json=v2", "a b"]);
        assert_eq!(show(&odd), r#"rpm --qf "%{NAME}\\n" --json=v2 'a b'"#);
    }

    #[test]
    fn root_runs_as_is_and_others_use_sudo() {
        assert_eq!(Elevation::for_facts(&facts(true, true, false, true)), Elevation::None);
        assert_eq!(Elevation::for_facts(&facts(false, true, true, false)), Elevation::Sudo);
        assert_eq!(Elevation::for_facts(&facts(false, true, false, false)), Elevation::SudoNonInteractive);
        // CI with a terminal attached still cannot answer a prompt.
        assert_eq!(Elevation::for_facts(&facts(false, true, true, true)), Elevation::SudoNonInteractive);
        assert_eq!(Elevation::for_facts(&facts(false, false, true, false)), Elevation::Unavailable);
    }

    #[test]
    fn wrapping_moves_the_environment_into_sudos_arguments() {
        let cmd = apt_install();
        assert_eq!(
            show(&Elevation::SudoNonInteractive.wrap(&cmd)),
            "sudo -n DEBIAN_FRONTEND=noninteractive apt-get install -y libpq-dev"
        );
        assert_eq!(
            show(&Elevation::Sudo.wrap(&cmd)),
            "sudo DEBIAN_FRONTEND=noninteractive apt-get install -y libpq-dev"
        );
        assert_eq!(show(&Elevation::None.wrap(&cmd)), "DEBIAN_FRONTEND=noninteractive apt-get install -y libpq-dev");
        assert!(Elevation::Sudo.wrap(&cmd).env.is_empty());
    }

    fn output(code: i32, stderr: &str) -> CmdOutput {
        CmdOutput { code: Some(code), stdout: String::new(), stderr: stderr.to_string() }
    }

    #[test]
    fn a_password_prompt_becomes_a_failure_with_the_ways_out() {
        for fixture in [
            include_str!("../../tests/fixtures/packages/sudo/password-required.txt"),
            include_str!("../../tests/fixtures/packages/sudo/terminal-required.txt"),
        ] {
            let failure = Elevation::SudoNonInteractive
                .interpret("sudo -n apt-get install -y x", output(1, fixture))
                .unwrap_err();
            assert!(failure.message.contains("needs root"), "{failure:?}");
            let hint = failure.hint.unwrap();
            for way in ["as root", "passwordless sudo", "interactively"] {
                assert!(hint.contains(way), "{hint}");
            }
        }
    }

    #[test]
    fn other_failures_are_left_to_the_caller() {
        let out = output(100, "E: Unable to locate package x\n");
        assert_eq!(Elevation::SudoNonInteractive.interpret("x", out.clone()).unwrap(), out);
        // As root, a command printing sudo's words is just a failed command.
        let out = output(1, "sudo: a password is required\n");
        assert!(Elevation::None.interpret("x", out).is_ok());
    }

    #[test]
    fn without_sudo_nothing_runs() {
        let sb = crate::step::testing::Sandbox::new();
        let failure = Elevation::Unavailable.run(&sb.cx(), &apt_install()).unwrap_err();
        assert!(failure.message.contains("sudo` is not installed"), "{failure:?}");
        assert_eq!(sb.system.spawned(), 0);
    }
}
