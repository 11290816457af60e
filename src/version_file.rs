//! Reading a tool's version from the files projects already keep: `.python-version`, `.nvmrc`,
//! `.node-version`, `.ruby-version`, `.tool-versions`, `.mise.toml`, `rust-toolchain(.toml)`,
//! `go.mod`, `package.json` (`engines`, `packageManager`). The file's name decides how it is read.

use std::path::Path;

use crate::version::{Constraint, Syntax};

/// The version `file` names for a tool known by any of `names` (e.g. `["node", "nodejs"]`), as a
/// constraint string devup understands in `syntax` (the tool's: `package.json`'s `engines` are
/// npm ranges).
pub fn read(file: &Path, names: &[&str], syntax: Syntax) -> Result<String, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let base = file.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    let found = parse(base, &text, names)?;
    checked(base, &found, syntax)
}

/// What a file says, normalized (`normalize`) and checked in `syntax`.
fn checked(base: &str, found: &str, syntax: Syntax) -> Result<String, String> {
    let version = normalize(found);
    match Constraint::parse_as(syntax, &version) {
        Ok(_) => Ok(version),
        Err(_) if found.starts_with("lts/") => Err(format!(
            "{base} says `{found}`, which is not a version devup can use: it names a release line by a \
             name that only a lookup resolves; write its number instead (`lts/iron` is \"20\")"
        )),
        Err(e) => {
            Err(format!("{base} says `{found}`, which is not a version devup can use: not {} ({e})", syntax.what()))
        }
    }
}

/// Pure: the version text a file of this name holds for the tool.
pub fn parse(file_name: &str, text: &str, names: &[&str]) -> Result<String, String> {
    let missing = || format!("{file_name} names no version for {}", names.first().copied().unwrap_or("this tool"));
    match file_name {
        ".tool-versions" => text
            .lines()
            .map(|l| l.split('#').next().unwrap_or_default())
            .find_map(|l| {
                let mut words = l.split_whitespace();
                let tool = words.next()?;
                names.contains(&tool).then(|| words.next()).flatten().map(str::to_string)
            })
            .ok_or_else(missing),
        ".mise.toml" | "mise.toml" | ".rtx.toml" => {
            let table: toml::Table = toml::from_str(text).map_err(|e| format!("{file_name}: {}", e.message()))?;
            let tools = table.get("tools").and_then(toml::Value::as_table).ok_or_else(missing)?;
            let value = names.iter().find_map(|n| tools.get(*n)).ok_or_else(missing)?;
            match value {
                toml::Value::String(s) => Ok(s.clone()),
                toml::Value::Array(items) => {
                    items.first().and_then(toml::Value::as_str).map(str::to_string).ok_or_else(missing)
                }
                toml::Value::Table(t) => {
                    t.get("version").and_then(toml::Value::as_str).map(str::to_string).ok_or_else(missing)
                }
                _ => Err(missing()),
            }
        }
        "rust-toolchain.toml" => {
            let table: toml::Table = toml::from_str(text).map_err(|e| format!("{file_name}: {}", e.message()))?;
            table
                .get("toolchain")
                .and_then(|t| t.get("channel"))
                .and_then(toml::Value::as_str)
                .map(str::to_string)
                .ok_or_else(missing)
        }
        // go.mod's `go` line is the oldest Go that builds the module, not a pin.
        "go.mod" => text
            .lines()
            .find_map(|l| l.trim().strip_prefix("go ").map(|v| format!(">={}", v.trim())))
            .ok_or_else(missing),
        // `engines`, or the `packageManager` corepack reads (`yarn@4.1.0+sha512.abc`: that one).
        "package.json" => {
            let json: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("package.json: {e}"))?;
            let engines = names.iter().find_map(|n| json.get("engines")?.get(*n)?.as_str().map(str::to_string));
            let manager = || {
                let (name, version) = json.get("packageManager")?.as_str()?.split_once('@')?;
                let version = version.split('+').next().unwrap_or(version);
                names.contains(&name).then(|| version.to_string())
            };
            engines.or_else(manager).ok_or_else(missing)
        }
        // .python-version, .nvmrc, .node-version, .ruby-version, rust-toolchain, .java-version...
        _ => text
            .lines()
            .map(|l| l.split('#').next().unwrap_or_default().trim())
            .find(|l| !l.is_empty())
            .map(str::to_string)
            .ok_or_else(missing),
    }
}

/// Turns what such files say into a constraint: `v20.1.0` → `20.1.0`, `ruby-3.2.2` → `3.2.2`,
/// `stable` → `*`. Names of release lines that need a lookup (`lts/iron`) are left as they are,
/// for the check to refuse.
fn normalize(found: &str) -> String {
    let found = found.trim();
    if matches!(found, "stable" | "latest" | "system" | "node" | "*") {
        return "*".to_string();
    }
    let without_name = found
        .rsplit_once('-')
        .filter(|(name, _)| !name.is_empty() && name.chars().all(|c| c.is_ascii_alphabetic()))
        .map_or(found, |(_, v)| v);
    without_name.trim_start_matches('v').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(file: &str, text: &str, names: &[&str]) -> Option<String> {
        parse(file, text, names).ok().and_then(|v| checked(file, &v, Syntax::Devup).ok())
    }

    #[test]
    fn plain_files() {
        assert_eq!(version(".python-version", "3.11.7\n3.10.1\n", &["python"]).as_deref(), Some("3.11.7"));
        assert_eq!(version(".nvmrc", "v20.11.0\n", &["node"]).as_deref(), Some("20.11.0"));
        assert_eq!(version(".node-version", "# pinned\n18\n", &["node"]).as_deref(), Some("18"));
        assert_eq!(version(".ruby-version", "ruby-3.2.2\n", &["ruby"]).as_deref(), Some("3.2.2"));
        assert_eq!(version("rust-toolchain", "stable\n", &["rust"]).as_deref(), Some("*"));
        assert_eq!(version(".nvmrc", "lts/iron\n", &["node"]), None);
    }

    #[test]
    fn structured_files() {
        let tv = "nodejs 20.11.0\npython 3.12.1 3.11.7 # two\n";
        assert_eq!(version(".tool-versions", tv, &["python"]).as_deref(), Some("3.12.1"));
        assert_eq!(version(".tool-versions", tv, &["node", "nodejs"]).as_deref(), Some("20.11.0"));
        assert!(parse(".tool-versions", tv, &["ruby"]).unwrap_err().contains("names no version for ruby"));
        let mise = "[tools]\nnode = \"20\"\npython = [\"3.11\", \"3.10\"]\n";
        assert_eq!(version(".mise.toml", mise, &["python"]).as_deref(), Some("3.11"));
        assert_eq!(version(".mise.toml", mise, &["node"]).as_deref(), Some("20"));
        assert_eq!(
            version("rust-toolchain.toml", "[toolchain]\nchannel = \"1.75.0\"\n", &["rust"]).as_deref(),
            Some("1.75.0")
        );
        assert_eq!(version("go.mod", "module x\n\ngo 1.22.1\n\nrequire (\n)\n", &["go"]).as_deref(), Some(">=1.22.1"));
        let pkg = r#"{"name":"x","engines":{"node":">=18"}}"#;
        assert_eq!(version("package.json", pkg, &["node"]).as_deref(), Some(">=18"));
        let pkg = r#"{"packageManager":"yarn@4.16.0+sha512.0123abcd","engines":{"pnpm":">=9"}}"#;
        assert_eq!(version("package.json", pkg, &["yarn"]).as_deref(), Some("4.16.0"), "corepack's field");
        assert_eq!(version("package.json", pkg, &["pnpm"]).as_deref(), Some(">=9"), "engines first");
        assert!(parse("package.json", pkg, &["node"]).is_err(), "another manager's version is not node's");
    }

    #[test]
    fn a_files_version_is_read_in_the_tools_syntax() {
        let pkg = r#"{"name":"x","engines":{"node":">=18 <21"}}"#;
        let found = parse("package.json", pkg, &["node"]).unwrap();
        assert_eq!(checked("package.json", &found, Syntax::Npm).unwrap(), ">=18 <21");
        let err = checked("package.json", &found, Syntax::Devup).unwrap_err();
        assert!(err.contains("not a version devup can use: not a version constraint"), "{err}");
        let err = checked("package.json", ">=banana", Syntax::Npm).unwrap_err();
        assert!(err.contains("not an npm version range"), "{err}");
        let err = checked(".nvmrc", "lts/iron", Syntax::Npm).unwrap_err();
        assert!(err.contains("only a lookup resolves"), "{err}");
        assert_eq!(checked(".python-version", "3.12", Syntax::Pep440).unwrap(), "3.12");
        assert_eq!(checked(".ruby-version", "ruby-3.2.2", Syntax::Gem).unwrap(), "3.2.2");
    }
}
