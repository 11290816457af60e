//! `{placeholders}` in recipe strings, filled from the entry's parameters and the machine's facts.
//!
//! Two renderings: `text` for paths and plain values, and `shell` for command lines, where every
//! substituted value is shell-quoted. A value from `devup.toml` such as `x; rm -rf ~` therefore
//! reaches the shell as one harmless word, never as a command.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ops::Range;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Text(String),
    List(Vec<String>),
}

/// A list of tables, such as `roles = [{ name = "app", createdb = true }]`: not rendered
/// itself, but a `for_each` step sees one record at a time as `{item.FIELD}`.
pub type Records = Vec<BTreeMap<String, String>>;

/// The values a template can name.
#[derive(Debug, Clone, Default)]
pub struct Vars {
    values: BTreeMap<String, Value>,
    records: BTreeMap<String, Records>,
}

impl Vars {
    pub fn set(&mut self, name: impl Into<String>, value: Value) {
        self.values.insert(name.into(), value);
    }

    pub fn set_text(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.set(name, Value::Text(value.into()));
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        self.values.get(name)
    }

    /// These values with every placeholder named in `secrets` (`"{item.password}"`) replaced by
    /// `***`: to render what may be shown, masked exactly where a secret was substituted (a
    /// role named like its password keeps its name).
    pub fn masked(&self, secrets: &[String]) -> Vars {
        let mut masked = self.clone();
        for template in secrets {
            for name in placeholders(template).unwrap_or_default() {
                if masked.values.contains_key(name) {
                    masked.set_text(name, "***");
                }
            }
        }
        masked
    }

    pub fn set_records(&mut self, name: impl Into<String>, records: Records) {
        self.records.insert(name.into(), records);
    }

    pub fn records(&self, name: &str) -> Option<&Records> {
        self.records.get(name)
    }

    /// Plain substitution; a list becomes its items separated by spaces.
    pub fn text(&self, template: &str) -> Result<String, String> {
        self.render(template, |value| match value {
            Value::Text(s) => Cow::Borrowed(s.as_str()),
            Value::List(items) => Cow::Owned(items.join(" ")),
        })
    }

    /// Substitution for `sh -c`: each value (each list item) becomes one quoted shell word.
    pub fn shell(&self, template: &str) -> Result<String, String> {
        self.render(template, |value| match value {
            Value::Text(s) => Cow::Owned(quote(s)),
            Value::List(items) => Cow::Owned(items.iter().map(|s| quote(s)).collect::<Vec<_>>().join(" ")),
        })
    }

    /// Substitution into SQL: each value becomes a string literal (`'it''s'`), and a list
    /// becomes literals separated by commas, for `IN (...)`.
    pub fn sql(&self, template: &str) -> Result<String, String> {
        let literal = |s: &str| format!("'{}'", s.replace('\0', "").replace('\'', "''"));
        self.render(template, |value| match value {
            Value::Text(s) => Cow::Owned(literal(s)),
            Value::List(items) => Cow::Owned(items.iter().map(|s| literal(s)).collect::<Vec<_>>().join(", ")),
        })
    }

    /// Renders a list of templates; an item that is exactly one list placeholder (`"{dbs}"`)
    /// becomes that list's items.
    pub fn text_list(&self, items: &[String]) -> Result<Vec<String>, String> {
        let mut out = Vec::new();
        for item in items {
            let whole = item.strip_prefix('{').and_then(|r| r.strip_suffix('}')).filter(|n| !n.contains(['{', '}']));
            match whole.and_then(|name| self.values.get(name)) {
                Some(Value::List(values)) => out.extend(values.iter().cloned()),
                _ => out.push(self.text(item)?),
            }
        }
        Ok(out)
    }

    /// The placeholders of `template` whose value is empty (`""`, or a list with no items):
    /// what a recipe's `env` entry must not be exported without.
    pub fn empty_in(&self, template: &str) -> Result<Vec<String>, String> {
        let mut empty = Vec::new();
        for (name, _) in placeholders_at(template).map_err(|e| e.message)? {
            match self.values.get(name) {
                Some(Value::Text(s)) if s.is_empty() => empty.push(name.to_string()),
                Some(Value::List(items)) if items.is_empty() => empty.push(name.to_string()),
                Some(_) => {}
                None => return Err(format!("unknown placeholder `{{{name}}}`")),
            }
        }
        Ok(empty)
    }

    fn render(&self, template: &str, show: impl Fn(&Value) -> Cow<'_, str>) -> Result<String, String> {
        let mut out = String::with_capacity(template.len());
        for piece in parse(template).map_err(|e| e.message)? {
            match piece {
                Piece::Literal(text) => out.push_str(text),
                Piece::Placeholder(name, _) => match self.values.get(name) {
                    Some(value) => out.push_str(&show(value)),
                    None => return Err(format!("unknown placeholder `{{{name}}}`")),
                },
            }
        }
        Ok(out)
    }
}

pub use crate::shell::quote;

#[derive(Debug, PartialEq, Eq)]
enum Piece<'a> {
    Literal(&'a str),
    /// A name, and where its `{...}` is in the template (byte offsets).
    Placeholder(&'a str, Range<usize>),
}

/// A template that cannot be read, and where (byte offsets in the template), so that an error
/// about a value of devup.toml can point at the brace.
#[derive(Debug, PartialEq, Eq)]
pub struct Syntax {
    pub message: String,
    pub at: Range<usize>,
}

/// Splits a template; `{{` and `}}` stand for literal braces.
fn parse(template: &str) -> Result<Vec<Piece<'_>>, Syntax> {
    let mut pieces = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find(['{', '}']) {
        let (before, after) = rest.split_at(open);
        let offset = template.len() - after.len();
        if !before.is_empty() {
            pieces.push(Piece::Literal(before));
        }
        if after.starts_with("{{") || after.starts_with("}}") {
            pieces.push(Piece::Literal(&after[..1]));
            rest = &after[2..];
        } else if after.starts_with('}') {
            let message = "a lone `}` (write `}}` for a literal brace)".into();
            return Err(Syntax { message, at: offset..offset + 1 });
        } else {
            let Some(close) = after.find('}') else {
                let message = "an unclosed `{` (write `{{` for a literal brace)".into();
                return Err(Syntax { message, at: offset..offset + 1 });
            };
            let name = after[1..close].trim();
            let valid =
                !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
            if !valid {
                let message = format!("`{}` is not a placeholder name", &after[..=close]);
                return Err(Syntax { message, at: offset..offset + close + 1 });
            }
            pieces.push(Piece::Placeholder(name, offset..offset + close + 1));
            rest = &after[close + 1..];
        }
    }
    if !rest.is_empty() {
        pieces.push(Piece::Literal(rest));
    }
    Ok(pieces)
}

/// Every placeholder a template names, for checking recipes before they are used.
pub fn placeholders(template: &str) -> Result<Vec<&str>, String> {
    Ok(placeholders_at(template).map_err(|e| e.message)?.into_iter().map(|(name, _)| name).collect())
}

/// Every placeholder a template names, with where its `{...}` is in the template.
pub fn placeholders_at(template: &str) -> Result<Vec<(&str, Range<usize>)>, Syntax> {
    Ok(parse(template)?
        .into_iter()
        .filter_map(|p| match p {
            Piece::Placeholder(name, at) => Some((name, at)),
            Piece::Literal(_) => None,
        })
        .collect())
}

/// `text` as a template that renders as itself: its braces doubled.
pub fn escape(text: &str) -> String {
    text.replace('{', "{{").replace('}', "}}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> Vars {
        let mut v = Vars::default();
        v.set_text("version", "3.11");
        v.set_text("evil", "x; rm -rf ~ `id` $(id) 'q'");
        v.set("dbs", Value::List(vec!["a b".into(), "c".into()]));
        v
    }

    #[test]
    fn fills_placeholders_and_escapes_braces() {
        assert_eq!(vars().text("python{version} {{x}}").unwrap(), "python3.11 {x}");
        assert_eq!(vars().text("{dbs}").unwrap(), "a b c");
    }

    #[test]
    fn shell_rendering_quotes_every_value() {
        let v = vars();
        let line = v.shell("echo {evil}").unwrap();
        let words = shlex::split(&line).unwrap();
        assert_eq!(words, ["echo", "x; rm -rf ~ `id` $(id) 'q'"]);
        let words = shlex::split(&v.shell("createdb {dbs}").unwrap()).unwrap();
        assert_eq!(words, ["createdb", "a b", "c"]);
    }

    #[test]
    fn injection_through_a_value_does_not_run() {
        let v = vars();
        let line = v.shell("printf '%s\\n' {evil}").unwrap();
        let out = std::process::Command::new("sh").arg("-c").arg(&line).output().unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout), "x; rm -rf ~ `id` $(id) 'q'\n");
    }

    #[test]
    fn sql_rendering_makes_literals() {
        let v = vars();
        assert_eq!(v.sql("x = {evil}").unwrap(), "x = 'x; rm -rf ~ `id` $(id) ''q'''");
        assert_eq!(v.sql("x IN ({dbs})").unwrap(), "x IN ('a b', 'c')");
    }

    #[test]
    fn list_items_expand() {
        let v = vars();
        let items = v.text_list(&["{dbs}".into(), "v{version}".into()]).unwrap();
        assert_eq!(items, ["a b", "c", "v3.11"]);
    }

    #[test]
    fn errors_name_the_problem() {
        assert_eq!(vars().text("{nope}").unwrap_err(), "unknown placeholder `{nope}`");
        assert!(vars().text("{version").unwrap_err().contains("unclosed"));
        assert!(vars().text("a } b").unwrap_err().contains("lone"));
        assert!(vars().text("{a b}").unwrap_err().contains("not a placeholder"));
    }

    #[test]
    fn lists_placeholders() {
        assert_eq!(placeholders("{a} and {facts.os} {{no}}").unwrap(), ["a", "facts.os"]);
        assert_eq!(placeholders_at("x{{ {a} }}{b}").unwrap(), [("a", 4..7), ("b", 10..13)]);
    }

    #[test]
    fn syntax_errors_say_where() {
        let json = r#"{"debug": true}"#;
        assert_eq!(placeholders_at(json).unwrap_err().at, 0..json.len());
        assert_eq!(placeholders_at("ab}").unwrap_err().at, 2..3);
        assert_eq!(placeholders_at("a {b").unwrap_err().at, 2..3);
    }

    #[test]
    fn escaped_text_renders_as_itself() {
        let json = r#"{"debug": {"level": 2}}"#;
        assert_eq!(Vars::default().text(&escape(json)).unwrap(), json);
    }

    #[test]
    fn empty_placeholders_are_named() {
        let mut v = vars();
        v.set_text("none", "");
        v.set("no_dbs", Value::List(Vec::new()));
        assert_eq!(v.empty_in("x{version}/{none}{no_dbs}").unwrap(), ["none", "no_dbs"]);
        assert!(v.empty_in("{nope}").is_err());
    }
}
