//! A TOML or serde error as a diagnostic that says how to fix it: "did you mean" for unknown
//! keys and names, and a hint for each kind of syntax or type mistake. Used for devup.toml
//! and for recipes alike, so hints name no file.

use crate::diagnostic::{Diagnostic, Source};

pub fn toml_error(source: &Source, error: &toml::de::Error) -> Diagnostic {
    let span = error.span().unwrap_or(0..0);
    let found = source.text.get(span.clone()).unwrap_or("").trim();
    let message = reword(error.message().trim(), found);
    let diagnostic = source.error(span, message.clone());
    if let Some((given, expected)) = parse_one_of(&message) {
        let diagnostic = diagnostic.suggest(&given, expected.iter().map(String::as_str));
        if diagnostic.hint.is_some() {
            return diagnostic;
        }
        return diagnostic.with_hint(format!("expected one of: {}", expected.join(", ")));
    }
    let hint = hint(&message, found);
    diagnostic.with_hint(hint)
}

/// Messages whose wording would mislead: toml hands a datetime to serde as a map, and an
/// integer past 64 bits as an `i128` nothing accepts.
fn reword(message: &str, found: &str) -> String {
    if let Some(rest) = message.strip_prefix("invalid type: map,")
        && found.starts_with(|c: char| c.is_ascii_digit())
    {
        return format!("invalid type: datetime,{rest}");
    }
    if message.contains(" as i128,") {
        return format!("the integer `{found}` is too large");
    }
    message.to_string()
}

/// serde's stable wording: "unknown field `x`, expected one of `a`, `b`" / "expected `a`",
/// and the same for enum variants.
fn parse_one_of(message: &str) -> Option<(String, Vec<String>)> {
    let rest = message.strip_prefix("unknown field `").or_else(|| message.strip_prefix("unknown variant `"))?;
    let (given, rest) = rest.split_once('`')?;
    let expected = rest.split('`').skip(1).step_by(2).map(str::to_string).collect();
    Some((given.to_string(), expected))
}

fn hint(message: &str, found: &str) -> String {
    if let Some(field) = message.strip_prefix("missing field `").and_then(|rest| rest.split('`').next()) {
        return format!("add `{field} = ...` to this table");
    }
    if message.starts_with("duplicate key") {
        return match found {
            "" => "this key is already set in the same table; keep one".to_string(),
            key => format!("`{key}` is already set in the same table; keep one"),
        };
    }
    if message.starts_with("invalid type:")
        || message.starts_with("invalid length")
        || message.starts_with("invalid value:")
    {
        let expected = message.split_once(", expected ").map_or("", |(_, e)| e);
        return type_hint(expected);
    }
    // "string values must be quoted, expected literal string": what is wrong comes first, and
    // decides the hint before what the parser expected does.
    let head = message.split(", expected").next().unwrap_or(message);
    SYNTAX_HINTS
        .iter()
        .find(|(pattern, _)| head.contains(pattern))
        .or_else(|| SYNTAX_HINTS.iter().find(|(pattern, _)| message.contains(pattern)))
        .map_or("this is not valid TOML (https://toml.io); check this line", |(_, hint)| hint)
        .to_string()
}

fn type_hint(expected: &str) -> String {
    let hint = if expected.contains("`check`") {
        "write each step as a `[[step]]` table with `name`, `check` and `apply` below it"
    } else if expected.starts_with("a string") {
        "put the value in quotes: \"...\""
    } else if expected.starts_with("a sequence") {
        "write a list in brackets: [\"a\", \"b\"]"
    } else if expected.starts_with("a map") || expected.starts_with("a table") {
        "write a table: a `[name]` header with `key = value` lines below it, or `{ key = value }`"
    } else if expected.starts_with("a version") {
        "write the version in quotes, such as \"3.11\", or a table such as { version = \"3.11\" }"
    } else if expected.starts_with("a boolean") {
        "write `true` or `false`"
    } else if expected.is_empty() {
        "change the value to one of the expected type"
    } else {
        return format!("write {expected} here");
    };
    hint.to_string()
}

const ESCAPES: &str = "valid escapes are \\b \\t \\n \\f \\r \\e \\\" \\\\ \\xHH \\uHHHH and \\UHHHHHHHH; \
                       write `\\\\` for a backslash, or use 'single quotes', where `\\` is plain text";
const DATES: &str = "write dates as 1979-05-27 and times as 07:32:00; put the value in quotes to make it text";
const KEYS: &str = "bare keys hold letters, digits, `-` and `_`; quote any other key: \"my key\" = ...";
const NUMBERS: &str = "write a plain number such as 42 or 3.5, or put the value in quotes to make it text";
const LINES: &str = "put each `key = value` and each `[table]` header on its own line";

/// Syntax errors by a word of their message, most specific first.
const SYNTAX_HINTS: &[(&str, &str)] = &[
    ("recursion", "nesting this deep is not supported; no devup file needs more than a few levels"),
    ("multi-line basic string", "close the string with `\"\"\"`"),
    ("multi-line literal string", "close the string with `'''`"),
    ("escape", ESCAPES),
    ("unicode", ESCAPES),
    (
        "basic string",
        "close the string with `\"` on the same line (`\"\"\"` for several lines); write control characters as escapes such as `\\t`",
    ),
    ("literal string", "close the string with `'` on the same line (`'''` for several lines)"),
    ("unclosed array table", "close the header with `]]`"),
    ("unclosed table", "close the header with `]`"),
    ("unclosed array", "close the list with `]`"),
    ("unclosed inline table", "close the inline table with `}`"),
    ("date", DATES),
    ("time", DATES),
    ("offset", DATES),
    ("unexpected key or value", LINES),
    (
        "cannot extend",
        "this key already holds a value; give all its settings in one place, e.g. name = { key = value }",
    ),
    ("key with no value", "write `key = value`; quote a key that holds spaces: \"my key\" = ..."),
    ("key", KEYS),
    ("string values must be quoted", "put text in quotes: key = \"text\""),
    ("boolean", "write `true` or `false` in lowercase, or put the value in quotes to make it text"),
    ("comma", "separate the items with a single `,`"),
    ("carriage return", "save the file with LF or CRLF line endings"),
    ("comment", "start a comment with `#`; it runs to the end of the line"),
    ("number", NUMBERS),
    ("digits", NUMBERS),
    ("integer", NUMBERS),
    ("float", NUMBERS),
    ("radix", NUMBERS),
    ("zero", NUMBERS),
    ("mantissa", NUMBERS),
    ("fraction", NUMBERS),
    ("exponent", NUMBERS),
    ("sign", NUMBERS),
    ("missing value", "write a value after `=`"),
    ("=", LINES),
    ("assignment", LINES),
    ("newline", LINES),
];
