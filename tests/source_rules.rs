//! Two rules of docs/architecture.md, checked by reading the source: `settings.rs` is the one
//! place that reads environment variables, and `system/` the one place with side effects on the
//! machine. Test code (`#[cfg(test)]` items and the files of test modules) is left out: tests
//! make their own files and processes.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// What reads the environment: std's readers, and the crates' functions that read a variable
/// themselves (`which::which` reads PATH, `directories` HOME and XDG, `temp_dir` TMPDIR).
const READS_ENVIRONMENT: &[&str] = &[
    "env::var",
    "env::temp_dir",
    "env::home_dir",
    "which::which(",
    "which::which_all(",
    "which::which_re(",
    "directories::",
];

/// What changes the machine: files written, made, removed, renamed, linked, given a mode or an
/// owner; processes started or exec'd; sockets opened. `fs::symlink_metadata` is a read.
const SIDE_EFFECTS: &[&str] = &[
    "fs::write",
    "fs::create_dir",
    "fs::set_permissions",
    "fs::remove_",
    "fs::rename",
    "fs::copy",
    "fs::hard_link",
    "fs::symlink(",
    "fs::chown",
    "fs::lchown",
    "fs::fchown",
    "File::create",
    "OpenOptions",
    "Command::new",
    ".exec()",
    "TcpStream::connect",
    "UnixStream::connect",
    "TcpListener::bind",
    "UnixListener::bind",
    "UdpSocket::bind",
    "libc::kill",
    "tempfile::",
    "ureq::",
];

#[test]
fn only_settings_reads_the_environment() {
    let found = offending(READS_ENVIRONMENT, |file| file == Path::new("settings.rs"));
    assert!(
        found.is_empty(),
        "environment read outside src/settings.rs (read it there, once, and pass the value down):\n{}",
        found.join("\n")
    );
}

#[test]
fn only_system_changes_the_machine() {
    let found = offending(SIDE_EFFECTS, |file| file.starts_with("system"));
    assert!(found.is_empty(), "side effect outside src/system/ (add or use a function there):\n{}", found.join("\n"));
}

/// A step's apply is its actions, performed (`step/action/`), the same the export writes as
/// shell: no production code applies a step in code of its own.
#[test]
fn no_step_applies_itself_in_code_of_its_own() {
    let found = offending(&["fn apply(&self, cx: &Cx)", "fn apply(&self, _cx: &Cx)"], |file| {
        file == Path::new("step/resource.rs")
    });
    assert!(found.is_empty(), "an apply of its own (describe it as `actions` instead):\n{}", found.join("\n"));
}

/// The rules would pass on no code at all: they must see the code that they allow.
#[test]
fn the_rules_see_the_code_they_allow() {
    let lines = |file: &str| production_code(&src().join(file)).into_iter().map(|(_, l)| l).collect::<Vec<_>>();
    assert!(lines("settings.rs").iter().any(|l| l.contains("std::env::var_os(name)")));
    assert!(lines("system/output.rs").iter().any(|l| l.contains("OpenOptions::new()")));
    assert!(lines("step/resource.rs").iter().any(|l| l.contains("fn apply(&self, cx: &Cx)")));
    // Test code is left out, and only test code.
    let ports = lines("expand/ports.rs");
    assert!(ports.iter().any(|l| l.contains("pub fn owner_alive")));
    assert!(!ports.iter().any(|l| l.contains("fs::write")), "the test module's writes are not production code");
    assert!(test_files().contains(&src().join("expand/mysql_tests.rs")));
    assert!(test_files().contains(&src().join("init/draft_tests.rs")), "a test module given by #[path]");
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// `file:line: text` for each line of production code outside the allowed files that holds
/// one of `needles`.
fn offending(needles: &[&str], allowed: impl Fn(&Path) -> bool) -> Vec<String> {
    let tests = test_files();
    let mut found = Vec::new();
    for file in rust_files(&src()) {
        let relative = file.strip_prefix(src()).unwrap();
        if allowed(relative) || tests.contains(&file) {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        let original: Vec<&str> = text.lines().collect();
        for (number, code) in production_code(&file) {
            if needles.iter().any(|n| code.contains(n)) {
                found.push(format!("src/{}:{number}: {}", relative.display(), original[number - 1].trim()));
            }
        }
    }
    found
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// The files of modules declared under `#[cfg(test)]` (`mod tests;`, `#[path = "x.rs"] mod y;`).
fn test_files() -> BTreeSet<PathBuf> {
    let mut tests = BTreeSet::new();
    for file in rust_files(&src()) {
        let text = std::fs::read_to_string(&file).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        // Where the file's modules live: beside `mod.rs`/`lib.rs`/`main.rs`, else in a directory
        // named after the file; `#[path]` is relative to the file's own directory.
        let dir = file.parent().unwrap().to_path_buf();
        let stem = file.file_stem().unwrap().to_string_lossy().into_owned();
        let children = if ["mod", "lib", "main"].contains(&stem.as_str()) { dir.clone() } else { dir.join(&stem) };
        for (i, line) in lines.iter().enumerate() {
            if line.trim() != "#[cfg(test)]" {
                continue;
            }
            let mut path_attr = None;
            for next in &lines[i + 1..] {
                let next = next.trim();
                if let Some(rest) = next.strip_prefix("#[path = \"") {
                    path_attr = rest.strip_suffix("\"]").map(|p| dir.join(p));
                } else if next.starts_with("#[") {
                    continue;
                } else {
                    let name = next.strip_suffix(';').and_then(|d| d.split("mod ").nth(1));
                    if let Some(name) = name {
                        tests.insert(path_attr.clone().unwrap_or_else(|| {
                            let file = children.join(format!("{name}.rs"));
                            if file.exists() { file } else { children.join(name).join("mod.rs") }
                        }));
                    }
                    break;
                }
            }
        }
    }
    tests
}

/// The file's lines of code (numbered from 1), with comments and the content of string and
/// character literals blanked, and without its `#[cfg(test)]` items: after the attribute (and
/// any attributes that follow it), the item runs to its `;` or to where its braces close.
fn production_code(file: &Path) -> Vec<(usize, String)> {
    let code = blank_literals_and_comments(&std::fs::read_to_string(file).unwrap());
    let mut kept = Vec::new();
    let mut lines = code.lines().enumerate();
    while let Some((i, line)) = lines.next() {
        if line.trim() != "#[cfg(test)]" {
            kept.push((i + 1, line.to_string()));
            continue;
        }
        let mut depth = 0i64;
        let mut opened = false;
        for (_, item) in lines.by_ref() {
            if item.trim_start().starts_with("#[") && !opened {
                continue;
            }
            depth += item.matches('{').count() as i64 - item.matches('}').count() as i64;
            opened |= item.contains('{');
            if (opened && depth <= 0) || (!opened && item.trim_end().ends_with(';')) {
                break;
            }
        }
    }
    kept
}

/// The text with every comment and the inside of every string, raw string and character
/// literal replaced by spaces (line breaks kept), so that braces and names are code's only.
fn blank_literals_and_comments(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        // Where the literal or comment starting here ends (exclusive), if one starts here.
        let end = if c == '/' && next == Some('/') {
            Some(chars[i..].iter().position(|&c| c == '\n').map_or(chars.len(), |n| i + n))
        } else if c == '/' && next == Some('*') {
            Some(find(&chars, i + 2, &['*', '/']).map_or(chars.len(), |n| n + 2))
        } else if c == 'r' && matches!(next, Some('"') | Some('#')) && !is_ident(chars.get(i.wrapping_sub(1))) {
            let hashes = chars[i + 1..].iter().take_while(|&&c| c == '#').count();
            if chars.get(i + 1 + hashes) == Some(&'"') {
                let close: Vec<char> = std::iter::once('"').chain(std::iter::repeat_n('#', hashes)).collect();
                out.push('r');
                out.extend(std::iter::repeat_n('#', hashes));
                out.push('"');
                i += 2 + hashes;
                Some(find(&chars, i, &close).map_or(chars.len(), |n| n + close.len()))
            } else {
                None
            }
        } else if c == '"' {
            out.push('"');
            i += 1;
            let mut j = i;
            while j < chars.len() && chars[j] != '"' {
                j += if chars[j] == '\\' { 2 } else { 1 };
            }
            Some((j + 1).min(chars.len()))
        } else if c == '\'' && (chars.get(i + 2) == Some(&'\'') || next == Some('\\')) {
            // A character literal ('x', '\n', '\''); a lifetime ('a) has no closing quote.
            let close = if next == Some('\\') { find(&chars, i + 3, &['\'']) } else { Some(i + 2) };
            Some(close.map_or(chars.len(), |n| n + 1))
        } else {
            None
        };
        match end {
            Some(end) => {
                out.extend(chars[i..end].iter().map(|&c| blank(c)));
                i = end;
            }
            None => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

fn find(chars: &[char], from: usize, what: &[char]) -> Option<usize> {
    (from..chars.len()).find(|&i| chars[i..].starts_with(what))
}

fn is_ident(c: Option<&char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || *c == '_')
}
