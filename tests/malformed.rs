//! Malformed and hostile input. Every case under `tests/fixtures/bad/`, and a few generated here
//! because they are too big or too deep to commit, is copied into a sandbox project and given
//! to `devup plan`, which must refuse it as invalid input: exit code 3, `error:` first, the
//! expected text and location, a `hint:`, no panic, nothing written to the terminal that could
//! drive it, and nothing created or changed outside devup's state directory.
//!
//! A case is a file `NAME.toml` (the project file) whose first lines say what is expected:
//!
//! ```text
//! # expect: unknown field `nmae`
//! # at: devup.toml:4:1
//! ```
//!
//! or a directory `NAME/` holding `devup.toml`, any `.devup/recipes/...`, and `expect.txt` with
//! the same lines without `# `. `expect:` may be repeated; `at:` is the location shown after
//! `-->`. `known-bug: WHY` marks a case devup gets wrong today: it must still fail (so the line
//! is removed when the bug is fixed) and must still be safe. Every sandbox first gets the
//! recipes of `_shared/` (a `demo` recipe in each recipe section with a parameter of each type,
//! and `dependencies/needy` with a required one), so one-file cases can use them.
//!
//! All failures are collected and reported together.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::support::Sandbox;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/bad");

/// No refusal needs more than this on stderr, however big or deep the input.
const MAX_STDERR: usize = 8 * 1024;

struct Case {
    name: String,
    /// Paths relative to the project, and their bytes.
    files: Vec<(PathBuf, Vec<u8>)>,
    expect: Vec<String>,
    at: Option<String>,
    known_bug: Option<String>,
}

impl Case {
    fn generated(name: &str, devup_toml: Vec<u8>, expect: &[&str], at: Option<&str>) -> Case {
        Case {
            name: format!("{name} (generated)"),
            files: vec![(PathBuf::from("devup.toml"), devup_toml)],
            expect: expect.iter().map(|e| e.to_string()).collect(),
            at: at.map(str::to_string),
            known_bug: None,
        }
    }

    fn with_file(mut self, path: &str, content: Vec<u8>) -> Case {
        self.files.push((PathBuf::from(path), content));
        self
    }

    /// Reads `expect:`, `at:` and `known-bug:` lines; `prefix` is `# ` in a project file.
    fn read_expectations(&mut self, text: &[u8], prefix: &str) {
        for line in text.split(|&b| b == b'\n') {
            let Some(line) = std::str::from_utf8(line).ok().and_then(|l| l.strip_prefix(prefix)) else {
                break;
            };
            let Some((key, value)) = line.split_once(": ") else {
                break;
            };
            match key {
                "expect" => self.expect.push(value.to_string()),
                "at" => self.at = Some(value.to_string()),
                "known-bug" => self.known_bug = Some(value.to_string()),
                _ => break,
            }
        }
    }
}

fn fixture_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for entry in std::fs::read_dir(FIXTURES).expect("tests/fixtures/bad exists") {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with('_') {
            continue;
        }
        let mut case = Case { name: name.clone(), files: Vec::new(), expect: Vec::new(), at: None, known_bug: None };
        if path.is_dir() {
            for file in files_under(&path) {
                let rel = file.strip_prefix(&path).unwrap().to_path_buf();
                let bytes = std::fs::read(&file).unwrap();
                if rel == Path::new("expect.txt") {
                    case.read_expectations(&bytes, "");
                } else {
                    case.files.push((rel, bytes));
                }
            }
        } else {
            let bytes = std::fs::read(&path).unwrap();
            case.read_expectations(&bytes, "# ");
            case.files.push((PathBuf::from("devup.toml"), bytes));
        }
        assert!(!case.expect.is_empty(), "{name} states no `expect:`");
        cases.push(case);
    }
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    cases
}

/// Inputs too big or too deep to commit.
fn generated_cases() -> Vec<Case> {
    let limit = "a project file may be at most 1048576";
    let mut huge_line = b"[project]\nname = \"".to_vec();
    huge_line.resize(huge_line.len() + 2 * 1024 * 1024, b'a');
    huge_line.extend_from_slice(b"\"\n");
    let mut long_file = String::from("[env]\n");
    let mut n = 0;
    while long_file.len() < 1_000_000 {
        long_file.push_str(&format!("VARIABLE_{n} = \"some value\"\n"));
        n += 1;
    }
    long_file.push_str("BROKEN\n");
    let broken_at = format!("devup.toml:{}:7", n + 2);
    let unclosed_long_line = format!("[project]\nname = \"{}\n", "x".repeat(200_000));
    let deep = |open: &str, close: &str| format!("{}1{}", open.repeat(10_000), close.repeat(10_000));
    let recursion = ["cannot recurse further", "nesting this deep is not supported"];
    let mut cycle = String::new();
    for i in 0..1000 {
        let next = (i + 1) % 1000;
        cycle.push_str(&format!(
            "[[step]]\nname = \"s{i}\"\ncheck = \"true\"\napply = \"true\"\nrequires = [\"s{next}\"]\n"
        ));
    }
    vec![
        Case::generated(
            "huge-file-of-comments",
            format!("# {}\n", "#".repeat(1024 * 1024)).into_bytes(),
            &[limit, "is this the right file?"],
            Some("devup.toml:1:1"),
        ),
        Case::generated("huge-string", huge_line, &[limit], Some("devup.toml:1:1")),
        Case::generated(
            "long-file-broken-on-its-last-line",
            long_file.into_bytes(),
            &["key with no value"],
            Some(&broken_at),
        ),
        Case::generated(
            "long-line-with-an-unclosed-string",
            unclosed_long_line.into_bytes(),
            &["invalid basic string"],
            Some("devup.toml:2:200009"),
        ),
        Case::generated(
            "deep-arrays",
            format!("[languages]\ndemo = {{ names = {} }}\n", deep("[", "]")).into_bytes(),
            &recursion,
            Some("devup.toml:2:97"),
        ),
        Case::generated(
            "deep-inline-tables",
            format!("[languages]\ndemo = {}\n", deep("{ a = ", " }")).into_bytes(),
            &recursion,
            Some("devup.toml:2:488"),
        ),
        Case::generated(
            "deep-dotted-key",
            format!("[{}]\n", vec!["a"; 10_000].join(".")).into_bytes(),
            &["recursion limit", "nesting this deep is not supported"],
            Some("devup.toml:1:1"),
        ),
        Case::generated(
            "deep-arrays-in-env",
            format!("[env]\nA = {}\n", deep("[", "]")).into_bytes(),
            &recursion,
            Some("devup.toml:2:85"),
        ),
        Case::generated(
            "deep-arrays-in-a-recipe",
            b"[languages]\nmine = \"1\"\n".to_vec(),
            &recursion,
            Some(".devup/recipes/languages/mine.toml:5:85"),
        )
        .with_file(
            ".devup/recipes/languages/mine.toml",
            format!("description = \"mine\"\n[[step]]\nid = \"a\"\nkind = \"command\"\nx = {}\n", deep("[", "]"))
                .into_bytes(),
        ),
        Case::generated(
            "cycle-of-a-thousand-steps",
            cycle.into_bytes(),
            &["these steps require each other in a cycle", "hint:"],
            Some("devup.toml:1:1"),
        ),
    ]
}

/// Every file under `dir`, hidden ones included.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// What is in the sandbox outside devup's state directory: every path, with its size,
/// modification time and a hash of its content.
fn listing(sb: &Sandbox) -> BTreeMap<PathBuf, String> {
    use std::hash::{Hash, Hasher};
    let root = sb.project().parent().unwrap().to_path_buf();
    let state = sb.state_dir();
    let mut out = BTreeMap::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path == state {
                continue;
            }
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let rel = path.strip_prefix(&root).unwrap().to_path_buf();
            if meta.is_dir() {
                out.insert(rel, "dir".to_string());
                stack.push(path);
            } else {
                let mut hasher = std::collections::hash_map::DefaultHasher::new();
                std::fs::read(&path).unwrap_or_default().hash(&mut hasher);
                let modified = meta.modified().ok();
                out.insert(rel, format!("{} bytes {modified:?} {:x}", meta.len(), hasher.finish()));
            }
        }
    }
    out
}

/// Runs one case. `Ok` holds the problems of diagnosis (wrong code, text, location, hint);
/// `Err` the problems of safety (a panic, a change, terminal control), never acceptable.
fn run(case: &Case, shared: &[(PathBuf, Vec<u8>)]) -> Result<Vec<String>, Vec<String>> {
    let sb = Sandbox::new();
    for (rel, bytes) in shared.iter().chain(&case.files) {
        let path = sb.path(&rel.to_string_lossy());
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
    }
    let before = listing(&sb);
    let run = sb.devup(&["plan"]);
    let after = listing(&sb);

    let mut unsafe_ = Vec::new();
    if run.stderr.contains("panicked") || run.code == 101 || run.code < 0 {
        unsafe_.push(format!("crashed (exit code {})", run.code));
    }
    if before != after {
        let changed: Vec<_> = after
            .iter()
            .filter(|(path, what)| before.get(*path) != Some(what))
            .map(|(path, _)| path.display().to_string())
            .chain(before.keys().filter(|p| !after.contains_key(*p)).map(|p| format!("{} (removed)", p.display())))
            .collect();
        unsafe_.push(format!("changed outside the state dir: {changed:?}"));
    }
    if let Some(c) = run.stderr.chars().find(|&c| c.is_control() && c != '\n') {
        unsafe_.push(format!("stderr holds the control character {c:?}"));
    }
    if !unsafe_.is_empty() {
        return Err(unsafe_);
    }

    let mut wrong = Vec::new();
    if run.code != 3 {
        wrong.push(format!("exit code {}, expected 3", run.code));
    }
    if !run.stderr.starts_with("error:") {
        wrong.push("stderr does not start with `error:`".to_string());
    }
    for text in &case.expect {
        if !run.stderr.contains(text.as_str()) {
            wrong.push(format!("stderr lacks {text:?}"));
        }
    }
    if let Some(at) = &case.at {
        let shown = run
            .stderr
            .lines()
            .filter_map(|line| line.trim_start().strip_prefix("--> "))
            .any(|loc| loc == at || loc.ends_with(&format!("/{at}")));
        if !shown {
            wrong.push(format!("no `--> {at}`"));
        }
    }
    if !run.stderr.lines().any(|l| l.trim_start().starts_with("hint: ")) {
        wrong.push("no `hint:` line".to_string());
    }
    if !run.stdout.is_empty() {
        wrong.push("stdout is not empty".to_string());
    }
    if run.stderr.len() > MAX_STDERR {
        wrong.push(format!("{} bytes on stderr", run.stderr.len()));
    }
    if !wrong.is_empty() {
        let excerpt: String = run.stderr.chars().take(1500).collect();
        wrong.push(format!("--- stderr\n{excerpt}"));
    }
    Ok(wrong)
}

fn shared_recipes() -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(FIXTURES).join("_shared");
    files_under(&dir)
        .into_iter()
        .map(|file| {
            let bytes = std::fs::read(&file).unwrap();
            (file.strip_prefix(&dir).unwrap().to_path_buf(), bytes)
        })
        .collect()
}

#[test]
fn every_malformed_input_is_refused_with_a_location_and_a_hint() {
    let mut cases = fixture_cases();
    let committed = cases.len();
    cases.extend(generated_cases());
    assert!(committed >= 110, "only {committed} cases in tests/fixtures/bad");
    let shared = shared_recipes();
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get().min(8));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                while let Some(case) = cases.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let problems = match (run(case, &shared), &case.known_bug) {
                        (Err(unsafe_), _) => unsafe_,
                        (Ok(wrong), None) => wrong,
                        (Ok(wrong), Some(_)) if !wrong.is_empty() => Vec::new(),
                        (Ok(_), Some(why)) => {
                            vec![format!("passes, but is marked `known-bug: {why}`: remove that line")]
                        }
                    };
                    if !problems.is_empty() {
                        let report = format!("{}:\n  {}", case.name, problems.join("\n  "));
                        failures.lock().unwrap().push(report);
                    }
                }
            });
        }
    });
    let mut failures = failures.into_inner().unwrap();
    failures.sort();
    assert!(failures.is_empty(), "{} of {} cases failed:\n\n{}", failures.len(), cases.len(), failures.join("\n\n"));
}

/// The shared recipes themselves are valid, so a case fails for its own mistake only.
#[test]
fn the_shared_recipes_are_valid() {
    let sb = Sandbox::new();
    for (rel, bytes) in shared_recipes() {
        let path = sb.path(&rel.to_string_lossy());
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    sb.write(
        "devup.toml",
        "[languages]\ndemo = { count = 2, enabled = true, names = [\"a\"], label = \"x\", dir = \"sub\" }\n\
         [datastores]\ndemo = \">=1\"\n[dependencies]\ndemo = {}\nneedy = { token = \"t\" }\n",
    );
    let run = sb.devup(&["plan"]);
    assert!(run.code == 0 || run.code == 2, "exit code {}\n{}", run.code, run.stderr);
}
