//! The reference part of `docs/recipes.md`, written from the built-in recipes themselves: every
//! recipe's parameters and environment, the `[packages]` names per package manager, and the
//! tables of `recipes/native/`. A test compares it with the file, so the two cannot drift;
//! `DEVUP_BLESS=1 cargo test docs_reference` rewrites the file's generated part.

use std::fmt::Write;

use super::info::{Info, Param};
use super::library::{self, Library};
use super::native::Table;
use crate::manifest::Section;

/// The generated part of `docs/recipes.md` lies between these lines.
pub const BEGIN: &str = "<!-- BEGIN GENERATED REFERENCE: written from recipes/ by `DEVUP_BLESS=1 cargo test docs_reference`; edit the recipes, not this -->";
pub const END: &str = "<!-- END GENERATED REFERENCE -->";

/// The reference, in Markdown, between `BEGIN` and `END` (excluded).
pub fn markdown() -> String {
    let library = Library::new(None, None, crate::resources::kind_names());
    let mut out = String::new();
    for section in [Section::Languages, Section::Datastores, Section::Dependencies] {
        writeln!(out, "### `[{}]`\n", section.key()).unwrap();
        for name in library.names(section) {
            let recipe = library.get(section, &name).expect("built-in recipes parse").expect("listed");
            out.push_str(&recipe_section(&Info::of(&recipe)));
        }
    }
    out.push_str(&packages(&library));
    out.push_str(&native());
    out
}

fn recipe_section(info: &Info) -> String {
    let mut out = format!("#### `{}`\n\n{}.", info.key(), info.description.trim_end_matches('.'));
    if let Some(short) = &info.shorthand {
        write!(out, " `{} = \"...\"` sets `{short}`.", info.name).unwrap();
    }
    if !info.aliases.is_empty() {
        let aliases: Vec<String> = info.aliases.iter().map(|a| format!("`{a}`")).collect();
        write!(out, " Called {} in version files.", aliases.join(", ")).unwrap();
    }
    out.push_str("\n\n");
    if info.params.is_empty() {
        out.push_str("No parameters.\n\n");
    } else {
        out.push_str("| parameter | type | default | meaning |\n|---|---|---|---|\n");
        for param in &info.params {
            writeln!(
                out,
                "| `{}` | {} | {} | {} |",
                param.name,
                param.kind,
                default(param),
                cell(&meaning(param, info))
            )
            .unwrap();
        }
        out.push('\n');
    }
    if !info.env.is_empty() {
        let vars: Vec<String> = info.env.iter().map(|(key, value)| format!("`{key}={value}`")).collect();
        writeln!(out, "Environment: {}.\n", vars.join(", ")).unwrap();
    }
    if !info.path.is_empty() {
        let dirs: Vec<String> = info.path.iter().map(|d| format!("`{d}`")).collect();
        writeln!(out, "First on PATH: {}.\n", dirs.join(", ")).unwrap();
    }
    out
}

fn default(param: &Param) -> String {
    match &param.default {
        Some(value) => format!("`{}`", cell(&value.to_string())),
        None if param.required => "required".to_string(),
        None => String::new(),
    }
}

/// The doc, then what else a person needs to give a valid value.
fn meaning(param: &Param, info: &Info) -> String {
    let mut parts = Vec::new();
    if !param.doc.is_empty() {
        parts.push(param.doc.clone());
    }
    if let Some(syntax) = param.syntax {
        parts.push(format!("written as {} (`syntax = \"{syntax}\"`)", syntax.what()));
    }
    if !param.choices.is_empty() {
        let choices: Vec<String> = param.choices.iter().map(|c| format!("`\"{c}\"`")).collect();
        parts.push(format!("one of {}", choices.join(", ")));
    }
    for (value, recipe) in &param.variants {
        parts.push(format!("`\"{value}\"` uses the recipe `{}/{recipe}`", info.section.key()));
    }
    // Port docs say it already, as a rule: "0 (the default): 5432 when free".
    if let Some(port) = param.preferred.filter(|p| !param.doc.contains(&p.to_string())) {
        parts.push(format!("{port} when free"));
    }
    if param.identifier {
        parts.push("plain names only (letters, digits, `_`, `-`)".into());
    }
    if param.secret {
        parts.push("secret: masked in output".into());
    }
    if !param.fields.is_empty() {
        let fields: Vec<String> = param.fields.iter().map(field).collect();
        parts.push(format!("each with {}", fields.join(", ")));
    }
    parts.join("; ")
}

/// `` `name` (string, required) ``.
fn field(param: &Param) -> String {
    let mut facts = vec![param.kind.to_string()];
    if param.required {
        facts.push("required".into());
    }
    if let Some(value) = &param.default {
        facts.push(format!("default `{value}`"));
    }
    if param.secret {
        facts.push("secret".into());
    }
    format!("`{}` ({})", param.name, facts.join(", "))
}

/// Every `[packages]` recipe's names, one column per package manager.
fn packages(library: &Library) -> String {
    let managers: Vec<&str> = crate::packages::managers().iter().map(|m| m.name()).collect();
    let mut out = String::from("### `[packages]` names\n\n");
    out.push_str(
        "What each logical name installs; a manager without a name installs the logical name itself, and `—` means nothing needs installing there.\n\n",
    );
    writeln!(out, "| name | {} | what it is |", managers.join(" | ")).unwrap();
    writeln!(out, "|---|{}---|", "---|".repeat(managers.len())).unwrap();
    let mut provided = Vec::new();
    for name in library.names(Section::Packages) {
        let recipe = library.get(Section::Packages, &name).expect("built-in recipes parse").expect("listed");
        let cells: Vec<String> = managers
            .iter()
            .map(|m| match (recipe.names.get(*m), recipe.provided.get(*m)) {
                (Some(n), _) => format!("`{n}`"),
                (None, Some(why)) => {
                    provided.push(format!("`{name}` on {m}: {why}"));
                    "—".to_string()
                }
                (None, None) => format!("`{name}`"),
            })
            .collect();
        writeln!(out, "| `{name}` | {} | {} |", cells.join(" | "), cell(&recipe.description)).unwrap();
    }
    if !provided.is_empty() {
        out.push_str("\nNothing is installed for:\n\n");
        for line in provided {
            writeln!(out, "- {line}").unwrap();
        }
    }
    out.push('\n');
    out
}

/// The tables of `recipes/native/`: what `devup init` drafts into `[packages]`.
fn native() -> String {
    let mut out = String::from(
        "### Native builds (`recipes/native/`)\n\nWhat `devup init` drafts into `[packages]` for each dependency; \"the toolchain\" is the table's `toolchain`.\n",
    );
    for ecosystem in library::builtin_data_names("native") {
        let table = Table::builtin(ecosystem).expect("built-in native tables parse");
        write!(out, "\n#### `native/{ecosystem}`\n\n{}.", table.description.trim_end_matches('.')).unwrap();
        if !table.toolchain.is_empty() {
            let tools: Vec<String> = table.toolchain.iter().map(|t| format!("`{t}`")).collect();
            write!(out, " The toolchain: {}.", tools.join(", ")).unwrap();
        }
        out.push_str("\n\n| dependency | needs | note |\n|---|---|---|\n");
        for (dep, need) in &table.needs {
            let mut needs: Vec<String> = Vec::new();
            if need.compiles && !table.toolchain.is_empty() {
                needs.push("the toolchain".into());
            }
            needs.extend(need.packages.iter().map(|p| format!("`{p}`")));
            let needs = if needs.is_empty() { "nothing".to_string() } else { needs.join(", ") };
            writeln!(out, "| `{dep}` | {needs} | {} |", cell(need.note.as_deref().unwrap_or_default())).unwrap();
        }
    }
    out
}

/// Text fit for a table cell: `|` would end it.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// `text` with its generated part replaced by `reference`; `None` without the markers.
pub fn splice(text: &str, reference: &str) -> Option<String> {
    let start = text.find(BEGIN)? + BEGIN.len();
    let end = start + text[start..].find(END)?;
    Some(format!("{}\n\n{}\n\n{}", &text[..start], reference.trim(), &text[end..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docs_reference_is_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/recipes.md");
        let text = std::fs::read_to_string(&path).unwrap();
        let current = splice(&text, &markdown()).expect("docs/recipes.md holds the reference's markers");
        if crate::settings::variable("DEVUP_BLESS").is_some() {
            std::fs::write(&path, &current).unwrap();
            return;
        }
        assert!(
            text == current,
            "docs/recipes.md's reference is stale: `DEVUP_BLESS=1 cargo test docs_reference` rewrites it from recipes/"
        );
    }

    #[test]
    fn splices_between_the_markers() {
        let text = format!("intro\n{BEGIN}\nold\n{END}\nafter\n");
        assert_eq!(splice(&text, "\nnew\n").unwrap(), format!("intro\n{BEGIN}\n\nnew\n\n{END}\nafter\n"));
        assert_eq!(splice("no markers", "x"), None);
    }

    #[test]
    fn every_parameter_of_every_built_in_recipe_is_documented() {
        let reference = markdown();
        let library = Library::new(None, None, crate::resources::kind_names());
        for (section, name) in library::builtins() {
            let recipe = library.get(section, name).unwrap().unwrap();
            assert!(reference.contains(&format!("#### `{}/{name}`", section.key())) || section == Section::Packages);
            for (param, spec) in &recipe.params {
                assert!(!spec.doc.is_empty(), "{}/{name}: parameter `{param}` has no `doc`", section.key());
            }
        }
    }
}
