//! `devup plan`: what would change and why. Changes nothing, not even devup's own state.

use crate::cli::Global;
use crate::error::{Result, exit};
use crate::printer::Printer;
use crate::project::Project;
use crate::settings::Settings;
use crate::system::System;

pub fn run(settings: &Settings, global: &Global, trust_given: bool, printer: &Printer) -> Result<u8> {
    let mut project = Project::open(settings, global)?;
    super::trust::gate_if_untrusted(&mut project, trust_given, printer);
    let system = System::new();
    let memory = super::memory(&project, printer);
    let jobs = global.jobs.map_or_else(super::default_jobs, usize::from);
    let cx = super::read_only_cx(&project, &system, &memory, jobs);
    let (plan, _) = super::check(&project, &cx);
    for note in &project.notes {
        printer.line(note);
    }
    for note in &project.env_notes {
        printer.line(&format!("note: {note}"));
    }
    let lock_changes = super::lock::changes(&project);
    if printer.json {
        println!("{}", serde_json::to_string_pretty(&plan).expect("a plan serialises"));
    } else {
        print!("{}", printer.plan_text(&plan));
        if !lock_changes.is_empty() {
            // What `devup` would record, and what `--locked` would refuse.
            println!(
                "{} would change (`devup up --locked` refuses this):\n  {}",
                crate::tools::lockfile::FILE_NAME,
                lock_changes.join("\n  ")
            );
        }
    }
    Ok(if plan.cannot().next().is_some() {
        exit::FAILED
    } else if plan.is_converged() {
        // A lock to write is said above, not counted: the machine is converged.
        exit::OK
    } else {
        exit::CHANGES_PENDING
    })
}
