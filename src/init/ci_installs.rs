//! The pip entry installs what CI and tox install before the tests: the requirements files
//! its own choice does not pull in become `extra_requirements`, the project with its extras
//! `project = true, extras = [...]`. A file the repository's own pick already covers (through
//! `-r`) is not installed twice.

use super::hints::{Deps, Hints};
use super::installs::Install;
use super::python;
use super::repo::{self, Repo};

/// Runs after every detector: it changes the pip hint the Python detector made.
pub fn fold(repo: &Repo, hints: &mut Hints) {
    let installs = std::mem::take(&mut hints.installs);
    let Some(pip) = hints.deps.iter_mut().find(|d| d.manager == "pip" && d.dir.is_empty()) else {
        return;
    };
    let includes = |file: &str| repo.read(file).map(|t| python::includes(&t)).unwrap_or_default();
    let has_pyproject = repo.has("pyproject.toml");
    for install in installs.iter().filter(|i| !i.is_empty()) {
        apply(pip, install, &|f| repo.has(f), &includes, has_pyproject);
    }
}

/// Pure but for its questions: `exists` (a file of the repository), `includes` (what a
/// requirements file pulls in with `-r`).
fn apply(
    pip: &mut Deps,
    install: &Install,
    exists: &dyn Fn(&str) -> bool,
    includes: &dyn Fn(&str) -> Vec<String>,
    has_pyproject: bool,
) {
    let mut said = Vec::new();
    let mut main = match param(pip, "requirements").and_then(|v| v.as_str().map(str::to_string)) {
        Some(file) => file,
        None if exists("requirements.txt") => "requirements.txt".to_string(),
        None => String::new(),
    };
    let mut extra: Vec<String> = param(pip, "extra_requirements")
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    for file in &install.requirements {
        if !exists(file) {
            pip.notes.push(format!("{}: installs {file}, which the repository does not have", install.file));
            continue;
        }
        let mut installed: Vec<String> = Vec::new();
        for start in std::iter::once(&main).chain(&extra).filter(|f| !f.is_empty()) {
            installed.extend(reach(start, includes));
        }
        if installed.contains(file) {
            continue;
        }
        said.push(file.clone());
        if main.is_empty() {
            main = file.clone();
        } else {
            extra.push(file.clone());
        }
    }
    if !said.is_empty() {
        set(pip, "requirements", toml::Value::String(main.clone()));
        if !extra.is_empty() {
            let list = extra.iter().cloned().map(toml::Value::String).collect();
            set(pip, "extra_requirements", toml::Value::Array(list));
        }
        // The Python detector's remark that these are not installed no longer holds.
        pip.notes.retain(|n| !said.iter().any(|f| n.starts_with(&format!("{f} is not installed"))));
        pip.notes.push(format!("{}: installs {} before the tests", install.file, said.join(", ")));
    }
    if install.project {
        if has_pyproject {
            set(pip, "project", toml::Value::Boolean(true));
            if !install.extras.is_empty() {
                let mut extras: Vec<String> = param(pip, "extras")
                    .and_then(|v| v.as_array().cloned())
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect();
                extras.extend(install.extras.iter().filter(|e| !extras.contains(e)).cloned().collect::<Vec<_>>());
                set(pip, "extras", toml::Value::Array(extras.into_iter().map(toml::Value::String).collect()));
            }
            let with = match install.extras.as_slice() {
                [] => String::new(),
                extras => format!(" with its extras {}", extras.join(", ")),
            };
            pip.notes.push(format!("{}: installs the project itself{with}", install.file));
        } else {
            pip.notes.push(format!(
                "{}: installs the project itself; pip's `project` needs a pyproject.toml, which it has not",
                install.file
            ));
        }
    }
    if !install.packages.is_empty() {
        let list = install.packages.join(", ");
        pip.notes.push(format!(
            "{}: also installs {list}, which pip's entry cannot name: add them to a requirements file",
            install.file
        ));
    }
}

/// The files `start` pulls in, itself included.
fn reach(start: &str, includes: &dyn Fn(&str) -> Vec<String>) -> Vec<String> {
    let mut seen = vec![start.to_string()];
    let mut i = 0;
    while i < seen.len() && i < 64 {
        for target in includes(&seen[i]) {
            let path = python::normalize(&repo::join(repo::dir(&seen[i]), &target));
            if !seen.contains(&path) {
                seen.push(path);
            }
        }
        i += 1;
    }
    seen
}

fn param<'a>(pip: &'a Deps, name: &str) -> Option<&'a toml::Value> {
    pip.params.iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

/// Sets a parameter, keeping pip's order: requirements, extra_requirements, project, extras.
fn set(pip: &mut Deps, name: &str, value: toml::Value) {
    const ORDER: &[&str] = &["requirements", "extra_requirements", "project", "extras", "venv"];
    match pip.params.iter_mut().find(|(k, _)| k == name) {
        Some((_, old)) => *old = value,
        None => {
            let rank = |k: &str| ORDER.iter().position(|o| *o == k).unwrap_or(ORDER.len());
            let at = pip.params.iter().position(|(k, _)| rank(k) > rank(name)).unwrap_or(pip.params.len());
            pip.params.insert(at, (name.to_string(), value));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pip(params: &[(&str, toml::Value)], notes: &[&str]) -> Deps {
        Deps {
            manager: "pip",
            language: "python",
            dir: String::new(),
            params: params.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
            file: "requirements.txt".into(),
            why: "the requirements to install".into(),
            notes: notes.iter().map(|n| n.to_string()).collect(),
        }
    }

    fn install(requirements: &[&str], project: bool, extras: &[&str]) -> Install {
        Install {
            file: "ci.yml".into(),
            requirements: requirements.iter().map(|r| r.to_string()).collect(),
            project,
            extras: extras.iter().map(|e| e.to_string()).collect(),
            packages: Vec::new(),
        }
    }

    fn shown(pip: &Deps) -> String {
        pip.params.iter().map(|(k, v)| format!("{k} = {v}")).collect::<Vec<_>>().join(", ")
    }

    const FILES: &[&str] =
        &["requirements.txt", "requirements-test.txt", "requirements/local.txt", "requirements/base.txt"];

    fn exists(file: &str) -> bool {
        FILES.contains(&file)
    }

    fn includes(file: &str) -> Vec<String> {
        match file {
            "requirements/local.txt" => vec!["base.txt".into()],
            _ => Vec::new(),
        }
    }

    #[test]
    fn files_ci_installs_beside_the_chosen_one() {
        let mut p = pip(&[], &["requirements-test.txt is not installed: requirements.txt does not pull it in with -r"]);
        apply(&mut p, &install(&["requirements.txt", "requirements-test.txt"], false, &[]), &exists, &includes, false);
        assert_eq!(shown(&p), r#"requirements = "requirements.txt", extra_requirements = ["requirements-test.txt"]"#);
        assert_eq!(p.notes, ["ci.yml: installs requirements-test.txt before the tests"]);
    }

    #[test]
    fn a_file_already_pulled_in_is_not_installed_twice() {
        let mut p = pip(&[("requirements", toml::Value::String("requirements/local.txt".into()))], &[]);
        apply(
            &mut p,
            &install(&["requirements/base.txt", "requirements/local.txt"], false, &[]),
            &exists,
            &includes,
            false,
        );
        assert_eq!(shown(&p), r#"requirements = "requirements/local.txt""#);
        assert!(p.notes.is_empty());
    }

    #[test]
    fn the_project_with_extras_and_missing_files() {
        let mut p = pip(&[("requirements", toml::Value::String(String::new())), ("project", true.into())], &[]);
        apply(&mut p, &install(&["requirements-test.txt", "gone.txt"], true, &["test"]), &exists, &includes, true);
        assert_eq!(shown(&p), r#"requirements = "requirements-test.txt", project = true, extras = ["test"]"#);
        assert!(p.notes[0].contains("gone.txt"));
        let mut p = pip(&[], &[]);
        apply(&mut p, &install(&[], true, &[]), &exists, &includes, false);
        assert_eq!(shown(&p), "");
        assert!(p.notes[0].contains("needs a pyproject.toml"));
    }
}
