//! From arguments to an exit code: parse the command line, read the settings, run the command.

use std::process::ExitCode;

use clap::Parser;

use crate::activation::shell::Shell;
use crate::cli::{Cli, Command, EnvFormat, EnvShell};
use crate::commands;
use crate::error::exit;
use crate::printer::Printer;
use crate::settings::Settings;

pub fn main() -> ExitCode {
    // The activation hook runs before every prompt: it skips parsing the command line.
    if let Some(shell) = hook_env_shell() {
        return ExitCode::from(commands::hook_env::run(&settings(), shell));
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // Usage errors are invalid input; `--help` and `--version` are not errors at all.
            return ExitCode::from(if e.use_stderr() { exit::INVALID_INPUT } else { exit::OK });
        }
    };
    let settings = settings();
    let g = &cli.global;
    let printer = Printer::new(g.json, g.quiet, g.timings, settings.interactive, g.color.enabled(settings.color))
        .verbose(g.verbose);
    let result = match &cli.command {
        None => commands::up::run(&settings, g, &cli.up, &printer),
        Some(Command::Up(args)) => commands::up::run(&settings, g, &cli.up.merge(args), &printer),
        Some(Command::Lock { upgrade }) => commands::lock::run(&settings, g, upgrade.as_deref(), &printer),
        Some(Command::Plan) => commands::plan::run(&settings, g, g.trust || settings.trust, &printer),
        Some(Command::Doctor) => commands::doctor::run(&settings, g, g.trust || settings.trust, &printer),
        Some(Command::Trust { yes }) => commands::trust::run(&settings, g, *yes, &printer),
        Some(Command::Env { format, shell }) => {
            let format = if *shell == Some(EnvShell::Fish) { EnvFormat::Fish } else { *format };
            commands::env::run(&settings, g, format)
        }
        Some(Command::Export { what, platform, output }) => {
            commands::export::run(&settings, g, *what, platform.as_deref(), output.as_deref())
        }
        Some(Command::Down) => commands::down::run(&settings, g, &printer),
        Some(Command::Status) => commands::status::run(&settings, g, &printer),
        Some(Command::Init { force, print }) => commands::init::run(&settings, g, *force, *print, &printer),
        Some(Command::Recipes { name }) => commands::recipes::run(&settings, g, name.as_deref(), &printer),
        Some(Command::Completions { shell }) => Ok(commands::completions::run(*shell)),
        Some(Command::Man { command, dir }) => commands::man::run(command.as_deref(), dir.as_deref()),
        Some(Command::Activate { shell }) => Ok(commands::activate::run(*shell)),
        Some(Command::HookEnv { shell }) => Ok(commands::hook_env::run(&settings, *shell)),
        Some(Command::Exec { command }) => commands::exec::run(&settings, g, command),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => e.report(),
    }
}

/// The settings, read from the environment once; the package managers get theirs here, before
/// any command reads a package.
fn settings() -> Settings {
    let settings = Settings::from_env();
    crate::packages::configure(&settings);
    settings
}

/// `devup hook-env SHELL`, exactly.
fn hook_env_shell() -> Option<Shell> {
    let mut args = std::env::args_os().skip(1);
    let (command, shell) = (args.next()?, args.next()?);
    if command != "hook-env" || args.next().is_some() {
        return None;
    }
    Shell::parse(shell.to_str()?)
}
