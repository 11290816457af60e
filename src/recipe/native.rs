//! The tables of `recipes/native/`: which dependencies of one ecosystem need something from the
//! system, and what (`[packages]` names), for `devup init`. The format is documented in
//! `docs/recipes.md`; this file knows no dependency by name.

use std::collections::BTreeMap;

use serde::Deserialize;

/// One `recipes/native/<ecosystem>.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Table {
    pub description: String,
    /// What building any of them takes (a C compiler): needed once one dependency compiles.
    #[serde(default)]
    pub toolchain: Vec<String>,
    /// Dependency name (`name[extra]` for an extra the project asks for) → what it needs.
    #[serde(default)]
    pub needs: BTreeMap<String, Need>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Need {
    /// `[packages]` names beyond the toolchain (headers it builds against, a library it loads).
    #[serde(default)]
    pub packages: Vec<String>,
    /// When or why, for the drafted comment: "when no wheel fits this Python".
    pub note: Option<String>,
    /// It compiles code, so it needs the toolchain too (the default).
    #[serde(default = "yes")]
    pub compiles: bool,
}

fn yes() -> bool {
    true
}

/// A dependency as a project's file declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dep {
    pub name: String,
    /// Extras it asks for (`psycopg[binary]`), for ecosystems that have them.
    pub extras: Vec<String>,
}

impl Dep {
    pub fn new(name: &str) -> Dep {
        Dep { name: name.to_string(), extras: Vec::new() }
    }
}

/// A dependency the table names, with what it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match<'a> {
    /// The dependency as the project spells it.
    pub dep: String,
    pub need: &'a Need,
}

/// How an ecosystem compares names: pip treats `Pillow` and `pillow` alike.
pub type Normalize = fn(&str) -> String;

impl Table {
    /// The built-in table of `ecosystem` (`python`: `recipes/native/python.toml`).
    pub fn builtin(ecosystem: &str) -> Result<Table, String> {
        let text = super::library::builtin_data(&format!("native/{ecosystem}")).ok_or("devup was built without it")?;
        Table::parse(text)
    }

    /// Pure.
    pub fn parse(text: &str) -> Result<Table, String> {
        toml::from_str(text).map_err(|e| e.message().to_string())
    }

    /// The dependencies that need something, each once, in the order given. A key
    /// `name[extra]` is used instead of `name` when the dependency asks for that extra.
    pub fn matches<'a>(&'a self, deps: &[Dep], normalize: Normalize) -> Vec<Match<'a>> {
        let keys: Vec<(String, Option<String>, &Need)> = self
            .needs
            .iter()
            .map(|(key, need)| {
                let (name, extra) = split_extra(key);
                (normalize(name), extra.map(normalize), need)
            })
            .collect();
        let find = |name: &str, extra: Option<&str>| {
            keys.iter().find(|(n, e, _)| n == name && e.as_deref() == extra).map(|(_, _, need)| *need)
        };
        let mut out: Vec<Match> = Vec::new();
        let mut seen: Vec<String> = Vec::new();
        for dep in deps {
            let name = normalize(&dep.name);
            if seen.contains(&name) {
                continue;
            }
            let by_extra = dep.extras.iter().find_map(|extra| find(&name, Some(&normalize(extra))));
            if let Some(need) = by_extra.or_else(|| find(&name, None)) {
                seen.push(name);
                out.push(Match { dep: dep.name.clone(), need });
            }
        }
        out
    }
}

/// `psycopg[c]` → (`psycopg`, `c`).
fn split_extra(key: &str) -> (&str, Option<&str>) {
    match key.split_once('[') {
        Some((name, rest)) => (name.trim(), Some(rest.trim_end_matches(']').trim())),
        None => (key.trim(), None),
    }
}

/// Names compared as they are (npm, RubyGems, Go modules).
pub fn exact(name: &str) -> String {
    name.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &str = r#"
description = "test"
toolchain = ["cc"]

[needs]
dbdriver = { packages = ["libdb"] }
"dbdriver[c]" = { packages = ["libdb-headers"] }
"dbdriver[bundled]" = { packages = [], compiles = false }
imaging = { packages = ["libjpeg"], note = "when no wheel fits" }
plain = {}
"#;

    fn dep(name: &str, extras: &[&str]) -> Dep {
        Dep { name: name.into(), extras: extras.iter().map(|e| e.to_string()).collect() }
    }

    #[test]
    fn parses_with_defaults() {
        let table = Table::parse(TABLE).unwrap();
        assert_eq!(table.toolchain, ["cc"]);
        assert_eq!(table.needs["plain"], Need { packages: vec![], note: None, compiles: true });
        assert_eq!(table.needs["imaging"].note.as_deref(), Some("when no wheel fits"));
        assert!(!table.needs["dbdriver[bundled]"].compiles);
        assert!(Table::parse("description = \"x\"\n[needs]\na = { pakages = [] }\n").is_err());
    }

    #[test]
    fn an_extra_chooses_its_own_entry() {
        let table = Table::parse(TABLE).unwrap();
        let lower: Normalize = |s| s.to_lowercase();
        let deps =
            [dep("Imaging", &[]), dep("dbdriver", &["pool", "bundled"]), dep("unknown", &[]), dep("imaging", &[])];
        let found = table.matches(&deps, lower);
        let names: Vec<&str> = found.iter().map(|m| m.dep.as_str()).collect();
        assert_eq!(names, ["Imaging", "dbdriver"], "each once, as the project spells it");
        assert!(!found[1].need.compiles);
        let plain = table.matches(&[dep("dbdriver", &["pool"])], exact);
        assert_eq!(plain[0].need.packages, ["libdb"], "an extra without an entry of its own");
        assert!(table.matches(&[dep("Imaging", &[])], exact).is_empty(), "exact names");
    }
}
