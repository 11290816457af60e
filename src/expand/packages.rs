//! `[packages]`: system packages by logical name, all in one step so that everything missing is
//! installed by one package-manager call.
//!
//! `git = "*"` uses the name as it is on every manager; `libpq = { apt = "libpq-dev", ... }`
//! names it per manager; a recipe `recipes/packages/<name>.toml` may hold those names, so that
//! `libpq = "*"` is enough. A version constraint may come as the value or as `version`. A
//! recipe's `provided` managers need nothing installed (macOS's command line tools hold the
//! compilers): there the entry is left out, unless the project names the package itself.

use super::Inputs;
use crate::diagnostic::Diagnostic;
use crate::facts::Facts;
use crate::manifest::{Entry, EntryValue, Manifest};
use crate::packages;
use crate::recipe::library::Library;
use crate::recipe::template::Vars;
use crate::resources;
use crate::step::Step;
use crate::version::Constraint;

pub fn step(
    manifest: &Manifest,
    library: &Library,
    facts: &Facts,
    inputs: &Inputs,
) -> Result<Option<Step>, Diagnostic> {
    let entries: Vec<&Entry> =
        manifest.entries.iter().filter(|e| e.section == crate::manifest::Section::Packages).collect();
    if entries.is_empty() {
        return Ok(None);
    }
    let managers: Vec<&str> = packages::managers().iter().map(|m| m.name()).collect();
    let here = packages::for_facts(facts).map(|m| m.name());
    let mut list = Vec::new();
    for entry in &entries {
        let error = |span: std::ops::Range<usize>, message: String| manifest.source.error(span, message);
        if !packages::valid_name(&entry.name) {
            return Err(error(entry.name_span.clone(), format!("`{}` is not a package name", entry.name))
                .with_hint("use the name a package manager knows, such as libpq-dev"));
        }
        let mut spec = toml::Table::new();
        spec.insert("name".into(), entry.name.clone().into());
        let mut provided_here = false;
        if let Some(recipe) = library.get(entry.section, &entry.name)? {
            for (manager, name) in &recipe.names {
                spec.insert(manager.clone(), name.clone().into());
            }
            provided_here = here.is_some_and(|m| recipe.provided.contains_key(m));
        }
        match &entry.value {
            EntryValue::Short { value, span } => {
                Constraint::parse(value).map_err(|e| {
                    error(span.clone(), format!("`{value}` is not a version constraint: {e}"))
                        .with_hint("write \"*\" for any version")
                })?;
                spec.insert("version".into(), value.clone().into());
            }
            EntryValue::Table(params) => {
                for param in params {
                    let known = param.name == "version" || managers.contains(&param.name.as_str());
                    if !known {
                        let mut names = managers.clone();
                        names.push("version");
                        let d = error(param.name_span.clone(), format!("`{}` is not a package manager", param.name))
                            .suggest(&param.name, names.iter().copied());
                        let hint =
                            format!("name the package per manager ({}), or give its `version`", managers.join(", "));
                        return Err(if d.hint.is_some() { d } else { d.with_hint(hint) });
                    }
                    let toml::Value::String(text) = &param.value else {
                        return Err(error(
                            param.span.clone(),
                            format!("expected a string, found {}", param.value.type_str()),
                        )
                        .with_hint(format!("write {} = \"...\"", param.name)));
                    };
                    if param.name == "version" {
                        Constraint::parse(text).map_err(|e| {
                            error(param.span.clone(), format!("`{text}` is not a version constraint: {e}"))
                                .with_hint("write a constraint such as \"15\" or \">=2.30\", or \"*\" for any version")
                        })?;
                    } else if !packages::valid_name(text) {
                        return Err(error(param.span.clone(), format!("`{text}` is not a package name"))
                            .with_hint("use the name the package manager knows, such as libpq-dev"));
                    }
                    spec.insert(param.name.clone(), text.clone().into());
                }
            }
        }
        if provided_here && !here.is_some_and(|m| spec.contains_key(m)) {
            continue;
        }
        list.push(toml::Value::Table(spec));
    }
    if list.is_empty() {
        return Ok(None);
    }
    let mut args = toml::Table::new();
    args.insert("packages".into(), toml::Value::Array(list));
    let vars = Vars::default();
    let resource = resources::build("package", args, &inputs.build_cx(&manifest.dir, facts, &vars))
        .map_err(|e| manifest.source.error(entries[0].name_span.clone(), format!("[packages]: {e}")))?;
    Ok(Some(Step {
        id: crate::recipe::PACKAGES_STEP.into(),
        requires: Vec::new(),
        resource,
        kind: "package",
        description: None,
        from_project: false,
    }))
}

#[cfg(test)]
mod tests {

    use crate::expand::{Expansion, expand_text};
    use crate::facts::Facts;
    use crate::recipe::library::Library;

    /// Expands `manifest` with the built-in recipes on a machine whose package manager is `manager`.
    fn expand_on(manager: &str, manifest: &str) -> Expansion {
        let dir = tempfile::tempdir().unwrap();
        let library = Library::new(None, None, crate::resources::kind_names());
        let facts = Facts { package_managers: vec![manager.to_string()], ..Facts::for_tests() };
        expand_text(dir.path(), &library, &facts, manifest).unwrap()
    }

    #[test]
    fn a_package_provided_on_this_manager_is_left_out() {
        let manifest = "[packages]\nbuild-essentials = \"*\"\nlibpq = \"*\"\n";
        let on_apt = expand_on("apt", manifest);
        assert_eq!(on_apt.steps[0].resource.describe(), "packages build-essentials, libpq");
        let on_brew = expand_on("brew", manifest);
        assert_eq!(on_brew.steps[0].resource.describe(), "package libpq");
        // Nothing left: no step at all.
        assert!(expand_on("brew", "[packages]\nbuild-essentials = \"*\"\n").steps.is_empty());
        // A name the project gives itself is installed.
        let named = expand_on("brew", "[packages]\nbuild-essentials = { brew = \"gcc\" }\n");
        assert_eq!(named.steps[0].resource.describe(), "package build-essentials");
    }

    #[test]
    fn installs_that_compile_wait_for_the_packages() {
        let out = expand_on(
            "apt",
            "[packages]\nlibpq = \"*\"\n[dependencies]\npip = { extra_requirements = [\"requirements-test.txt\"] }\n",
        );
        let id = |i: usize| out.steps[i].id.as_str();
        assert_eq!(id(0), "packages");
        let waiting: Vec<&str> = (0..out.steps.len()).filter(|&i| out.steps[i].requires.contains(&0)).map(id).collect();
        assert_eq!(
            waiting,
            ["dependencies.pip.requirements", "dependencies.pip.extra-requirements[requirements-test.txt]"]
        );
        // Without [packages], the same recipe expands as before.
        let out = expand_on("apt", "[dependencies]\npip = {}\n");
        assert!(out.steps.iter().all(|s| s.id != "packages"));
    }
}
