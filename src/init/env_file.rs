//! `.env.example` (or `.env.sample`, `.env.template`, `.env.dist`): a step that creates the
//! developer's own `.env` from it once, readable only by them, and never touches it again.

use super::hints::{Hints, Step};
use super::repo::{self, Repo};

/// Templates of `.env`, in the order they are preferred when a directory has several.
pub const TEMPLATES: &[&str] = &[".env.example", ".env.sample", ".env.template", ".env.dist", "env.example"];

pub fn detect(repo: &Repo, hints: &mut Hints) {
    let mut done: Vec<&str> = Vec::new();
    for file in repo.files() {
        let dir = repo::dir(file);
        if !TEMPLATES.contains(&repo::base(file)) || done.contains(&dir) {
            continue;
        }
        // The preferred template of this directory.
        let Some(template) = TEMPLATES.iter().find(|t| repo.has(&repo::join(dir, t))) else {
            continue;
        };
        done.push(dir);
        hints.steps.push(step(dir, template));
    }
}

/// Pure: the step for a template in `dir` (`""` for the top).
pub fn step(dir: &str, template: &str) -> Step {
    let name = if dir.is_empty() {
        "env-file".to_string()
    } else {
        let slug: String =
            dir.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
        format!("env-file-{}", slug.trim_matches('-'))
    };
    let file = repo::join(dir, template);
    Step {
        description: format!("create {} from {file}", repo::join(dir, ".env")),
        check: "test -f .env".to_string(),
        // The template's name is one of TEMPLATES: nothing from the repository reaches the shell.
        apply: format!("cp {template} .env && chmod 600 .env"),
        cwd: (!dir.is_empty()).then(|| dir.to_string()),
        why: "copied to .env once, then yours to edit".to_string(),
        file,
        name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_level_and_nested() {
        let top = step("", ".env.example");
        assert_eq!(top.name, "env-file");
        assert_eq!(top.check, "test -f .env");
        assert_eq!(top.apply, "cp .env.example .env && chmod 600 .env");
        assert_eq!(top.cwd, None);
        let nested = step("services/api", ".env.sample");
        assert_eq!(nested.name, "env-file-services-api");
        assert_eq!(nested.cwd.as_deref(), Some("services/api"));
        assert_eq!(nested.description, "create services/api/.env from services/api/.env.sample");
    }

    #[test]
    fn one_step_per_directory() {
        let root = tempfile::tempdir().unwrap();
        let files = [".env.sample", ".env.example", "api/.env.dist"];
        let repo = Repo::from_files(root.path(), files.iter().map(|f| f.to_string()).collect());
        let mut hints = Hints::default();
        detect(&repo, &mut hints);
        let steps: Vec<_> = hints.steps.iter().map(|s| (s.name.as_str(), s.file.as_str())).collect();
        assert_eq!(steps, [("env-file", ".env.example"), ("env-file-api", "api/.env.dist")]);
    }
}
