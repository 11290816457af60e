//! `devup up` and `devup export` cannot run different commands: for every built-in recipe, each
//! step's apply is one description ([`crate::step::action`]) that the engine performs and the
//! export writes as shell. These tests hold every recipe to it.

use std::collections::BTreeMap;
use std::path::Path;

use super::ScriptCx;
use crate::diagnostic::Source;
use crate::expand::{Expansion, Inputs, expand};
use crate::facts::Facts;
use crate::manifest::Section;
use crate::recipe::library::{Library, builtins};
use crate::step::action;

/// Kinds whose apply is still their own code (and their export their own shell): this list may
/// only shrink. A new kind describes its apply as actions.
const WITHOUT_ACTIONS: &[&str] = &[];

/// The project declaring one built-in recipe, expanded on a Debian machine.
fn expand_recipe(section: Section, name: &str, dir: &Path) -> Expansion {
    let entry = match section {
        Section::Packages => format!("[packages]\n{name} = \"*\"\n"),
        _ => format!("[{}]\nthe-{name} = {{ recipe = \"{name}\" }}\n", section.key()),
    };
    let text = format!("[project]\nname = \"parity\"\n{entry}");
    let manifest = crate::manifest::parse(dir.to_path_buf(), Source::new("devup.toml", &text)).unwrap();
    let library = Library::new(None, None, crate::resources::kind_names());
    let mut facts = Facts::for_tests();
    facts.package_managers = vec!["apt".to_string()];
    let ports = BTreeMap::new();
    let inputs = Inputs {
        state: &dir.join("state"),
        data: &dir.join("data"),
        home: Some(&dir.join("home")),
        recorded_ports: &ports,
        placeholder_ports: None,
    };
    expand(&manifest, &library, &facts, &inputs).unwrap_or_else(|e| panic!("{}/{name}: {}", section.key(), e.message))
}

#[test]
fn every_command_a_built_in_recipes_step_runs_is_in_its_exported_script() {
    let dir = tempfile::tempdir().unwrap();
    let facts = Facts::for_tests();
    let mut checked = 0;
    for (section, name) in builtins() {
        let expansion = expand_recipe(section, name, dir.path());
        for step in &expansion.steps {
            let Some(actions) = step.resource.actions(&step.id) else {
                assert!(
                    WITHOUT_ACTIONS.contains(&step.kind),
                    "{}/{name}: step {} (kind `{}`) describes no actions",
                    section.key(),
                    step.id,
                    step.kind
                );
                continue;
            };
            assert!(
                !WITHOUT_ACTIONS.contains(&step.kind),
                "kind `{}` has actions now: take it off WITHOUT_ACTIONS",
                step.kind
            );
            let cx = ScriptCx::for_tests(&facts, dir.path(), &step.id);
            let script = crate::shell_forms::actions::render(&actions, &cx);
            for command in action::commands(&actions) {
                assert!(
                    script.contains(&command) || script.contains(&super::quote(&command)),
                    "{}/{name}: step {} runs `{command}`, which its exported script does not:\n{script}",
                    section.key(),
                    step.id
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 40, "only {checked} commands checked: the recipes were not expanded");
}
