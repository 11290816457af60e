//! `devup doctor`: the machine's facts, then every unmet step with its cause and its fix.

use serde::Serialize;

use crate::cli::Global;
use crate::doctor::{self, Finding};
use crate::engine::Plan;
use crate::error::{Result, exit};
use crate::facts::Facts;
use crate::printer::Printer;
use crate::project::Project;
use crate::settings::Settings;
use crate::system::System;
use crate::trust::{self, Verdict};

#[derive(Serialize)]
struct Report<'a> {
    facts: &'a Facts,
    findings: &'a [Finding],
    plan: &'a Plan,
}

pub fn run(settings: &Settings, global: &Global, trust_given: bool, printer: &Printer) -> Result<u8> {
    let mut project = Project::open(settings, global)?;
    let mut findings = Vec::new();
    let data_dir = project.store.data_dir(&settings.data_root);
    findings.extend(doctor::disk(&[&project.manifest.dir, &project.store.dir, &data_dir]));
    findings.extend(doctor::lock(&project.store.dir));
    findings.extend(doctor::localhost());
    findings.extend(doctor::leftovers(&project.store.dir));
    findings.extend(doctor::ports(&project.notes));
    if let Some(why) = &project.state_problem {
        findings.push(Finding::new(
            "state",
            format!("devup's state for this project is unusable: {why}"),
            "nothing to do: the next `devup` run keeps the bad file aside and starts afresh",
        ));
    }
    if !trust_given
        && let Some(review) = trust::review(&project).filter(trust::Review::runs_commands)
        && let Verdict::Untrusted { .. } = trust::verdict(&project.store, &review)
    {
        findings.push(Finding::new(
            "trust",
            "the project's own commands are not trusted on this machine yet, so their checks were not run",
            "review and approve them with `devup trust`",
        ));
        trust::gate(&mut project);
    }
    let system = System::new();
    let memory = super::memory(&project, printer);
    let jobs = global.jobs.map_or_else(super::default_jobs, usize::from);
    let cx = super::read_only_cx(&project, &system, &memory, jobs);
    let (plan, _) = super::check(&project, &cx);
    for step in plan.pending() {
        let fix = match &step.action {
            Some(action) => format!("`devup` will {action}"),
            None => "run `devup`".to_string(),
        };
        findings.push(Finding::new(step.id.clone(), step.status.reason(), fix));
    }
    let code = if findings.is_empty() { exit::OK } else { exit::CHANGES_PENDING };
    if printer.json {
        let report = Report { facts: &project.facts, findings: &findings, plan: &plan };
        println!("{}", serde_json::to_string_pretty(&report).expect("serialises"));
        return Ok(code);
    }
    println!("{}", facts_text(&project.facts));
    println!("project: {} ({})", project.manifest.name, project.manifest.dir.display());
    println!("state:   {}", project.store.dir.display());
    println!();
    if findings.is_empty() {
        println!("no problems: all {} steps are satisfied", plan.steps.len());
        return Ok(code);
    }
    for finding in &findings {
        println!("problem: {}: {}", finding.subject, finding.cause);
        println!("  fix:   {}", finding.fix);
    }
    println!("{} problem{}", findings.len(), if findings.len() == 1 { "" } else { "s" });
    Ok(code)
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
