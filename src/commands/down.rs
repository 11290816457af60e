//! `devup down`: stop the project's own servers. Their data stays.

use crate::cli::Global;
use crate::error::{Result, exit};
use crate::printer::Printer;
use crate::project::Project;
use crate::settings::Settings;
use crate::step::{Failure, Stopped};
use crate::system::System;

pub fn run(settings: &Settings, global: &Global, printer: &Printer) -> Result<u8> {
    let mut project = Project::open(settings, global)?;
    // The servers are stopped with the project's own tools (its pg_ctl, which the user's PATH
    // need not find), as resolved from what is installed and locked: no index is read.
    project.tools.offline = true;
    let system = System::new();
    super::trust::ensure(&project, settings, &system, global.trust || settings.trust)?;
    let memory = super::memory(&project, printer);
    let cx = super::read_only_cx(&project, &system, &memory, 1);
    crate::engine::check_tools(&project.steps, &cx);
    let env = project.command_env();
    let cx = cx.with_env(&env);
    let mut failures: Vec<(String, Failure)> = Vec::new();
    let mut stopped = 0;
    // Dependents first: the reverse of the order they were started in.
    for &i in project.order.iter().rev() {
        let step = &project.steps[i];
        match step.resource.stop(&cx.for_step(&step.id)) {
            None => {}
            Some(Ok(Stopped::Stopped)) => {
                stopped += 1;
                printer.line(&format!("stopped {}", step.id));
            }
            Some(Ok(Stopped::WasNotRunning)) => printer.line(&format!("{} was not running", step.id)),
            Some(Ok(Stopped::Shared)) => {
                printer.line(&format!("left {} running: the machine's own, shared with other projects", step.id))
            }
            Some(Err(failure)) => failures.push((step.id.clone(), failure)),
        }
    }
    for (id, failure) in &failures {
        printer.line(&format!("failed: {id}: {}", failure.message));
        if let Some(output) = &failure.output {
            printer.line(&format!("    {}", output.replace('\n', "\n    ")));
        }
    }
    printer.line(&format!("{stopped} stopped, {} failed", failures.len()));
    Ok(if failures.is_empty() { exit::OK } else { exit::FAILED })
}
