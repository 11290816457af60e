//! Reading YAML (compose files, CI configurations) leniently: a value of an unexpected shape
//! is treated as absent, since these files are written for other tools.

use serde_norway::Value;

/// Parses one YAML document, with `<<: *anchor` merges applied.
pub fn parse(text: &str) -> Result<Value, String> {
    let mut value: Value = serde_norway::from_str(text).map_err(|e| e.to_string())?;
    value.apply_merge().map_err(|e| e.to_string())?;
    Ok(value)
}

/// A scalar as text: strings, numbers and booleans (`POSTGRES_DB: 1` is a name too).
pub fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The string-keyed entries of a mapping, in file order; nothing for anything else.
pub fn entries(value: &Value) -> impl Iterator<Item = (&str, &Value)> {
    value.as_mapping().into_iter().flat_map(|m| m.iter()).filter_map(|(k, v)| Some((k.as_str()?, v)))
}

/// The items of a sequence; a single value counts as a sequence of one.
pub fn items(value: &Value) -> Vec<&Value> {
    match value {
        Value::Sequence(items) => items.iter().collect(),
        Value::Null => Vec::new(),
        other => vec![other],
    }
}

/// Scripts as CI files write them: one string, or a list of strings.
pub fn script(value: &Value) -> String {
    items(value).into_iter().filter_map(text).collect::<Vec<_>>().join("\n")
}

/// Environment variables as a mapping (`KEY: value`, or GitLab's `KEY: { value: ..., description:
/// ... }`) or a list (`- KEY=value`).
pub fn env(value: &Value) -> Vec<(String, String)> {
    match value {
        Value::Mapping(_) => entries(value)
            .map(|(k, v)| (k.to_string(), text(v.get("value").unwrap_or(v)).unwrap_or_default()))
            .collect(),
        Value::Sequence(items) => items
            .iter()
            .filter_map(Value::as_str)
            .map(|item| match item.split_once('=') {
                Some((k, v)) => (k.to_string(), v.to_string()),
                None => (item.to_string(), String::new()),
            })
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_forms() {
        let map = parse("A: x\nB: 1\nC:\n").unwrap();
        assert_eq!(env(&map), [("A".into(), "x".into()), ("B".into(), "1".into()), ("C".into(), "".into())]);
        let described = parse("A:\n  value: x\n  description: the mode\n").unwrap();
        assert_eq!(env(&described), [("A".into(), "x".into())]);
        let list = parse("- A=x\n- B\n").unwrap();
        assert_eq!(env(&list), [("A".into(), "x".into()), ("B".into(), "".into())]);
    }

    #[test]
    fn merges_and_scripts() {
        let v = parse("base: &b\n  x: 1\njob:\n  <<: *b\n  y: 2\n").unwrap();
        let mut job: Vec<_> = entries(v.get("job").unwrap()).map(|(k, _)| k).collect();
        job.sort();
        assert_eq!(job, ["x", "y"]);
        let s = parse("script:\n  - a\n  - b\n").unwrap();
        assert_eq!(script(s.get("script").unwrap()), "a\nb");
        assert!(parse("a: [").is_err());
    }
}
