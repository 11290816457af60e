//! How devup talks: the engine reports events and results; the printer decides how they look.
//! A person at a terminal gets colour and spinners; CI and pipes get plain lines; `--json`
//! gets one JSON document on stdout and nothing else there.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use console::{Style, style};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::engine::{Events, Outcome, Plan, StepResult, Summary};
use crate::step::Status;

pub struct Printer {
    pub json: bool,
    pub quiet: bool,
    pub timings: bool,
    /// Stream the output of the commands devup runs, under their step (`--verbose`).
    pub verbose: bool,
    spinners: Option<MultiProgress>,
    running: Mutex<HashMap<String, ProgressBar>>,
    /// How many steps this run applies, and how many have started: the `4/12` of progress.
    total: AtomicUsize,
    started: AtomicUsize,
}

impl Printer {
    pub fn new(json: bool, quiet: bool, timings: bool, interactive: bool, color: bool) -> Printer {
        console::set_colors_enabled(color);
        console::set_colors_enabled_stderr(color);
        let spinners = (interactive && !json).then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
        Printer {
            json,
            quiet,
            timings,
            verbose: false,
            spinners,
            running: Mutex::new(HashMap::new()),
            total: AtomicUsize::new(0),
            started: AtomicUsize::new(0),
        }
    }

    pub fn verbose(mut self, verbose: bool) -> Printer {
        self.verbose = verbose;
        self
    }

    /// How many steps the run is about to apply, for the progress count.
    pub fn set_total(&self, total: usize) {
        self.total.store(total, Ordering::Relaxed);
    }

    /// With `--verbose`, where the lines commands print go: each under its step's name, whole,
    /// above the spinners. `None` without it, and in JSON mode (stdout is the document).
    pub fn live_output(&self) -> Option<crate::system::Live> {
        if !self.verbose || self.json {
            return None;
        }
        let spinners = self.spinners.clone();
        Some(crate::system::Live(Box::new(move |step: Option<&str>, line: &str| {
            let text = format!("  {} {line}", style(format!("{}:", step.unwrap_or("devup"))).dim());
            match &spinners {
                Some(multi) => multi.suspend(|| eprintln!("{text}")),
                None => eprintln!("{text}"),
            }
        })))
    }

    /// A line of human output on stderr, above any spinners. Nothing in JSON mode.
    pub fn line(&self, text: &str) {
        if self.json {
            return;
        }
        match &self.spinners {
            Some(multi) => multi.suspend(|| eprintln!("{text}")),
            None => eprintln!("{text}"),
        }
    }

    /// A warning, shown even in JSON mode (on stderr).
    pub fn warn(&self, text: &str) {
        eprintln!("{} {text}", style("warning:").yellow().bold());
    }

    /// The plan's unmet steps, as a person reads them. `out` is stdout for `devup plan`.
    pub fn plan_text(&self, plan: &Plan) -> String {
        let pending: Vec<_> = plan.pending().collect();
        let mut text = if pending.is_empty() {
            format!("{}: all {} steps are satisfied\n", plan.project, plan.steps.len())
        } else {
            format!("{}: {} of {} steps to change\n", plan.project, pending.len(), plan.steps.len())
        };
        let width = pending.iter().map(|s| s.id.len()).max().unwrap_or(0);
        for step in pending {
            let (mark, colour) = match step.status {
                Status::Missing { .. } => ("+", Style::new().green()),
                Status::Drifted { .. } => ("~", Style::new().yellow()),
                Status::Unknown { .. } | Status::Satisfied => ("?", Style::new().magenta()),
                Status::Cannot { .. } => ("!", Style::new().red()),
            };
            let root = if step.needs_root { " (needs root)" } else { "" };
            text.push_str(&format!("  {} {:width$}  {}\n", colour.apply_to(mark), step.id, step.status.reason()));
            if let Status::Cannot { hint, .. } = &step.status {
                text.push_str(&format!("    {:width$}  {} {hint}\n", "", style("hint:").dim()));
            } else if let Some(action) = &step.action {
                let action = one_line(action);
                text.push_str(&format!("    {:width$}  {} {action}{root}\n", "", style("→").dim()));
            }
        }
        text
    }

    pub fn summary_line(summary: &Summary, elapsed: Duration) -> String {
        format!(
            "{} ok, {} changed, {} failed, {} skipped in {}",
            summary.ok,
            summary.changed,
            summary.failed,
            summary.skipped,
            format_duration(elapsed)
        )
    }

    /// Failures and skips in full, where the run's log is when something failed, then the
    /// summary line.
    pub fn report(&self, results: &[StepResult], elapsed: Duration, log: Option<&Path>) {
        for r in results {
            match &r.outcome {
                Outcome::Failed(f) => {
                    let mut text = format!("{} {}: {}", style("failed:").red().bold(), r.id, f.message);
                    if let Some(reason) = &r.reason {
                        text.push_str(&format!("\n  it was applied because: {reason}"));
                    }
                    if let Some(output) = &f.output {
                        for line in output.lines() {
                            text.push_str(&format!("\n    {line}"));
                        }
                    }
                    if let Some(hint) = &f.hint {
                        text.push_str(&format!("\n  hint: {hint}"));
                    }
                    self.line(&text);
                }
                Outcome::Skipped { because } => {
                    self.line(&format!("{} {}: {because}", style("skipped:").yellow(), r.id))
                }
                Outcome::Ok | Outcome::Changed => {}
            }
        }
        let summary = Summary::of(results);
        if let Some(log) = log.filter(|_| summary.failed > 0) {
            self.line(&format!("{} {}", style("log:").dim(), log.display()));
        }
        self.line(&Self::summary_line(&summary, elapsed));
    }

    pub fn timings(&self, plan: &Plan, results: &[StepResult], spawned: usize, elapsed: Duration) {
        if !self.timings || self.json {
            return;
        }
        let mut rows: Vec<(f64, f64, &str)> = plan
            .steps
            .iter()
            .map(|s| {
                let apply = results.iter().find(|r| r.id == s.id).map_or(0.0, |r| r.apply_ms);
                (s.check_ms, apply, s.id.as_str())
            })
            .collect();
        rows.sort_by(|a, b| (b.0 + b.1).total_cmp(&(a.0 + a.1)));
        self.line(&format!("{:>10} {:>10}  step", "check ms", "apply ms"));
        for (check, apply, id) in rows {
            self.line(&format!("{check:>10.2} {apply:>10.2}  {id}"));
        }
        self.line(&format!("total {}, {spawned} processes started", format_duration(elapsed)));
    }
}

impl Events for Printer {
    fn started(&self, id: &str, action: &str) {
        if self.json {
            return;
        }
        let action = one_line(action);
        let count = self.started.fetch_add(1, Ordering::Relaxed) + 1;
        // A step found satisfied again after its requirements changed does not start: the
        // count may end below the total, never above it.
        let total = self.total.load(Ordering::Relaxed).max(count);
        let progress = style(format!("{count}/{total}")).dim();
        match &self.spinners {
            Some(multi) => {
                let bar = multi.add(ProgressBar::new_spinner());
                bar.set_style(ProgressStyle::with_template("{spinner} {msg} {elapsed:.dim}").expect("valid template"));
                bar.set_message(format!("{progress} {id}: {action}"));
                bar.enable_steady_tick(Duration::from_millis(100));
                self.running.lock().unwrap_or_else(|p| p.into_inner()).insert(id.to_string(), bar);
            }
            None if !self.quiet || self.verbose => eprintln!("{} {progress} {id}: {action}", style("→").dim()),
            None => {}
        }
    }

    fn finished(&self, result: &StepResult) {
        if let Some(bar) = self.running.lock().unwrap_or_else(|p| p.into_inner()).remove(&result.id) {
            bar.finish_and_clear();
        }
        let took = format_duration(Duration::from_secs_f64(result.apply_ms / 1000.0));
        let line = match &result.outcome {
            Outcome::Changed => format!("{} {} ({took})", style("changed").green(), result.id),
            // Its commands got the Ctrl-C too: the run's report says so.
            Outcome::Failed(_) if crate::interrupt::requested() => {
                format!("{} {} ({took})", style("stopped").yellow().bold(), result.id)
            }
            Outcome::Failed(_) => {
                format!("{} {} ({took})", style("failed").red().bold(), result.id)
            }
            Outcome::Ok | Outcome::Skipped { .. } => return,
        };
        self.line(&line);
    }
}

pub fn format_duration(d: Duration) -> String {
    if d.as_secs_f64() >= 1.0 {
        format!("{:.2}s", d.as_secs_f64())
    } else {
        format!("{:.1}ms", d.as_secs_f64() * 1000.0)
    }
}

/// A command as one line of the plan: a multi-line script (SQL in a here-document) shows its
/// first line and how much follows; `--json` has it whole.
fn one_line(action: &str) -> String {
    match action.split_once('\n') {
        None => action.to_string(),
        Some((first, rest)) => {
            let more = rest.lines().count();
            format!("{first} … ({more} more line{}: `devup plan --json` shows them)`", if more == 1 { "" } else { "s" })
        }
    }
}

#[cfg(test)]
mod one_line_tests {
    use super::one_line;

    #[test]
    fn a_script_is_shown_by_its_first_line() {
        assert_eq!(one_line("run `createdb x`"), "run `createdb x`");
        assert_eq!(
            one_line("run `psql <<'SQL'\nSELECT 1;\nSQL`"),
            "run `psql <<'SQL' … (2 more lines: `devup plan --json` shows them)`"
        );
    }
}
