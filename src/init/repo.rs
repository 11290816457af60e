//! The repository as `init` sees it: the names of its files (the top, one and two directory
//! levels down, and the CI and dev-container folders), and their text on demand. This is the
//! only part of `init` that reads the disk; the detectors parse what it hands them.

use std::cell::RefCell;
use std::path::{Path, PathBuf};

/// Directories that hold no project of their own: installs, builds, caches, test data.
const SKIPPED_DIRS: &[&str] = &[
    "node_modules",
    "vendor",
    "target",
    "dist",
    "build",
    "out",
    "venv",
    "env",
    "__pycache__",
    "site-packages",
    "tmp",
    "log",
    "logs",
    "coverage",
    "test",
    "tests",
    "testdata",
    "fixtures",
    "examples",
    "third_party",
];

/// Hidden directories whose files matter.
const HIDDEN_DIRS: &[&str] = &[".github/workflows", ".devcontainer", ".circleci"];

/// How deep projects are looked for: `apps/web/package.json` is two levels down.
const MAX_DEPTH: usize = 2;

/// Larger files are not read: no manifest comes close.
const MAX_SIZE: u64 = 1024 * 1024;

/// A listing stops here: a repository this large is no place to guess.
const MAX_FILES: usize = 20_000;

pub struct Repo {
    root: PathBuf,
    /// Relative paths with `/`, the top level first, then by path.
    files: Vec<String>,
    /// Files that could not be read, with why.
    unreadable: RefCell<Vec<(String, String)>>,
}

impl Repo {
    pub fn scan(root: &Path) -> std::io::Result<Repo> {
        let mut files = Vec::new();
        list(root, "", 0, &mut files)?;
        for dir in HIDDEN_DIRS {
            if root.join(dir).is_dir() {
                list(root, dir, MAX_DEPTH, &mut files)?;
            }
        }
        Ok(Repo::from_files(root, files))
    }

    /// A repository of these files, for tests of the detectors.
    pub fn from_files(root: &Path, mut files: Vec<String>) -> Repo {
        files.sort_by(|a, b| (depth(a), a).cmp(&(depth(b), b)));
        files.dedup();
        Repo { root: root.to_path_buf(), files, unreadable: RefCell::new(Vec::new()) }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn files(&self) -> &[String] {
        &self.files
    }

    pub fn has(&self, rel: &str) -> bool {
        self.files.iter().any(|f| f == rel)
    }

    /// Files with this base name, top level first.
    pub fn named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.files.iter().map(String::as_str).filter(move |f| base(f) == name)
    }

    /// The file's text; `None` when it is missing, too large or unreadable (remembered, and
    /// reported as a warning).
    pub fn read(&self, rel: &str) -> Option<String> {
        let path = self.root.join(rel);
        let result = std::fs::metadata(&path).and_then(|meta| {
            if meta.len() > MAX_SIZE {
                Err(std::io::Error::other(format!("{} bytes, larger than devup reads", meta.len())))
            } else {
                std::fs::read_to_string(&path)
            }
        });
        match result {
            Ok(text) => Some(text),
            Err(e) => {
                self.unreadable.borrow_mut().push((rel.to_string(), e.to_string()));
                None
            }
        }
    }

    /// The text of a file read only to look through it (every file of `docs/`, say): `None`,
    /// silently, for one that is not text (an image), since it was not asked for by name.
    pub fn read_if_text(&self, rel: &str) -> Option<String> {
        let bytes = std::fs::read(self.root.join(rel)).ok()?;
        if bytes.len() as u64 > MAX_SIZE {
            return None;
        }
        String::from_utf8(bytes).ok()
    }

    pub fn unreadable(&self) -> Vec<(String, String)> {
        self.unreadable.borrow().clone()
    }
}

fn list(root: &Path, rel: &str, depth: usize, files: &mut Vec<String>) -> std::io::Result<()> {
    let dir = root.join(rel);
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        // The top level must be readable; a subdirectory that is not is skipped.
        Err(e) if depth == 0 => return Err(e),
        Err(_) => return Ok(()),
    };
    let mut dirs = Vec::new();
    for entry in entries.flatten() {
        if files.len() >= MAX_FILES {
            break;
        }
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        // Symbolic links are not followed: they may leave the repository or loop.
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let path = join(rel, &name);
        if kind.is_file() {
            files.push(path);
        } else if kind.is_dir() && depth < MAX_DEPTH && !name.starts_with('.') && !SKIPPED_DIRS.contains(&name.as_str())
        {
            dirs.push(path);
        }
    }
    for sub in dirs {
        list(root, &sub, depth + 1, files)?;
    }
    Ok(())
}

fn depth(rel: &str) -> usize {
    rel.matches('/').count()
}

/// The directory of a relative path: `""` for a file at the top.
pub fn dir(rel: &str) -> &str {
    rel.rsplit_once('/').map_or("", |(dir, _)| dir)
}

pub fn base(rel: &str) -> &str {
    rel.rsplit_once('/').map_or(rel, |(_, base)| base)
}

/// `join("", "x")` is `x`; `join("apps/web", "x")` is `apps/web/x`.
pub fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() { name.to_string() } else { format!("{dir}/{name}") }
}

/// Whether `dir` is `ancestor` or below it.
pub fn is_within(dir: &str, ancestor: &str) -> bool {
    ancestor.is_empty() || dir == ancestor || dir.starts_with(&format!("{ancestor}/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_two_levels_and_skips_installs() {
        let root = tempfile::tempdir().unwrap();
        for file in [
            "package.json",
            "apps/web/package.json",
            "apps/web/src/index.js",
            "node_modules/x/package.json",
            ".github/workflows/ci.yml",
            ".git/config",
            "services/api/requirements.txt",
        ] {
            let path = root.path().join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "").unwrap();
        }
        let repo = Repo::scan(root.path()).unwrap();
        assert_eq!(
            repo.files(),
            ["package.json", ".github/workflows/ci.yml", "apps/web/package.json", "services/api/requirements.txt",]
        );
        assert_eq!(repo.named("package.json").collect::<Vec<_>>(), ["package.json", "apps/web/package.json"]);
    }

    #[test]
    fn paths() {
        assert_eq!(dir("apps/web/package.json"), "apps/web");
        assert_eq!(dir("package.json"), "");
        assert_eq!(base("apps/web/package.json"), "package.json");
        assert_eq!(join("", "a"), "a");
        assert_eq!(join("x", "a"), "x/a");
        assert!(is_within("apps/web", ""));
        assert!(is_within("apps/web", "apps"));
        assert!(!is_within("apps2/web", "apps"));
    }

    #[test]
    fn files_looked_through_that_are_not_text_are_skipped_silently() {
        let root = tempfile::tempdir().unwrap();
        std::fs::write(root.path().join("logo.png"), [0x89, b'P', b'N', b'G', 0xff, 0xfe]).unwrap();
        std::fs::write(root.path().join("setup.md"), "cp .env.example .env\n").unwrap();
        let repo = Repo::from_files(root.path(), vec!["logo.png".into(), "setup.md".into()]);
        assert_eq!(repo.read_if_text("logo.png"), None);
        assert_eq!(repo.read_if_text("setup.md").as_deref(), Some("cp .env.example .env\n"));
        assert!(repo.unreadable().is_empty());
    }

    #[test]
    fn unreadable_files_are_remembered() {
        let root = tempfile::tempdir().unwrap();
        let repo = Repo::from_files(root.path(), vec!["missing.txt".into()]);
        assert_eq!(repo.read("missing.txt"), None);
        assert_eq!(repo.unreadable().len(), 1);
    }
}
