//! A user-facing error about some input: what is wrong, where, and how to fix it.
//!
//! Every problem with `devup.toml`, a recipe or the command line becomes a `Diagnostic`, so they
//! all render the same way:
//!
//! ```text
//! error: unknown recipe `pyhton` in [languages]
//!   --> devup.toml:4:1
//!    |
//!  4 | pyhton = "3.11"
//!    | ^^^^^^
//!   hint: did you mean `python`?
//! ```

use std::fmt;
use std::ops::Range;

/// A text file that diagnostics can point into.
#[derive(Debug, Clone)]
pub struct Source {
    /// How the file is named to the user (relative to the project where possible).
    pub name: String,
    pub text: String,
}

/// A position in a source, 1-based like every editor.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Location {
    pub file: String,
    pub line: usize,
    pub column: usize,
}

#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub message: String,
    pub location: Option<Location>,
    /// The source line and the span's columns on it, for the caret underline.
    snippet: Option<(String, Range<usize>)>,
    pub hint: Option<String>,
}

impl Source {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        Source {
            name: name.into(),
            text: text.into(),
        }
    }

    /// A diagnostic pointing at `span` (byte offsets) in this source.
    pub fn error(&self, span: Range<usize>, message: impl Into<String>) -> Diagnostic {
        let start = floor_char_boundary(&self.text, span.start.min(self.text.len()));
        let line_start = self.text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = self.text[start..]
            .find('\n')
            .map_or(self.text.len(), |i| start + i);
        let line_text = self.text[line_start..line_end].trim_end_matches('\r');
        let line = self.text[..start].matches('\n').count() + 1;
        let column = self.text[line_start..start].chars().count() + 1;
        let end = span.end.clamp(start, line_start + line_text.len());
        let underline_start = column - 1;
        let underline_len = self.text[start..floor_char_boundary(&self.text, end)]
            .chars()
            .count()
            .max(1);
        Diagnostic {
            message: message.into(),
            location: Some(Location {
                file: self.name.clone(),
                line,
                column,
            }),
            snippet: Some((
                line_text.to_string(),
                underline_start..underline_start + underline_len,
            )),
            hint: None,
        }
    }
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

impl Diagnostic {
    /// A diagnostic about a whole file or no file at all.
    pub fn new(message: impl Into<String>) -> Self {
        Diagnostic {
            message: message.into(),
            location: None,
            snippet: None,
            hint: None,
        }
    }

    /// A diagnostic naming a file but no position in it.
    pub fn in_file(file: impl Into<String>, message: impl Into<String>) -> Self {
        let location = Location {
            file: file.into(),
            line: 1,
            column: 1,
        };
        Diagnostic {
            location: Some(location),
            ..Diagnostic::new(message)
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Adds "did you mean" when a known name is close to the one given.
    pub fn suggest<'a>(self, given: &str, known: impl IntoIterator<Item = &'a str>) -> Self {
        match closest(given, known) {
            Some(name) => self.with_hint(format!("did you mean `{name}`?")),
            None => self,
        }
    }
}

/// The known name closest to `given`, when it is close enough to be a likely typo.
pub fn closest<'a>(given: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    known
        .into_iter()
        .map(|name| (strsim::jaro_winkler(given, name), name))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, name)| name)
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message)?;
        if let Some(loc) = &self.location {
            write!(f, "\n  --> {}:{}:{}", loc.file, loc.line, loc.column)?;
            if let (Some((text, cols)), line) = (&self.snippet, loc.line) {
                let gutter = " ".repeat(line.to_string().len());
                let pad = " ".repeat(cols.start);
                let carets = "^".repeat(cols.len());
                write!(
                    f,
                    "\n {gutter} |\n {line} | {text}\n {gutter} | {pad}{carets}"
                )?;
            }
        }
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_at_line_and_column() {
        let source = Source::new("devup.toml", "[languages]\npyhton = \"3.11\"\n");
        let d = source
            .error(12..18, "unknown recipe `pyhton`")
            .suggest("pyhton", ["python", "node"]);
        assert_eq!(
            d.location,
            Some(Location {
                file: "devup.toml".into(),
                line: 2,
                column: 1
            })
        );
        assert_eq!(
            d.to_string(),
            "unknown recipe `pyhton`\n  --> devup.toml:2:1\n   |\n 2 | pyhton = \"3.11\"\n   | ^^^^^^\n  hint: did you mean `python`?"
        );
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let source = Source::new("f", "name = \"é\" x");
        let d = source.error(12..13, "bad");
        assert_eq!(d.location.unwrap().column, 12);
    }

    #[test]
    fn spans_past_the_end_do_not_panic() {
        let source = Source::new("f", "a = é");
        let d = source.error(5..500, "bad");
        assert_eq!(d.location.unwrap().line, 1);
    }

    #[test]
    fn no_suggestion_for_unrelated_names() {
        assert_eq!(closest("zzz", ["python", "node"]), None);
        assert_eq!(closest("nod", ["python", "node"]), Some("node"));
    }
}
