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
        Source { name: name.into(), text: text.into() }
    }

    /// A file's bytes as a source; bytes that are not UTF-8 are an error at the first of them.
    pub fn from_bytes(name: impl Into<String>, bytes: Vec<u8>) -> Result<Self, Diagnostic> {
        let name = name.into();
        match String::from_utf8(bytes) {
            Ok(text) => Ok(Source { name, text }),
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                let source = Source::new(name, String::from_utf8_lossy(e.as_bytes()).into_owned());
                Err(source.error(at..at + 1, "the file is not valid UTF-8").with_hint("save it as UTF-8 text"))
            }
        }
    }

    /// A diagnostic pointing at `span` (byte offsets) in this source.
    pub fn error(&self, span: Range<usize>, message: impl Into<String>) -> Diagnostic {
        let text = self.text.as_str();
        let start = floor_char_boundary(text, span.start.min(text.len()));
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        // The span may start on the `\r` of a `\r\n`, past the shown text: clamp to the line's
        // real end, never to the trimmed text's.
        let line_text = text[line_start..line_end].trim_end_matches('\r');
        let line = text[..start].matches('\n').count() + 1;
        let column = text[line_start..start].chars().count() + 1;
        let end = floor_char_boundary(text, span.end.clamp(start, line_end));
        let underline_len = text[start..end].chars().count().max(1);
        let (shown, carets) = snippet(line_text, column - 1, underline_len);
        Diagnostic {
            message: message.into(),
            location: Some(Location { file: self.name.clone(), line, column }),
            snippet: Some((shown, carets)),
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

/// Longer source lines are shown as a window around the span.
const SNIPPET_WIDTH: usize = 100;

/// The source line as it is safe to print, one shown character per source character so the
/// carets stay aligned: tabs become spaces, and control or invisible characters (a terminal
/// escape, a right-to-left override) become `\u{fffd}`. A long line is cut to a window around
/// the span, marked with `…`.
fn snippet(line: &str, start: usize, len: usize) -> (String, Range<usize>) {
    let chars: Vec<char> = line
        .chars()
        .map(|c| match c {
            '\t' => ' ',
            c if is_unsafe(c) => '\u{fffd}',
            c => c,
        })
        .collect();
    if chars.len() <= SNIPPET_WIDTH {
        return (chars.into_iter().collect(), start..start + len);
    }
    let from = start.saturating_sub(SNIPPET_WIDTH / 4).min(chars.len());
    let to = (from + SNIPPET_WIDTH).min(chars.len());
    let mut shown = String::new();
    let mut offset = 0;
    if from > 0 {
        shown.push('…');
        offset = 1;
    }
    shown.extend(&chars[from..to]);
    if to < chars.len() {
        shown.push('…');
    }
    let caret_start = start - from + offset;
    let caret_len = len.min((to + 1).saturating_sub(start)).max(1);
    (shown, caret_start..caret_start + caret_len)
}

/// Characters that must not reach a terminal as they are: controls (a message keeps its
/// newlines) and invisible formatting that can reorder or hide text. Also what a command
/// shown for review must not hold (a `\r` or an escape sequence could hide what it runs).
pub fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}')
}

/// `text` with every unsafe character written as an escape, e.g. `\u{1b}`.
fn escape_unsafe(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return text.into();
    }
    text.chars()
        .map(|c| if is_unsafe(c) { c.escape_default().to_string() } else { c.to_string() })
        .collect::<String>()
        .into()
}

impl Diagnostic {
    /// A diagnostic about a whole file or no file at all.
    pub fn new(message: impl Into<String>) -> Self {
        Diagnostic { message: message.into(), location: None, snippet: None, hint: None }
    }

    /// A diagnostic naming a file but no position in it.
    pub fn in_file(file: impl Into<String>, message: impl Into<String>) -> Self {
        let location = Location { file: file.into(), line: 1, column: 1 };
        Diagnostic { location: Some(location), ..Diagnostic::new(message) }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Adds a hint unless there is one already (a "did you mean" is the better hint).
    pub fn or_hint(self, hint: impl Into<String>) -> Self {
        if self.hint.is_some() { self } else { self.with_hint(hint) }
    }

    /// Adds "did you mean" when a known name is close to the one given.
    pub fn suggest<'a>(self, given: &str, known: impl IntoIterator<Item = &'a str>) -> Self {
        match closest(given, known) {
            Some(name) => self.with_hint(format!("did you mean `{name}`?")),
            None => self,
        }
    }
}

/// The known name closest to `given`, when it is close enough to be a likely typo: similar by
/// Jaro-Winkler (good for longer names), or one edit away, a swap of two neighbours included
/// (Jaro-Winkler misses `atp` for `apt`).
pub fn closest<'a>(given: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    known
        .into_iter()
        .map(|name| {
            let one_edit = given.len() >= 3 && strsim::osa_distance(given, name) == 1;
            let score = strsim::jaro_winkler(given, name).max(if one_edit { 0.85 } else { 0.0 });
            (score, name)
        })
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, name)| name)
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", escape_unsafe(&self.message))?;
        if let Some(loc) = &self.location {
            let file = escape_unsafe(&loc.file);
            write!(f, "\n  --> {file}:{}:{}", loc.line, loc.column)?;
            if let (Some((text, cols)), line) = (&self.snippet, loc.line) {
                let gutter = " ".repeat(line.to_string().len());
                let pad = " ".repeat(cols.start);
                let carets = "^".repeat(cols.len());
                write!(f, "\n {gutter} |\n {line} | {text}\n {gutter} | {pad}{carets}")?;
            }
        }
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {}", escape_unsafe(hint))?;
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
        let d = source.error(12..18, "unknown recipe `pyhton`").suggest("pyhton", ["python", "node"]);
        assert_eq!(d.location, Some(Location { file: "devup.toml".into(), line: 2, column: 1 }));
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
    fn a_span_on_a_carriage_return_does_not_panic() {
        // Found by fuzzing: the `\r` is cut from the shown line, the span is not.
        for text in ["x = 1\r", "a = 1\r\n\r", "x\r\r\r"] {
            let at = text.rfind('\r').unwrap();
            let d = Source::new("f", text).error(at..at + 1, "bad");
            assert!(d.to_string().contains("^"), "{text:?}");
        }
    }

    #[test]
    fn control_and_invisible_characters_never_reach_the_terminal() {
        let source = Source::new("f\u{1b}", "name = \"a\u{1b}[2J\u{202e}b\"\tx");
        let d = source.error(8..9, "bad `\u{1b}]0;title\u{7}`").with_hint("not `\u{9b}`");
        let shown = d.to_string();
        assert!(!shown.chars().any(is_unsafe), "{shown:?}");
        assert!(shown.contains("bad `\\u{1b}]0;title\\u{7}`"), "{shown}");
        assert!(shown.contains(" 1 | name = \"a\u{fffd}[2J\u{fffd}b\" x\n"), "{shown}");
    }

    #[test]
    fn long_lines_are_cut_around_the_span() {
        let text = format!("x = {}\"", "[".repeat(10_000));
        let d = Source::new("f", text).error(5000..5001, "deep");
        let shown = d.to_string();
        assert!(shown.len() < 600, "{shown}");
        let lines: Vec<&str> = shown.lines().collect();
        let code = lines[3].find('…').unwrap();
        let caret = lines[4].find('^').unwrap();
        // The caret sits under the character the span starts at.
        let under: String = lines[3][code..].chars().skip(caret - code - 1).take(1).collect();
        assert_eq!(under, "[", "{shown}");
        assert_eq!(d.location.unwrap().column, 5001);
    }

    #[test]
    fn no_suggestion_for_unrelated_names() {
        assert_eq!(closest("zzz", ["python", "node"]), None);
        assert_eq!(closest("nod", ["python", "node"]), Some("node"));
    }
}
