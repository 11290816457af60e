//! Rust: `Cargo.toml` (a package or a workspace; `rust-version` is the oldest toolchain it
//! builds with), `rust-toolchain.toml` and `rust-toolchain`. A crate below another one is a
//! member of its workspace (or a path dependency) and is fetched with it.

use super::hints::{Deps, Hints, Rank, Version};
use super::repo::{self, Repo};

#[derive(Debug, Default, PartialEq, Eq)]
pub struct CargoToml {
    pub name: Option<String>,
    /// `rust-version` of the package or of `[workspace.package]`.
    pub rust_version: Option<String>,
}

/// Pure.
pub fn parse(text: &str) -> Result<CargoToml, String> {
    let table: toml::Table = toml::from_str(text).map_err(|e| e.message().to_string())?;
    let package = table.get("package");
    let workspace_package = table.get("workspace").and_then(|w| w.get("package"));
    let text = |v: Option<&toml::Value>| v.and_then(toml::Value::as_str).map(str::to_string);
    Ok(CargoToml {
        name: text(package.and_then(|p| p.get("name"))),
        rust_version: text(package.and_then(|p| p.get("rust-version")))
            .or_else(|| text(workspace_package.and_then(|p| p.get("rust-version")))),
    })
}

pub fn detect(repo: &Repo, hints: &mut Hints) {
    for name in ["rust-toolchain.toml", "rust-toolchain"] {
        for file in repo.named(name) {
            hints.version_file("rust", file);
        }
    }
    let mut crates: Vec<&str> = Vec::new();
    for file in repo.named("Cargo.toml") {
        let dir = repo::dir(file);
        if crates.iter().any(|c| repo::is_within(dir, c)) {
            continue;
        }
        crates.push(dir);
        hints.present("rust", file);
        if let Some(text) = repo.read(file) {
            match parse(&text) {
                Ok(cargo) => {
                    if dir.is_empty()
                        && let Some(name) = &cargo.name
                    {
                        hints.name(file, name);
                    }
                    if let Some(v) = cargo.rust_version {
                        let at_least = format!(">={v}");
                        let version = Some(Version::Constraint(at_least.clone()));
                        hints.language("rust", file, version, Some(at_least), Rank::Manifest);
                    }
                }
                Err(e) => hints.problem(file, e),
            }
        }
        let lockfile = repo::join(dir, "Cargo.lock");
        let notes = if repo.has(&lockfile) {
            Vec::new()
        } else {
            vec!["no Cargo.lock yet: `cargo generate-lockfile` makes one (commit it for applications)".to_string()]
        };
        let params =
            if dir.is_empty() { Vec::new() } else { vec![("dir".to_string(), toml::Value::String(dir.to_string()))] };
        hints.deps.push(Deps {
            manager: "cargo",
            language: "rust",
            dir: dir.to_string(),
            params,
            file: file.to_string(),
            why: "the crates to fetch".to_string(),
            notes,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_and_workspace() {
        let p = parse("[package]\nname = \"cli\"\nrust-version = \"1.75\"\n").unwrap();
        assert_eq!(p.name.as_deref(), Some("cli"));
        assert_eq!(p.rust_version.as_deref(), Some("1.75"));
        let w = parse("[workspace]\nmembers = [\"crates/*\"]\n[workspace.package]\nrust-version = \"1.80\"\n").unwrap();
        assert_eq!(w.name, None);
        assert_eq!(w.rust_version.as_deref(), Some("1.80"));
        let inherited = parse("[package]\nname = \"x\"\nrust-version.workspace = true\n").unwrap();
        assert_eq!(inherited.rust_version, None);
        assert!(parse("[package").is_err());
    }
}
