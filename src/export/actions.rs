//! A step's actions ([`crate::step::action`]) as POSIX shell: the same description `devup up`
//! performs, written for the exported script. The helpers it calls (`say`, `tool_identity`,
//! `input_sha`) are the prelude's.

use super::{ScriptCx, exports, quote};
use crate::step::action::{Action, Run, StampLine, Test};

/// The actions as the body of an apply function.
pub fn render(actions: &[Action], cx: &ScriptCx) -> String {
    let lines: Vec<String> = actions.iter().map(|action| render_one(action, cx)).collect();
    if lines.is_empty() { ":".to_string() } else { lines.join("\n") }
}

fn render_one(action: &Action, cx: &ScriptCx) -> String {
    match action {
        Action::Run(run) => render_run(run, cx),
        Action::MakeDir { path, mode } => {
            let path = cx.path(path);
            match mode {
                Some(mode) => format!("mkdir -p {path}\nchmod {mode:o} {path}"),
                None => format!("mkdir -p {path}"),
            }
        }
        // The script cannot ask: a real file in the way is kept as NAME.devup-backup, then replaced.
        Action::Link { path, target } => {
            let (shown, target) = (cx.rel(path), quote(&target.display().to_string()));
            let backup = quote(&format!("{shown}.devup-backup"));
            let path = cx.path(path);
            format!(
                "if [ -e {path} ] && [ ! -L {path} ]; then mv {path} {backup}; say {}; fi\nmkdir -p \"$(dirname {path})\"\nln -sfn {target} {path}",
                quote(&format!("    kept the old {shown} as {shown}.devup-backup"))
            )
        }
        Action::RemoveFile(path) => format!("rm -f {}", cx.path(path)),
        Action::Stamp { path, lines } => {
            let path = cx.path(path);
            format!("mkdir -p \"$(dirname {path})\"\n{{\n{}\n}} >{path}", stamp_lines(lines, cx))
        }
        Action::Fail { message, hint } => {
            let mut text = format!("printf 'error: %s\\n' {} >&2", quote(message));
            if let Some(hint) = hint {
                text.push_str(&format!("\nprintf 'hint: %s\\n' {} >&2", quote(hint)));
            }
            text.push_str("\nexit 1");
            text
        }
        Action::If { test, then, otherwise } => {
            let mut text = format!("if {}; then\n{}", render_test(test, cx), render(then, cx));
            if !otherwise.is_empty() {
                text.push_str(&format!("\nelse\n{}", render(otherwise, cx)));
            }
            text.push_str("\nfi");
            text
        }
    }
}

/// A command in its directory, with its variables: in a subshell, so that neither outlives it.
fn render_run(run: &Run, cx: &ScriptCx) -> String {
    if run.cwd.is_none() && run.env.is_empty() {
        return run.shell.clone();
    }
    let cd = run.cwd.as_ref().map(|dir| format!("cd {}\n", cx.path(dir))).unwrap_or_default();
    format!("(\n{cd}{}{}\n)", exports(&run.env), run.shell)
}

/// A condition as a shell test.
pub fn render_test(test: &Test, cx: &ScriptCx) -> String {
    match test {
        Test::Exists(path) => format!("test -e {}", cx.path(path)),
        Test::NotADirectory(path) => format!("{{ test -e {0} && ! test -d {0}; }}", cx.path(path)),
        Test::Not(test) => format!("! {}", render_test(test, cx)),
    }
}

/// A record's lines as commands printing them, one per line: the text devup computes
/// ([`crate::step::action::stamp_text`]).
pub fn stamp_lines(lines: &[StampLine], cx: &ScriptCx) -> String {
    let printed: Vec<String> = lines
        .iter()
        .map(|line| match line {
            StampLine::Text(text) => format!("printf '%s\\n' {}", quote(text)),
            StampLine::Tool(name) => {
                format!("printf 'tool %s %s\\n' {} \"$(tool_identity {})\"", quote(name), quote(name))
            }
            StampLine::Input { shown, path } => {
                format!("printf 'input %s %s\\n' {} \"$(input_sha {})\"", quote(shown), cx.path(path))
            }
        })
        .collect();
    printed.join("\n")
}
