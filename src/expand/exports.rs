//! What an entry gives the project's environment, rendered once its ports are chosen: the
//! variables its recipe's `env` exports (`DATABASE_URL`, `PGPORT`) and its `values` (`host`,
//! `port`, `url`...), which `[env]` may name as `{datastores.postgres.url}`.
//!
//! A variable whose template names an empty placeholder is left out rather than exported
//! blank: with no database declared, postgres exports no `PGDATABASE=''` and no
//! `DATABASE_URL` ending in `/`.

use crate::recipe::Recipe;
use crate::recipe::template::Vars;

/// One entry's variables and values.
#[derive(Debug, Clone)]
pub struct Exports {
    /// The entry, as `[env]` names it: `datastores.postgres`.
    pub entry: String,
    pub env: Vec<Export>,
    pub values: Vec<Export>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    pub name: String,
    /// The value; or, when it was left out, the placeholders that were empty.
    pub value: Result<String, Vec<String>>,
}

impl Exports {
    /// `{entry.KEY}` for every variable and value, with what it holds.
    pub fn named(&self) -> impl Iterator<Item = (String, &Export)> {
        self.env.iter().chain(&self.values).map(|e| (format!("{}.{}", self.entry, e.name), e))
    }
}

pub fn render(entry: String, recipe: &Recipe, vars: &Vars) -> Result<Exports, String> {
    let each = |table: &std::collections::BTreeMap<String, String>| -> Result<Vec<Export>, String> {
        table
            .iter()
            .map(|(name, template)| {
                let empty = vars.empty_in(template)?;
                let value = if empty.is_empty() { Ok(vars.text(template)?) } else { Err(empty) };
                Ok(Export { name: name.clone(), value })
            })
            .collect()
    };
    Ok(Exports { entry, env: each(&recipe.env)?, values: each(&recipe.values)? })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Source;
    use crate::manifest::Section;
    use crate::recipe::Origin;
    use crate::recipe::template::Value;

    #[test]
    fn a_variable_with_an_empty_placeholder_is_left_out() {
        let text = "description = 'd'\n[params.dbs]\ntype = 'list'\ndefault = []\n[params.port]\ntype = 'integer'\ndefault = 1\n[env]\nURL = 'x://h:{port}/{dbs.first}'\nPORT = '{port}'\n[values]\nport = '{port}'\n";
        let kinds = crate::resources::kind_names();
        let recipe =
            Recipe::parse(Section::Datastores, "x", Origin::Builtin, Source::new("x.toml", text), &kinds).unwrap();
        let mut vars = Vars::default();
        vars.set_text("port", "5433");
        vars.set("dbs", Value::List(Vec::new()));
        vars.set_text("dbs.first", "");
        let out = render("datastores.x".into(), &recipe, &vars).unwrap();
        assert_eq!(out.env[0], Export { name: "PORT".into(), value: Ok("5433".into()) });
        assert_eq!(out.env[1], Export { name: "URL".into(), value: Err(vec!["dbs.first".into()]) });
        let named: Vec<String> = out.named().map(|(n, _)| n).collect();
        assert_eq!(named, ["datastores.x.PORT", "datastores.x.URL", "datastores.x.port"]);
        vars.set_text("dbs.first", "app");
        let out = render("datastores.x".into(), &recipe, &vars).unwrap();
        assert_eq!(out.env[1].value, Ok("x://h:5433/app".into()));
    }
}
