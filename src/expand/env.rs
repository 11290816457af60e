//! The project's environment, once every entry is expanded and its ports chosen: what the
//! entries export (`DATABASE_URL`, `REDIS_URL`), and the project's own `[env]`, whose values may
//! name what an entry offers (`{datastores.postgres.url}`, `{datastores.redis.REDIS_HOST}`).
//!
//! Nothing is dropped or blanked silently. `[env]` wins over what entries export (it is the
//! project's own word); between entries, the first declared wins, and a note says what the
//! other one's value was and how to keep it under another name. A placeholder that names
//! nothing, or something with no value here, is an error at its column.

use super::exports::{Export, Exports};
use crate::diagnostic::{Diagnostic, closest};
use crate::manifest::{EnvVar, Manifest};
use crate::recipe::template::{self, Vars};

/// The names `[env]` values may use besides what entries offer.
const PROJECT_DIR: &str = "project.dir";

/// The project's environment, and what the user should be told about it.
#[derive(Debug, Default)]
pub struct Env {
    pub vars: Vec<(String, String)>,
    pub notes: Vec<String>,
}

/// What `[env]` values may name: every entry's `{SECTION.NAME.KEY}`, and `{project.dir}`.
pub struct Names<'a> {
    exports: &'a [Exports],
    project_dir: String,
}

enum Lookup<'a> {
    Value(String),
    /// A name that exists, left out here because these placeholders of its entry are empty.
    Empty(&'a Exports, &'a [String]),
    Unknown,
}

impl<'a> Names<'a> {
    pub fn new(manifest: &Manifest, exports: &'a [Exports]) -> Names<'a> {
        Names { exports, project_dir: manifest.dir.display().to_string() }
    }

    fn lookup(&self, name: &str) -> Lookup<'a> {
        if name == PROJECT_DIR {
            return Lookup::Value(self.project_dir.clone());
        }
        for exports in self.exports {
            for (full, export) in exports.named() {
                if full == name {
                    return match &export.value {
                        Ok(value) => Lookup::Value(value.clone()),
                        Err(empty) => Lookup::Empty(exports, empty),
                    };
                }
            }
        }
        Lookup::Unknown
    }

    /// The name `name` likely means: within its entry when the entry is declared; another
    /// declared entry's when it names an entry that is not (`datastores.postgre.url`); else
    /// any (`datastore.postgres.url`). Never another server's for a server not declared.
    fn closest(&self, name: &str) -> Option<String> {
        let within = |e: &Exports| e.named().map(|(n, _)| n).collect::<Vec<_>>();
        if let Some(e) = self.exports.iter().find(|e| name.starts_with(&format!("{}.", e.entry))) {
            return closest(name, within(e).iter().map(String::as_str)).map(str::to_string);
        }
        let in_section = crate::manifest::Section::ALL.iter().find_map(|section| {
            let rest = name.strip_prefix(&format!("{}.", section.key()))?;
            let (entry, key) = rest.split_once('.')?;
            Some((format!("{}.", section.key()), entry, key))
        });
        if let Some((section, entry, key)) = in_section {
            // Entry names compared alone: `datastores.` alike makes any two look close.
            let entries: Vec<&str> = self.exports.iter().filter_map(|e| e.entry.strip_prefix(&section)).collect();
            let short = closest(entry, entries)?;
            let e = self.exports.iter().find(|x| x.entry == format!("{section}{short}"))?;
            let names = within(e);
            let same_key = names.iter().find(|n| n.rsplit('.').next() == Some(key));
            return Some(same_key.cloned().unwrap_or_else(|| format!("{}.KEY", e.entry)));
        }
        let mut all: Vec<String> = self.exports.iter().flat_map(within).collect();
        all.push(PROJECT_DIR.to_string());
        closest(name, all.iter().map(String::as_str)).map(str::to_string)
    }

    /// The valid names, as a hint: one entry's keys when `name` is under that entry.
    fn describe(&self, name: &str) -> String {
        let keys = |e: &Exports| e.env.iter().chain(&e.values).map(|x| x.name.as_str()).collect::<Vec<_>>().join(", ");
        if let Some(e) = self.exports.iter().find(|e| name.starts_with(&format!("{}.", e.entry))) {
            return format!("`{}` offers: {}", e.entry, keys(e));
        }
        let mut forms: Vec<String> = self
            .exports
            .iter()
            .filter(|e| !e.env.is_empty() || !e.values.is_empty())
            .map(|e| format!("{{{}.KEY}} with KEY one of {}", e.entry, keys(e)))
            .collect();
        forms.push(format!("{{{PROJECT_DIR}}}"));
        let undeclared = crate::manifest::Section::ALL.iter().find_map(|section| {
            let entry = name.strip_prefix(&format!("{}.", section.key()))?.split('.').next()?;
            Some(format!("devup.toml declares no `{}.{entry}`; ", section.key()))
        });
        format!("{}valid names: {}", undeclared.unwrap_or_default(), forms.join("; "))
    }
}

/// The value of one `[env]` (or `[[step]]` `env`) variable, its placeholders filled.
pub fn resolve(manifest: &Manifest, var: &EnvVar, names: &Names) -> Result<String, Diagnostic> {
    let source = &manifest.source;
    let found = template::placeholders_at(&var.value)
        .map_err(|e| source.error(var.span_of(source, e.at), format!("`{}`: {}", var.name, e.message)))?;
    let mut vars = Vars::default();
    for (name, at) in found {
        let span = var.span_of(source, at);
        match names.lookup(name) {
            Lookup::Value(value) => vars.set_text(name, value),
            Lookup::Empty(exports, empty) => {
                let entry = exports.entry.rsplit('.').next().unwrap_or(&exports.entry);
                let params: Vec<String> = empty.iter().map(|p| format!("`{}`", param_of(p))).collect();
                return Err(source
                    .error(
                        span,
                        format!(
                            "`{}`: `{{{name}}}` has no value: `{}` leaves it out while {} is empty",
                            var.name,
                            exports.entry,
                            params.join(" and ")
                        ),
                    )
                    .with_hint(format!(
                        "set {} on `{entry}` in devup.toml (`{entry} = {{ ... }}`), or remove `{}`",
                        params.join(" and "),
                        var.name
                    )));
            }
            Lookup::Unknown => {
                let listed = names.describe(name);
                let hint = match names.closest(name) {
                    Some(close) => format!("did you mean `{{{close}}}`? {listed}"),
                    None => listed,
                };
                return Err(source
                    .error(span, format!("`{}`: unknown placeholder `{{{name}}}`", var.name))
                    .with_hint(format!("{hint}; write `{{{{` and `}}}}` for literal braces")));
            }
        }
    }
    vars.text(&var.value).map_err(|e| source.error(var.span.clone(), format!("`{}`: {e}", var.name)))
}

/// `databases.first` → `databases`: the parameter a placeholder derives from.
fn param_of(placeholder: &str) -> &str {
    [".first", ".lines", ".request"].iter().find_map(|s| placeholder.strip_suffix(s)).unwrap_or(placeholder)
}

/// The project's environment: `[env]`, then what entries export that `[env]` does not set.
pub fn assemble(manifest: &Manifest, exports: &[Exports]) -> Result<Env, Diagnostic> {
    let names = Names::new(manifest, exports);
    let mut env = Env::default();
    for var in &manifest.env {
        env.vars.push((var.name.clone(), resolve(manifest, var, &names)?));
    }
    let own = |name: &str| manifest.env.iter().any(|v| v.name == name);
    let all_exports: Vec<&str> =
        exports.iter().flat_map(|e| e.env.iter().filter(|x| x.value.is_ok()).map(|x| x.name.as_str())).collect();
    // (name, value, entry) of each exported variable, the first declared entry's.
    let mut exported: Vec<(&str, &str, &str)> = Vec::new();
    for exports in exports {
        for Export { name, value } in &exports.env {
            let Ok(value) = value else { continue };
            match exported.iter().find(|(n, _, _)| n == name) {
                None => exported.push((name, value, &exports.entry)),
                Some((_, kept, _)) if kept == value => {}
                Some((_, _, first)) => {
                    if !own(name) && !kept_elsewhere(manifest, &exports.entry, value, &names) {
                        let taken = |n: &str| own(n) || all_exports.contains(&n);
                        env.notes.push(lost_note(name, &exports.entry, first, &taken));
                    }
                }
            }
        }
    }
    for (name, value, _) in exported {
        if !own(name) {
            env.vars.push((name.to_string(), value.to_string()));
        }
    }
    Ok(env)
}

/// Whether `[env]` names one of `entry`'s placeholders holding `value`: what the entry would
/// have exported is in the environment under a name of the project's choosing.
fn kept_elsewhere(manifest: &Manifest, entry: &str, value: &str, names: &Names) -> bool {
    manifest.env.iter().any(|var| {
        template::placeholders(&var.value).unwrap_or_default().iter().any(|name| {
            name.starts_with(&format!("{entry}.")) && matches!(names.lookup(name), Lookup::Value(v) if v == value)
        })
    })
}

fn lost_note(name: &str, entry: &str, first: &str, taken: &dyn Fn(&str) -> bool) -> String {
    let short = entry.rsplit('.').next().unwrap_or(entry);
    format!(
        "{name} is {first}'s, declared first; {entry}'s is not exported: to have it too, add {} = \"{{{entry}.{name}}}\" to [env]",
        distinct_name(short, name, taken)
    )
}

/// A name for an entry's variable beside another entry's of the same name: `mysql` and
/// `DATABASE_URL` → `MYSQL_URL`; when that is `taken` (a variable of its own),
/// `MYSQL_DATABASE_URL`.
pub fn distinct_name(entry: &str, var: &str, taken: &dyn Fn(&str) -> bool) -> String {
    let prefix: String =
        entry.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' }).collect();
    let last = var.rsplit_once('_').map_or(var, |(_, last)| last);
    let short = format!("{prefix}_{last}");
    if taken(&short) { format!("{prefix}_{var}") } else { short }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::diagnostic::Source;

    fn manifest(text: &str) -> Manifest {
        crate::manifest::parse(PathBuf::from("/p"), Source::new("devup.toml", text)).unwrap()
    }

    fn export(name: &str, value: Result<&str, &[&str]>) -> Export {
        let value = value.map(str::to_string).map_err(|empty| empty.iter().map(|s| s.to_string()).collect());
        Export { name: name.to_string(), value }
    }

    fn postgres(with_database: bool) -> Exports {
        let url =
            if with_database { Ok("postgres://postgres@127.0.0.1:5433/app") } else { Err(&["databases.first"][..]) };
        Exports {
            entry: "datastores.postgres".into(),
            env: vec![export("DATABASE_URL", url), export("PGPORT", Ok("5433"))],
            values: vec![export("host", Ok("127.0.0.1")), export("port", Ok("5433")), export("url", url)],
        }
    }

    fn mysql() -> Exports {
        Exports {
            entry: "datastores.mysql".into(),
            env: vec![export("DATABASE_URL", Ok("mysql://root@127.0.0.1:3306/app"))],
            values: vec![export("url", Ok("mysql://root@127.0.0.1:3306/app"))],
        }
    }

    fn vars(env: &Env) -> Vec<(&str, &str)> {
        env.vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
    }

    #[test]
    fn placeholders_are_filled_with_the_chosen_values() {
        let m = manifest(
            "[env]\nTEST_DB = \"{datastores.postgres.url}\"\nHOSTPORT = \"{datastores.postgres.host}:{datastores.postgres.PGPORT}\"\nJSON = '{{\"a\": 1}}'\nTMP = '{project.dir}/tmp'\n",
        );
        let env = assemble(&m, &[postgres(true)]).unwrap();
        assert_eq!(
            vars(&env),
            [
                ("TEST_DB", "postgres://postgres@127.0.0.1:5433/app"),
                ("HOSTPORT", "127.0.0.1:5433"),
                ("JSON", "{\"a\": 1}"),
                ("TMP", "/p/tmp"),
                ("DATABASE_URL", "postgres://postgres@127.0.0.1:5433/app"),
                ("PGPORT", "5433"),
            ]
        );
        assert!(env.notes.is_empty());
    }

    #[test]
    fn an_unknown_placeholder_is_an_error_at_its_column_with_the_names() {
        let m = manifest("[env]\nDB = \"x {datastores.postgres.uri}\"\n");
        let d = assemble(&m, &[postgres(true)]).unwrap_err();
        let loc = d.location.clone().unwrap();
        assert_eq!((loc.line, loc.column), (2, 9));
        assert_eq!(d.message, "`DB`: unknown placeholder `{datastores.postgres.uri}`");
        let hint = d.hint.unwrap();
        assert!(hint.starts_with("did you mean `{datastores.postgres.url}`?"), "{hint}");
        assert!(hint.contains("`datastores.postgres` offers: DATABASE_URL, PGPORT, host, port, url"), "{hint}");

        let m = manifest("[env]\nDB = \"{datastores.mongo.url}\"\n");
        let hint = assemble(&m, &[postgres(true)]).unwrap_err().hint.unwrap();
        assert!(hint.starts_with("devup.toml declares no `datastores.mongo`; valid names: "), "{hint}");
        // A typo in the entry's name, or the section's.
        for typo in ["datastores.postgre.url", "datastore.postgres.url"] {
            let m = manifest(&format!("[env]\nDB = \"{{{typo}}}\"\n"));
            let hint = assemble(&m, &[postgres(true)]).unwrap_err().hint.unwrap();
            assert!(hint.starts_with("did you mean `{datastores.postgres.url}`?"), "{typo}: {hint}");
        }
        assert!(hint.contains("{datastores.postgres.KEY} with KEY one of DATABASE_URL"), "{hint}");
        assert!(hint.contains("{project.dir}"), "{hint}");
    }

    #[test]
    fn a_name_with_no_value_here_says_what_to_set() {
        let m = manifest("[env]\nDB = \"{datastores.postgres.url}\"\n");
        let d = assemble(&m, &[postgres(false)]).unwrap_err();
        assert!(d.message.contains("has no value: `datastores.postgres` leaves it out while `databases` is empty"));
        assert!(d.hint.unwrap().contains("set `databases` on `postgres`"));
    }

    #[test]
    fn env_wins_and_the_first_entry_wins_with_a_note() {
        let env = assemble(&manifest(""), &[postgres(true), mysql()]).unwrap();
        assert_eq!(vars(&env)[0], ("DATABASE_URL", "postgres://postgres@127.0.0.1:5433/app"));
        assert_eq!(
            env.notes,
            [
                "DATABASE_URL is datastores.postgres's, declared first; datastores.mysql's is not exported: to have it too, add MYSQL_URL = \"{datastores.mysql.DATABASE_URL}\" to [env]"
            ]
        );
        // Kept under another name: nothing to say.
        let m = manifest("[env]\nMYSQL_URL = \"{datastores.mysql.url}\"\n");
        let env = assemble(&m, &[postgres(true), mysql()]).unwrap();
        assert!(env.notes.is_empty());
        assert_eq!(vars(&env)[0], ("MYSQL_URL", "mysql://root@127.0.0.1:3306/app"));
        // The project's own DATABASE_URL replaces both.
        let m = manifest("[env]\nDATABASE_URL = \"{datastores.mysql.url}\"\n");
        let env = assemble(&m, &[postgres(true), mysql()]).unwrap();
        assert!(env.notes.is_empty());
        assert_eq!(vars(&env), [("DATABASE_URL", "mysql://root@127.0.0.1:3306/app"), ("PGPORT", "5433")]);
    }

    #[test]
    fn distinct_names() {
        let free = |_: &str| false;
        assert_eq!(distinct_name("mysql", "DATABASE_URL", &free), "MYSQL_URL");
        assert_eq!(distinct_name("my-db", "PGHOST", &free), "MY_DB_PGHOST");
        // The redis recipe exports REDIS_URL itself.
        assert_eq!(distinct_name("redis", "DATABASE_URL", &|n| n == "REDIS_URL"), "REDIS_DATABASE_URL");
    }
}
