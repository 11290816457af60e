//! What a command-line tool is expected to do: `--color`, NO_COLOR, coloured errors at a
//! terminal, a manual page.

use rexpect::process::WaitStatus;

use crate::support::Sandbox;

const ESC: &str = "\x1b[";

fn no_project() -> Sandbox {
    let sb = Sandbox::new();
    std::fs::remove_file(sb.path("devup.toml")).ok();
    sb
}

#[test]
fn color_always_and_never_override_the_terminal_and_no_color() {
    let sb = no_project();
    // The sandbox sets NO_COLOR and has no terminal: `auto` is plain, `always` colours anyway.
    let plain = sb.devup(&[]);
    plain.code(3).stderr_has("error: no devup.toml");
    assert!(!plain.stderr.contains(ESC), "{:?}", plain.stderr);
    let coloured = sb.devup(&["--color", "always"]);
    coloured.code(3);
    assert!(
        coloured.stderr.contains(&format!("{ESC}1;31merror:")) || coloured.stderr.contains(&format!("{ESC}31m")),
        "{:?}",
        coloured.stderr
    );
    assert!(coloured.stderr.contains("hint:") && coloured.stderr.matches(ESC).count() >= 2, "{:?}", coloured.stderr);
    let never = sb.devup(&["--color", "never", "plan"]);
    assert!(!never.stderr.contains(ESC), "{:?}", never.stderr);
    sb.devup(&["--color", "sometimes"]).code(3).stderr_has("[possible values: auto, always, never]");
}

/// At a terminal, `auto` colours errors, unless NO_COLOR is set.
#[test]
fn errors_are_coloured_at_a_terminal_unless_no_color() {
    let sb = no_project();
    for (no_color, coloured) in [(false, true), (true, false)] {
        let mut cmd = sb.command(&["plan"]);
        cmd.env_remove("CI").env_remove("NO_COLOR").env("TERM", "xterm");
        if no_color {
            cmd.env("NO_COLOR", "1");
        }
        let mut t = rexpect::session::spawn_command(cmd, Some(20_000)).unwrap();
        let text = t.exp_eof().unwrap();
        assert!(matches!(t.process().wait().unwrap(), WaitStatus::Exited(_, 3)), "{text}");
        assert!(text.contains("no devup.toml"), "{text:?}");
        assert_eq!(text.contains(ESC), coloured, "NO_COLOR={no_color}: {text:?}");
    }
}

#[test]
fn devup_man_prints_a_manual_page_from_the_command_line() {
    let sb = no_project();
    let run = sb.devup(&["man"]);
    run.code(0);
    let page = &run.stdout;
    assert!(page.contains(".TH devup 1"), "{page}");
    for part in [".SH NAME", ".SH SYNOPSIS", ".SH OPTIONS", ".SH SUBCOMMANDS", "\\-\\-color", "130 interrupted"] {
        assert!(page.contains(part), "{part:?} in\n{page}");
    }
    for command in ["devup\\-plan", "devup\\-trust", "devup\\-man"] {
        assert!(page.contains(command), "{command:?} in\n{page}");
    }
    assert!(!page.contains("hook\\-env"), "the hidden hook is not documented to people");
    // Each page it refers to exists: printed by name, and written with the others.
    let plan = sb.devup(&["man", "plan"]);
    plan.code(0).stdout_has(".TH devup-plan 1").stdout_has("\\-\\-json");
    sb.devup(&["man", "nothing"]).code(4).stderr_has("the commands: up, lock, plan");
    let dir = sb.root().join("man1");
    sb.devup(&["man", "--dir", dir.to_str().unwrap()]).code(0);
    for name in ["devup", "devup-plan", "devup-trust", "devup-man", "devup-exec"] {
        assert!(dir.join(format!("{name}.1")).is_file(), "{name}.1");
    }
    assert!(!dir.join("devup-hook-env.1").exists());
}

/// Code decides on an error by its type, never by its words: words are for a person, and a
/// reworded message must not change where an error points or what devup does. A kind's
/// refusal is a `BuildError` (`resources/build_error.rs`), read by its variant.
#[test]
fn no_code_decides_on_an_error_by_its_text() {
    // toml's errors are text only: these files translate its words for a person (a hint, a
    // datetime named as such), and nothing else reads them.
    const TOML_TEXT: &[&str] = &["src/manifest/toml_error.rs", "src/manifest/raw.rs"];
    let mut found = Vec::new();
    for (path, code) in source_files() {
        if TOML_TEXT.contains(&path.as_str()) {
            continue;
        }
        for (n, line) in code.lines().enumerate() {
            if let Some(pattern) = text_decision(line) {
                found.push(format!("{path}:{}: `{pattern}` in {}", n + 1, line.trim()));
            }
        }
    }
    assert!(found.is_empty(), "decide on an error's type, not its text:\n{}", found.join("\n"));
}

/// The matching of an error's text this line does, if any.
fn text_decision(line: &str) -> Option<String> {
    const MATCHES: &[&str] = &["contains(", "starts_with(", "ends_with(", "strip_prefix(", "strip_suffix(", "find("];
    if line.contains("is_argument_error") {
        return Some("is_argument_error".into());
    }
    let receivers = ["err.", "error.", "message.", "msg.", ".message().", "e.to_string().", "err.to_string()."];
    for receiver in receivers {
        for method in MATCHES {
            let pattern = format!("{receiver}{method}");
            let mut rest = line;
            while let Some(at) = rest.find(&pattern) {
                // `err.` itself, not the end of `other_err.` or `stderr.`.
                let whole =
                    receiver.starts_with('.') || !rest[..at].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_');
                if whole {
                    return Some(pattern);
                }
                rest = &rest[at + pattern.len()..];
            }
        }
    }
    None
}

/// Every source file of devup outside its tests (test modules read messages as a person does).
fn source_files() -> Vec<(String, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    let mut dirs = vec![root.join("src")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                dirs.push(path);
            } else if name.ends_with(".rs") && !name.ends_with("tests.rs") && name != "testing.rs" {
                let code = std::fs::read_to_string(&path).unwrap();
                let shown = path.strip_prefix(root).unwrap().display().to_string();
                files.push((shown, without_test_modules(&code)));
            }
        }
    }
    assert!(files.len() > 50, "the sources were not found under {}", root.display());
    files
}

/// `code` with each `#[cfg(test)] mod NAME { ... }` blanked (its lines kept, for line numbers).
fn without_test_modules(code: &str) -> String {
    let mut out = Vec::new();
    let mut lines = code.lines().peekable();
    while let Some(line) = lines.next() {
        out.push(line);
        let opens_module = lines.peek().is_some_and(|next| next.starts_with("mod ") && next.ends_with('{'));
        if line.trim() == "#[cfg(test)]" && opens_module {
            for inner in lines.by_ref() {
                out.push("");
                if inner == "}" {
                    break;
                }
            }
        }
    }
    out.join("\n")
}

#[test]
fn the_text_decisions_the_check_finds() {
    for line in [
        "if is_argument_error(&m) {",
        "let unknown = message.strip_prefix(\"unknown field `\");",
        "e.message().starts_with(\"missing\")",
        "Err(err) if err.contains(\"lock\") => {}",
        "if e.to_string().contains(\"x\") {",
    ] {
        assert!(text_decision(line).is_some(), "{line}");
    }
    for line in [
        "let errors = stderr.lines().filter(|l| l.starts_with(\"error:\"));",
        "if stderr.contains(\"Could not get lock\") {",
        "env.is_some_and(|e| e.starts_with(\"py\"))",
        "format!(\"{}\", error.message)",
    ] {
        assert_eq!(text_decision(line), None, "{line}");
    }
    let code = "fn a() {}\n#[cfg(test)]\nmod tests {\n    x.message.contains(\"y\");\n}\nfn b() {}\n";
    assert_eq!(without_test_modules(code), "fn a() {}\n#[cfg(test)]\n\n\n\nfn b() {}");
}
