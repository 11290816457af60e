//! devup: make a developer's machine ready to work on a project, from any state.
//!
//! The pipeline, one direction: `manifest` (read devup.toml) → `expand` (recipes → steps) →
//! `graph` (order) → `engine` (check, plan, apply, verify) → `printer` (report).
//! Every side effect goes through `system`; every environment variable is read in `settings`.

pub mod activation;
pub mod cli;
pub mod commands;
pub mod diagnostic;
pub mod doctor;
pub mod engine;
pub mod error;
pub mod expand;
pub mod export;
pub mod facts;
pub mod graph;
pub mod init;
pub mod interrupt;
pub mod manifest;
pub mod packages;
pub mod printer;
pub mod project;
pub mod protocols;
pub mod recipe;
pub mod resources;
pub mod run;
pub mod settings;
pub mod shell;
pub mod shell_forms;
pub mod state;
pub mod step;
pub mod system;
pub mod tools;
pub mod trust;
pub mod version;
pub mod version_dirs;
pub mod version_file;
