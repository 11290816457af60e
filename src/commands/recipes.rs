//! `devup recipes`: the recipes devup knows, by section; `devup recipes NAME`: one of them in
//! full (its parameters, environment and steps, and where it comes from).

use serde::Serialize;

use crate::cli::Global;
use crate::diagnostic::Diagnostic;
use crate::error::{Result, exit};
use crate::manifest::Section;
use crate::printer::Printer;
use crate::recipe::info::Info;
use crate::recipe::library::Library;
use crate::recipe::{Origin, Recipe, show};
use crate::resources;
use crate::settings::Settings;

#[derive(Serialize)]
struct Listed {
    section: Section,
    name: String,
    description: String,
    #[serde(flatten)]
    origin: Origin,
    params: Vec<String>,
}

pub fn run(settings: &Settings, g: &Global, name: Option<&str>, printer: &Printer) -> Result<u8> {
    // The project's own recipes are those of the directory devup is run in (or `-C DIR`).
    let project_dir = g.directory.clone().or_else(|| std::env::current_dir().ok());
    let user = settings.user_recipes();
    let library = Library::new(project_dir.as_deref(), user.as_deref(), resources::kind_names());
    match name {
        Some(name) => show(&library, name, printer),
        None => list(&library, printer),
    }
}

fn show(library: &Library, name: &str, printer: &Printer) -> Result<u8> {
    let info = Info::of(&find(library, name)?);
    if printer.json {
        println!("{}", serde_json::to_string_pretty(&info).expect("a recipe serialises"));
    } else {
        print!("{}", show::text(&info));
    }
    Ok(exit::OK)
}

/// The recipe `name` names: `postgres`, or with its section, `datastores/postgres`.
fn find(library: &Library, name: &str) -> Result<Recipe> {
    let all: Vec<(Section, String)> =
        Section::ALL.into_iter().flat_map(|s| library.names(s).into_iter().map(move |n| (s, n))).collect();
    let keys: Vec<String> = all.iter().map(|(s, n)| format!("{}/{n}", s.key())).collect();
    let matching: Vec<&(Section, String)> = match name.split_once('/') {
        Some((section, bare)) => {
            let Some(section) = Section::ALL.into_iter().find(|s| s.key() == section) else {
                let sections = Section::ALL.map(Section::key);
                return Err(Diagnostic::new(format!("`{section}` is not a section of recipes"))
                    .suggest(section, sections)
                    .or_hint(format!("sections: {}", sections.join(", ")))
                    .into());
            };
            all.iter().filter(|(s, n)| *s == section && n == bare).collect()
        }
        None => all.iter().filter(|(_, n)| n == name).collect(),
    };
    match matching[..] {
        [(section, name)] => Ok(library.get(*section, name)?.expect("a listed recipe exists")),
        [] => {
            let bare = all.iter().map(|(_, n)| n.as_str());
            Err(Diagnostic::new(format!("no recipe is called `{name}`"))
                .suggest(name, bare.chain(keys.iter().map(String::as_str)))
                .or_hint("`devup recipes` lists them all")
                .into())
        }
        _ => {
            let keys: Vec<String> = matching.iter().map(|(s, n)| format!("{}/{n}", s.key())).collect();
            Err(Diagnostic::new(format!("`{name}` is the name of {} recipes: {}", keys.len(), keys.join(", ")))
                .with_hint(format!("name one with its section, such as `devup recipes {}`", keys[0]))
                .into())
        }
    }
}

fn list(library: &Library, printer: &Printer) -> Result<u8> {
    let mut listed = Vec::new();
    for section in Section::ALL {
        for name in library.names(section) {
            let recipe: Recipe = library.get(section, &name)?.expect("a listed recipe exists");
            listed.push(Listed {
                section,
                description: recipe.description.clone(),
                params: recipe.params.keys().cloned().collect(),
                origin: recipe.origin,
                name,
            });
        }
    }
    if printer.json {
        println!("{}", serde_json::to_string_pretty(&listed).expect("recipes serialise"));
        return Ok(exit::OK);
    }
    let width = listed.iter().map(|l| l.name.len()).max().unwrap_or(0);
    let mut section = None;
    for item in &listed {
        if section != Some(item.section) {
            println!("[{}]", item.section.key());
            section = Some(item.section);
        }
        let origin = match &item.origin {
            Origin::Builtin => String::new(),
            Origin::User(p) | Origin::Project(p) => format!(" ({})", p.display()),
        };
        println!("  {:width$}  {}{origin}", item.name, item.description);
    }
    println!("\n`devup recipes NAME` shows one in full: its parameters, environment and steps.");
    Ok(exit::OK)
}
