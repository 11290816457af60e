//! `.env.example` (or `.env.sample`, `.env.template`, `.env.dist`): a step that creates the
//! developer's own `.env` from it once, readable only by them, and never touches it again.
//!
//! Only where the project itself makes that copy: its docs (README, CONTRIBUTING) or scripts
//! (Makefile, bin/setup, CI) say `cp .env.example .env`. A template can be there for other
//! reasons (a deployment's list of variables), and a `.env` the tests never asked for can
//! change what they do; elsewhere the step is written commented out, for a person to decide.

use super::hints::{Hints, Step};
use super::repo::{self, Repo};

/// Templates of `.env`, in the order they are preferred when a directory has several.
pub const TEMPLATES: &[&str] = &[".env.example", ".env.sample", ".env.template", ".env.dist", "env.example"];

/// Files where a project says how to set it up: matched by base name, case-insensitively,
/// as a prefix (`README.md`, `CONTRIBUTING.rst`, `Makefile`)...
const SETUP_DOCS: &[&str] = &["readme", "contributing", "install", "setup", "makefile", "justfile", "taskfile"];
/// ...or by the directory holding them.
const SETUP_DIRS: &[&str] = &["bin", "script", "scripts", "docs", ".github/workflows", ".devcontainer"];
const CI_FILES: &[&str] = &[".gitlab-ci.yml", ".travis.yml", ".circleci/config.yml"];

pub fn detect(repo: &Repo, hints: &mut Hints) {
    // Read only when a template is there, and quietly: a setup directory holds images too.
    let setup_texts = std::cell::OnceCell::new();
    let setup_texts = || -> &Vec<(String, String)> {
        setup_texts.get_or_init(|| {
            let files = repo.files().iter().filter(|f| is_setup_file(f));
            files.filter_map(|f| Some((f.clone(), repo.read_if_text(f)?))).collect()
        })
    };
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
        let mut step = step(dir, template);
        match setup_texts().iter().find(|(_, text)| copies(text, template)) {
            Some((file, _)) => {
                step.why = format!("{file} copies it to .env; devup does it once, then it is yours to edit")
            }
            None => {
                step.why = "a template for .env".to_string();
                step.disabled = Some(format!(
                    "nothing in the project copies {template} to .env: uncomment this if its tests need one"
                ))
            }
        }
        hints.steps.push(step);
    }
}

fn is_setup_file(file: &str) -> bool {
    let base = repo::base(file).to_ascii_lowercase();
    CI_FILES.contains(&file)
        || SETUP_DIRS.contains(&repo::dir(file))
        || (repo::dir(file).is_empty() && SETUP_DOCS.iter().any(|d| base.starts_with(d)))
}

/// Pure: whether a text copies `template` to `.env` (`cp .env.example .env`, `cp -n
/// api/.env.example api/.env`, `copy .env.example .env`, `Copy-Item .env.example .env`).
pub fn copies(text: &str, template: &str) -> bool {
    text.lines().any(|line| {
        let words: Vec<&str> = line
            .split(|c: char| c.is_whitespace() || matches!(c, '`' | '"' | '\'' | ';' | '(' | ')'))
            .filter(|w| !w.is_empty())
            .collect();
        words.iter().enumerate().any(|(i, w)| {
            matches!(w.to_ascii_lowercase().as_str(), "cp" | "copy" | "copy-item")
                && words[i + 1..]
                    .iter()
                    .skip_while(|w| w.starts_with('-'))
                    .take(1)
                    .any(|src| repo::base(src) == template)
                && words[i + 1..].iter().any(|dst| repo::base(dst) == ".env")
        })
    })
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
        disabled: None,
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
        assert!(hints.steps.iter().all(|s| s.disabled.is_some()), "nothing copies them");
    }

    #[test]
    fn a_copy_the_project_makes() {
        assert!(copies("Setup:\n\n    cp .env.example .env\n", ".env.example"));
        assert!(copies("setup:\n\tcp -n api/.env.sample api/.env", ".env.sample"));
        assert!(copies("- run: cp .env.example .env && pytest", ".env.example"));
        assert!(copies("Run `copy .env.example .env` on Windows", ".env.example"));
        assert!(!copies("cp .env.example .env.local", ".env.example"));
        assert!(!copies("cp .env.sample .env", ".env.example"));
        assert!(!copies("See .env.example for the variables; write your own .env", ".env.example"));
    }

    #[test]
    fn only_where_the_project_copies_it() {
        let root = tempfile::tempdir().unwrap();
        std::fs::write(root.path().join("Makefile"), "dev:\n\tcp .env.example .env\n").unwrap();
        let files = [".env.example", "Makefile", "api/.env.example"];
        let repo = Repo::from_files(root.path(), files.iter().map(|f| f.to_string()).collect());
        let mut hints = Hints::default();
        detect(&repo, &mut hints);
        assert_eq!(hints.steps[0].disabled, None);
        assert!(hints.steps[0].why.starts_with("Makefile copies it"));
        assert!(hints.steps[1].disabled.is_none(), "the Makefile's copy names the same template");
    }
}
