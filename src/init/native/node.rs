//! Node.js's dependency lists: `package.json` (`dependencies`, `devDependencies`,
//! `optionalDependencies`), and a `binding.gyp` beside it: the project's own native addon,
//! which the table calls `node-gyp`.

use super::Lists;
use crate::init::hints::Hints;
use crate::init::repo::{self, Repo};
use crate::recipe::native::Dep;

/// What a project's own addon is called in `recipes/native/node.toml`.
const OWN_ADDON: &str = "node-gyp";

pub fn read(repo: &Repo, hints: &mut Hints) -> Lists {
    let mut lists = Vec::new();
    for file in repo.named("package.json") {
        if let Some(deps) = hints.parsed(repo, file, package_json) {
            lists.push((file.to_string(), deps));
        }
        let gyp = repo::join(repo::dir(file), "binding.gyp");
        if repo.has(&gyp) {
            lists.push((gyp, vec![Dep::new(OWN_ADDON)]));
        }
    }
    lists
}

/// Pure.
pub fn package_json(text: &str) -> Result<Vec<Dep>, String> {
    let json: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let mut deps = Vec::new();
    for key in ["dependencies", "devDependencies", "optionalDependencies"] {
        if let Some(table) = json.get(key).and_then(|t| t.as_object()) {
            deps.extend(table.keys().map(|name| Dep::new(name)));
        }
    }
    Ok(deps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dependencies_of_every_kind() {
        let text = r#"{
  "name": "api",
  "dependencies": { "express": "^4", "bcrypt": "^5.1" },
  "devDependencies": { "jest": "^29" },
  "optionalDependencies": { "canvas": "^2" },
  "peerDependencies": { "react": "*" }
}"#;
        let names: Vec<String> = package_json(text).unwrap().into_iter().map(|d| d.name).collect();
        // Each table's names in alphabetical order (serde_json's maps are sorted).
        assert_eq!(names, ["bcrypt", "express", "jest", "canvas"]);
        assert!(package_json("{}").unwrap().is_empty());
        assert!(package_json("{").is_err());
    }
}
