//! What CI installs with apt-get before the tests (`apt-get install -y ruby-mysql2 libpq-dev`)
//! → `[packages]`: a package devup has a recipe for under its logical name (`libpq-dev` is
//! `libpq`), another under its Debian name (`ruby-mysql2 = { apt = "ruby-mysql2" }`). What a
//! drafted language or datastore installs already (Debian's `ruby`, `postgresql-client`) is
//! left out: its entry brings it, at the version it resolves.

use super::draft::{Draft, Entry, Value};
use super::hints::CiPackage;
use super::known::Known;
use super::packages::list;
use super::store::Store;
use crate::manifest::Section;

pub fn draft(draft: &mut Draft, found: &[CiPackage], known: &Known) {
    let mut files: Vec<&str> = Vec::new();
    for package in found {
        if !files.contains(&package.file.as_str()) {
            files.push(&package.file);
        }
    }
    for file in files {
        let mut added: Vec<String> = Vec::new();
        let mut new: Vec<String> = Vec::new();
        let mut left_out: Vec<(&str, String)> = Vec::new();
        let first = draft.packages.len();
        for package in found.iter().filter(|p| p.file == file) {
            if let Some(entry) = provider(draft, known, &package.apt) {
                left_out.push((&package.apt, entry));
                continue;
            }
            let logical = known
                .recipes
                .iter()
                .find(|r| r.section == Section::Packages && r.package_names.get("apt") == Some(&package.apt));
            let (name, value) = match logical {
                Some(recipe) => (recipe.name.clone(), Value::Short("*".into())),
                None => {
                    let raw = vec![("apt".to_string(), toml::Value::String(package.apt.clone()))];
                    (package.apt.clone(), Value::Table(raw))
                }
            };
            match draft.packages.iter_mut().find(|e| e.name == name) {
                // Already drafted for a dependency: CI says the same.
                Some(entry) => entry.comments.push(format!("{file}: CI installs {} with apt-get too", package.apt)),
                None => {
                    draft.packages.push(Entry { name, value, comments: Vec::new(), disabled: None });
                    new.push(package.apt.clone());
                }
            }
            added.push(package.apt.clone());
        }
        if added.is_empty() {
            continue;
        }
        draft.find(file, "packages", format!("CI installs {} with apt-get", list(&added)));
        if new.is_empty() {
            continue;
        }
        let mut comments = vec![format!("{file}: the tests' job installs {} with apt-get", list(&new))];
        if !left_out.is_empty() {
            let names: Vec<&str> = left_out.iter().map(|(apt, _)| *apt).collect();
            let mut entries: Vec<&str> = Vec::new();
            for (_, entry) in &left_out {
                if !entries.contains(&entry.as_str()) {
                    entries.push(entry);
                }
            }
            let verb = if names.len() == 1 { "comes" } else { "come" };
            comments.push(format!("and {}, which {verb} with {}", list(&names), list(&entries)));
        }
        // The same comments on each: they are written once, above the group.
        for entry in &mut draft.packages[first..] {
            entry.comments = comments.clone();
        }
    }
}

/// The drafted entry that installs `apt` already: a language whose recipe installs it or is
/// named so (Debian's `ruby`, `nodejs`, `golang`), a datastore whose recipe installs it or
/// whose server it is a part of (`postgresql-client-15`, `redis-tools`).
fn provider(draft: &Draft, known: &Known, apt: &str) -> Option<String> {
    let enabled = |entries: &[Entry]| -> Vec<String> {
        entries.iter().filter(|e| e.disabled.is_none()).map(|e| e.name.clone()).collect()
    };
    for name in enabled(&draft.languages) {
        let Some(recipe) = known.get(Section::Languages, &name) else { continue };
        if recipe.apt.iter().any(|a| a == apt) || recipe.names().contains(&apt) {
            return Some(format!("languages.{name}"));
        }
    }
    let family = apt.split('-').next().and_then(Store::from_name).map(|(store, _)| store);
    for name in enabled(&draft.datastores) {
        let installs = known.get(Section::Datastores, &name).is_some_and(|r| r.apt.iter().any(|a| a == apt));
        let store = Store::from_name(&name).map(|(store, _)| store);
        if installs || (family.is_some() && family == store) {
            return Some(format!("datastores.{name}"));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::init::known::testing::known;

    fn found(file: &str, names: &[&str]) -> Vec<CiPackage> {
        names.iter().map(|n| CiPackage { file: file.into(), apt: n.to_string() }).collect()
    }

    fn entry(name: &str) -> Entry {
        Entry { name: name.into(), value: Value::Short("*".into()), comments: Vec::new(), disabled: None }
    }

    #[test]
    fn logical_names_raw_names_and_what_other_entries_bring() {
        let mut d = Draft::default();
        d.languages.push(entry("ruby"));
        d.datastores.push(entry("postgres"));
        let ci = found("ci.yml", &["ruby", "ruby-mysql2", "libpq-dev", "postgresql-client-15", "rake"]);
        draft(&mut d, &ci, &known());
        let names: Vec<(&str, &Value)> = d.packages.iter().map(|e| (e.name.as_str(), &e.value)).collect();
        let raw = |n: &str| Value::Table(vec![("apt".into(), toml::Value::String(n.into()))]);
        assert_eq!(
            names,
            [("ruby-mysql2", &raw("ruby-mysql2")), ("libpq", &Value::Short("*".into())), ("rake", &raw("rake"))]
        );
        assert_eq!(
            d.packages[0].comments,
            [
                "ci.yml: the tests' job installs ruby-mysql2, libpq-dev and rake with apt-get",
                "and ruby and postgresql-client-15, which come with languages.ruby and datastores.postgres",
            ]
        );
        assert!(d.packages.iter().all(|e| e.comments == d.packages[0].comments), "written once, above the group");
        assert_eq!(d.findings[0].why, "CI installs ruby-mysql2, libpq-dev and rake with apt-get");
    }

    #[test]
    fn a_package_a_dependency_needs_already_is_drafted_once() {
        let mut d = Draft::default();
        d.packages.push(Entry { comments: vec!["pg (package.json) builds against libpq".into()], ..entry("libpq") });
        draft(&mut d, &found(".gitlab-ci.yml", &["libpq-dev"]), &known());
        assert_eq!(d.packages.len(), 1);
        assert_eq!(
            d.packages[0].comments,
            ["pg (package.json) builds against libpq", ".gitlab-ci.yml: CI installs libpq-dev with apt-get too"]
        );
        assert_eq!(d.findings[0].why, "CI installs libpq-dev with apt-get");
    }

    #[test]
    fn without_a_language_entry_its_package_is_kept() {
        let mut d = Draft::default();
        draft(&mut d, &found("ci.yml", &["redis-tools", "nodejs"]), &known());
        let names: Vec<&str> = d.packages.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["redis-tools", "nodejs"]);
    }
}
