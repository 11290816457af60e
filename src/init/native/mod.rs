//! What the project's dependencies need from the system to build or run (libpq for psycopg2, a
//! C compiler for a gem's extension): `[packages]` entries.
//!
//! The knowledge is data, `recipes/native/<ecosystem>.toml` (`table.rs`); each ecosystem here
//! only reads its dependency lists, with pure parsers. A new ecosystem is one table, one file
//! and one line in `ECOSYSTEMS`.

mod go;
mod node;
mod python;
mod ruby;

use super::hints::{Hints, Native};
use super::repo::Repo;
use crate::recipe::native::{self as table, Dep, Normalize, Table};

/// Dependency lists: each file with the dependencies it declares.
type Lists = Vec<(String, Vec<Dep>)>;

struct Ecosystem {
    /// Its table: `recipes/native/<name>.toml`.
    name: &'static str,
    /// Its dependency lists: each file with the dependencies it declares.
    read: fn(&Repo, &mut Hints) -> Lists,
    normalize: Normalize,
}

const ECOSYSTEMS: &[Ecosystem] = &[
    Ecosystem { name: "python", read: python::read, normalize: python::normalize_name },
    Ecosystem { name: "node", read: node::read, normalize: table::exact },
    Ecosystem { name: "ruby", read: ruby::read, normalize: table::exact },
    Ecosystem { name: "go", read: go::read, normalize: table::exact },
];

pub fn detect(repo: &Repo, hints: &mut Hints) {
    for ecosystem in ECOSYSTEMS {
        let lists = (ecosystem.read)(repo, hints);
        if lists.iter().all(|(_, deps)| deps.is_empty()) {
            continue;
        }
        let table = match Table::builtin(ecosystem.name) {
            Ok(table) => table,
            Err(e) => {
                hints.problem(&format!("recipes/native/{}.toml (built in)", ecosystem.name), e);
                continue;
            }
        };
        for (file, deps) in &lists {
            hints.native.extend(needs(&table, file, deps, ecosystem.normalize));
        }
    }
}

/// Pure: what the dependencies `file` declares need, by the table.
fn needs(table: &Table, file: &str, deps: &[Dep], normalize: Normalize) -> Vec<Native> {
    table
        .matches(deps, normalize)
        .into_iter()
        .map(|m| Native {
            dep: m.dep,
            file: file.to_string(),
            toolchain: if m.need.compiles { table.toolchain.clone() } else { Vec::new() },
            packages: m.need.packages.clone(),
            compiles: m.need.compiles,
            note: m.need.note.clone(),
        })
        .filter(|n| !n.toolchain.is_empty() || !n.packages.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recipe::library;

    #[test]
    fn every_table_is_read_and_names_package_recipes() {
        let mut files: Vec<&str> = library::builtin_data_names("native").collect();
        files.sort();
        let mut read: Vec<&str> = ECOSYSTEMS.iter().map(|e| e.name).collect();
        read.sort();
        assert_eq!(files, read, "every recipes/native table has an entry in ECOSYSTEMS");
        for ecosystem in ECOSYSTEMS {
            let table = Table::builtin(ecosystem.name).unwrap_or_else(|e| panic!("native/{}: {e}", ecosystem.name));
            let named = table.toolchain.iter().chain(table.needs.values().flat_map(|n| &n.packages));
            for package in named {
                assert!(
                    library::builtin_data(&format!("packages/{package}")).is_some(),
                    "native/{} names `{package}`, which has no recipes/packages/{package}.toml",
                    ecosystem.name
                );
            }
            let mut keys: Vec<String> = table.needs.keys().map(|k| (ecosystem.normalize)(k)).collect();
            let count = keys.len();
            keys.sort();
            keys.dedup();
            assert_eq!(keys.len(), count, "native/{}: two keys name the same dependency", ecosystem.name);
        }
    }

    /// Every ecosystem's files, read from a repository: includes are followed, a gem locked
    /// precompiled needs nothing, a `binding.gyp` is the project's own addon.
    #[test]
    fn reads_each_ecosystems_lists() {
        let root = tempfile::tempdir().unwrap();
        let files = [
            ("requirements-dev.txt", "-r requirements/base.txt\npytest\n"),
            ("requirements/base.txt", "psycopg2-binary\nPsycopg2==2.9\n"),
            ("Gemfile", "gem \"pg\"\n"),
            ("Gemfile.lock", "GEM\n  specs:\n    nokogiri (1.16.2-x86_64-linux)\n    pg (1.5.6)\n"),
            ("addon/package.json", "{\"dependencies\": {\"express\": \"4\"}}"),
            ("addon/binding.gyp", "{}"),
            ("go.mod", "module x\n\nrequire github.com/mattn/go-sqlite3 v1.14.22\n"),
        ];
        for (file, text) in files {
            let path = root.path().join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let repo = Repo::scan(root.path()).unwrap();
        let mut hints = Hints::default();
        detect(&repo, &mut hints);
        let found: Vec<(&str, &str)> = hints.native.iter().map(|n| (n.dep.as_str(), n.file.as_str())).collect();
        assert_eq!(
            found,
            [
                ("Psycopg2", "requirements/base.txt"),
                ("node-gyp", "addon/binding.gyp"),
                ("pg", "Gemfile.lock"),
                ("github.com/mattn/go-sqlite3", "go.mod"),
            ]
        );
        assert!(hints.problems.is_empty());
    }

    #[test]
    fn what_compiles_takes_the_toolchain() {
        let table = Table::parse(
            "description = \"t\"\ntoolchain = [\"cc\"]\n[needs]\ndriver = { packages = [\"libdb\"], note = \"n\" }\nloader = { packages = [\"libdb\"], compiles = false }\nwheel = { compiles = false }\n",
        )
        .unwrap();
        let deps = [Dep::new("driver"), Dep::new("loader"), Dep::new("wheel"), Dep::new("other")];
        let found = needs(&table, "reqs.txt", &deps, table::exact);
        let summary: Vec<(&str, &[String], &[String])> =
            found.iter().map(|n| (n.dep.as_str(), n.toolchain.as_slice(), n.packages.as_slice())).collect();
        let cc = ["cc".to_string()];
        let libdb = ["libdb".to_string()];
        assert_eq!(summary, [("driver", &cc[..], &libdb[..]), ("loader", &[][..], &libdb[..])]);
        assert_eq!(found[0].file, "reqs.txt");
        assert_eq!(found[0].note.as_deref(), Some("n"));
    }
}
