//! Activation as a person meets it: an interactive bash, zsh or fish in a real pseudo-terminal,
//! its rc file evaluating `devup activate`, commands typed at its prompt. bash is required;
//! zsh and fish too (`./install.sh` installs them: this repository's devup.toml declares
//! them): a missing shell fails its test with how to install it, never counted as a pass.

use std::path::Path;

use rexpect::session::PtySession;

use crate::activate::{approve, projects};
use crate::support::Sandbox;

const PROMPT: &str = "devup-test$ ";

struct Terminal {
    session: PtySession,
}

impl Terminal {
    /// The shell, started in `dir` with an rc file that sets a prompt, a variable the user had
    /// before, `show` (prints what a test looks at), and devup's hook.
    fn start(sb: &Sandbox, shell: &str, dir: &Path) -> Terminal {
        let Some(program) = which(shell) else {
            panic!(
                "{shell} is not installed: install it (`./install.sh` does, or `apt-get install {shell}`) to run this test"
            )
        };
        let hook = sb.devup(&["activate", shell]).stdout.clone();
        let rc_dir = sb.root().join(format!("rc-{shell}"));
        std::fs::create_dir_all(&rc_dir).unwrap();
        let (rc, args): (&str, Vec<String>) = match shell {
            "bash" => (
                ".bashrc",
                vec![
                    "--noprofile".into(),
                    "--rcfile".into(),
                    rc_dir.join(".bashrc").display().to_string(),
                    "-i".into(),
                ],
            ),
            "zsh" => (".zshrc", vec!["-i".into()]),
            "fish" => (
                "config.fish",
                vec![
                    "--no-config".into(),
                    "-i".into(),
                    "-C".into(),
                    format!("source {}", rc_dir.join("config.fish").display()),
                ],
            ),
            _ => unreachable!(),
        };
        let text = match shell {
            "fish" => format!(
                "set -g fish_greeting ''\nset -g fish_autosuggestion_enabled 0\nfunction fish_prompt; printf '{PROMPT}'; end\nset -gx DATABASE_URL mine\nset -g ORIGINAL (string join : $PATH)\nfunction show\n  if test (string join : $PATH) = $ORIGINAL; set p same; else; set p changed; end\n  printf '[%s] mode=<%s> db=<%s> tool=<%s> path=<%s>\\n' $argv[1] \"$APP_MODE\" \"$DATABASE_URL\" (command -v shoptool; or echo) $p\nend\n{hook}"
            ),
            _ => format!(
                "PS1='{PROMPT}'\nexport DATABASE_URL=mine\nORIGINAL=$PATH\nshow() {{\n  if [ \"$PATH\" = \"$ORIGINAL\" ]; then p=same; else p=changed; fi\n  printf '[%s] mode=<%s> db=<%s> tool=<%s> path=<%s>\\n' \"$1\" \"${{APP_MODE-}}\" \"${{DATABASE_URL-}}\" \"$(command -v shoptool)\" \"$p\"\n}}\n{hook}"
            ),
        };
        std::fs::write(rc_dir.join(rc), text).unwrap();
        let mut cmd = sb.program(&program, &args.iter().map(String::as_str).collect::<Vec<_>>());
        cmd.current_dir(dir).env("TERM", "dumb").env("ZDOTDIR", &rc_dir).env("XDG_CONFIG_HOME", &rc_dir);
        let session = rexpect::session::spawn_command(cmd, Some(20_000)).expect("the shell starts in a terminal");
        let mut terminal = Terminal { session };
        let first = terminal.until_prompt();
        assert!(!first.contains("devup:"), "nothing to say outside a project:\n{first}");
        terminal
    }

    fn until_prompt(&mut self) -> String {
        self.session.exp_string(PROMPT).unwrap_or_else(|e| panic!("no prompt: {e}"))
    }

    /// Types a line; returns what the terminal showed until the prompt after it. (fish draws
    /// its prompt again as a line is typed: the end of the command is a marker it prints,
    /// which its echo does not show, and the hook may speak after it, before the prompt.)
    fn run(&mut self, line: &str) -> String {
        self.session.send_line(&format!("{line}; printf '%s%s\\n' __ done")).unwrap();
        let before = self.session.exp_string("__done").unwrap_or_else(|e| panic!("`{line}` did not end: {e}"));
        before + &self.until_prompt()
    }
}

fn which(program: &str) -> Option<String> {
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .chain(["/usr/bin".into(), "/bin".into()])
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
        .map(|p| p.display().to_string())
}

/// The lines devup said in some output.
fn said(output: &str) -> Vec<String> {
    output.lines().filter_map(|l| l.find("devup: ").map(|i| l[i..].trim_end().to_string())).collect()
}

fn journey(shell: &str) {
    let sb = projects();
    let venv_tool = sb.path(".venv/bin/shoptool").display().to_string();
    let mut t = Terminal::start(&sb, shell, &sb.root().join("out"));
    let shown = |t: &mut Terminal, label: &str| {
        let out = t.run(&format!("show {label}"));
        out.lines().find(|l| l.starts_with(&format!("[{label}]"))).map(str::trim_end).unwrap_or_default().to_string()
    };

    let out = t.run("cd ../project");
    assert_eq!(said(&out), ["devup: shop activated: 5 variables, 1 directory first on PATH"], "{out}");
    assert_eq!(
        shown(&mut t, "shop"),
        format!("[shop] mode=<dev> db=<postgres://db.internal/shop> tool=<{venv_tool}> path=<changed>")
    );

    // Within the project, and at a prompt where nothing changed: not a word.
    let out = t.run("cd sub");
    assert_eq!(said(&out), Vec::<String>::new(), "{out}");
    let out = t.run("true");
    assert_eq!(said(&out), Vec::<String>::new(), "{out}");
    assert_eq!(
        shown(&mut t, "sub"),
        format!("[sub] mode=<dev> db=<postgres://db.internal/shop> tool=<{venv_tool}> path=<changed>")
    );

    let out = t.run("cd ../../blog");
    assert_eq!(said(&out), ["devup: blog activated: 1 variable; shop deactivated"], "{out}");
    assert_eq!(shown(&mut t, "blog"), "[blog] mode=<> db=<postgres://db.internal/blog> tool=<> path=<same>");

    let out = t.run("cd ../out");
    assert_eq!(said(&out), ["devup: blog deactivated"], "{out}");
    assert_eq!(shown(&mut t, "out"), "[out] mode=<> db=<mine> tool=<> path=<same>");

    let out = t.run("cd ../wild");
    assert_eq!(
        said(&out),
        ["devup: wild not activated: its [env] is not approved on this machine; review with `devup trust`"],
        "{out}"
    );
    let out = t.run("true");
    assert_eq!(said(&out), Vec::<String>::new(), "said once: {out}");
    approve(&sb, "wild");
    let out = t.run("true");
    assert_eq!(said(&out), ["devup: wild activated: 1 variable"], "{out}");
    let out = t.run("cd ..");
    assert_eq!(said(&out), ["devup: wild deactivated"], "{out}");
    t.session.send_line("exit").unwrap();
    t.session.exp_eof().unwrap();
}

#[test]
fn bash_activates_on_cd_in_a_terminal() {
    journey("bash");
}

#[test]
fn zsh_activates_on_cd_in_a_terminal() {
    journey("zsh");
}

#[test]
fn fish_activates_on_cd_in_a_terminal() {
    journey("fish");
}

#[test]
fn devup_exec_opens_the_users_shell_in_the_environment() {
    let sb = projects();
    approve(&sb, "project");
    let Some(bash) = which("bash") else { panic!("bash is not installed") };
    let mut cmd = sb.command(&["exec"]);
    cmd.env("SHELL", &bash).env("TERM", "dumb");
    // An interactive bash reads ~/.bashrc: the sandbox's HOME.
    std::fs::write(sb.root().join("home/.bashrc"), format!("PS1='{PROMPT}'\n")).unwrap();
    let session = rexpect::session::spawn_command(cmd, Some(20_000)).unwrap();
    let mut t = Terminal { session };
    let banner = t.until_prompt();
    assert!(banner.contains("devup: shop activated in a new bash: 5 variables, 1 directory first on PATH"), "{banner}");
    let out = t.run("echo \"db=<$DATABASE_URL>\"");
    assert!(out.contains("db=<postgres://db.internal/shop>"), "{out}");
    t.session.send_line("exit 5").unwrap();
    t.session.exp_eof().unwrap();
    let status = t.session.process().wait().unwrap();
    assert!(matches!(status, rexpect::process::WaitStatus::Exited(_, 5)), "{status:?}");
}
