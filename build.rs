//! Embeds every recipe under `recipes/` in the binary, as `(section/name, contents)` pairs.

use std::fmt::Write;
use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("recipes");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut entries = Vec::new();
    for section in std::fs::read_dir(&root).expect("recipes/ exists") {
        let section = section.expect("readable recipes/").path();
        if !section.is_dir() {
            continue;
        }
        println!("cargo:rerun-if-changed={}", section.display());
        for file in std::fs::read_dir(&section).expect("readable recipe section") {
            let path = file.expect("readable recipe").path();
            if path.extension().is_some_and(|e| e == "toml") {
                let section_name = section.file_name().unwrap().to_string_lossy().into_owned();
                let name = path.file_stem().unwrap().to_string_lossy().into_owned();
                entries.push((format!("{section_name}/{name}"), path));
            }
        }
    }
    entries.sort();
    let mut code = String::from("pub static EMBEDDED: &[(&str, &str)] = &[\n");
    for (key, path) in entries {
        writeln!(code, "    ({key:?}, include_str!({:?})),", path.display().to_string()).unwrap();
    }
    code.push_str("];\n");
    let out = Path::new(&std::env::var("OUT_DIR").unwrap()).join("recipes.rs");
    std::fs::write(out, code).unwrap();
}
