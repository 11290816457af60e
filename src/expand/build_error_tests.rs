//! Where a kind's refusal of a step points: at the recipe's step for the shape of its
//! arguments in a recipe of the project, at the project's entry for a value or for a built-in
//! recipe. Decided on `BuildError`'s variant.

use std::path::PathBuf;

use super::tests::expand_with;
use super::*;
use crate::diagnostic::{Location, Source};

const DEMO: &str = "[datastores]\ndemo = { dir = \"../elsewhere\" }\n";

/// A project recipe whose one step is a `directory` with these arguments.
fn recipe(args: &str) -> String {
    format!(
        "description = \"demo\"\n[params.dir]\ntype = \"string\"\ndefault = \"d\"\n\n[[step]]\nid = \"a\"\nkind = \"directory\"\n{args}\n"
    )
}

/// The file a diagnostic points into (the recipe by its name alone), and the line.
fn at(d: &Diagnostic) -> (&str, usize) {
    let Location { file, line, .. } = d.location.as_ref().expect("a location");
    (file.rsplit('/').next().unwrap(), *line)
}

#[test]
fn an_unknown_argument_points_at_it_in_the_recipe() {
    let d = expand_with(&recipe("pth = \"{dir}\""), DEMO).unwrap_err();
    assert_eq!(at(&d), ("demo.toml", 9));
    assert_eq!(
        d.message,
        "step `a`: unknown field `pth`, expected one of `path`, `mode`, `outside_project`; did you mean `path`?"
    );
    assert!(d.hint.as_deref().unwrap().starts_with("fix the step in this recipe"), "{:?}", d.hint);
}

#[test]
fn a_missing_or_mistyped_argument_points_at_the_step() {
    let d = expand_with(&recipe("mode = \"0700\""), DEMO).unwrap_err();
    assert_eq!(at(&d), ("demo.toml", 6));
    assert_eq!(d.message, "step `a`: missing field `path`");
    let d = expand_with(&recipe("path = 3"), DEMO).unwrap_err();
    assert_eq!(at(&d), ("demo.toml", 6));
    assert!(d.message.starts_with("step `a`: invalid type: integer `3`"), "{}", d.message);
}

/// The recipe is right; the value the project gave it is not.
#[test]
fn a_refused_value_points_at_the_entry() {
    let d = expand_with(&recipe("path = \"{dir}\""), DEMO).unwrap_err();
    assert_eq!(at(&d), ("devup.toml", 2));
    assert!(d.message.starts_with("datastores.demo: "), "{}", d.message);
    assert!(d.hint.as_deref().unwrap().starts_with("from step `a` of "), "{:?}", d.hint);
}

/// A built-in recipe is tested: whatever its kind refuses, the project's entry caused it.
#[test]
fn a_built_in_recipes_argument_error_points_at_the_entry() {
    let manifest = crate::manifest::parse(PathBuf::from("/p"), Source::new("devup.toml", DEMO)).unwrap();
    let source = Source::new("datastores/demo.toml", recipe("pth = \"x\""));
    let kinds = resources::kind_names();
    let recipe = Recipe::parse(crate::manifest::Section::Datastores, "demo", Origin::Builtin, source, &kinds).unwrap();
    let error = BuildError::Arguments { message: "unknown field `pth`".into(), unknown: Some("pth".into()) };
    let d = build_error(&manifest, &manifest.entries[0], &recipe, &recipe.steps[0], "datastores.demo", error);
    assert_eq!(at(&d), ("devup.toml", 2));
    assert_eq!(d.message, "datastores.demo: unknown field `pth`");
}
