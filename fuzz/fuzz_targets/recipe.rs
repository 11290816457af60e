//! The recipe parser on arbitrary bytes, in every section: it may reject them, never panic,
//! and its error must render.

#![no_main]

use devup::diagnostic::Source;
use devup::manifest::Section;
use devup::recipe::{Origin, Recipe};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let section = Section::ALL[usize::from(selector) % Section::ALL.len()];
    let text = String::from_utf8_lossy(rest).into_owned();
    let source = Source::new("recipes/fuzz/demo.toml", text);
    let kinds = devup::resources::kind_names();
    if let Err(diagnostic) = Recipe::parse(section, "demo", Origin::Builtin, source, &kinds) {
        let shown = diagnostic.to_string();
        assert!(!shown.is_empty());
    }
});
