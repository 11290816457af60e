//! `devup status`: the project's datastores: running or not, on which port.

use crate::cli::Global;
use crate::error::{Result, exit};
use crate::printer::Printer;
use crate::project::Project;
use crate::settings::Settings;
use crate::system::System;

pub fn run(settings: &Settings, global: &Global, printer: &Printer) -> Result<u8> {
    let mut project = Project::open(settings, global)?;
    super::trust::gate_if_untrusted(&mut project, global.trust || settings.trust, printer);
    let system = System::new();
    let memory = super::memory(&project, printer);
    let cx = super::read_only_cx(&project, &system, &memory, 4);
    let (plan, _) = super::check(&project, &cx);
    let datastores: Vec<_> = plan.steps.iter().filter(|s| s.id.starts_with("datastores.")).collect();
    if printer.json {
        let json = serde_json::json!({ "ports": project.ports, "steps": datastores });
        println!("{}", serde_json::to_string_pretty(&json).expect("serialises"));
    } else if datastores.is_empty() {
        println!("this project declares no datastores");
    } else {
        for (entry, port) in &project.ports {
            println!("{entry}: port {port}");
        }
        let width = datastores.iter().map(|s| s.id.len()).max().unwrap_or(0);
        for step in &datastores {
            let state = if step.status.is_satisfied() { "ok".to_string() } else { step.status.reason() };
            println!("  {:width$}  {state}", step.id);
        }
    }
    Ok(if datastores.iter().all(|s| s.status.is_satisfied()) { exit::OK } else { exit::CHANGES_PENDING })
}
