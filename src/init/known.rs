//! The recipes devup has, as `init` needs them: names, aliases and parameters. Entries are
//! written only for recipes that exist, with parameters they take, so the drafted file is
//! valid for this devup (a project's or the user's own recipes count too).

use std::collections::BTreeMap;

use crate::manifest::Section;
use crate::recipe::library::Library;
use crate::recipe::template::{Vars, placeholders};
use crate::recipe::{ParamSpec, ParamType};

#[derive(Debug, Clone)]
pub struct KnownRecipe {
    pub section: Section,
    pub name: String,
    pub aliases: Vec<String>,
    /// `name = "3.11"` sets a version (and `{ from = FILE }` reads one).
    pub version_shorthand: bool,
    pub params: BTreeMap<String, ParamSpec>,
    /// What the entry exports (`DATABASE_URL`) and offers `[env]` (`host`, `url`), as templates.
    pub env: BTreeMap<String, String>,
    pub values: BTreeMap<String, String>,
    /// The Debian packages its steps may install (every `apt` name in them): `ruby-full` for
    /// ruby, `postgresql-client` for postgres.
    pub apt: Vec<String>,
    /// A package recipe's name per manager (`apt = "libpq-dev"`).
    pub package_names: BTreeMap<String, String>,
    /// For a datastore: what `init` recognises as it (`[detect]`).
    pub detect: Option<crate::recipe::detect::Detect>,
}

#[derive(Debug, Default)]
pub struct Known {
    pub recipes: Vec<KnownRecipe>,
    /// Recipes that could not be read, for warnings.
    pub broken: Vec<String>,
}

impl Known {
    pub fn from_library(library: &Library) -> Known {
        let mut known = Known::default();
        for section in Section::ALL {
            for name in library.names(section) {
                match library.get(section, &name) {
                    Ok(Some(recipe)) => {
                        let version_shorthand = recipe
                            .shorthand
                            .as_ref()
                            .and_then(|s| recipe.params.get(s))
                            .is_some_and(|p| p.kind == ParamType::Version);
                        known.recipes.push(KnownRecipe {
                            section,
                            name: recipe.name,
                            aliases: recipe.aliases,
                            version_shorthand,
                            params: recipe.params,
                            env: recipe.env,
                            values: recipe.values,
                            apt: recipe.steps.iter().flat_map(|step| apt_names(&step.args)).collect(),
                            package_names: recipe.names,
                            detect: recipe.detect,
                        });
                    }
                    Ok(None) => {}
                    Err(e) => known.broken.push(format!("{}/{name}: {}", section.key(), e.message)),
                }
            }
        }
        known
    }

    pub fn get(&self, section: Section, name: &str) -> Option<&KnownRecipe> {
        self.recipes.iter().find(|r| r.section == section && r.name == name)
    }

    /// The language recipe a version manager's tool name means (`nodejs` → `node`).
    pub fn language(&self, tool: &str) -> Option<&KnownRecipe> {
        self.recipes
            .iter()
            .find(|r| r.section == Section::Languages && (r.name == tool || r.aliases.iter().any(|a| a == tool)))
    }
}

/// Every name under an `apt` key, at any depth: `packages = { apt = ["ruby-full"] }`,
/// `packages = [{ name = "redis", apt = "redis-server" }]`.
fn apt_names(table: &toml::Table) -> Vec<String> {
    let mut found = Vec::new();
    for (key, value) in table {
        match (key.as_str(), value) {
            ("apt", toml::Value::String(name)) => found.push(name.clone()),
            ("apt", toml::Value::Array(names)) => {
                found.extend(names.iter().filter_map(toml::Value::as_str).map(str::to_string))
            }
            (_, toml::Value::Table(inner)) => found.extend(apt_names(inner)),
            (_, toml::Value::Array(items)) => {
                found.extend(items.iter().filter_map(toml::Value::as_table).flat_map(apt_names))
            }
            _ => {}
        }
    }
    found
}

impl KnownRecipe {
    /// Whether the recipe takes `value` for parameter `param`.
    pub fn takes(&self, param: &str, value: &toml::Value) -> bool {
        // `from = "package.json"`: the version shorthand, read from a file at each run.
        if param == crate::expand::FROM {
            return self.version_shorthand && value.is_str();
        }
        let Some(spec) = self.params.get(param) else {
            return false;
        };
        match value {
            toml::Value::String(_) => matches!(spec.kind, ParamType::String | ParamType::Path | ParamType::Version),
            toml::Value::Boolean(_) => spec.kind == ParamType::Bool,
            toml::Value::Integer(_) => matches!(spec.kind, ParamType::Integer | ParamType::Port),
            toml::Value::Array(items) if items.iter().all(toml::Value::is_str) => spec.kind == ParamType::List,
            // `roles = [{ name = "app", password = "app" }]`: every key one of the fields.
            toml::Value::Array(items) => {
                spec.kind == ParamType::Tables
                    && items.iter().all(|item| {
                        item.as_table()
                            .is_some_and(|t| t.keys().all(|k| spec.fields.as_ref().is_some_and(|f| f.contains_key(k))))
                    })
            }
            // `settings = { wal_level = "logical" }`: a table of strings.
            toml::Value::Table(t) => spec.kind == ParamType::Table && t.values().all(toml::Value::is_str),
            _ => false,
        }
    }

    /// The syntax the recipe's version is written in (`pep440` for python): what a constraint
    /// `init` keeps as the project wrote it must be in.
    pub fn version_syntax(&self) -> crate::version::Syntax {
        let version = self.params.values().find(|p| p.kind == ParamType::Version);
        version.filter(|_| self.version_shorthand).map(|p| p.syntax).unwrap_or_default()
    }

    /// The names a version file may use for this tool.
    pub fn names(&self) -> Vec<&str> {
        self.aliases.iter().map(String::as_str).chain([self.name.as_str()]).collect()
    }

    pub fn required(&self, param: &str) -> bool {
        self.params.get(param).is_some_and(|p| p.required)
    }

    /// A template of this recipe (a value, an exported variable) rendered for an entry with
    /// `params` (the others at their defaults), as `devup` will: `None` when a placeholder it
    /// names would be empty, and so the value left out. The port, chosen only when devup
    /// runs, is written `{port}`; a fact or another name devup fills at run time, `{NAME}`.
    pub fn render(&self, template: &str, params: &[(String, toml::Value)]) -> Option<String> {
        let mut vars = Vars::default();
        for name in placeholders(template).ok()? {
            let base = [".first", ".lines"].iter().find_map(|s| name.strip_suffix(s)).unwrap_or(name);
            let Some(spec) = self.params.get(base) else {
                vars.set_text(name, format!("{{{name}}}"));
                continue;
            };
            let given = params.iter().find(|(p, _)| p == base).map(|(_, v)| v).or(spec.default.as_ref());
            let text = match (given, spec.kind) {
                (_, ParamType::Port) => format!("{{{name}}}"),
                (Some(toml::Value::Array(items)), _) => {
                    let items: Vec<&str> = items.iter().filter_map(toml::Value::as_str).collect();
                    match name.strip_prefix(base) {
                        Some(".first") => items.first().copied().unwrap_or_default().to_string(),
                        Some(".lines") => items.join("\n"),
                        _ => items.join(" "),
                    }
                }
                (Some(toml::Value::String(s)), _) => s.clone(),
                (Some(other @ (toml::Value::Integer(_) | toml::Value::Boolean(_))), _) => other.to_string(),
                _ => String::new(),
            };
            if text.is_empty() {
                return None;
            }
            vars.set_text(name, text);
        }
        vars.text(template).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::testing::known;
    use crate::manifest::Section;

    #[test]
    fn the_debian_packages_of_builtin_recipes() {
        let known = super::Known::from_library(&crate::recipe::library::Library::new(
            None,
            None,
            crate::resources::kind_names(),
        ));
        let apt = |section, name| known.get(section, name).unwrap().apt.clone();
        assert_eq!(apt(Section::Languages, "ruby"), ["ruby-full"]);
        assert!(apt(Section::Datastores, "postgres").contains(&"postgresql-client".to_string()));
        assert!(apt(Section::Datastores, "redis").contains(&"redis-server".to_string()));
        let libpq = known.get(Section::Packages, "libpq").unwrap();
        assert_eq!(libpq.package_names.get("apt").map(String::as_str), Some("libpq-dev"));
    }

    #[test]
    fn values_rendered_as_devup_will() {
        let pg = super::testing::builtin("postgres");
        let url = &pg.values["url"];
        assert_eq!(pg.render(url, &[]), None, "no database: no url");
        let dbs = vec![("databases".to_string(), toml::Value::Array(vec![toml::Value::String("app".into())]))];
        assert_eq!(pg.render(url, &dbs).as_deref(), Some("postgres://postgres@127.0.0.1:{port}/app"));
        let redis = super::testing::builtin("redis");
        assert_eq!(redis.render(&redis.values["url"], &[]).as_deref(), Some("redis://127.0.0.1:{port}/0"));
    }

    #[test]
    fn takes_lists_tables_and_lists_of_tables() {
        let known = known();
        let pg = known.get(Section::Datastores, "postgres").unwrap();
        let value = |text: &str| toml::from_str::<toml::Table>(&format!("v = {text}")).unwrap()["v"].clone();
        assert!(pg.takes("databases", &value("[\"a\"]")));
        assert!(pg.takes("roles", &value("[{ name = \"app\", password = \"x\", superuser = true }]")));
        assert!(!pg.takes("roles", &value("[{ name = \"app\", colour = \"red\" }]")));
        assert!(!pg.takes("databases", &value("[{ name = \"app\" }]")));
        assert!(pg.takes("settings", &value("{ wal_level = \"logical\" }")));
        assert!(!pg.takes("settings", &value("{ wal_level = 1 }")));
        assert!(!pg.takes("roles", &value("{ name = \"app\" }")));
    }
}

#[cfg(test)]
pub mod testing {
    //! Recipes as plain values, for the draft's tests.
    use super::*;

    pub fn recipe(section: Section, name: &str, aliases: &[&str], params: &[(&str, &str)]) -> KnownRecipe {
        let params = params
            .iter()
            .map(|(name, kind)| {
                let spec: ParamSpec = toml::from_str(&format!("type = \"{kind}\"")).unwrap();
                (name.to_string(), spec)
            })
            .collect();
        KnownRecipe {
            section,
            name: name.to_string(),
            aliases: aliases.iter().map(|a| a.to_string()).collect(),
            version_shorthand: section == Section::Languages,
            params,
            env: BTreeMap::new(),
            values: BTreeMap::new(),
            apt: Vec::new(),
            package_names: BTreeMap::new(),
            detect: None,
        }
    }

    /// A built-in datastore recipe as it is.
    pub fn builtin(name: &str) -> KnownRecipe {
        let library = Library::new(None, None, crate::resources::kind_names());
        let known = Known::from_library(&library);
        known.get(Section::Datastores, name).expect("a built-in recipe").clone()
    }

    /// Postgres with its roles and settings, as the built-in recipe declares them.
    fn postgres() -> KnownRecipe {
        let mut pg = recipe(
            Section::Datastores,
            "postgres",
            &[],
            &[("version", "version"), ("databases", "list"), ("settings", "table"), ("init_sql", "path")],
        );
        let roles: ParamSpec = toml::from_str(
            "type = \"tables\"\n[fields.name]\ntype = \"string\"\n[fields.password]\ntype = \"string\"\n[fields.superuser]\ntype = \"bool\"\n[fields.createdb]\ntype = \"bool\"\n",
        )
        .unwrap();
        pg.params.insert("roles".into(), roles);
        let builtin = builtin("postgres");
        (pg.env, pg.values) = (builtin.env, builtin.values);
        pg
    }

    /// The built-in languages and dependency managers, datastores as they are planned, and a
    /// few packages.
    pub fn known() -> Known {
        use Section::*;
        let mut recipes = vec![
            recipe(Languages, "python", &["python"], &[("version", "version")]),
            recipe(Languages, "node", &["nodejs"], &[("version", "version")]),
            recipe(Languages, "ruby", &[], &[("version", "version")]),
            recipe(Languages, "go", &["golang"], &[("version", "version")]),
            recipe(Languages, "rust", &[], &[("version", "version")]),
            recipe(Languages, "java", &[], &[("version", "version")]),
            recipe(
                Dependencies,
                "pip",
                &[],
                &[
                    ("venv", "path"),
                    ("requirements", "path"),
                    ("extra_requirements", "list"),
                    ("packages", "list"),
                    ("project", "bool"),
                    ("extras", "list"),
                ],
            ),
            recipe(Dependencies, "bundler", &[], &[("path", "path")]),
            postgres(),
            builtin("redis"),
        ];
        for name in ["npm", "yarn", "pnpm", "cargo", "go"] {
            recipes.push(recipe(Dependencies, name, &[], &[("dir", "path")]));
        }
        for (name, apt) in [
            ("build-essentials", "build-essential"),
            ("python3-dev", "python3-dev"),
            ("make", "make"),
            ("libpq", "libpq-dev"),
            ("libjpeg", "libjpeg-dev"),
            ("zlib", "zlib1g-dev"),
        ] {
            let mut package = recipe(Packages, name, &[], &[]);
            package.package_names.insert("apt".into(), apt.into());
            recipes.push(package);
        }
        Known { recipes, broken: Vec::new() }
    }
}
