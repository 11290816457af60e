use super::*;

fn parse(text: &str) -> Result<Recipe, Diagnostic> {
    let kinds = crate::resources::kind_names();
    Recipe::parse(Section::Languages, "demo", Origin::Builtin, Source::new("demo.toml", text), &kinds)
}

#[test]
fn parses_params_and_steps() {
    let r = parse(
        r#"
description = "demo"
shorthand = "version"
[params.version]
type = "version"
default = "*"
[[step]]
id = "bin"
kind = "binary"
when = { os = "linux", package_manager = ["apt", "dnf"] }
command = "demo{version}"
"#,
    )
    .unwrap();
    assert_eq!(r.shorthand.as_deref(), Some("version"));
    assert_eq!(r.steps[0].when[1], ("package_manager".into(), vec!["apt".into(), "dnf".into()]));
    assert!(r.steps[0].args.contains_key("command") && !r.steps[0].args.contains_key("id"));
}

#[test]
fn rejects_mistakes_with_a_location() {
    let cases = [
        ("description = 'x'\n[[step]]\nid = 'a'\nkind = 'binnary'\n", "unknown kind `binnary`"),
        (
            "description = 'x'\n[[step]]\nid = 'a'\nkind = 'command'\ncheck = '{nope}'\napply = 'x'\n",
            "`{nope}` names no parameter",
        ),
        ("description = 'x'\n[[step]]\nkind = 'command'\n", "needs an `id`"),
        ("description = 'x'\n[[step]]\nid = 'a'\nkind = 'command'\nrequires = ['b']\n", "requires `b`"),
        (
            "description = 'x'\n[[step]]\nid = 'a'\nkind = 'command'\nwhen = { distor = 'debian' }\n",
            "unknown fact `distor`",
        ),
        ("description = 'x'\nshorthand = 'v'\n", "not a parameter"),
        ("description = 'x'\n[params.v]\ntype = 'strnig'\n", "unknown variant"),
        ("descripton = 'x'\n", "unknown field"),
        (
            "description = 'x'\n[params.l]\ntype = 'string'\n[[step]]\nid = 'a'\nkind = 'command'\nfor_each = 'l'\n",
            "needs a list",
        ),
    ];
    for (text, expected) in cases {
        let d = parse(text).expect_err(text);
        assert!(d.to_string().contains(expected), "{text}: {d}");
        assert!(d.location.is_some(), "{text}");
    }
}

#[test]
fn every_builtin_recipe_parses() {
    let kinds = crate::resources::kind_names();
    let library = library::Library::new(None, None, kinds);
    for (section, name) in library::builtins() {
        library.get(section, name).unwrap_or_else(|d| panic!("{section:?}/{name}: {d}")).unwrap();
    }
}

#[test]
fn a_step_cannot_hide_what_it_runs() {
    let d =
        parse("description = 'x'\n[[step]]\nid = 'a'\nkind = 'command'\ncheck = \"true\\r\\u001b[2K\"\napply = 'x'\n")
            .unwrap_err();
    assert!(d.message.contains("control or invisible character `\\r`"), "{d}");
    assert_eq!(d.location.unwrap().line, 5);
}

#[test]
fn every_mistake_has_a_hint_and_points_at_its_line() {
    let cases = [
        ("description = 'x'\n[[step]]\nid = 'a'\nkind = 'binnary'\n", 4),
        ("description = 'x'\n[[step]]\nid = 'a'\nkind = 'command'\ncheck = '{nope}'\napply = 'x'\n", 5),
        ("description = 'x'\n[[step]]\nid = 'a b'\nkind = 'command'\n", 3),
        ("description = 'x'\n[[step]]\nid = 'a'\nkind = 'command'\nwhen = 'linux'\n", 5),
        ("description = 'x'\n[[step]]\nid = 'a'\nkind = 'command'\nrequires = 'b'\n", 5),
        ("description = 'x'\n[[step]]\nid = 'a'\nkind = 'command'\nonly_if = 'b'\n", 5),
        ("description = 'x'\nshorthand = 'v'\n", 2),
        ("description = 'x'\n[params.n]\ntype = 'integer'\ndefault = 'three'\n", 4),
        ("description = 'x'\n[params.v]\ntype = 'version'\ndefault = '>=banana'\n", 4),
        ("description = 'x'\n[params.v]\ntype = 'version'\nrequired = true\ndefault = '1'\n", 5),
    ];
    for (text, line) in cases {
        let d = parse(text).expect_err(text);
        assert!(d.hint.is_some(), "{text}: {d}");
        assert_eq!(d.location.as_ref().unwrap().line, line, "{text}: {d}");
    }
}

#[test]
fn package_names_and_provided_are_keyed_by_managers() {
    let packages = |text: &str| {
        let kinds = crate::resources::kind_names();
        Recipe::parse(Section::Packages, "demo", Origin::Builtin, Source::new("demo.toml", text), &kinds)
    };
    let r = packages("description = 'x'\n[names]\napt = 'x-dev'\n[provided]\nbrew = 'the SDK has it'\n").unwrap();
    assert_eq!(r.provided["brew"], "the SDK has it");
    let d = packages("description = 'x'\n[names]\natp = 'x-dev'\n").unwrap_err();
    assert!(d.message.contains("`atp` is not a package manager"), "{d}");
    assert_eq!(d.hint.as_deref(), Some("did you mean `apt`?"));
    assert_eq!(d.location.unwrap().line, 3);
    let d = packages("description = 'x'\n[names]\nbrew = 'x'\n[provided]\nbrew = 'y'\n").unwrap_err();
    assert!(d.message.contains("both `names` and `provided`"), "{d}");
}

#[test]
fn a_step_may_wait_for_the_packages_section() {
    parse("description = 'x'\n[[step]]\nid = 'a'\nkind = 'command'\ncheck = 'true'\napply = 'true'\nrequires = ['packages']\n")
        .unwrap();
}

/// A built-in package is installable everywhere devup runs: each manager names it, or needs
/// nothing. (A name missing for a manager would be tried as the logical name, which is rarely
/// a real package.)
#[test]
fn every_builtin_package_covers_every_manager() {
    let library = library::Library::new(None, None, crate::resources::kind_names());
    for name in library.names(Section::Packages) {
        let recipe = library.get(Section::Packages, &name).unwrap().unwrap();
        for manager in crate::packages::managers() {
            let m = manager.name();
            assert!(
                recipe.names.contains_key(m) || recipe.provided.contains_key(m),
                "packages/{name}: no name for {m}, and not `provided` there"
            );
        }
    }
}
