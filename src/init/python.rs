//! Python: requirements files, `pyproject.toml`, `Pipfile`, `.python-version`, `runtime.txt`.
//!
//! devup's pip recipe installs one requirements file into one virtual environment. When a
//! project has several (`requirements.txt`, `requirements-dev.txt` with `-r requirements.txt`),
//! the one that pulls in the most of the others is installed: on a developer's machine that is
//! usually the development file.

use super::hints::{Deps, Hints, Rank, Version};
use super::repo::{self, Repo};

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Pyproject {
    pub name: Option<String>,
    /// `requires-python` (or Poetry's `python` dependency), as the project wrote it: the python
    /// recipe reads PEP 440.
    pub requires_python: Option<String>,
    /// It says what it installs (`pip install -e .`): a `[project]`, or Poetry's.
    pub installable: bool,
    /// It names a build system, which with no `[project]` reads a `setup.py` or `setup.cfg`
    /// (a `pyproject.toml` holding only the tools' settings and a build system installs nothing
    /// of the project's).
    pub build_system: bool,
}

/// Pure.
pub fn parse_pyproject(text: &str) -> Result<Pyproject, String> {
    let table: toml::Table = toml::from_str(text).map_err(|e| e.message().to_string())?;
    let project = table.get("project");
    let poetry = table.get("tool").and_then(|t| t.get("poetry"));
    let text = |v: Option<&toml::Value>| v.and_then(toml::Value::as_str).map(str::to_string);
    Ok(Pyproject {
        name: text(project.and_then(|p| p.get("name"))).or_else(|| text(poetry.and_then(|p| p.get("name")))),
        requires_python: text(project.and_then(|p| p.get("requires-python")))
            .or_else(|| text(poetry.and_then(|p| p.get("dependencies")).and_then(|d| d.get("python")))),
        installable: project.is_some() || poetry.is_some(),
        build_system: table.contains_key("build-system"),
    })
}

/// Pure: the Python version a `Pipfile` asks for.
pub fn parse_pipfile(text: &str) -> Result<Option<String>, String> {
    let table: toml::Table = toml::from_str(text).map_err(|e| e.message().to_string())?;
    let requires = table.get("requires");
    Ok(["python_full_version", "python_version"].iter().find_map(|k| requires?.get(*k)?.as_str().map(str::to_string)))
}

/// Pure: the files a requirements file pulls in (`-r base.txt`, `--requirement=base.txt`).
pub fn includes(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| {
            let line = line.split(" #").next().unwrap_or_default().trim();
            let rest = line.strip_prefix("--requirement").or_else(|| line.strip_prefix("-r"))?;
            let rest = rest.trim_start_matches('=').trim();
            (!rest.is_empty()).then(|| rest.to_string())
        })
        .collect()
}

/// Pure: which requirements file to install (paths relative to the repository, with what
/// each includes, relative to itself), and the ones it does not pull in.
pub fn choose(files: &[(String, Vec<String>)]) -> Option<(String, Vec<String>)> {
    let reach = |start: &str| -> Vec<String> {
        let mut seen = vec![start.to_string()];
        let mut i = 0;
        while i < seen.len() {
            if let Some((file, inc)) = files.iter().find(|(f, _)| *f == seen[i]) {
                for target in inc {
                    let path = normalize(&repo::join(repo::dir(file), target));
                    if !seen.contains(&path) {
                        seen.push(path);
                    }
                }
            }
            i += 1;
        }
        seen
    };
    let score = |file: &str| {
        let base = repo::base(file);
        let covered = reach(file).len();
        (covered, base == "requirements.txt", base.contains("dev"))
    };
    let chosen = files.iter().map(|(f, _)| f).max_by(|a, b| score(a).cmp(&score(b)).then_with(|| b.cmp(a)))?;
    let covered = reach(chosen);
    let left = files.iter().map(|(f, _)| f.clone()).filter(|f| !covered.contains(f)).collect();
    Some((chosen.clone(), left))
}

/// `a/b/../c.txt` → `a/c.txt`.
pub fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
}

/// A requirements file: `requirements*.txt`, `*-requirements.txt`, or any `.txt` in
/// `requirements/`. Returns the directory of the project it belongs to.
pub fn requirements_project(file: &str) -> Option<&str> {
    let base = repo::base(file);
    let dir = repo::dir(file);
    if !base.ends_with(".txt") {
        return None;
    }
    if repo::base(dir) == "requirements" {
        return Some(repo::dir(dir));
    }
    let stem = base.trim_end_matches(".txt");
    (stem.starts_with("requirements") || stem.ends_with("requirements")).then_some(dir)
}

pub fn detect(repo: &Repo, hints: &mut Hints) {
    for file in repo.named(".python-version") {
        hints.version_file("python", file);
    }
    let mut dirs: Vec<&str> = Vec::new();
    for file in repo.files() {
        let dir = match repo::base(file) {
            "pyproject.toml" | "Pipfile" | "setup.py" => Some(repo::dir(file)),
            _ => requirements_project(file),
        };
        if let Some(dir) = dir
            && !dirs.contains(&dir)
        {
            dirs.push(dir);
        }
    }
    dirs.sort_by_key(|d| (d.matches('/').count(), *d));
    let mut projects: Vec<&str> = Vec::new();
    for dir in dirs {
        let requirements: Vec<(String, Vec<String>)> = repo
            .files()
            .iter()
            .filter(|f| requirements_project(f) == Some(dir))
            .map(|f| (f.clone(), repo.read(f).map(|t| includes(&t)).unwrap_or_default()))
            .collect();
        if requirements.is_empty() && projects.iter().any(|p| repo::is_within(dir, p)) {
            continue;
        }
        projects.push(dir);
        project(repo, hints, dir, &requirements);
    }
}

fn project(repo: &Repo, hints: &mut Hints, dir: &str, requirements: &[(String, Vec<String>)]) {
    let pyproject_file = repo::join(dir, "pyproject.toml");
    let pyproject = match repo.has(&pyproject_file).then(|| repo.read(&pyproject_file)).flatten() {
        Some(text) => parse_pyproject(&text).unwrap_or_else(|e| {
            hints.problem(&pyproject_file, e);
            Pyproject::default()
        }),
        None => Pyproject::default(),
    };
    let pipfile = repo::join(dir, "Pipfile");
    let has_pipfile = repo.has(&pipfile);
    let first = requirements
        .first()
        .map(|(f, _)| f.clone())
        .or_else(|| repo.has(&pyproject_file).then(|| pyproject_file.clone()))
        .or_else(|| has_pipfile.then(|| pipfile.clone()))
        .unwrap_or_else(|| repo::join(dir, "setup.py"));
    hints.present("python", &first);
    if dir.is_empty()
        && let Some(name) = &pyproject.name
    {
        hints.name(&pyproject_file, name);
    }
    if let Some(version) = &pyproject.requires_python {
        let said = Some(version.clone());
        let v = Some(Version::Constraint(version.clone()));
        hints.language("python", &pyproject_file, v, said, Rank::Manifest);
    }
    if has_pipfile && let Some(text) = repo.read(&pipfile) {
        match parse_pipfile(&text) {
            Ok(Some(v)) => {
                hints.language("python", &pipfile, Some(Version::Constraint(v.clone())), Some(v), Rank::Manifest)
            }
            Ok(None) => {}
            Err(e) => hints.problem(&pipfile, e),
        }
    }
    let runtime = repo::join(dir, "runtime.txt");
    if repo.has(&runtime)
        && let Some(text) = repo.read(&runtime)
        && let Some(v) = text.trim().strip_prefix("python-")
    {
        // A hosting platform's exact pin (`python-3.11.4`): a developer needs its release
        // line; the comment "runtime.txt asks for 3.11.4" keeps the pin in sight.
        let line: Vec<&str> = v.split('.').take(2).collect();
        hints.language(
            "python",
            &runtime,
            Some(Version::Constraint(line.join("."))),
            Some(v.to_string()),
            Rank::Manifest,
        );
    }

    let setup_files = [repo::join(dir, "setup.py"), repo::join(dir, "setup.cfg")];
    let installable = pyproject.installable || (pyproject.build_system && setup_files.iter().any(|f| repo.has(f)));
    let mut params: Vec<(String, toml::Value)> = Vec::new();
    let mut notes = Vec::new();
    let chosen = choose(requirements);
    let (file, why) = match &chosen {
        Some((chosen, left)) => {
            if !(dir.is_empty() && chosen == "requirements.txt") {
                params.push(("requirements".into(), toml::Value::String(chosen.clone())));
            }
            for other in left {
                notes.push(format!("{other} is not installed: {chosen} does not pull it in with -r"));
            }
            (chosen.clone(), "the requirements to install".to_string())
        }
        None => {
            params.push(("requirements".into(), toml::Value::String(String::new())));
            if installable && dir.is_empty() {
                params.push(("project".into(), toml::Value::Boolean(true)));
                (pyproject_file.clone(), "no requirements file: the project itself, editable".to_string())
            } else if installable {
                hints.note(
                    &pyproject_file,
                    "pip's `project` installs the top directory only: this project is not installed",
                );
                return;
            } else if has_pipfile {
                notes.push("devup has no pipenv recipe: this makes the virtual environment only; `pipenv requirements --dev > requirements.txt` gives pip a file to install".to_string());
                (pipfile.clone(), "a virtual environment".to_string())
            } else {
                (first.clone(), "a virtual environment".to_string())
            }
        }
    };
    for (lock, tool) in [("poetry.lock", "Poetry"), ("uv.lock", "uv"), ("pdm.lock", "PDM")] {
        if repo.has(&repo::join(dir, lock)) {
            notes.push(format!(
                "{lock}: devup has no {tool} recipe; pip installs from the files above, not the locked versions"
            ));
        }
    }
    if !dir.is_empty() {
        params.push(("venv".into(), toml::Value::String(repo::join(dir, ".venv"))));
    }
    hints.deps.push(Deps { manager: "pip", language: "python", dir: dir.to_string(), params, file, why, notes });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pyproject() {
        let p = parse_pyproject(
            "[project]\nname = \"shop\"\nrequires-python = \"~=3.11\"\n[build-system]\nrequires = []\n",
        )
        .unwrap();
        assert_eq!(p.name.as_deref(), Some("shop"));
        assert_eq!(p.requires_python.as_deref(), Some("~=3.11"));
        assert!(p.installable);
        let poetry =
            parse_pyproject("[tool.poetry]\nname = \"x\"\n[tool.poetry.dependencies]\npython = \"^3.10\"\n").unwrap();
        assert_eq!(poetry.requires_python.as_deref(), Some("^3.10"));
        let tools_only = parse_pyproject("[tool.ruff]\nline-length = 100\n").unwrap();
        assert!(!tools_only.installable);
        let setup_py = parse_pyproject("[build-system]\nbuild-backend = \"setuptools.build_meta\"\n").unwrap();
        assert!(!setup_py.installable && setup_py.build_system, "installable with its setup.py");
        assert!(parse_pyproject("[project").is_err());
    }

    #[test]
    fn a_build_system_alone_installs_the_project_only_with_its_setup_py() {
        let root = tempfile::tempdir().unwrap();
        std::fs::write(
            root.path().join("pyproject.toml"),
            "[build-system]\nrequires = [\"setuptools\"]\n[tool.pytest.ini_options]\naddopts = \"-ra\"\n",
        )
        .unwrap();
        let drafted = |files: Vec<String>| {
            let repo = Repo::from_files(root.path(), files);
            let mut hints = Hints::default();
            detect(&repo, &mut hints);
            hints.deps[0].params.iter().any(|(p, v)| p == "project" && v.as_bool() == Some(true))
        };
        assert!(!drafted(vec!["pyproject.toml".into()]), "the tools' settings and a build system: nothing to install");
        std::fs::write(root.path().join("setup.py"), "from setuptools import setup\nsetup(name='x')\n").unwrap();
        assert!(drafted(vec!["pyproject.toml".into(), "setup.py".into()]));
    }

    #[test]
    fn runtime_txt_is_a_release_line() {
        let root = tempfile::tempdir().unwrap();
        std::fs::write(root.path().join("runtime.txt"), "python-3.11.4\n").unwrap();
        std::fs::write(root.path().join("requirements.txt"), "").unwrap();
        let repo = Repo::from_files(root.path(), vec!["runtime.txt".into(), "requirements.txt".into()]);
        let mut hints = Hints::default();
        detect(&repo, &mut hints);
        let pin = hints.languages.iter().find(|l| l.file == "runtime.txt").unwrap();
        assert_eq!(pin.version, Some(Version::Constraint("3.11".into())));
        assert_eq!(pin.said.as_deref(), Some("3.11.4"));
    }

    #[test]
    fn pipfile() {
        let text = "[packages]\ndjango = \"*\"\n[requires]\npython_version = \"3.11\"\n";
        assert_eq!(parse_pipfile(text).unwrap().as_deref(), Some("3.11"));
        assert_eq!(parse_pipfile("[packages]\n").unwrap(), None);
    }

    #[test]
    fn requirement_includes() {
        let text = "-r requirements.txt\n--requirement=base.txt # base\n-c constraints.txt\ndjango>=4\n";
        assert_eq!(includes(text), ["requirements.txt", "base.txt"]);
    }

    #[test]
    fn the_development_file_that_includes_the_rest_wins() {
        let files = vec![
            ("requirements.txt".to_string(), vec![]),
            ("requirements-dev.txt".to_string(), vec!["requirements.txt".to_string()]),
            ("requirements-docs.txt".to_string(), vec![]),
        ];
        let (chosen, left) = choose(&files).unwrap();
        assert_eq!(chosen, "requirements-dev.txt");
        assert_eq!(left, ["requirements-docs.txt"]);

        let files = vec![
            ("requirements/base.txt".to_string(), vec![]),
            ("requirements/dev.txt".to_string(), vec!["base.txt".to_string()]),
            ("requirements/prod.txt".to_string(), vec!["./base.txt".to_string()]),
        ];
        assert_eq!(choose(&files).unwrap().0, "requirements/dev.txt");

        let files = vec![("requirements-test.txt".to_string(), vec![]), ("requirements.txt".to_string(), vec![])];
        assert_eq!(choose(&files).unwrap().0, "requirements.txt");
        assert_eq!(choose(&[]), None);
    }

    #[test]
    fn requirements_files() {
        assert_eq!(requirements_project("requirements.txt"), Some(""));
        assert_eq!(requirements_project("api/dev-requirements.txt"), Some("api"));
        assert_eq!(requirements_project("requirements/dev.txt"), Some(""));
        assert_eq!(requirements_project("svc/requirements/base.txt"), Some("svc"));
        assert_eq!(requirements_project("notes.txt"), None);
    }
}
