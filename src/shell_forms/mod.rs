//! The shell forms of what steps do: their actions (`actions.rs`: what `devup up` performs,
//! written for the exported script) and the probes their checks ask, as client commands
//! (`client_checks.rs`). The kinds render their checks with these and `export/` assembles the
//! scripts from them, so the kinds do not import `export/`.

pub mod actions;
pub mod client_checks;
