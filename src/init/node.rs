//! Node.js: `package.json` (its lockfile picks npm, yarn or pnpm; `engines.node` a version),
//! `.nvmrc` and `.node-version`. A package below another one without a lockfile of its own (a
//! workspace member) is installed by the one above, and is not listed.

use super::hints::{Deps, Hints, Rank, Version};
use super::repo::{self, Repo};

/// Lockfiles, most specific first, and the manager that reads each.
const LOCKFILES: &[(&str, &str)] = &[
    ("pnpm-lock.yaml", "pnpm"),
    ("yarn.lock", "yarn"),
    ("package-lock.json", "npm"),
    ("npm-shrinkwrap.json", "npm"),
    ("bun.lock", "bun"),
    ("bun.lockb", "bun"),
];

#[derive(Debug, Default, PartialEq, Eq)]
pub struct PackageJson {
    pub name: Option<String>,
    pub engines_node: Option<String>,
    /// `packageManager`: `pnpm@9.1.0` → `pnpm`.
    pub package_manager: Option<String>,
    /// Whether `packageManager` names a version too (corepack's pin).
    pub manager_pinned: bool,
}

/// Pure.
pub fn parse(text: &str) -> Result<PackageJson, String> {
    let json: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let text = |v: Option<&serde_json::Value>| v.and_then(|v| v.as_str()).map(str::to_string);
    Ok(PackageJson {
        name: text(json.get("name")),
        engines_node: text(json.get("engines").and_then(|e| e.get("node"))),
        package_manager: text(json.get("packageManager")).and_then(|pm| pm.split('@').next().map(str::to_string)),
        manager_pinned: text(json.get("packageManager"))
            .is_some_and(|pm| pm.split_once('@').is_some_and(|(_, v)| !v.is_empty())),
    })
}

/// Which manager installs a package, from the lockfiles beside it and its `packageManager`:
/// the manager, its lockfile, and remarks.
pub fn choose(locks: &[&str], declared: Option<&str>) -> (&'static str, Option<&'static str>, Vec<String>) {
    let found: Vec<(&'static str, &'static str)> =
        LOCKFILES.iter().copied().filter(|(lock, _)| locks.contains(lock)).collect();
    let chosen = found.iter().find(|(_, m)| Some(*m) == declared).or(found.first()).copied();
    let mut notes = Vec::new();
    let Some((lock, manager)) = chosen else {
        let manager = match declared {
            Some("pnpm") => "pnpm",
            Some("yarn") => "yarn",
            _ => "npm",
        };
        notes.push(match manager {
            "npm" => "no lockfile: `npm install` from package.json (commit a package-lock.json and drop `lockfile = false` for exact versions)".to_string(),
            _ => format!("no lockfile yet: install once with {manager} and commit the lockfile, the install step needs it"),
        });
        return (manager, None, notes);
    };
    for (other, _) in found.iter().filter(|(l, _)| *l != lock) {
        notes.push(format!("{other} is here too; {lock} was chosen"));
    }
    (manager, Some(lock), notes)
}

pub fn detect(repo: &Repo, hints: &mut Hints) {
    for name in [".nvmrc", ".node-version"] {
        for file in repo.named(name) {
            hints.version_file("node", file);
        }
    }
    let mut projects: Vec<&str> = Vec::new();
    for file in repo.named("package.json") {
        let dir = repo::dir(file);
        let locks: Vec<&str> =
            LOCKFILES.iter().map(|(lock, _)| *lock).filter(|lock| repo.has(&repo::join(dir, lock))).collect();
        if locks.is_empty() && projects.iter().any(|p| repo::is_within(dir, p)) {
            continue;
        }
        let Some(text) = repo.read(file) else {
            continue;
        };
        let package = match parse(&text) {
            Ok(package) => package,
            Err(e) => {
                hints.problem(file, e);
                continue;
            }
        };
        projects.push(dir);
        if dir.is_empty()
            && let Some(name) = &package.name
        {
            hints.name(file, name.rsplit('/').next().unwrap_or(name));
        }
        hints.present("node", file);
        if let Some(engines) = &package.engines_node {
            hints.language("node", file, Some(Version::From(file.to_string())), Some(engines.clone()), Rank::Manifest);
        }
        let (manager, lock, notes) = choose(&locks, package.package_manager.as_deref());
        if manager == "bun" {
            hints.note(file, format!("{} is Bun's: devup has no bun recipe yet", lock.unwrap_or("the lockfile")));
            continue;
        }
        let mut params =
            if dir.is_empty() { Vec::new() } else { vec![("dir".to_string(), toml::Value::String(dir.to_string()))] };
        if manager == "npm" && lock.is_none() {
            params.push(("lockfile".to_string(), toml::Value::Boolean(false)));
        }
        if manager == "yarn" && plug_n_play(repo, dir) {
            params.push(("pnp".to_string(), toml::Value::Boolean(true)));
        }
        // The Yarn or pnpm corepack would run: read from package.json at each run, so a bump
        // there is a bump here.
        if matches!(manager, "yarn" | "pnpm")
            && package.manager_pinned
            && package.package_manager.as_deref() == Some(manager)
        {
            params.push(("from".to_string(), toml::Value::String(file.to_string())));
        }
        hints.deps.push(Deps {
            manager,
            language: "node",
            dir: dir.to_string(),
            params,
            file: lock.map_or_else(|| file.to_string(), |l| repo::join(dir, l)),
            why: match lock {
                Some(_) => "its lockfile".to_string(),
                None => format!("{file} has no lockfile"),
            },
            notes,
        });
    }
}

/// Whether Yarn installs Plug'n'Play in `dir`: a `.yarnrc.yml` (Yarn 2 and later; Yarn 1 reads
/// `.yarnrc`) whose `nodeLinker` is `pnp` or unset, Yarn's default.
fn plug_n_play(repo: &Repo, dir: &str) -> bool {
    let file = repo::join(dir, ".yarnrc.yml");
    repo.has(&file) && repo.read(&file).is_some_and(|text| linker_is_pnp(&text))
}

/// Pure.
fn linker_is_pnp(yarnrc: &str) -> bool {
    let linker = super::yaml::parse(yarnrc).ok().and_then(|doc| doc.get("nodeLinker").and_then(super::yaml::text));
    linker.is_none_or(|l| l == "pnp")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_json() {
        let p = parse(
            r#"{"name":"@acme/shop","engines":{"node":">=20"},"packageManager":"pnpm@9.1.0","workspaces":["apps/*"]}"#,
        )
        .unwrap();
        assert_eq!(p.name.as_deref(), Some("@acme/shop"));
        assert_eq!(p.engines_node.as_deref(), Some(">=20"));
        assert_eq!(p.package_manager.as_deref(), Some("pnpm"));
        assert!(p.manager_pinned);
        assert!(!parse(r#"{"packageManager":"yarn"}"#).unwrap().manager_pinned);
        assert_eq!(parse("{}").unwrap(), PackageJson::default());
        assert!(parse("{").is_err());
    }

    #[test]
    fn plug_n_play_is_yarns_default() {
        assert!(linker_is_pnp("yarnPath: .yarn/releases/yarn-4.1.0.cjs\n"));
        assert!(linker_is_pnp("nodeLinker: pnp\n"));
        assert!(!linker_is_pnp("nodeLinker: node-modules\n"));
        assert!(!linker_is_pnp("nodeLinker: \"pnpm\"\n"));
    }

    #[test]
    fn lockfiles_choose_the_manager() {
        assert_eq!(choose(&["pnpm-lock.yaml"], None).0, "pnpm");
        assert_eq!(choose(&["yarn.lock"], None).0, "yarn");
        assert_eq!(choose(&["package-lock.json"], None).0, "npm");
        let (m, lock, notes) = choose(&["yarn.lock", "package-lock.json"], Some("npm"));
        assert_eq!((m, lock), ("npm", Some("package-lock.json")));
        assert_eq!(notes, ["yarn.lock is here too; package-lock.json was chosen"]);
        let (m, lock, notes) = choose(&[], Some("yarn"));
        assert_eq!((m, lock), ("yarn", None));
        assert!(notes[0].starts_with("no lockfile yet"));
        assert_eq!(choose(&["bun.lockb"], None).0, "bun");
    }

    #[test]
    fn workspace_members_are_not_projects() {
        let root = tempfile::tempdir().unwrap();
        let write = |rel: &str, text: &str| {
            let path = root.path().join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write("package.json", r#"{"name":"mono","workspaces":["packages/*"],"packageManager":"yarn@4.1.0+sha512.ab"}"#);
        write("yarn.lock", "");
        write("packages/ui/package.json", r#"{"name":"ui"}"#);
        write("tools/site/package.json", r#"{"name":"site"}"#);
        write("tools/site/package-lock.json", "{}");
        let repo = Repo::scan(root.path()).unwrap();
        let mut hints = Hints::default();
        detect(&repo, &mut hints);
        let deps: Vec<_> = hints.deps.iter().map(|d| (d.manager, d.dir.as_str())).collect();
        assert_eq!(deps, [("yarn", ""), ("npm", "tools/site")]);
        let from = ("from".to_string(), toml::Value::String("package.json".into()));
        assert_eq!(hints.deps[0].params, [from], "corepack's pin");
        assert!(hints.deps[1].params.iter().all(|(p, _)| p != "from"));
        assert_eq!(hints.name.unwrap().1, "mono");
    }
}
