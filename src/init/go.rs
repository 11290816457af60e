//! Go: `go.mod` (its `go` line is the version; `go mod download` fetches the modules).

use super::hints::{Deps, Hints};
use super::repo::{self, Repo};

/// Pure: the module path of a `go.mod` (`module github.com/acme/api` → that path).
pub fn module(text: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let path = line.trim().strip_prefix("module")?;
        if !path.starts_with([' ', '\t']) {
            return None;
        }
        let path = path.trim().trim_matches('"');
        (!path.is_empty()).then(|| path.to_string())
    })
}

/// Pure: whether a `go.mod` requires any module (`require x v1`, or a `require (` block); a
/// module of the standard library only has no go.sum, and needs none.
pub fn requires(text: &str) -> bool {
    text.lines().any(|line| line.trim().strip_prefix("require").is_some_and(|rest| rest.starts_with([' ', '\t', '('])))
}

pub fn detect(repo: &Repo, hints: &mut Hints) {
    for file in repo.named("go.mod") {
        let dir = repo::dir(file);
        hints.version_file("go", file);
        let text = repo.read(file).unwrap_or_default();
        if dir.is_empty()
            && let Some(path) = module(&text)
        {
            hints.name(file, path.rsplit('/').next().unwrap_or(&path));
        }
        let notes = if repo.has(&repo::join(dir, "go.sum")) || !requires(&text) {
            Vec::new()
        } else {
            vec!["no go.sum yet: run `go mod tidy` once and commit it".to_string()]
        };
        let params =
            if dir.is_empty() { Vec::new() } else { vec![("dir".to_string(), toml::Value::String(dir.to_string()))] };
        hints.deps.push(Deps {
            manager: "go",
            language: "go",
            dir: dir.to_string(),
            params,
            file: file.to_string(),
            why: "the modules to download".to_string(),
            notes,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_path() {
        let text = "module github.com/acme/orders\n\ngo 1.22.1\n\nrequire (\n\tgithub.com/lib/pq v1.10.9\n)\n";
        assert_eq!(module(text).as_deref(), Some("github.com/acme/orders"));
        assert_eq!(module("go 1.22\n"), None);
        assert_eq!(module("modulex\n"), None);
    }

    #[test]
    fn requirements() {
        assert!(requires("module a\n\nrequire (\n\tgithub.com/lib/pq v1.10.9\n)\n"));
        assert!(requires("module a\nrequire github.com/lib/pq v1.10.9\n"));
        assert!(!requires("module a\n\ngo 1.19\n"), "the standard library only");
        assert!(!requires("module a\n// requires nothing\n"));
    }
}
