//! `devup up` (and plain `devup`): converge the machine to what the project declares.

use std::time::Instant;

use serde::Serialize;

use crate::cli::{Global, UpArgs};
use crate::engine::{self, Events, Outcome, Plan, StepResult, Summary};
use crate::error::{Error, Result, exit};
use crate::facts::Facts;
use crate::printer::Printer;
use crate::project::Project;
use crate::settings::Settings;
use crate::state::{ProjectLock, lock::Wait};
use crate::step::Cx;
use crate::system::{RunLog, System, journal, runlog};

#[derive(Serialize)]
struct JsonReport<'a> {
    plan: &'a Plan,
    results: &'a [StepResult],
    summary: Summary,
    elapsed_ms: f64,
    spawned: usize,
    /// Ctrl-C stopped the run (exit 130).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    interrupted: bool,
    /// The run's log.
    log: Option<&'a std::path::Path>,
}

pub fn run(settings: &Settings, global: &Global, args: &UpArgs, printer: &Printer) -> Result<u8> {
    let started = Instant::now();
    // The project's lock comes first: the state is read under it, so a run that waited never
    // writes a stale copy back over what the other run recorded.
    let located = Project::locate(settings, global)?;
    let _lock = ProjectLock::acquire(&located.store.dir, wait_for(args, printer, "on this project"))?;
    // Ports are chosen from what listens now: two runs choosing at once would pick the same
    // one. A project with servers of its own opens holding the machine's ports lock.
    let _ports_lock = if located.has_datastores() {
        Some(ProjectLock::acquire(&settings.data_root.join("ports"), wait_for(args, printer, "choosing ports"))?)
    } else {
        None
    };
    let project = Project::open_located(settings, located, Facts::read(settings))?;
    let running = project.store.dir.join("running");
    wait_for_leftovers(&running, args, printer)?;
    let log = RunLog::new(&project.store.dir.join("logs"), runlog::KEEP);
    log.add_secrets(project.steps.iter().flat_map(|s| s.resource.secrets()));
    log.note(&format!(
        "devup {} (pid {}): {}\nproject {} ({})",
        env!("CARGO_PKG_VERSION"),
        std::process::id(),
        std::env::args_os().map(|a| a.to_string_lossy().into_owned()).collect::<Vec<_>>().join(" "),
        project.manifest.name,
        project.manifest.dir.display()
    ));
    let system = System::recording(running).with_log(log).with_live(printer.live_output());
    super::trust::ensure(&project, settings, &system, global.trust || settings.trust)?;
    let memory = super::memory(&project, printer);
    if project.state_problem.is_some() {
        project.store.set_aside(&system);
    }
    memory.set_ports(&project.ports);
    for note in &project.notes {
        printer.line(note);
    }
    for note in &project.env_notes {
        printer.line(&format!("note: {note}"));
    }
    let jobs = global.jobs.map_or_else(super::default_jobs, usize::from);
    let cx = Cx {
        system: &system,
        facts: &project.facts,
        memory: &memory,
        env: &project.env,
        replace_files: args.replace_files,
        step_id: "",
        jobs,
        tools: &project.tools,
    };
    let (plan, checked) = super::check(&project, &cx);
    let (statuses, env) = (checked.statuses, checked.env);
    if let Some(log) = system.log() {
        log_checks(log, &plan);
    }
    let cx = cx.with_env(&env);
    let lock_changes = super::lock::changes(&project);
    if args.locked && !lock_changes.is_empty() {
        return Err(Error::refused(
            format!(
                "nothing was changed: --locked, and {} would change:\n  {}",
                crate::tools::lockfile::FILE_NAME,
                lock_changes.join("\n  ")
            ),
            Some("run `devup` without --locked to update the lock, and commit it"),
        ));
    }

    let results: Vec<StepResult> = if plan.is_converged() {
        plan.steps
            .iter()
            .map(|s| StepResult {
                id: s.id.clone(),
                outcome: Outcome::Ok,
                reason: None,
                apply_ms: 0.0,
                upstream_changed: false,
            })
            .collect()
    } else {
        let asking = settings.interactive && !(args.yes || settings.assume_yes) && !printer.json;
        // Asked, a person sees what they are asked about, `--quiet` or not.
        if !printer.quiet || asking {
            printer.line(printer.plan_text(&plan).trim_end());
        }
        if asking && !super::ask(&format!("Apply {} change(s)?", plan.pending().count()), true)? {
            return Err(Error::refused("nothing was changed: the plan was declined", None));
        }
        crate::interrupt::catch();
        let save = || {
            if let Some(state) = memory.take_if_changed()
                && let Err(e) = project.store.save(&system, &state)
            {
                printer.warn(&format!("cannot save devup's state: {e}"));
            }
        };
        printer.set_total(plan.pending().count());
        let events = Logged { printer, log: system.log() };
        let results = engine::apply(&project.steps, &project.order, &statuses, &cx, &events, &save);
        save();
        results
    };
    keep_ports(&system, &project, settings);
    let interrupted = crate::interrupt::requested();
    // An interrupted run's resolutions may name builds it did not install: the next run locks.
    if !args.locked && !interrupted {
        super::lock::write_if_changed(&project, &system, printer);
    }
    // Cached probes (versions, hashes) found by the checks are worth keeping even on a no-op.
    if let Some(state) = memory.take_if_changed() {
        let _ = project.store.save(&system, &state);
    }

    let elapsed = started.elapsed();
    let summary = Summary::of(&results);
    // Named only when it was written.
    let log_path = system.log().and_then(|log| {
        log.note(&Printer::summary_line(&summary, elapsed));
        match log.flush() {
            Ok(()) => Some(log.path()),
            Err(e) => {
                printer.warn(&format!("cannot write the run's log {}: {e}", log.path().display()));
                None
            }
        }
    });
    if printer.json {
        let report = JsonReport {
            plan: &plan,
            results: &results,
            summary,
            elapsed_ms: elapsed.as_secs_f64() * 1000.0,
            spawned: system.spawned(),
            interrupted,
            log: log_path,
        };
        println!("{}", serde_json::to_string_pretty(&report).expect("a report serialises"));
    } else if interrupted {
        crate::interrupt::restore_terminal();
        printer.line(&interrupted_report(&results));
    } else {
        printer.report(&results, elapsed, log_path);
        printer.timings(&plan, &results, system.spawned(), elapsed);
    }
    Ok(if interrupted {
        exit::INTERRUPTED
    } else if summary.failed > 0 {
        exit::FAILED
    } else {
        exit::OK
    })
}

/// What an interrupted run did and did not do: the steps it changed, those it stopped while
/// they ran (their commands got the Ctrl-C), and those it did not start.
fn interrupted_report(results: &[StepResult]) -> String {
    let ids = |keep: &dyn Fn(&Outcome) -> bool| -> Vec<&str> {
        results.iter().filter(|r| keep(&r.outcome)).map(|r| r.id.as_str()).collect()
    };
    let changed = ids(&|o| *o == Outcome::Changed);
    let stopped = ids(&|o| matches!(o, Outcome::Failed(_)));
    let not_started = ids(&|o| matches!(o, Outcome::Skipped { .. }));
    let mut text = format!(
        "interrupted: {} changed, {} stopped while running, {} not started",
        changed.len(),
        stopped.len(),
        not_started.len()
    );
    for (what, list) in [("done", &changed), ("stopped", &stopped), ("not started", &not_started)] {
        if !list.is_empty() {
            text.push_str(&format!("\n  {what}: {}", list.join(", ")));
        }
    }
    text.push_str("\nrun `devup` again to finish: it carries on from what is done");
    text
}

/// Each step's check, as the plan has it.
fn log_checks(log: &RunLog, plan: &Plan) {
    let mut text = format!("checked {} steps", plan.steps.len());
    for step in &plan.steps {
        text.push_str(&format!("\n  {}: {} ({:.1}ms)", step.id, step.status.reason(), step.check_ms));
    }
    log.note(&text);
}

/// The engine's events, to the printer and into the run's log (flushed after each step, so
/// that a run killed later keeps what it did).
struct Logged<'a> {
    printer: &'a Printer,
    log: Option<&'a RunLog>,
}

impl Events for Logged<'_> {
    fn started(&self, id: &str, action: &str) {
        if let Some(log) = self.log {
            log.note(&format!("{id}: apply: {action}"));
        }
        self.printer.started(id, action);
    }

    fn finished(&self, result: &StepResult) {
        if let Some(log) = self.log {
            let took = crate::printer::format_duration(std::time::Duration::from_secs_f64(result.apply_ms / 1000.0));
            // A step that was (or became) satisfied: its check is in the log already.
            let text = match &result.outcome {
                Outcome::Ok => None,
                Outcome::Changed => Some(format!("{}: changed ({took})", result.id)),
                Outcome::Skipped { because } => Some(format!("{}: skipped: {because}", result.id)),
                Outcome::Failed(f) => {
                    let mut text = format!("{}: failed ({took}): {}", result.id, f.message);
                    if let Some(hint) = &f.hint {
                        text.push_str(&format!("\nhint: {hint}"));
                    }
                    Some(text)
                }
            };
            if let Some(text) = text {
                log.note(&text);
                let _ = log.flush();
            }
        }
        self.printer.finished(result);
    }
}

/// How to wait for a lock another run holds: refuse with `--no-wait`, else wait and say so.
fn wait_for(args: &UpArgs, printer: &Printer, what: &'static str) -> Wait {
    if args.no_wait {
        return Wait::No;
    }
    let quiet = printer.json;
    Wait::Yes(Box::new(move |pid: &str| {
        if !quiet {
            eprintln!("waiting for another devup run (pid {pid}) {what}...");
        }
    }))
}

/// Waits for what a killed run left running on this project (`--no-wait`: refuses instead), so
/// that this run does not start the same work beside it.
fn wait_for_leftovers(dir: &std::path::Path, args: &UpArgs, printer: &Printer) -> Result<()> {
    if args.no_wait {
        return match journal::leftovers(dir).into_iter().next() {
            Some(left) => Err(Error::Leftover { pid: left.pid, command: left.command }),
            None => Ok(()),
        };
    }
    journal::wait_for_leftovers(dir, |left| {
        if printer.json {
            return;
        }
        for l in left {
            eprintln!(
                "waiting for `{}` (pid {}): a devup run that was stopped before it ended left it running",
                l.command, l.pid
            );
        }
    });
    Ok(())
}

/// Records the ports beside the servers' data (see `project::ports_file`).
fn keep_ports(system: &System, project: &Project, settings: &Settings) {
    if project.ports.is_empty() {
        return;
    }
    let data = project.store.data_dir(&settings.data_root);
    // Only beside data a server of the project created: a refused project gets no directory.
    if !data.is_dir() {
        return;
    }
    let file = crate::project::ports_file(&data);
    let json = serde_json::to_vec_pretty(&project.ports).expect("ports serialise");
    if std::fs::read(&file).ok().as_deref() != Some(json.as_slice()) {
        let _ = system.write_atomic(&file, &json, None);
    }
}
