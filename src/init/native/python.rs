//! Python's dependency lists: requirements files (and the files they include with `-r`),
//! `pyproject.toml` (`[project]`, Poetry, `[dependency-groups]`), `Pipfile`, and `setup.cfg`'s
//! `install_requires` and extras. `setup.py` is code, and is only looked through for the
//! project's own C extensions (which the table calls `Extension`).

use super::Lists;
use crate::init::hints::Hints;
use crate::init::python::{includes, normalize, requirements_project};
use crate::init::repo::{self, Repo};
use crate::recipe::native::Dep;

/// Every dependency list of the repository, with the dependencies it declares.
pub fn read(repo: &Repo, hints: &mut Hints) -> Lists {
    // Requirements files, and the files of the repository they include (`-r` could name any
    // path), in the order the repository lists them.
    let mut texts: Vec<(String, String)> = Vec::new();
    let mut queue: Vec<String> = repo.files().iter().filter(|f| requirements_project(f).is_some()).cloned().collect();
    while let Some(file) = queue.pop() {
        if texts.iter().any(|(f, _)| *f == file) {
            continue;
        }
        let Some(text) = repo.read(&file) else {
            continue;
        };
        for target in includes(&text) {
            let path = normalize(&repo::join(repo::dir(&file), &target));
            if repo.has(&path) {
                queue.push(path);
            }
        }
        texts.push((file, text));
    }
    texts.sort_by_key(|(file, _)| repo.files().iter().position(|f| f == file));
    let mut lists: Lists = texts.into_iter().map(|(file, text)| (file, requirements(&text))).collect();
    for file in repo.files().iter().filter(|f| builds_extensions(repo, f)) {
        lists.push((file.clone(), vec![Dep::new(OWN_EXTENSION)]));
    }
    let formats: [(&str, Parse); 3] =
        [("pyproject.toml", pyproject), ("Pipfile", pipfile), ("setup.cfg", |t| Ok(setup_cfg(t)))];
    for (name, parse) in formats {
        for file in repo.named(name) {
            if let Some(deps) = hints.parsed(repo, file, parse) {
                lists.push((file.to_string(), deps));
            }
        }
    }
    lists
}

/// What a project's own C extensions are called in `recipes/native/python.toml`.
const OWN_EXTENSION: &str = "Extension";

/// Whether `file` builds the project's own C extensions, so that installing the project
/// (`pip install -e .`) compiles: a `setup.py` declaring them, or a `pyproject.toml` whose build
/// backend compiles.
fn builds_extensions(repo: &Repo, file: &str) -> bool {
    match repo::base(file) {
        "setup.py" => repo.read(file).is_some_and(|text| declares_extensions(&text)),
        "pyproject.toml" => repo.read(file).is_some_and(|text| compiling_backend(&text)),
        _ => false,
    }
}

/// Pure: a `setup.py` that declares extension modules.
fn declares_extensions(setup_py: &str) -> bool {
    ["Extension(", "ext_modules", "cythonize("].iter().any(|marker| setup_py.contains(marker))
}

/// Pure: a `pyproject.toml` built by a backend that compiles (CMake through scikit-build-core,
/// Meson), or declaring setuptools' `ext-modules`.
fn compiling_backend(text: &str) -> bool {
    let Ok(table) = toml::from_str::<toml::Table>(text) else { return false };
    let backend = table.get("build-system").and_then(|b| b.get("build-backend")).and_then(toml::Value::as_str);
    let ext_modules = table.get("tool").and_then(|t| t.get("setuptools")).and_then(|s| s.get("ext-modules"));
    matches!(backend, Some("scikit_build_core.build" | "mesonpy")) || ext_modules.is_some()
}

/// A parser of one format.
type Parse = fn(&str) -> Result<Vec<Dep>, String>;

/// How pip compares names: case, `-`, `_` and `.` alike (PEP 503).
pub fn normalize_name(name: &str) -> String {
    let mut out = String::new();
    for c in name.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            if !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// Pure: the dependencies of a requirements file. Options (`-r`, `-e`, `--hash`), URLs and
/// comments are not dependencies; a line ending in `\` goes on on the next.
pub fn requirements(text: &str) -> Vec<Dep> {
    let joined = text.replace("\\\r\n", " ").replace("\\\n", " ");
    joined
        .lines()
        .filter_map(|line| {
            let line = match line.find(" #").or_else(|| line.find("\t#")) {
                Some(at) => &line[..at],
                None => line,
            };
            let line = line.trim();
            if line.starts_with(['-', '#']) {
                return None;
            }
            requirement(line)
        })
        .collect()
}

/// Pure: one requirement as PEP 508 writes it: `name[extra, other] >=1 ; markers`.
pub fn requirement(text: &str) -> Option<Dep> {
    let text = text.trim();
    let end = text.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))).unwrap_or(text.len());
    let name = &text[..end];
    if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return None;
    }
    let rest = text[end..].trim_start();
    // A URL or a VCS link (`https://...`, `git+https://...`) names no package.
    if rest.starts_with([':', '+']) {
        return None;
    }
    let extras = match rest.strip_prefix('[').and_then(|r| r.split_once(']')) {
        Some((list, _)) => list.split(',').map(str::trim).filter(|e| !e.is_empty()).map(str::to_string).collect(),
        None => Vec::new(),
    };
    Some(Dep { name: name.to_string(), extras })
}

/// Pure: `pyproject.toml`'s dependencies: `[project]` (`dependencies`, every group of
/// `optional-dependencies`), `[dependency-groups]`, and Poetry's (every group).
pub fn pyproject(text: &str) -> Result<Vec<Dep>, String> {
    let table: toml::Table = toml::from_str(text).map_err(|e| e.message().to_string())?;
    let mut deps = Vec::new();
    let strings = |value: Option<&toml::Value>, deps: &mut Vec<Dep>| {
        let items = value.and_then(toml::Value::as_array).into_iter().flatten();
        deps.extend(items.filter_map(toml::Value::as_str).filter_map(requirement));
    };
    let project = table.get("project");
    strings(project.and_then(|p| p.get("dependencies")), &mut deps);
    let optional = project.and_then(|p| p.get("optional-dependencies")).and_then(toml::Value::as_table);
    for group in optional.into_iter().flat_map(|t| t.values()) {
        strings(Some(group), &mut deps);
    }
    // A group may include another (`{ include-group = "test" }`): those are listed anyway.
    for group in table.get("dependency-groups").and_then(toml::Value::as_table).into_iter().flat_map(|t| t.values()) {
        strings(Some(group), &mut deps);
    }
    if let Some(poetry) = table.get("tool").and_then(|t| t.get("poetry")) {
        let groups = poetry.get("group").and_then(toml::Value::as_table);
        let tables = [poetry.get("dependencies"), poetry.get("dev-dependencies")]
            .into_iter()
            .chain(groups.into_iter().flat_map(|g| g.values().map(|group| group.get("dependencies"))));
        for deps_table in tables.flatten() {
            deps.extend(keyed(deps_table).into_iter().filter(|d| d.name != "python"));
        }
    }
    Ok(deps)
}

/// Pure: a `Pipfile`'s `[packages]` and `[dev-packages]`.
pub fn pipfile(text: &str) -> Result<Vec<Dep>, String> {
    let table: toml::Table = toml::from_str(text).map_err(|e| e.message().to_string())?;
    Ok(["packages", "dev-packages"].iter().filter_map(|k| table.get(*k)).flat_map(keyed).collect())
}

/// Dependencies as the keys of a table (Poetry, Pipfile), with `extras = [...]` when the
/// value is a table.
fn keyed(value: &toml::Value) -> Vec<Dep> {
    let Some(table) = value.as_table() else {
        return Vec::new();
    };
    table
        .iter()
        .map(|(name, spec)| {
            let extras = spec.get("extras").and_then(toml::Value::as_array).into_iter().flatten();
            Dep { name: name.clone(), extras: extras.filter_map(toml::Value::as_str).map(str::to_string).collect() }
        })
        .collect()
}

/// Pure: `setup.cfg`'s `install_requires`, `tests_require` and `[options.extras_require]`:
/// one requirement a line, the first maybe beside the `=`.
pub fn setup_cfg(text: &str) -> Vec<Dep> {
    let mut deps = Vec::new();
    let mut section = "";
    let mut in_list = false;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with(['#', ';']) {
            continue;
        }
        if let Some(name) = trimmed.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            section = name.trim();
            in_list = false;
            continue;
        }
        let continued = line.starts_with([' ', '\t']);
        if continued {
            if in_list && let Some(dep) = requirement(trimmed) {
                deps.push(dep);
            }
            continue;
        }
        let Some((key, value)) = trimmed.split_once('=') else {
            in_list = false;
            continue;
        };
        let key = key.trim();
        in_list = match section {
            "options" => matches!(key, "install_requires" | "tests_require"),
            "options.extras_require" => true,
            _ => false,
        };
        if in_list && let Some(dep) = requirement(value) {
            deps.push(dep);
        }
    }
    deps
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(deps: &[Dep]) -> Vec<String> {
        deps.iter()
            .map(|d| if d.extras.is_empty() { d.name.clone() } else { format!("{}[{}]", d.name, d.extras.join(",")) })
            .collect()
    }

    #[test]
    fn requirements_files() {
        let text = "\
# the web app
Django>=5.0,<5.1
psycopg2==2.9.9 \\
    --hash=sha256:abc
Pillow ; python_version >= \"3.10\"  # images
-r base.txt
-e git+https://example.com/lib.git#egg=lib
--index-url https://pypi.example.com/simple
https://example.com/wheels/thing-1.0.whl
psycopg[binary, pool]~=3.1
zope.interface==6.0
mylib @ https://example.com/mylib-1.0.tar.gz
";
        assert_eq!(
            names(&requirements(text)),
            ["Django", "psycopg2", "Pillow", "psycopg[binary,pool]", "zope.interface", "mylib"]
        );
    }

    #[test]
    fn names_compare_as_pip_compares_them() {
        assert_eq!(normalize_name("Zope.Interface"), "zope-interface");
        assert_eq!(normalize_name("python__ldap"), "python-ldap");
        assert_eq!(normalize_name("Pillow"), "pillow");
    }

    #[test]
    fn the_projects_own_extensions() {
        assert!(declares_extensions("from setuptools import Extension\nsetup(ext_modules=[Extension('x', ['x.c'])])"));
        assert!(declares_extensions("from Cython.Build import cythonize\nsetup(ext_modules=cythonize('*.pyx'))"));
        assert!(!declares_extensions("from setuptools import setup\nsetup(name='pure')\n"));
        assert!(compiling_backend("[build-system]\nbuild-backend = \"mesonpy\"\n"));
        assert!(compiling_backend("[tool.setuptools]\next-modules = [{ name = \"x\", sources = [\"x.c\"] }]\n"));
        assert!(!compiling_backend("[build-system]\nbuild-backend = \"hatchling.build\"\n"));
        assert!(!compiling_backend("not toml ["));
    }

    #[test]
    fn pyproject_dependencies() {
        let text = r#"
[project]
name = "shop"
dependencies = ["django>=5", "psycopg[c]>=3"]
[project.optional-dependencies]
test = ["pytest", "lxml"]
[dependency-groups]
dev = ["mysqlclient", { include-group = "test" }]
[tool.poetry.dependencies]
python = "^3.11"
Pillow = { version = "^10", extras = ["xcb"] }
[tool.poetry.group.test.dependencies]
python-ldap = "*"
"#;
        assert_eq!(
            names(&pyproject(text).unwrap()),
            ["django", "psycopg[c]", "pytest", "lxml", "mysqlclient", "Pillow[xcb]", "python-ldap"]
        );
        assert!(pyproject("[project").is_err());
        assert!(pyproject("[tool.ruff]\nline-length = 100\n").unwrap().is_empty());
    }

    #[test]
    fn pipfile_packages() {
        let text = "[packages]\ndjango = \"*\"\npsycopg = { version = \"*\", extras = [\"c\"] }\n[dev-packages]\npytest = \"*\"\n[requires]\npython_version = \"3.12\"\n";
        assert_eq!(names(&pipfile(text).unwrap()), ["django", "psycopg[c]", "pytest"]);
    }

    #[test]
    fn setup_cfg_requirements() {
        let text = "\
[metadata]
name = shop

[options]
packages = find:
install_requires = Django>=4
    psycopg2
    # a comment
    lxml ; sys_platform == \"linux\"
python_requires = >=3.10

[options.extras_require]
images =
    Pillow
ldap = python-ldap

[flake8]
max-line-length = 100
";
        assert_eq!(names(&setup_cfg(text)), ["Django", "psycopg2", "lxml", "Pillow", "python-ldap"]);
    }
}
