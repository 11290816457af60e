//! `devup lock`: resolve the project's tool versions and write `devup.lock`, installing nothing.
//! Also what `up` and `plan` use to tell and write what changes in the lock.

use crate::cli::Global;
use crate::diagnostic::Diagnostic;
use crate::error::{Result, exit};
use crate::printer::Printer;
use crate::project::Project;
use crate::settings::Settings;
use crate::system::System;
use crate::tools::Upgrade;
use crate::tools::lockfile::{FILE_NAME, Lockfile};

pub fn run(settings: &Settings, global: &Global, upgrade: Option<&[String]>, printer: &Printer) -> Result<u8> {
    let mut project = Project::open(settings, global)?;
    project.tools.upgrade = match upgrade {
        None => Upgrade::Nothing,
        Some([]) => Upgrade::All,
        Some(names) => {
            let ids = project.step_ids();
            if let Some(unknown) =
                names.iter().find(|n| !ids.iter().any(|id| *id == n.as_str() || id.starts_with(&format!("{n}."))))
            {
                let known: Vec<&str> =
                    ids.iter().copied().filter(|id| project.tools.lock.tool.contains_key(*id)).collect();
                return Err(Diagnostic::in_file(
                    FILE_NAME.to_string(),
                    format!("`{unknown}` names no step of this project"),
                )
                .suggest(unknown, known.iter().copied())
                .or_hint("name a step or an entry as `devup plan` shows it, such as `languages.node`")
                .into());
            }
            Upgrade::Steps(names.to_vec())
        }
    };
    let system = System::new();
    let memory = super::memory(&project, printer);
    let jobs = global.jobs.map_or_else(super::default_jobs, usize::from);
    let cx = super::read_only_cx(&project, &system, &memory, jobs);
    let (plan, _) = super::check(&project, &cx);
    let changes = changes(&project);
    if changes.is_empty() {
        printer.line(&format!("{FILE_NAME} is up to date"));
    } else {
        write_if_changed(&project, &system, printer);
    }
    for step in plan.steps.iter().filter(|s| matches!(s.status, crate::step::Status::Cannot { .. })) {
        printer.line(&format!("{}: {}", step.id, step.status.reason()));
    }
    Ok(if plan.cannot().next().is_some() { exit::FAILED } else { exit::OK })
}

/// What this run's resolutions change in the lock, one line per step.
pub fn changes(project: &Project) -> Vec<String> {
    project.tools.lock.changes_to(&project.tools.lock_after(&project.step_ids()))
}

/// Writes `devup.lock` when this run's resolutions changed it, saying what changed.
pub fn write_if_changed(project: &Project, system: &System, printer: &Printer) {
    let after = project.tools.lock_after(&project.step_ids());
    let changes = project.tools.lock.changes_to(&after);
    let path = Lockfile::path_for(&project.manifest.dir);
    // A project with no tool to lock gets no file.
    if changes.is_empty() || (after.tool.is_empty() && !path.exists()) {
        return;
    }
    match system.write_atomic(&path, after.render().as_bytes(), Some(0o644)) {
        Ok(()) => {
            if !printer.json {
                printer.line(&format!("{FILE_NAME}: {}", changes.join("; ")));
            }
        }
        Err(e) => printer.warn(&format!("cannot write {}: {e}", path.display())),
    }
}
