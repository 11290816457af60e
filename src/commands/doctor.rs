//! `devup doctor`: the machine's facts, then every unmet step with its cause and its fix.

use serde::Serialize;

use crate::cli::Global;
use crate::engine::{Plan, RunCx};
use crate::error::{Result, exit};
use crate::facts::Facts;
use crate::printer::Printer;
use crate::project::Project;
use crate::settings::Settings;
use crate::system::System;

#[derive(Serialize)]
struct Report<'a> {
    facts: &'a Facts,
    plan: &'a Plan,
}

pub fn run(settings: &Settings, global: &Global, trust_given: bool, printer: &Printer) -> Result<u8> {
    let mut project = Project::open(settings, global)?;
    super::trust::gate_if_untrusted(&mut project, trust_given, printer);
    let system = System::new();
    let memory = super::memory(&project, printer);
    let jobs = global.jobs.map_or_else(super::default_jobs, usize::from);
    let cx = RunCx {
        system: &system,
        facts: &project.facts,
        memory: &memory,
        env: &project.env,
        replace_files: false,
        jobs,
    };
    let (plan, _) = super::check(&project, &cx);
    if printer.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&Report { facts: &project.facts, plan: &plan }).expect("serialises")
        );
        return Ok(if plan.is_converged() { exit::OK } else { exit::CHANGES_PENDING });
    }
    println!("{}", facts_text(&project.facts));
    println!("project: {} ({})", project.manifest.name, project.manifest.dir.display());
    println!("state:   {}", project.store.dir.display());
    println!();
    if plan.is_converged() {
        println!("no problems: all {} steps are satisfied", plan.steps.len());
        return Ok(exit::OK);
    }
    for step in plan.pending() {
        println!("problem: {} ({})", step.id, step.description);
        println!("  cause: {}", step.status.reason());
        if let Some(action) = &step.action {
            println!("  fix:   `devup` will {action}");
        }
    }
    Ok(exit::CHANGES_PENDING)
}

fn facts_text(f: &Facts) -> String {
    let distro = f.distro.as_ref().map(|d| format!("{} {}", d.name, d.version_id)).unwrap_or_else(|| "unknown".into());
    let managers = if f.package_managers.is_empty() { "none".to_string() } else { f.package_managers.join(", ") };
    format!(
        "machine: {distro}, {} {}\npackage managers: {managers}\ninit: {}\nuser: {}{}\nmode: {}",
        f.os,
        f.arch,
        f.init,
        if f.root { "root" } else { "not root" },
        if f.sudo && !f.root { ", sudo available" } else { "" },
        if f.ci {
            "CI"
        } else if f.interactive {
            "interactive"
        } else {
            "non-interactive"
        },
    )
}
