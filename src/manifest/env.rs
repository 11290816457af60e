//! `[env]` tables (the project's and a `[[step]]`'s): names that are variable names, values
//! that are templates. A value may name what the project's entries export
//! (`{datastores.postgres.url}`); whether a name exists is known once recipes are expanded
//! (`expand/env.rs`), but a brace that is no placeholder is refused here, at its column.

use std::ops::Range;

use super::raw::Map;
use super::{check_no_nul, sorted_by_position};
use crate::diagnostic::Source;
use crate::error::Result;
use crate::recipe::template;

/// One variable: `DATABASE_URL = "{datastores.postgres.url}"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvVar {
    pub name: String,
    /// The value as written: a template (`{{` and `}}` for literal braces).
    pub value: String,
    /// Where the value is written, quotes included.
    pub span: Range<usize>,
}

impl EnvVar {
    /// Where the part `at` of the value (byte offsets in the value) is in the file: exactly when
    /// the string is written as it reads (no escapes), else where it is found, else the whole
    /// value.
    pub fn span_of(&self, source: &Source, at: Range<usize>) -> Range<usize> {
        let Some(raw) = source.text.get(self.span.clone()) else {
            return self.span.clone();
        };
        let quote = ["\"\"\"", "'''", "\"", "'"].into_iter().find(|q| raw.starts_with(q) && raw.ends_with(q));
        if let Some(q) = quote
            && raw.len() >= 2 * q.len()
        {
            let inner = &raw[q.len()..raw.len() - q.len()];
            // A multi-line string drops the newline right after its opening quotes.
            let skipped = if q.len() == 3 { inner.len() - inner.trim_start_matches(['\r', '\n']).len() } else { 0 };
            if inner[skipped..] == self.value {
                let start = self.span.start + q.len() + skipped;
                return start + at.start..start + at.end;
            }
        }
        let part = self.value.get(at).unwrap_or_default();
        match raw.match_indices(part).map(|(i, _)| i).collect::<Vec<_>>()[..] {
            [i] if !part.is_empty() => self.span.start + i..self.span.start + i + part.len(),
            _ => self.span.clone(),
        }
    }
}

/// Names must be valid variable names; values strings (templates), numbers or booleans.
pub(super) fn table(source: &Source, map: Map<toml::Value>) -> Result<Vec<EnvVar>> {
    let mut vars = Vec::new();
    for (key, value) in sorted_by_position(map) {
        let name = key.get_ref();
        let valid = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err(source
                .error(key.span(), format!("`{name}` is not a valid environment variable name"))
                .with_hint("use letters, digits and `_`, not starting with a digit")
                .into());
        }
        let span = value.span();
        let text = match value.get_ref() {
            toml::Value::String(s) => {
                check_no_nul(source, s, span.clone(), "an environment variable")?;
                s.clone()
            }
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            other => {
                return Err(source
                    .error(span, format!("expected a string, found {}", other.type_str()))
                    .with_hint(format!("write {name} = \"...\""))
                    .into());
            }
        };
        let var = EnvVar { name: key.into_inner(), value: text, span };
        if let Err(e) = template::placeholders_at(&var.value) {
            return Err(source
                .error(var.span_of(source, e.at), format!("`{}`: {}", var.name, e.message))
                .with_hint(
                    "a value may name what a datastore exports, such as `{datastores.postgres.url}`; for literal braces, such as a JSON value, write `{{` and `}}`",
                )
                .into());
        }
        vars.push(var);
    }
    Ok(vars)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn var(source: &Source, name: &str) -> EnvVar {
        let raw: super::super::raw::RawManifest = toml::from_str(&source.text).unwrap();
        table(source, raw.env).unwrap().into_iter().find(|v| v.name == name).unwrap()
    }

    #[test]
    fn a_part_of_a_value_is_found_in_the_file() {
        let text = "[env]\nA = \"x {b} y\"\nB = 'lit {b}'\nC = \"\\u0041 {b}\"\nD = \"\"\"\n{b}\"\"\"\n";
        let source = Source::new("devup.toml", text);
        for (name, line_text) in [("A", "A = \"x {b} y\""), ("B", "B = 'lit {b}'"), ("C", "C = \"\\u0041 {b}\"")] {
            let v = var(&source, name);
            let at = v.value.find("{b}").unwrap();
            let span = v.span_of(&source, at..at + 3);
            assert_eq!(&text[span.clone()], "{b}", "{name}");
            let line_start = text.find(line_text).unwrap();
            assert!(span.start > line_start, "{name}");
        }
        let d = var(&source, "D");
        assert_eq!(&text[d.span_of(&source, 0..3)], "{b}");
    }

    #[test]
    fn odd_strings_point_somewhere_without_panicking() {
        for text in [
            "[env]\nA = \"\"\"\n\n{x\"\"\"\n",
            "[env]\nA = '''\r\n}'''\n",
            "[env]\nA = \"é\\u00e9{\"\n",
            "[env]\nA = \"\\u007B\"\n",
            "[env]\nA = \"{a b}{a b}\"\n",
        ] {
            let source = Source::new("devup.toml", text);
            let raw: super::super::raw::RawManifest = toml::from_str(&source.text).unwrap();
            let Err(crate::error::Error::Input(d)) = table(&source, raw.env) else { panic!("accepted {text:?}") };
            assert!(d.location.as_ref().unwrap().line >= 2, "{text:?}: {d}");
            assert!(d.to_string().contains('^'), "{text:?}: {d}");
        }
    }

    #[test]
    fn a_brace_that_is_no_placeholder_is_refused_at_its_column() {
        let source = Source::new("devup.toml", "[env]\nCONFIG = '{\"debug\": true}'\n");
        let raw: super::super::raw::RawManifest = toml::from_str(&source.text).unwrap();
        let Err(crate::error::Error::Input(d)) = table(&source, raw.env) else { panic!("accepted") };
        let loc = d.location.clone().unwrap();
        assert_eq!((loc.line, loc.column), (2, 11));
        assert!(d.message.contains("is not a placeholder name"), "{}", d.message);
        assert!(d.hint.unwrap().contains("write `{{` and `}}`"));
    }
}
