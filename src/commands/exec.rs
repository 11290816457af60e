//! `devup exec [-- COMMAND ARGS...]`: a command in the project's environment, as activation
//! makes it in a shell (`devup env`'s variables and PATH), or the user's shell when no command
//! is given. devup replaces itself with the command: its exit code and its signals are the
//! command's. Nothing is converged first, and no shell runs the command unless it is one.

use std::ffi::OsString;
use std::path::PathBuf;

use crate::activation::{self, Applied, Env, STATE_VAR};
use crate::cli::Global;
use crate::error::Result;
use crate::project::Project;
use crate::settings::Settings;
use crate::system::System;

/// A shell's exit codes for a command that cannot be started.
const NOT_FOUND: u8 = 127;
const NOT_EXECUTABLE: u8 = 126;

pub fn run(settings: &Settings, global: &Global, command: &[OsString]) -> Result<u8> {
    // In a shell where a project is active, its environment is undone first (in memory): the
    // project's tools are resolved against the PATH the user has without any.
    let mut env = Env::from_process();
    if let Some(applied) = settings.activation.as_deref().and_then(Applied::decode).filter(|a| a.is_active()) {
        activation::undo(&applied, &mut env);
    }
    let mut settings = settings.clone();
    settings.path = env.get("PATH").unwrap_or_default().into();
    let mut project = Project::open(&settings, global)?;
    super::trust::ensure_for_shell(&project, &settings, &System::new(), global.trust || settings.trust)?;
    let manifest = project.manifest.dir.join(crate::manifest::FILE_NAME);
    let watches = super::hook_env::watches(&settings, &project, &manifest);
    let mut applied = Applied::new(project.manifest.dir.clone(), project.manifest.name.clone(), watches);
    let (vars, path) = super::env::environment(&mut project);
    activation::apply(&vars, &path, &mut env, &mut applied);
    // A shell started here with the activation hook knows what is applied, and undoes it on
    // leaving the project as it would its own.
    env.set(STATE_VAR, Some(applied.encode()));

    let (program, args): (OsString, &[OsString]) = match command.split_first() {
        Some((program, args)) => (program.clone(), args),
        None => {
            let shell = settings.shell.clone().unwrap_or_else(|| PathBuf::from("/bin/sh"));
            eprintln!(
                "devup: {} activated in a new {}: {}; `exit` leaves it",
                applied.name,
                shell.file_name().unwrap_or_default().to_string_lossy(),
                applied.summary()
            );
            (shell.into_os_string(), &[])
        }
    };
    let error = crate::system::replace_process(&program, args, &env.changes());
    eprintln!("error: cannot run `{}`: {error}", program.to_string_lossy());
    Ok(if error.kind() == std::io::ErrorKind::NotFound { NOT_FOUND } else { NOT_EXECUTABLE })
}
