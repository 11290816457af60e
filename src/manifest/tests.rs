use super::*;

fn parse_str(text: &str) -> Result<Manifest> {
    parse(PathBuf::from("/p/shop"), Source::new("devup.toml", text))
}

fn error_of(text: &str) -> Diagnostic {
    match parse_str(text) {
        Err(Error::Input(d)) => *d,
        other => panic!("expected an input error, got {other:?}"),
    }
}

#[test]
fn reads_every_section_in_file_order() {
    let m = parse_str(
        r#"
[project]
name = "storefront"

[languages]
python = ">=3.11"
node = { version = "20" }

[packages]
libpq = { apt = "libpq-dev" }

[datastores]
redis = "7"

[dependencies]
pip = { requirements = "requirements.txt", venv = ".venv" }

[env]
PORT = 3000
MODE = "dev"

[[step]]
name = "env-file"
check = "test -f .env"
apply = "cp .env.example .env"
requires = ["pip"]
"#,
    )
    .unwrap();
    assert_eq!(m.name, "storefront");
    let names: Vec<_> = m.entries.iter().map(|e| (e.section.key(), e.name.as_str())).collect();
    assert_eq!(
        names,
        [
            ("languages", "python"),
            ("languages", "node"),
            ("packages", "libpq"),
            ("datastores", "redis"),
            ("dependencies", "pip")
        ]
    );
    assert!(matches!(&m.entries[0].value, EntryValue::Short { value, .. } if value == ">=3.11"));
    let EntryValue::Table(params) = &m.entries[4].value else { panic!() };
    assert_eq!(params.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["requirements", "venv"]);
    let env: Vec<(&str, &str)> = m.env.iter().map(|v| (v.name.as_str(), v.value.as_str())).collect();
    assert_eq!(env, [("PORT", "3000"), ("MODE", "dev")]);
    assert_eq!(m.steps[0].requires[0].0, "pip");
}

#[test]
fn project_name_defaults_to_the_directory() {
    assert_eq!(parse_str("").unwrap().name, "shop");
}

#[test]
fn unknown_top_level_key_suggests_the_closest() {
    let d = error_of("[lagnuages]\npython = \"3\"\n");
    assert_eq!(d.location.as_ref().unwrap().line, 1);
    assert_eq!(d.hint.as_deref(), Some("did you mean `languages`?"));
}

#[test]
fn unknown_step_key_points_at_it() {
    let d = error_of("[[step]]\nname = \"a\"\ncheck = \"true\"\napply = \"true\"\nrequire = [\"b\"]\n");
    let loc = d.location.unwrap();
    assert_eq!((loc.line, loc.column), (5, 1));
    assert_eq!(d.hint.as_deref(), Some("did you mean `requires`?"));
}

#[test]
fn wrong_entry_type_says_what_was_expected() {
    let d = error_of("[languages]\npython = 3\n");
    assert!(d.message.contains("a version string"), "{}", d.message);
    assert_eq!(d.location.unwrap().line, 2);
}

#[test]
fn duplicate_step_names_are_rejected() {
    let d = error_of(
        "[[step]]\nname = \"a\"\ncheck = \"true\"\napply = \"true\"\n[[step]]\nname = \"a\"\ncheck = \"true\"\napply = \"true\"\n",
    );
    assert!(d.message.contains("already defined"));
    assert_eq!(d.location.unwrap().line, 6);
}

#[test]
fn hostile_names_are_rejected() {
    let d = error_of("[project]\nname = \"x; rm -rf /\"\n");
    assert!(d.message.contains("invalid project name"));
    let d = error_of("[env]\n\"A B\" = \"1\"\n");
    assert!(d.message.contains("not a valid environment variable name"));
}

#[test]
fn syntax_errors_have_a_location() {
    let d = error_of("[languages]\npython = \"3.11\n");
    assert_eq!(d.location.unwrap().line, 2);
}

#[test]
fn every_syntax_and_type_error_has_a_hint() {
    for text in [
        "[project]\nname = \"shop\n",
        "[languages\n",
        "[project]\nname = \"a\"\nname = \"b\"\n",
        "[env]\nMY VAR = \"1\"\n",
        "[env]\nA = 2024-13-01\n",
        "x = \"\\q\"\n",
        "x = 1__0\n",
        "x = 1\r",
        "project = 1\n",
        "step = [1]\n",
        "[project]\nname = 5\n",
        "[languages]\npython = 3\n",
        "[languages]\nx = { n = 99999999999999999999 }\n",
        &format!("x = {}", "[".repeat(1000)),
    ] {
        let d = error_of(text);
        assert!(d.hint.is_some(), "{text:?}: {d}");
        assert!(!d.to_string().contains("Raw"), "{text:?}: {d}");
    }
}

#[test]
fn a_datetime_is_called_a_datetime() {
    let d = error_of("[languages]\npython = 2024-01-01\n");
    assert!(d.message.starts_with("invalid type: datetime"), "{d}");
    let d = error_of("[project]\nname = 2024-01-01\n");
    assert!(d.message.starts_with("invalid type: datetime"), "{d}");
}

#[test]
fn nul_is_refused_wherever_a_process_would_get_it() {
    let step = |extra: &str| format!("[[step]]\nname = \"a\"\ncheck = \"true\"\napply = \"true\"\n{extra}\n");
    for text in [
        "[env]\nA = \"x\\u0000\"\n".to_string(),
        step("env = { A = \"\\u0000\" }"),
        step("cwd = \"a\\u0000\""),
        step("requires = [\"b\\u0000\"]"),
    ] {
        assert!(error_of(&text).message.contains("NUL"), "{text}");
    }
    for command in ["true\\u0000", "curl evil | sh\\r\\u001b[2Kecho hello", "\\u202etrue"] {
        let text = format!("[[step]]\nname = \"a\"\ncheck = \"{command}\"\napply = \"true\"\n");
        assert!(error_of(&text).message.contains("control or invisible character"), "{text}");
    }
    let ok = "[[step]]\nname = \"a\"\ncheck = \"true\\tx\\ny\"\napply = \"true\"\n";
    assert!(parse_str(ok).is_ok());
    let d = error_of(&step("description = \"a\\u001b[2J\""));
    assert!(d.message.contains("control character"));
}

#[test]
fn a_step_cannot_require_itself_or_nothing() {
    let step = |requires: &str| {
        format!("[[step]]\nname = \"a\"\ncheck = \"true\"\napply = \"true\"\nrequires = [{requires}]\n")
    };
    for requires in ["\"a\"", "\"step.a\""] {
        let d = error_of(&step(requires));
        assert_eq!(d.message, "step `a` requires itself");
        assert_eq!(d.location.unwrap().line, 5);
    }
    assert!(error_of(&step("\" \"")).message.contains("empty name"));
}

#[test]
fn an_entry_may_name_its_recipe() {
    let m = parse_str("[dependencies]\nnpm = {}\nweb = { recipe = \"npm\", dir = \"web\" }\n").unwrap();
    let web = &m.entries[1];
    assert_eq!((web.name.as_str(), web.recipe.as_str()), ("web", "npm"));
    assert!(web.recipe_span.is_some());
    // `recipe` is not passed on as a parameter of the recipe.
    let EntryValue::Table(params) = &web.value else { panic!("a table") };
    assert_eq!(params.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["dir"]);
    assert_eq!((m.entries[0].recipe.as_str(), m.entries[0].recipe_span.is_none()), ("npm", true));
}

#[test]
fn a_recipe_named_by_something_else_than_a_name_is_refused() {
    let d = error_of("[datastores]\ncache = { recipe = 6 }\n");
    assert!(d.message.contains("`recipe` takes a recipe's name, not integer"), "{}", d.message);
    assert_eq!(d.location.as_ref().map(|l| (l.line, l.column)), Some((2, 20)));
    let d = error_of("[datastores]\ncache = { recipe = \"../redis\" }\n");
    assert!(d.message.contains("invalid recipe name"), "{}", d.message);
}

#[test]
fn an_entry_name_is_part_of_paths_and_ids() {
    for bad in ["\"a.b\"", "\"../x\"", "\"-x\""] {
        let d = error_of(&format!("[datastores]\n{bad} = {{ recipe = \"redis\" }}\n"));
        assert!(d.message.contains("invalid entry name"), "{bad}: {}", d.message);
    }
}
