//! Version managers' tool lists: asdf's `.tool-versions` and mise's `.mise.toml` / `mise.toml`.
//! Each tool becomes a language with `{ from = FILE }`, so devup and the version manager read
//! the same line; tools devup has no recipe for are mentioned in a comment.

use super::hints::{Hints, Rank, Version};
use super::repo::Repo;

const MISE_FILES: &[&str] = &[".mise.toml", "mise.toml"];

/// Pure: `(tool, version)` for each line of a `.tool-versions`.
pub fn parse_tool_versions(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|line| {
            let line = line.split('#').next().unwrap_or_default();
            let mut words = line.split_whitespace();
            Some((words.next()?.to_string(), words.next()?.to_string()))
        })
        .collect()
}

/// Pure: `(tool, version)` for each entry of a mise file's `[tools]`. Tools of a backend
/// (`npm:prettier`, `cargo:ripgrep`) are left out: they are no language.
pub fn parse_mise(text: &str) -> Result<Vec<(String, String)>, String> {
    let table: toml::Table = toml::from_str(text).map_err(|e| e.message().to_string())?;
    let Some(tools) = table.get("tools").and_then(toml::Value::as_table) else {
        return Ok(Vec::new());
    };
    Ok(tools
        .iter()
        .filter(|(tool, _)| !tool.contains(':'))
        .filter_map(|(tool, value)| {
            let version = match value {
                toml::Value::String(s) => s.clone(),
                toml::Value::Array(items) => items.first()?.as_str()?.to_string(),
                toml::Value::Table(t) => t.get("version")?.as_str()?.to_string(),
                _ => return None,
            };
            Some((tool.clone(), version))
        })
        .collect())
}

pub fn detect(repo: &Repo, hints: &mut Hints) {
    let mut found: Vec<(&str, Vec<(String, String)>)> = Vec::new();
    if repo.has(".tool-versions")
        && let Some(text) = repo.read(".tool-versions")
    {
        found.push((".tool-versions", parse_tool_versions(&text)));
    }
    for file in MISE_FILES.iter().copied().filter(|f| repo.has(f)) {
        if let Some(text) = repo.read(file) {
            match parse_mise(&text) {
                Ok(tools) => found.push((file, tools)),
                Err(e) => hints.problem(file, e),
            }
        }
    }
    for (file, tools) in found {
        for (tool, version) in tools {
            let from = Some(Version::From(file.to_string()));
            hints.language(&tool, file, from, Some(version), Rank::ToolManager);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_versions() {
        let text = "nodejs 20.11.0\npython 3.12.1 3.11.7 # two\n\n# comment\nterraform 1.6.0\n";
        assert_eq!(
            parse_tool_versions(text),
            [
                ("nodejs".to_string(), "20.11.0".to_string()),
                ("python".to_string(), "3.12.1".to_string()),
                ("terraform".to_string(), "1.6.0".to_string()),
            ]
        );
    }

    #[test]
    fn mise() {
        let text = "[env]\nX = \"1\"\n[tools]\nnode = \"20\"\npython = [\"3.11\", \"3.10\"]\ngo = { version = \"1.22\" }\n\"npm:prettier\" = \"3\"\n";
        assert_eq!(
            parse_mise(text).unwrap(),
            [
                ("go".to_string(), "1.22".to_string()),
                ("node".to_string(), "20".to_string()),
                ("python".to_string(), "3.11".to_string()),
            ]
        );
        assert!(parse_mise("[env]\n").unwrap().is_empty());
        assert!(parse_mise("[tools").is_err());
    }
}
