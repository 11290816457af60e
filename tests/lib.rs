//! Integration tests: they drive the real devup binary in a sandbox (temporary HOME, state and
//! config dirs, stub executables first on PATH) and never touch the machine they run on.

mod support;

mod activate;
mod conventions;
mod converge;
mod env;
mod exec;
mod export;
mod export_anywhere;
mod export_snapshots;
mod first_contact;
mod init;
mod interrupt;
mod logs;
mod malformed;
mod output;
mod packages;
mod prebuilt;
mod recipe_show;
mod recipes;
mod services;
mod source_rules;
mod terminal;
mod trust;
mod versions;
