use super::*;
use crate::init::hints::{Datastore, Rank, Setting};
use crate::init::known::testing::{known, recipe};
use crate::init::store::Store;

fn lang(tool: &str, file: &str, version: Option<Version>, rank: Rank) -> Language {
    let said = match &version {
        Some(Version::Constraint(c)) => Some(c.clone()),
        _ => None,
    };
    Language { tool: tool.into(), file: file.into(), version, said, rank }
}

fn store(store: Store, file: &str, version: Option<&str>, dbs: &[&str]) -> Datastore {
    Datastore {
        store,
        file: file.into(),
        origin: "service `db`".into(),
        version: version.map(str::to_string),
        databases: dbs.iter().map(|d| d.to_string()).collect(),
        settings: Vec::new(),
        notes: Vec::new(),
        weak: false,
    }
}

fn draft_of(root: &Path, hints: Hints, known: &Known) -> Draft {
    draft(root, hints, known, "my project")
}

#[test]
fn the_best_readable_version_source_wins() {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join(".nvmrc"), "lts/iron\n").unwrap();
    std::fs::write(root.path().join(".python-version"), "3.12.1\n").unwrap();
    let hints = Hints {
        languages: vec![
            lang("node", "package.json", None, Rank::Presence),
            lang("node", "package.json", Some(Version::Constraint(">=18".into())), Rank::Manifest),
            lang("node", ".nvmrc", Some(Version::From(".nvmrc".into())), Rank::VersionFile),
            lang("python", "pyproject.toml", Some(Version::Constraint(">=3.10".into())), Rank::Manifest),
            lang("python", ".python-version", Some(Version::From(".python-version".into())), Rank::VersionFile),
            lang("ruby", "Gemfile", None, Rank::Presence),
            lang("terraform", ".tool-versions", Some(Version::From(".tool-versions".into())), Rank::ToolManager),
        ],
        ..Hints::default()
    };
    let d = draft_of(root.path(), hints, &known());
    let names: Vec<_> = d.languages.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["python", "node", "ruby"], "in the usual order");
    let python = &d.languages[0];
    assert_eq!(python.value, Value::Table(vec![("from".into(), toml::Value::String(".python-version".into()))]));
    assert_eq!(
        python.comments,
        [".python-version: version 3.12.1, read from the file at each run", "pyproject.toml asks for >=3.10"]
    );
    let node = &d.languages[1];
    assert_eq!(node.value, Value::Short(">=18".into()), ".nvmrc names no version devup reads");
    assert!(node.comments[1].contains("lts/iron"), "{:?}", node.comments);
    assert_eq!(d.languages[2].value, Value::Short("*".into()));
    assert_eq!(d.notes[0].text, "also pins terraform: devup has no recipe for it");
    assert_eq!(d.name, "my-project");
}

#[test]
fn a_version_file_the_manifest_refuses_is_stale_and_ci_says_what_works() {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join(".nvmrc"), "20\n").unwrap();
    std::fs::write(root.path().join(".python-version"), "3.7\n").unwrap();
    let tested = |versions: &[&str]| Some(Version::Tested(versions.iter().map(|v| v.to_string()).collect()));
    let hints = Hints {
        languages: vec![
            lang("node", "package.json", Some(Version::Constraint(">=22.18.0".into())), Rank::Manifest),
            lang("node", ".nvmrc", Some(Version::From(".nvmrc".into())), Rank::VersionFile),
            lang("node", "ci.yml", tested(&["20", "22"]), Rank::Ci),
            lang("python", "pyproject.toml", Some(Version::Constraint(">=3.8".into())), Rank::Manifest),
            lang("python", ".python-version", Some(Version::From(".python-version".into())), Rank::VersionFile),
            lang("python", "ci.yml", tested(&["3.12", "3.7", "3.9"]), Rank::Ci),
        ],
        ..Hints::default()
    };
    // The built-in recipes: each language's own version syntax.
    let library = crate::recipe::library::Library::new(None, None, crate::resources::kind_names());
    let d = draft_of(root.path(), hints, &Known::from_library(&library));
    let python = &d.languages[0];
    assert_eq!(python.value, Value::Short(">=3.9, <3.13".into()), "of CI's, those the manifest admits");
    assert_eq!(python.comments[0], "ci.yml: CI tests on 3.9, 3.12");
    assert_eq!(python.comments[1], ".python-version pins 3.7, which pyproject.toml refuses (>=3.8): not followed");
    let node = &d.languages[1];
    assert_eq!(node.value, Value::Short(">=22.18.0 <23".into()), "22 only from 22.18 on");
    assert_eq!(node.comments[0], "ci.yml: CI tests on 22, where package.json asks for >=22.18.0");
    assert!(node.comments[1].starts_with(".nvmrc pins 20"), "{:?}", node.comments);
}

#[test]
fn a_long_ci_matrix_is_the_range_it_spans() {
    let root = tempfile::tempdir().unwrap();
    let majors: Vec<String> = ["12", "14", "16", "18", "20", "22"].iter().map(|v| v.to_string()).collect();
    let hints =
        Hints { languages: vec![lang("node", "ci.yml", Some(Version::Tested(majors)), Rank::Ci)], ..Hints::default() };
    let library = crate::recipe::library::Library::new(None, None, crate::resources::kind_names());
    let d = draft_of(root.path(), hints, &Known::from_library(&library));
    assert_eq!(d.languages[0].value, Value::Short(">=12 <23".into()));
}

#[test]
fn ci_versions_the_manifest_refuses_are_not_followed() {
    let root = tempfile::tempdir().unwrap();
    let hints = Hints {
        languages: vec![
            lang("python", "pyproject.toml", Some(Version::Constraint(">=3.12".into())), Rank::Manifest),
            lang("python", "ci.yml", Some(Version::Tested(vec!["3.10".into()])), Rank::Ci),
        ],
        ..Hints::default()
    };
    let d = draft_of(root.path(), hints, &known());
    assert_eq!(d.languages[0].value, Value::Short(">=3.12".into()));
    assert_eq!(d.languages[0].comments[1], "ci.yml tests on 3.10, which pyproject.toml refuses (>=3.12): not followed");
}

#[test]
fn aliases_name_languages() {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join(".tool-versions"), "nodejs 20.11.0\n").unwrap();
    let mut hints = Hints::default();
    hints.languages.push(lang(
        "nodejs",
        ".tool-versions",
        Some(Version::From(".tool-versions".into())),
        Rank::ToolManager,
    ));
    let d = draft_of(root.path(), hints, &known());
    assert_eq!(d.languages[0].name, "node");
    assert_eq!(d.findings[0].entry, "languages.node");
}

#[test]
fn one_entry_per_directory_named_by_it() {
    let deps = |dir: &str, file: &str| Deps {
        manager: "npm",
        language: "node",
        dir: dir.into(),
        params: if dir.is_empty() { vec![] } else { vec![("dir".into(), toml::Value::String(dir.into()))] },
        file: file.into(),
        why: "its lockfile".into(),
        notes: vec![],
    };
    let hints = Hints {
        deps: vec![
            deps("apps/web", "apps/web/package-lock.json"),
            deps("apps/admin", "apps/admin/package-lock.json"),
            deps("apps/web", "apps/web/npm-shrinkwrap.json"),
            // A directory named like a recipe gets a numbered name instead.
            deps("tools/pip", "tools/pip/package-lock.json"),
        ],
        ..Hints::default()
    };
    let d = draft_of(Path::new("."), hints, &known());
    let names: Vec<&str> = d.dependencies.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["npm", "admin", "npm-2"]);
    let text = |s: &str| toml::Value::String(s.into());
    assert_eq!(d.dependencies[0].value, Value::Table(vec![("dir".into(), text("apps/web"))]));
    assert_eq!(
        d.dependencies[1].value,
        Value::Table(vec![("recipe".into(), text("npm")), ("dir".into(), text("apps/admin"))])
    );
    assert_eq!(
        d.dependencies[0].comments[1],
        "apps/web/npm-shrinkwrap.json: not installed: devup.toml holds one npm entry here, for apps/web/package-lock.json"
    );
}

#[test]
fn datastores_merge_across_files() {
    let mut compose = store(Store::postgres(), "docker-compose.yml", Some("16"), &["app_dev"]);
    compose.settings.push(Setting {
        param: "port",
        value: Some(toml::Value::Integer(5433)),
        text: "host port 5433 (mapped to 5432)".into(),
    });
    compose.settings.push(Setting { param: "password", value: None, text: "password from POSTGRES_PASSWORD".into() });
    let ci = store(Store::postgres(), ".github/workflows/ci.yml", Some("15"), &["app_test", "app_dev"]);
    let hints = Hints { datastores: vec![compose, ci], ..Hints::default() };
    let d = draft_of(Path::new("."), hints.clone(), &known());
    let pg = &d.datastores[0];
    assert_eq!(
        pg.value,
        Value::Table(vec![
            ("version".into(), toml::Value::String("16".into())),
            (
                "databases".into(),
                toml::Value::Array(vec![toml::Value::String("app_dev".into()), toml::Value::String("app_test".into())])
            ),
        ])
    );
    assert_eq!(
        pg.comments,
        [
            "docker-compose.yml: service `db`",
            ".github/workflows/ci.yml: service `db`, version 15",
            "devup cannot set these yet: host port 5433 (mapped to 5432), password from POSTGRES_PASSWORD"
        ]
    );
    assert_eq!(pg.disabled, None);

    // A recipe with a port parameter takes the port.
    let mut with_port = known();
    with_port.recipes.retain(|r| r.name != "postgres");
    with_port.recipes.push(recipe(
        Section::Datastores,
        "postgres",
        &[],
        &[("version", "version"), ("databases", "list"), ("port", "integer")],
    ));
    let d = draft_of(Path::new("."), hints, &with_port);
    let Value::Table(params) = &d.datastores[0].value else { panic!() };
    assert_eq!(params[2], ("port".into(), toml::Value::Integer(5433)));
}

#[test]
fn weak_hints_and_missing_recipes_are_commented_out() {
    let mut weak = store(Store::redis(), "tox.ini", None, &[]);
    weak.weak = true;
    weak.origin = "deps: redis".into();
    let hints = Hints {
        datastores: vec![weak, store(Store::mysql(), "compose.yaml", Some("8.0"), &["shop"])],
        ..Hints::default()
    };
    let d = draft_of(Path::new("."), hints, &known());
    let (mysql, redis) = (&d.datastores[0], &d.datastores[1]);
    assert_eq!(mysql.disabled.as_deref(), Some("devup has no `datastores/mysql` recipe yet"));
    assert!(redis.disabled.as_deref().unwrap().starts_with("a weak hint: tox.ini (deps: redis)"));
    assert_eq!(redis.value, Value::Table(vec![]));
}

#[test]
fn version_files_outside_the_repository_are_not_read() {
    let hints = Hints {
        languages: vec![lang("ruby", "Gemfile", Some(Version::From("../secret".into())), Rank::Manifest)],
        ..Hints::default()
    };
    let d = draft_of(Path::new("."), hints, &known());
    assert_eq!(d.languages[0].value, Value::Short("*".into()));
    assert!(is_inside("a/.ruby-version"));
    assert!(!is_inside("/etc/x") && !is_inside("a/../../x") && !is_inside("./x"));
}

#[test]
fn names() {
    let mut hints = Hints::default();
    hints.name("package.json", "shop");
    let d = draft_of(Path::new("."), hints, &known());
    assert_eq!(d.name, "shop");
    assert_eq!(d.findings[0].entry, "project.name");
    assert_eq!(clean_name("..my app"), "my-app");
    assert_eq!(clean_name("//"), "project");
    assert!(!is_valid_name("@scope/x"));
}

#[test]
fn steps_get_unique_names() {
    let step = crate::init::env_file::step("", ".env.example");
    let hints = Hints { steps: vec![step.clone(), step], ..Hints::default() };
    let d = draft_of(Path::new("."), hints, &known());
    let names: Vec<_> = d.steps.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["env-file", "env-file-2"]);
}

/// CI's test variables come before what a compose app runs with: a test database, not the
/// development one.
#[test]
fn ci_variables_win_over_a_compose_apps() {
    use crate::init::hints::{VarValue, Variable};
    let var = |file: &str, name: &str, value: &str| Variable {
        file: file.into(),
        name: name.into(),
        value: VarValue::Plain(value.into()),
    };
    let hints = Hints {
        app_env: vec![var("compose.yaml", "APP_MODE", "development"), var("compose.yaml", "LOG_LEVEL", "debug")],
        env: vec![var(".github/workflows/ci.yml", "APP_MODE", "test")],
        ..Hints::default()
    };
    let d = draft_of(Path::new("."), hints, &known());
    let env: Vec<(&str, &str, &str)> =
        d.env.iter().map(|e| (e.file.as_str(), e.name.as_str(), e.value.as_str())).collect();
    assert_eq!(env, [(".github/workflows/ci.yml", "APP_MODE", "test"), ("compose.yaml", "LOG_LEVEL", "debug")]);
    assert_eq!(d.env[0].comments, ["compose.yaml sets it too: `development`"]);
}
