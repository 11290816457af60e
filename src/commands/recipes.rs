//! `devup recipes`: the recipes devup knows, by section.

use serde::Serialize;

use crate::error::{Result, exit};
use crate::manifest::Section;
use crate::printer::Printer;
use crate::recipe::library::Library;
use crate::recipe::{Origin, Recipe};
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

pub fn run(settings: &Settings, printer: &Printer) -> Result<u8> {
    let project_dir = std::env::current_dir().ok();
    let user = settings.user_recipes();
    let library = Library::new(project_dir.as_deref(), user.as_deref(), resources::kind_names());
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
    Ok(exit::OK)
}
