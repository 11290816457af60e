//! A draft as the text of devup.toml: every entry with comments saying where it came from and
//! what devup could not declare.

use std::fmt::Write;

use super::draft::{Draft, Entry, EnvEntry, Value};

const HEADER: &str = "\
# What this project needs on a developer's machine: `devup` makes it so, `devup plan` shows
# what it would change. Drafted by `devup init` from the files named in the comments: read it
# and adjust it. `devup recipes` lists what each section can hold.
";

const EMPTY: &str = "
# `devup init` found nothing it knows here. Declare what the project needs, for example:
#
# [languages]
# python = \"3.12\"              # or { from = \".python-version\" }
#
# [dependencies]
# pip = { requirements = \"requirements.txt\" }
#
# [[step]]
# name = \"env-file\"
# check = \"test -f .env\"
# apply = \"cp .env.example .env\"
";

pub fn render(draft: &Draft) -> String {
    let mut out = String::from(HEADER);
    out.push_str("\n[project]\n");
    writeln!(out, "name = {}", string(&draft.name)).unwrap();
    if draft.is_empty() && draft.notes.is_empty() {
        out.push_str(EMPTY);
        return out;
    }
    for (title, entries) in [
        ("languages", &draft.languages),
        ("packages", &draft.packages),
        ("datastores", &draft.datastores),
        ("dependencies", &draft.dependencies),
    ] {
        if entries.is_empty() {
            continue;
        }
        write!(out, "\n[{title}]\n").unwrap();
        for (i, entry) in entries.iter().enumerate() {
            // Entries for the same reasons go together under one comment (`libxml2`, `libxslt`).
            if i > 0 && same_reasons(&entries[i - 1], entry) {
                out.push_str(&render_entry(&Entry { comments: Vec::new(), ..entry.clone() }));
                continue;
            }
            if i > 0 {
                out.push('\n');
            }
            out.push_str(&render_entry(entry));
        }
    }
    if !draft.env.is_empty() {
        out.push_str(&render_env(&draft.env));
    }
    for step in &draft.steps {
        out.push('\n');
        comment(&mut out, &format!("{}: {}", step.file, step.why));
        let mut lines = vec!["[[step]]".to_string()];
        lines.push(format!("name = {}", string(&step.name)));
        lines.push(format!("description = {}", string(&step.description)));
        lines.push(format!("check = {}", string(&step.check)));
        lines.push(format!("apply = {}", string(&step.apply)));
        if let Some(cwd) = &step.cwd {
            lines.push(format!("cwd = {}", string(cwd)));
        }
        match &step.disabled {
            Some(reason) => {
                comment(&mut out, reason);
                lines.iter().for_each(|line| comment(&mut out, line));
            }
            None => lines.iter().for_each(|line| writeln!(out, "{line}").unwrap()),
        }
    }
    if !draft.notes.is_empty() {
        out.push('\n');
        comment(&mut out, "Also found, and not declared:");
        for note in &draft.notes {
            comment(&mut out, &format!("- {}: {}", note.file, note.text));
        }
    }
    out
}

fn same_reasons(before: &Entry, entry: &Entry) -> bool {
    !entry.comments.is_empty()
        && entry.comments == before.comments
        && before.disabled.is_none()
        && entry.disabled.is_none()
}

fn render_entry(entry: &Entry) -> String {
    let mut out = String::new();
    assignment(
        &mut out,
        &entry.comments,
        &format!("{} = {}", entry.name, value(&entry.value)),
        entry.disabled.as_deref(),
    );
    out
}

/// A `KEY = value` line under its comments; commented out, with the reason, when disabled.
fn assignment(out: &mut String, comments: &[String], line: &str, disabled: Option<&str>) {
    for text in comments {
        comment(out, text);
    }
    match disabled {
        Some(reason) => {
            comment(out, reason);
            comment(out, line);
        }
        None => writeln!(out, "{line}").unwrap(),
    }
}

/// `[env]`, each file's variables together under its name.
fn render_env(entries: &[EnvEntry]) -> String {
    let mut out = String::from("\n[env]\n");
    let mut file: Option<&str> = None;
    for entry in entries {
        if file != Some(entry.file.as_str()) {
            if file.is_some() {
                out.push('\n');
            }
            if !entry.file.is_empty() {
                comment(&mut out, &format!("{}: what {}", entry.file, super::variables::runs_with(&entry.file)));
            }
            file = Some(&entry.file);
        }
        let line = format!("{} = {}", entry.name, string(&entry.value));
        assignment(&mut out, &entry.comments, &line, entry.disabled.as_deref());
    }
    out
}

fn value(value: &Value) -> String {
    match value {
        Value::Short(text) => string(text),
        Value::Table(params) if params.is_empty() => "{}".to_string(),
        Value::Table(params) => {
            let items: Vec<String> = params.iter().map(|(k, v)| format!("{k} = {}", inline(v))).collect();
            format!("{{ {} }}", items.join(", "))
        }
    }
}

/// A value on one line, a table's `name` first (`{ name = "app", createdb = true }`), as a
/// person writes an account.
fn inline(value: &toml::Value) -> String {
    match value {
        toml::Value::Array(items) => {
            format!("[{}]", items.iter().map(inline).collect::<Vec<_>>().join(", "))
        }
        toml::Value::Table(table) => {
            let mut keys: Vec<&String> = table.keys().collect();
            keys.sort_by_key(|k| *k != "name");
            let items: Vec<String> = keys.iter().map(|k| format!("{} = {}", key(k), inline(&table[*k]))).collect();
            format!("{{ {} }}", items.join(", "))
        }
        other => other.to_string(),
    }
}

/// A table key, quoted when it is not a bare key (`"auto_explain.log_min_duration"`).
fn key(k: &str) -> String {
    if !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-')) {
        k.to_string()
    } else {
        string(k)
    }
}

fn string(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// A comment line; text from the repository cannot end it early or start a new line.
fn comment(out: &mut String, text: &str) {
    let text: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    writeln!(out, "# {}", text.trim_end()).unwrap();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::init::hints::{Note, Step};

    fn entry(name: &str, value: Value, comments: &[&str]) -> Entry {
        Entry { name: name.into(), value, comments: comments.iter().map(|c| c.to_string()).collect(), disabled: None }
    }

    #[test]
    fn entries_steps_and_notes() {
        let mut draft = Draft { name: "shop".into(), ..Draft::default() };
        draft.languages.push(entry(
            "node",
            Value::Table(vec![("from".into(), toml::Value::String(".nvmrc".into()))]),
            &[".nvmrc: version 20"],
        ));
        draft.languages.push(entry("python", Value::Short(">=3.11".into()), &[]));
        let mut redis = entry("redis", Value::Table(vec![]), &["tox.ini: deps: redis"]);
        redis.disabled = Some("a weak hint".into());
        draft.datastores.push(redis);
        draft.steps.push(Step {
            name: "env-file".into(),
            description: "create .env from .env.example".into(),
            check: "test -f .env".into(),
            apply: "cp .env.example .env && chmod 600 .env".into(),
            cwd: None,
            file: ".env.example".into(),
            why: "copied".into(),
            disabled: None,
        });
        draft.notes.push(Note { file: "Gemfile".into(), text: "a\nb".into() });
        let text = render(&draft);
        let body = text.strip_prefix(HEADER).unwrap();
        assert_eq!(
            body,
            r#"
[project]
name = "shop"

[languages]
# .nvmrc: version 20
node = { from = ".nvmrc" }

python = ">=3.11"

[datastores]
# tox.ini: deps: redis
# a weak hint
# redis = {}

# .env.example: copied
[[step]]
name = "env-file"
description = "create .env from .env.example"
check = "test -f .env"
apply = "cp .env.example .env && chmod 600 .env"

# Also found, and not declared:
# - Gemfile: a b
"#
        );
        toml::from_str::<toml::Table>(&text).unwrap();
    }

    #[test]
    fn env_entries_by_file() {
        let env = |file: &str, name: &str, value: &str| EnvEntry {
            file: file.into(),
            name: name.into(),
            value: value.into(),
            comments: Vec::new(),
            disabled: None,
        };
        let mut secret = env("ci.yml", "TOKEN", "...");
        secret.disabled = Some("from CI's secret store".into());
        let mut url = env("tox.ini", "DATABASE_URL", "{datastores.postgres.url}");
        url.comments.push("in CI: postgres://localhost/app".into());
        let draft =
            Draft { name: "x".into(), env: vec![env("ci.yml", "MODE", "test"), secret, url], ..Draft::default() };
        let text = render(&draft);
        assert!(
            text.ends_with(
                "\n[env]\n# ci.yml: what the tests run with\nMODE = \"test\"\n# from CI's secret store\n# TOKEN = \"...\"\n\n# tox.ini: what the tests run with\n# in CI: postgres://localhost/app\nDATABASE_URL = \"{datastores.postgres.url}\"\n"
            ),
            "{text}"
        );
        toml::from_str::<toml::Table>(&text).unwrap();
    }

    #[test]
    fn entries_for_the_same_reasons_share_their_comment() {
        let mut draft = Draft { name: "shop".into(), ..Draft::default() };
        let why = ["lxml (requirements.txt) builds against libxml2 and libxslt"];
        draft.packages.push(entry(
            "libpq",
            Value::Short("*".into()),
            &["psycopg2 (requirements.txt) builds against libpq"],
        ));
        draft.packages.push(entry("libxml2", Value::Short("*".into()), &why));
        draft.packages.push(entry("libxslt", Value::Short("*".into()), &why));
        let text = render(&draft);
        assert!(
            text.ends_with(
                "\n[packages]\n# psycopg2 (requirements.txt) builds against libpq\nlibpq = \"*\"\n\n# lxml (requirements.txt) builds against libxml2 and libxslt\nlibxml2 = \"*\"\nlibxslt = \"*\"\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn empty() {
        let draft = Draft { name: "x".into(), ..Draft::default() };
        let text = render(&draft);
        assert!(text.contains("found nothing it knows"));
        toml::from_str::<toml::Table>(&text).unwrap();
    }

    #[test]
    fn accounts_name_first_and_dotted_keys_quoted() {
        let value: toml::Table = toml::from_str(
            "roles = [{ superuser = true, name = \"app\" }]\nsettings = { \"a.b\" = \"1\", wal_level = \"logical\" }",
        )
        .unwrap();
        assert_eq!(inline(&value["roles"]), r#"[{ name = "app", superuser = true }]"#);
        assert_eq!(inline(&value["settings"]), r#"{ "a.b" = "1", wal_level = "logical" }"#);
    }

    #[test]
    fn strings_are_escaped() {
        let text = "a\"b\\c\n'";
        let table: toml::Table = toml::from_str(&format!("x = {}", string(text))).unwrap();
        assert_eq!(table["x"].as_str(), Some(text));
    }
}
