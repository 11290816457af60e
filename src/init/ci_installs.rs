//! The pip entry installs what CI and tox install before the tests: the requirements files
//! its own choice does not pull in become `extra_requirements`, requirements named one by one
//! (tox's `deps = pytest`, `pip install pytest mock`) `packages`, the project with its extras
//! `project = true, extras = [...]`. A file the repository's own pick already covers (through
//! `-r`) is not installed twice.

use super::hints::{CiPackage, Deps, Hints};
use super::installs::Install;
use super::python;
use super::repo::{self, Repo};

/// Runs after every detector: it changes the pip hint the Python detector made, and keeps
/// the system packages CI installs for `[packages]`.
pub fn fold(repo: &Repo, hints: &mut Hints) {
    let installs = std::mem::take(&mut hints.installs);
    for install in &installs {
        for apt in &install.apt {
            let package = CiPackage { file: install.file.clone(), apt: apt.clone() };
            if !hints.ci_packages.iter().any(|p| p.apt == package.apt) {
                hints.ci_packages.push(package);
            }
        }
    }
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
    let old_main = match param(pip, "requirements").and_then(|v| v.as_str().map(str::to_string)) {
        Some(file) => file,
        None if exists("requirements.txt") => "requirements.txt".to_string(),
        None => String::new(),
    };
    let extra = strings(param(pip, "extra_requirements"));
    let mut wanted: Vec<String> = Vec::new();
    for file in &install.requirements {
        if exists(file) {
            wanted.push(file.clone());
        } else {
            pip.notes.push(format!("{}: installs {file}, which the repository does not have", install.file));
        }
    }
    if !wanted.is_empty() {
        // What CI installs is what the tests need: it replaces the Python detector's guess,
        // which stays only when it is the development file (more than the tests need).
        let keep_old = !old_main.is_empty() && (is_development(&old_main) || old_main == "requirements.txt");
        let mut files: Vec<String> = Vec::new();
        for file in keep_old.then_some(&old_main).into_iter().chain(&extra).chain(&wanted) {
            let covered = files.iter().any(|f| reach(f, includes).contains(file));
            if !covered {
                // A later file may pull in an earlier one: keep only the one that pulls in.
                let pulled_in = reach(file, includes);
                files.retain(|f| !pulled_in.contains(f));
                files.push(file.clone());
            }
        }
        let (main, rest) = files.split_first().expect("wanted is not empty");
        let before: Vec<&String> = std::iter::once(&old_main).chain(&extra).filter(|f| !f.is_empty()).collect();
        if files.iter().collect::<Vec<_>>() == before {
            // CI installs what the entry already does.
        } else if *main != old_main {
            // The entry is CI's choice now: the Python detector's remarks on what its own
            // pick leaves out no longer hold, and its pick is one more file left out.
            let mut left: Vec<String> = pip
                .notes
                .iter()
                .filter_map(|n| n.split_once(" is not installed").map(|(f, _)| f.to_string()))
                .collect();
            pip.notes.retain(|n| !n.contains(" is not installed"));
            left.insert(0, old_main.clone());
            let installed: Vec<String> = files.iter().flat_map(|f| reach(f, includes)).collect();
            left.retain(|f| !f.is_empty() && !installed.contains(f));
            pip.file = install.file.clone();
            pip.why = format!("installs {} before the tests", wanted.join(", "));
            if !left.is_empty() {
                pip.notes.insert(0, format!("not installed: {}", left.join(", ")));
            }
        } else {
            let installed: Vec<String> = files.iter().flat_map(|f| reach(f, includes)).collect();
            pip.notes.retain(|n| !installed.iter().any(|f| n.starts_with(&format!("{f} is not installed"))));
            pip.notes.push(format!("{}: also installs {} before the tests", install.file, rest.join(", ")));
        }
        set(pip, "requirements", toml::Value::String(main.clone()));
        if !rest.is_empty() {
            set(pip, "extra_requirements", toml::Value::Array(rest.iter().cloned().map(toml::Value::String).collect()));
        }
    }
    if install.project {
        if has_pyproject {
            set(pip, "project", toml::Value::Boolean(true));
            if !install.extras.is_empty() {
                let mut extras = strings(param(pip, "extras"));
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
    if !install.conditional.is_empty() {
        pip.notes.push(format!(
            "{}: not installed, for some of its environments only: {}",
            install.file,
            install.conditional.join(", ")
        ));
    }
    if !install.computed.is_empty() {
        pip.notes.push(format!(
            "{}: also installs what the shell computes as CI runs ({}): add it if the tests need it",
            install.file,
            install.computed.join(", ")
        ));
    }
    if !install.packages.is_empty() {
        let mut packages = strings(param(pip, "packages"));
        let new: Vec<String> = install.packages.iter().filter(|p| !packages.contains(p)).cloned().collect();
        if !new.is_empty() {
            pip.notes.push(format!("{}: also installs {} before the tests", install.file, new.join(", ")));
            packages.extend(new);
            set(pip, "packages", toml::Value::Array(packages.into_iter().map(toml::Value::String).collect()));
        }
    }
}

/// A list parameter's strings.
fn strings(value: Option<&toml::Value>) -> Vec<String> {
    value
        .and_then(toml::Value::as_array)
        .map(|items| items.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

/// `requirements-dev.txt`, `requirements/local.txt`: what a developer installs.
fn is_development(file: &str) -> bool {
    let base = repo::base(file);
    base.contains("dev") || base.contains("local")
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

/// Sets a parameter, keeping pip's order: requirements, extra_requirements, packages, project,
/// extras.
fn set(pip: &mut Deps, name: &str, value: toml::Value) {
    const ORDER: &[&str] = &["requirements", "extra_requirements", "packages", "project", "extras", "venv"];
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
            ..Install::default()
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
        assert_eq!(p.notes, ["ci.yml: also installs requirements-test.txt before the tests"]);
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
        assert!(p.notes.is_empty(), "nothing changed: {:?}", p.notes);
    }

    #[test]
    fn ci_replaces_a_guess_that_is_no_development_file() {
        let mut p = pip(&[("requirements", toml::Value::String("requirements/production.txt".into()))], &[]);
        let exists = |f: &str| f.starts_with("requirements/");
        apply(&mut p, &install(&["requirements/local.txt"], false, &[]), &exists, &includes, false);
        assert_eq!(shown(&p), r#"requirements = "requirements/local.txt""#);
        assert_eq!(p.notes, ["not installed: requirements/production.txt"]);
        assert_eq!((p.file.as_str(), p.why.as_str()), ("ci.yml", "installs requirements/local.txt before the tests"));
        let mut p = pip(&[("requirements", toml::Value::String("requirements/base.txt".into()))], &[]);
        apply(&mut p, &install(&["requirements/local.txt"], false, &[]), &exists, &includes, false);
        assert_eq!(shown(&p), r#"requirements = "requirements/local.txt""#, "local.txt pulls in base.txt");
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

    #[test]
    fn what_the_shell_computes_is_said_not_drafted() {
        let mut p = pip(&[("requirements", toml::Value::String(String::new()))], &[]);
        let ci = Install { file: "ci.yml".into(), computed: vec!["`ls dist/*`[test]".into()], ..Install::default() };
        apply(&mut p, &ci, &exists, &includes, true);
        assert_eq!(shown(&p), r#"requirements = """#);
        assert_eq!(
            p.notes,
            [
                "ci.yml: also installs what the shell computes as CI runs (`ls dist/*`[test]): add it if the tests need it"
            ]
        );
    }

    #[test]
    fn requirements_named_one_by_one_are_installed_once_each() {
        let mut p = pip(&[("requirements", toml::Value::String(String::new())), ("project", true.into())], &[]);
        let tox = Install {
            file: "tox.ini".into(),
            packages: vec!["pytest>=7".into(), "psycopg2-binary".into()],
            conditional: vec!["django42: Django<4.3".into()],
            ..Install::default()
        };
        let ci = Install { packages: vec!["pytest>=7".into(), "pytest-cov".into()], ..Install::default() };
        apply(&mut p, &tox, &exists, &includes, true);
        apply(&mut p, &Install { file: "ci.yml".into(), ..ci }, &exists, &includes, true);
        assert_eq!(
            shown(&p),
            r#"requirements = "", packages = ["pytest>=7", "psycopg2-binary", "pytest-cov"], project = true"#
        );
        assert_eq!(
            p.notes,
            [
                "tox.ini: not installed, for some of its environments only: django42: Django<4.3",
                "tox.ini: also installs pytest>=7, psycopg2-binary before the tests",
                "ci.yml: also installs pytest-cov before the tests",
            ]
        );
    }
}
