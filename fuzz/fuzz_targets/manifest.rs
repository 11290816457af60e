//! The project-file parser on arbitrary bytes: it may reject them, never panic, and its error
//! must render (the rendering slices the source by the error's span).

#![no_main]

use std::path::PathBuf;

use devup::diagnostic::Source;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let source = Source::new("devup.toml", text);
    match devup::manifest::parse(PathBuf::from("/p/fuzz"), source) {
        Ok(manifest) => {
            assert!(!manifest.name.is_empty());
        }
        Err(error) => {
            let shown = error.render();
            assert!(shown.starts_with("error: "));
        }
    }
});
