//! Expansion: every entry of devup.toml becomes the steps of its recipe, with placeholders
//! filled; custom `[[step]]`s become `command` steps; `requires` names become graph edges.
//! Any problem is reported here, before a single check runs.

mod env;
mod exports;
mod packages;
mod params;
pub use params::FROM;
mod ports;
pub use ports::PortPlan;
mod requires;

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::diagnostic::Diagnostic;
use crate::facts::Facts;
use crate::manifest::{CustomStep, Entry, EntryValue, Manifest, Section};
use crate::recipe::library::Library;
use crate::recipe::template::Vars;
use crate::recipe::{Origin, Recipe, RecipeStep};
use crate::resources::{self, BuildCx, BuildError, Command};
use crate::step::Step;
pub use env::distinct_name;
use requires::Resolved;

/// What expansion needs besides the project file, the recipes and the facts.
pub struct Inputs<'a> {
    /// The project's state directory (`{project.state}`).
    pub state: &'a Path,
    /// Where the project's datastores keep their data (`{project.data}`).
    pub data: &'a Path,
    pub home: Option<&'a Path>,
    /// Ports chosen by earlier runs, by entry (`datastores.postgres`).
    pub recorded_ports: &'a BTreeMap<String, u16>,
    /// For an export: ports are not chosen here; each unpinned one is a placeholder counted
    /// from this number, which the export replaces with the port chosen where it runs.
    pub placeholder_ports: Option<u16>,
}

impl Inputs<'_> {
    /// What a kind needs to build a step of this project, with `vars` as its placeholders.
    pub fn build_cx<'a>(&'a self, project_dir: &'a Path, facts: &'a Facts, vars: &'a Vars) -> BuildCx<'a> {
        BuildCx {
            facts,
            project_dir,
            state_dir: self.state,
            data_dir: self.data,
            home: self.home,
            vars,
            description: None,
        }
    }
}

/// The project, expanded.
#[derive(Debug)]
pub struct Expansion {
    pub steps: Vec<Step>,
    /// The project's environment: `[env]`, then what its recipes export (`DATABASE_URL`)
    /// that `[env]` does not set.
    pub env: Vec<(String, String)>,
    /// What each entry offers `[env]` (`{datastores.postgres.url}`), in declaration order.
    pub(crate) exports: Vec<exports::Exports>,
    /// How the environment was assembled, when something was not exported (two entries
    /// export `DATABASE_URL`: the first declared wins).
    pub env_notes: Vec<String>,
    /// Directories to put on PATH (`devup env`): a venv's `bin`, `node_modules/.bin`.
    pub path: Vec<PathBuf>,
    /// The port each entry uses, to record.
    /// How each entry's port is chosen (for exports).
    pub port_plans: Vec<ports::PortPlan>,
    pub ports: BTreeMap<String, u16>,
    /// Things the user should know about the expansion (a preferred port was taken).
    pub notes: Vec<String>,
    /// Files whose content devup runs (a parameter marked `runs`, seed SQL): as written in
    /// devup.toml, and where they are. Approval covers them (`trust.rs`).
    pub run_files: Vec<(String, PathBuf)>,
}

/// One item of a `for_each`: its label in the step id, and the variables it sets.
type Item = (String, Vec<(String, String)>);

/// A `requires` that is resolved once every step exists.
struct Pending {
    step: usize,
    name: String,
    /// Custom steps' requires must resolve; a recipe's requires on another entry is ignored
    /// when the project does not declare that entry.
    hard: bool,
    span: Option<Range<usize>>,
}

pub fn expand(manifest: &Manifest, library: &Library, facts: &Facts, inputs: &Inputs) -> Result<Expansion, Diagnostic> {
    let mut out = Expansion {
        steps: Vec::new(),
        env: Vec::new(),
        exports: Vec::new(),
        env_notes: Vec::new(),
        path: Vec::new(),
        ports: BTreeMap::new(),
        port_plans: Vec::new(),
        notes: Vec::new(),
        run_files: Vec::new(),
    };
    let mut pending = Vec::new();
    out.steps.extend(packages::step(manifest, library, facts, inputs)?);
    for entry in manifest.entries.iter().filter(|e| e.section != Section::Packages) {
        let recipe =
            library.get(entry.section, &entry.recipe)?.ok_or_else(|| unknown_recipe(manifest, library, entry))?;
        let recipe = variant(library, entry, recipe)?;
        expand_entry(manifest, entry, &recipe, facts, inputs, &mut out, &mut pending)?;
    }
    let assembled = env::assemble(manifest, &out.exports)?;
    (out.env, out.env_notes) = (assembled.vars, assembled.notes);
    let names = env::Names::new(manifest, &out.exports);
    let steps = &mut out.steps;
    for custom in &manifest.steps {
        let index = steps.len();
        steps.push(custom_step(manifest, custom, &names)?);

        for (name, span) in &custom.requires {
            pending.push(Pending { step: index, name: name.clone(), hard: true, span: Some(span.clone()) });
        }
    }
    let index = requires::Index::new(steps);
    for p in pending {
        let found = match index.resolve(&p.name) {
            Resolved::Steps(found) => found,
            Resolved::Nothing if !p.hard => continue,
            Resolved::Nothing => {
                let known = requires::known_names(steps);
                let span = p.span.clone().unwrap_or(0..0);
                return Err(manifest
                    .source
                    .error(span, format!("step `{}` requires `{}`, which is not declared", steps[p.step].id, p.name))
                    .suggest(&p.name, known.iter().map(String::as_str))
                    .or_hint("name a [[step]] or an entry of devup.toml (`pip`, `dependencies.pip`), or remove it"));
            }
            Resolved::Ambiguous(owners) => {
                let span = p.span.clone().unwrap_or(0..0);
                return Err(manifest
                    .source
                    .error(span, format!("`{}` is ambiguous", p.name))
                    .with_hint(format!("write one of: {}", owners.join(", "))));
            }
        };
        let step = &mut steps[p.step];
        for f in found {
            if f != p.step && !step.requires.contains(&f) {
                step.requires.push(f);
            } else if f == p.step && p.hard {
                let span = p.span.clone().unwrap_or(0..0);
                return Err(manifest.source.error(span, format!("step `{}` requires itself", step.id)));
            }
        }
    }
    Ok(out)
}

/// A kind refused a step. A built-in recipe is tested, and a value (a path that leaves the
/// project) comes from devup.toml: the error points at the entry. The shape of the arguments
/// in a recipe of the project or the user (an unknown argument) is that recipe's mistake: the
/// error points at the step, at the argument when the kind named it.
fn build_error(
    manifest: &Manifest,
    entry: &Entry,
    recipe: &Recipe,
    rstep: &RecipeStep,
    prefix: &str,
    error: BuildError,
) -> Diagnostic {
    let (message, unknown) = match error {
        BuildError::Arguments { message, unknown } if !matches!(recipe.origin, Origin::Builtin) => (message, unknown),
        other => {
            return manifest
                .source
                .error(entry.name_span.clone(), format!("{prefix}: {other}"))
                .with_hint(format!("from step `{}` of {}", rstep.id, recipe.source.name));
        }
    };
    let span = match unknown {
        Some(key) => crate::recipe::key_span(&recipe.source, &rstep.span, &key),
        None => rstep.span.clone(),
    };
    recipe.source.error(span, format!("step `{}`: {message}", rstep.id)).with_hint(format!(
        "fix the step in this recipe (used by `{}` in {}, as {prefix})",
        entry.name, manifest.source.name
    ))
}

/// The recipe an entry uses: another one of the same section when a parameter's value names
/// a variant (`postgres = { mode = "system" }` → `postgres-system`).
fn variant(library: &Library, entry: &Entry, recipe: Recipe) -> Result<Recipe, Diagnostic> {
    let EntryValue::Table(params) = &entry.value else { return Ok(recipe) };
    for param in params {
        let (Some(spec), Some(value)) = (recipe.params.get(&param.name), param.value.as_str()) else { continue };
        if let Some(other) = spec.variants.get(value) {
            return library.get(entry.section, other)?.ok_or_else(|| {
                let message = format!("parameter `{}`: the recipe `{other}` for `{value}` does not exist", param.name);
                // At the parameter's `variants` line.
                let text = &recipe.source.text;
                let at = text
                    .find(&format!("[params.{}]", param.name))
                    .and_then(|header| text[header..].find("variants").map(|i| header + i));
                match at {
                    Some(at) => recipe.source.error(at..at + "variants".len(), message),
                    None => Diagnostic::in_file(recipe.source.name.clone(), message),
                }
                .with_hint(format!(
                    "add {}/{other}.toml beside it, or name an existing recipe in `variants`",
                    entry.section.key()
                ))
            });
        }
    }
    Ok(recipe)
}

fn unknown_recipe(manifest: &Manifest, library: &Library, entry: &Entry) -> Diagnostic {
    let names = library.names(entry.section);
    let span = entry.recipe_span.clone().unwrap_or_else(|| entry.name_span.clone());
    let d = manifest
        .source
        .error(span, format!("there is no recipe `{}` in [{}]", entry.recipe, entry.section.key()))
        .suggest(&entry.recipe, names.iter().map(String::as_str));
    if d.hint.is_some() {
        return d;
    }
    let several = match entry.recipe_span {
        Some(_) => String::new(),
        None => format!("; a second entry of a kind names its recipe: `{} = {{ recipe = \"...\" }}`", entry.name),
    };
    d.with_hint(format!(
        "known: {}; list them with `devup recipes`, or add .devup/recipes/{}/{}.toml{several}",
        names.join(", "),
        entry.section.key(),
        entry.recipe
    ))
}

fn expand_entry(
    manifest: &Manifest,
    entry: &Entry,
    recipe: &Recipe,
    facts: &Facts,
    inputs: &Inputs,
    out: &mut Expansion,
    pending: &mut Vec<Pending>,
) -> Result<(), Diagnostic> {
    let mut vars = base_vars(manifest, facts, inputs);
    vars.set_text("entry", entry.name.clone());
    params::fill(&mut vars, &manifest.source, entry, recipe, &manifest.dir)?;
    for (name, _) in recipe.params.iter().filter(|(_, spec)| spec.runs) {
        if let Some(crate::recipe::template::Value::Text(written)) = vars.get(name)
            && !written.is_empty()
        {
            out.run_files.push((written.clone(), manifest.dir.join(written)));
        }
    }
    let prefix = format!("{}.{}", entry.section.key(), entry.name);
    let resolve_owner = |text: &str| -> Result<PathBuf, String> {
        resources::paths::resolve(&inputs.build_cx(&manifest.dir, facts, &vars), text, false)
    };
    let chosen = ports::choose_all(
        recipe,
        &vars,
        &prefix,
        inputs.recorded_ports,
        &out.ports,
        inputs.placeholder_ports,
        resolve_owner,
    )
    .map_err(|e| manifest.source.error(entry.name_span.clone(), format!("{prefix}: {e}")))?;
    for choice in chosen {
        vars.set_text(choice.param.clone(), choice.port.to_string());
        out.ports.insert(prefix.clone(), choice.port);
        out.notes.extend(choice.note);
        out.port_plans.push(choice.plan);
    }
    let in_error = |e: String| manifest.source.error(entry.name_span.clone(), format!("{prefix}: {e}"));
    out.exports.push(exports::render(prefix.clone(), recipe, &vars).map_err(in_error)?);
    for dir in &recipe.path {
        out.path.push(manifest.dir.join(vars.text(dir).map_err(in_error)?));
    }
    let holds = |(fact, values): &(String, Vec<String>)| match fact.strip_prefix("param.") {
        Some(param) => values.iter().any(|v| vars.text(&format!("{{{param}}}")).is_ok_and(|have| &have == v)),
        None => values.iter().any(|v| facts.matches(fact, v)),
    };
    let applicable: Vec<&RecipeStep> = recipe.steps.iter().filter(|s| s.when.iter().all(holds)).collect();
    if applicable.is_empty() && !recipe.steps.is_empty() {
        return Err(manifest
            .source
            .error(entry.name_span.clone(), format!("recipe `{}` has no steps for this machine", entry.recipe))
            .with_hint(format!("it supports other platforms; this is {}", describe_machine(facts))));
    }
    let steps = &mut out.steps;
    // Each step made, with the label of its `for_each` item, if any.
    let mut created: Vec<(&RecipeStep, usize, Option<String>)> = Vec::new();
    for rstep in applicable {
        if rstep.only_if.as_ref().is_some_and(|p| !params::is_set(&vars, p)) {
            continue;
        }
        let base_id = if rstep.id == recipe.name { prefix.clone() } else { format!("{prefix}.{}", rstep.id) };
        // One step per item: a list's strings as `{item}`, a list of tables' fields as
        // `{item.FIELD}` (named in the id by their `name` field, else their position).
        let items: Vec<Option<Item>> = match &rstep.for_each {
            Some(list) => match (vars.get(list), vars.records(list)) {
                (Some(crate::recipe::template::Value::List(items)), _) => {
                    items.iter().map(|i| Some((i.clone(), vec![("item".to_string(), i.clone())]))).collect()
                }
                (_, Some(records)) => records
                    .iter()
                    .enumerate()
                    .map(|(n, r)| {
                        let label = r.get("name").cloned().unwrap_or_else(|| (n + 1).to_string());
                        Some((label, r.iter().map(|(k, v)| (format!("item.{k}"), v.clone())).collect()))
                    })
                    .collect(),
                _ => Vec::new(),
            },
            None => vec![None],
        };
        // One copy for all items: each item sets the same names, over the previous item's.
        let mut step_vars = vars.clone();
        for item in items {
            let id = match &item {
                Some((label, values)) => {
                    for (name, value) in values {
                        step_vars.set_text(name.clone(), value.clone());
                    }
                    format!("{base_id}[{label}]")
                }
                None => base_id.clone(),
            };
            let description = rstep
                .description
                .as_ref()
                .map(|d| step_vars.text(d))
                .transpose()
                .map_err(|e| manifest.source.error(entry.name_span.clone(), format!("{prefix}: {e}")))?;
            let cx =
                BuildCx { description: description.as_deref(), ..inputs.build_cx(&manifest.dir, facts, &step_vars) };
            let resource = resources::build(&rstep.kind, rstep.args.clone(), &cx)
                .map_err(|e| build_error(manifest, entry, recipe, rstep, &prefix, e))?;
            created.push((rstep, steps.len(), item.as_ref().map(|(label, _)| label.clone())));
            let from_project = !matches!(recipe.origin, Origin::Builtin);
            let kind = resources::kind_name(&rstep.kind);
            steps.push(Step { id, requires: Vec::new(), resource, kind, description, from_project });
        }
    }
    // Requires inside the recipe become edges now (a required step that `when` or `only_if`
    // left out is simply absent); those naming other entries wait until every entry is expanded.
    // Two steps repeated over the same list pair up item by item (`file[x]` requires `dir[x]`).
    for (rstep, index, label) in &created {
        for name in &rstep.requires {
            if let Some(required) = recipe.steps.iter().find(|s| &s.id == name) {
                let paired = rstep.for_each.is_some() && rstep.for_each == required.for_each;
                let local = created
                    .iter()
                    .filter(|(s, i, l)| &s.id == name && i != index && (!paired || l == label))
                    .map(|(_, i, _)| *i);
                steps[*index].requires.extend(local);
            } else {
                pending.push(Pending { step: *index, name: name.clone(), hard: false, span: None });
            }
        }
    }
    Ok(())
}

fn custom_step(manifest: &Manifest, custom: &CustomStep, names: &env::Names) -> Result<Step, Diagnostic> {
    let cwd = match &custom.cwd {
        Some(dir) => crate::resources::paths::normalize(&manifest.dir.join(dir)),
        None => manifest.dir.clone(),
    };
    let resource = Command {
        check: custom.check.clone(),
        apply: custom.apply.clone(),
        cwd,
        env: custom
            .env
            .iter()
            .map(|var| Ok((var.name.clone(), env::resolve(manifest, var, names)?)))
            .collect::<Result<_, Diagnostic>>()?,
        description: custom.description.clone().or_else(|| Some(custom.name.clone())),
    };
    Ok(Step {
        id: format!("step.{}", custom.name),
        requires: Vec::new(),
        resource: Box::new(resource),
        kind: "command",
        description: None,
        from_project: true,
    })
}

/// Placeholders every recipe can use.
fn base_vars(manifest: &Manifest, facts: &Facts, inputs: &Inputs) -> Vars {
    let mut vars = Vars::default();
    vars.set_text("project.dir", manifest.dir.display().to_string());
    vars.set_text("project.name", manifest.name.clone());
    vars.set_text("project.state", inputs.state.display().to_string());
    vars.set_text("project.data", inputs.data.display().to_string());
    vars.set_text("home", inputs.home.map(|h| h.display().to_string()).unwrap_or_default());
    for name in Facts::NAMES {
        vars.set_text(format!("facts.{name}"), facts.get(name).unwrap_or_default());
    }
    vars
}

fn describe_machine(facts: &Facts) -> String {
    let distro = facts.distro.as_ref().map(|d| format!(" {} {}", d.id, d.version_id)).unwrap_or_default();
    let managers =
        if facts.package_managers.is_empty() { "none".to_string() } else { facts.package_managers.join(", ") };
    format!("{}{distro} on {}, package managers: {managers}", facts.os, facts.arch)
}

/// For tests: `manifest` (devup.toml's text) expanded in `dir` with `library`, on a machine of
/// `facts`, the project's state and data under `/state` and `/data`, no port recorded.
#[cfg(test)]
pub(crate) fn expand_text(
    dir: &Path,
    library: &Library,
    facts: &Facts,
    manifest: &str,
) -> Result<Expansion, Diagnostic> {
    let source = crate::diagnostic::Source::new("devup.toml", manifest);
    let manifest = crate::manifest::parse(dir.to_path_buf(), source).unwrap();
    let ports = BTreeMap::new();
    let inputs = Inputs {
        state: Path::new("/state"),
        data: Path::new("/data"),
        home: None,
        recorded_ports: &ports,
        placeholder_ports: None,
    };
    expand(&manifest, library, facts, &inputs)
}

#[cfg(test)]
mod build_error_tests;
#[cfg(test)]
mod mysql_tests;
#[cfg(test)]
mod tests;
