//! The language versions a GitHub Actions job installs before it runs the tests:
//! `actions/setup-node` with `node-version: 22.x`, `actions/setup-python` with
//! `python-version: ${{ matrix.python }}` over `["3.10", "3.12"]`. What CI tests on is what the
//! suite is known to pass with, which a stale `.nvmrc` may no longer be.

use serde_norway::Value;

use super::yaml;

/// The setup actions devup reads: the action, its version input, the language.
const SETUP_ACTIONS: &[(&str, &str, &str)] = &[
    ("actions/setup-node", "node-version", "node"),
    ("actions/setup-python", "python-version", "python"),
    ("actions/setup-go", "go-version", "go"),
    ("ruby/setup-ruby", "ruby-version", "ruby"),
    ("actions/setup-java", "java-version", "java"),
];

/// One language a job sets up, with the versions it sets up (several over a matrix).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setup {
    pub tool: &'static str,
    /// Release lines or versions as CI names them, without `v` or `.x`: `22`, `3.12`.
    pub versions: Vec<String>,
    /// As the workflow writes it, for comments: `22.x`, or `18, 20 (its matrix)`.
    pub said: String,
}

/// Pure: what the `steps` of a job set up, its `${{ matrix.NAME }}` values resolved from
/// `matrix`. A value devup cannot read as a version (`lts/*`, `pypy3.10`, `3.13-dev`) is
/// left out; a step setting up from a file (`node-version-file: .nvmrc`) is the file's
/// detector's.
pub fn setups(steps: &[&Value], matrix: Option<&Value>) -> Vec<Setup> {
    let mut found: Vec<Setup> = Vec::new();
    for step in steps {
        let Some(uses) = step.get("uses").and_then(Value::as_str) else { continue };
        let action = uses.split('@').next().unwrap_or_default();
        let Some((_, input, tool)) = SETUP_ACTIONS.iter().find(|(a, _, _)| *a == action) else { continue };
        let Some(value) = step.get("with").and_then(|w| w.get(input)) else { continue };
        // A list, or several lines of one text (setup-python's way).
        let written: Vec<String> = yaml::items(value)
            .into_iter()
            .filter_map(yaml::text)
            .flat_map(|t| t.lines().map(|l| l.trim().to_string()).collect::<Vec<_>>())
            .filter(|l| !l.is_empty())
            .collect();
        let mut versions = Vec::new();
        for text in &written {
            for resolved in resolve(text, matrix) {
                if let Some(v) = release(&resolved)
                    && !versions.contains(&v)
                {
                    versions.push(v);
                }
            }
        }
        if versions.is_empty() {
            continue;
        }
        let said = if written.iter().any(|w| w.contains("${{")) {
            format!("{} (its matrix)", versions.join(", "))
        } else {
            written.join(", ")
        };
        add(&mut found, Setup { tool, versions, said });
    }
    found
}

/// Adds a language's setup to a list: to the versions already there for the language, or as
/// its own.
pub fn add(list: &mut Vec<Setup>, setup: Setup) {
    match list.iter_mut().find(|s| s.tool == setup.tool) {
        Some(known) => {
            for v in setup.versions {
                if !known.versions.contains(&v) {
                    known.versions.push(v);
                }
            }
        }
        None => list.push(setup),
    }
}

/// `${{ matrix.node }}` → the matrix's values of `node`; any other text is itself.
pub fn resolve(text: &str, matrix: Option<&Value>) -> Vec<String> {
    let Some(name) = text
        .trim()
        .strip_prefix("${{")
        .and_then(|t| t.strip_suffix("}}"))
        .and_then(|t| t.trim().strip_prefix("matrix."))
    else {
        return vec![text.to_string()];
    };
    matrix.map(|m| matrix_values(m, name)).unwrap_or_default()
}

/// A matrix's values of `name`: its list, and its `include` entries' (`include: [{ pg: 16 }]`).
pub fn matrix_values(matrix: &Value, name: &str) -> Vec<String> {
    let mut values: Vec<String> =
        matrix.get(name).map(yaml::items).unwrap_or_default().into_iter().filter_map(yaml::text).collect();
    for include in matrix.get("include").map(yaml::items).unwrap_or_default() {
        if let Some(v) = include.get(name).and_then(yaml::text)
            && !values.contains(&v)
        {
            values.push(v);
        }
    }
    values
}

/// Pure: a version as a setup action takes it, as a bare release: `22.x` → `22`, `v20.11.0` →
/// `20.11.0`, `3.12` → `3.12`; `None` for an alias or another implementation (`lts/*`,
/// `latest`, `pypy3.10`, `3.13-dev`).
pub fn release(text: &str) -> Option<String> {
    let text = text.trim();
    let text = text.strip_prefix('v').unwrap_or(text);
    let mut parts: Vec<&str> = text.split('.').collect();
    while parts.len() > 1 && matches!(parts.last(), Some(&("x" | "X" | "*"))) {
        parts.pop();
    }
    let numeric = parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    numeric.then(|| parts.join("."))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(text: &str) -> Vec<Setup> {
        let doc = yaml::parse(text).unwrap();
        let steps = doc.get("steps").map(yaml::items).unwrap_or_default();
        setups(&steps, doc.get("strategy").and_then(|s| s.get("matrix")))
    }

    #[test]
    fn versions_from_the_step_and_from_the_matrix() {
        let setups = job(r#"
strategy:
  matrix:
    node: [18.x, "20.x"]
    python: ["3.10", "3.12"]
    include:
      - node: 22.x
steps:
  - uses: actions/checkout@v4
  - uses: actions/setup-node@v4
    with:
      node-version: ${{ matrix.node }}
  - uses: actions/setup-python@v5
    with:
      python-version: ${{ matrix.python }}
  - uses: actions/setup-go@v5
    with:
      go-version-file: go.mod
"#);
        assert_eq!(setups.len(), 2, "{setups:?}");
        assert_eq!(setups[0].tool, "node");
        assert_eq!(setups[0].versions, ["18", "20", "22"]);
        assert_eq!(setups[0].said, "18, 20, 22 (its matrix)");
        assert_eq!(setups[1].versions, ["3.10", "3.12"]);
    }

    #[test]
    fn aliases_and_other_implementations_are_left_out() {
        let setups = job(r#"
steps:
  - uses: actions/setup-node@v4
    with:
      node-version: lts/*
  - uses: actions/setup-python@v5
    with:
      python-version: |
        pypy3.10
        3.11
"#);
        assert_eq!(setups, [Setup { tool: "python", versions: vec!["3.11".into()], said: "pypy3.10, 3.11".into() }]);
    }

    #[test]
    fn releases() {
        assert_eq!(release("22.x").as_deref(), Some("22"));
        assert_eq!(release("v20.11.0").as_deref(), Some("20.11.0"));
        assert_eq!(release("3.12").as_deref(), Some("3.12"));
        assert_eq!(release("3.x").as_deref(), Some("3"));
        assert_eq!(release("lts/*"), None);
        assert_eq!(release("3.13-dev"), None);
        assert_eq!(release("latest"), None);
        assert_eq!(release("x"), None);
    }
}
