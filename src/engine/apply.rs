//! Applying the plan: steps in dependency order, independent ones in parallel, each checked
//! again after it is applied (met → meet → met). A failed step skips only the steps that
//! depend on it; every other step still runs.

use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::step::Cx;
use crate::step::Step;
use crate::step::{Failure, Status};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "lowercase")]
pub enum Outcome {
    /// Already satisfied; nothing was done.
    Ok,
    /// Applied, and the check now passes.
    Changed,
    Failed(Failure),
    /// Not attempted because a step it requires did not succeed.
    Skipped {
        because: String,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct StepResult {
    pub id: String,
    #[serde(flatten)]
    pub outcome: Outcome,
    /// Why the step was applied (the check's finding), when it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub apply_ms: f64,
    /// Something this step depends on, itself included, changed during the run: the checks
    /// made before the run no longer hold for the steps that depend on it.
    #[serde(skip)]
    pub upstream_changed: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub ok: usize,
    pub changed: usize,
    pub failed: usize,
    pub skipped: usize,
}

impl Summary {
    pub fn of(results: &[StepResult]) -> Summary {
        let mut s = Summary::default();
        for r in results {
            match r.outcome {
                Outcome::Ok => s.ok += 1,
                Outcome::Changed => s.changed += 1,
                Outcome::Failed(_) => s.failed += 1,
                Outcome::Skipped { .. } => s.skipped += 1,
            }
        }
        s
    }
}

/// Why a step has no result of its own: the run was interrupted (Ctrl-C) before it started.
pub const NOT_STARTED: &str = "not started: devup was interrupted";

/// What the engine tells the printer as it goes.
pub trait Events: Sync {
    fn started(&self, id: &str, action: &str);
    fn finished(&self, result: &StepResult);
}

struct Board {
    results: Vec<Option<StepResult>>,
    started: Vec<bool>,
    running: usize,
}

/// Applies every unmet step. `statuses` are the checks from before the run; `after_change` is
/// called after each step that changed something (to save the state as the run goes, so an
/// interrupted run keeps what it finished).
pub fn apply(
    steps: &[Step],
    order: &[usize],
    statuses: &[(Status, Duration)],
    run: &Cx,
    events: &dyn Events,
    after_change: &(dyn Fn() + Sync),
) -> Vec<StepResult> {
    let board = Mutex::new(Board { results: vec![None; steps.len()], started: vec![false; steps.len()], running: 0 });
    let wake = Condvar::new();
    let workers = run.jobs.clamp(1, steps.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let mut b = board.lock().unwrap_or_else(|p| p.into_inner());
                    let next = loop {
                        // Ctrl-C: no step starts; the running ones end (see `interrupt`).
                        let ready = order
                            .iter()
                            .copied()
                            .filter(|_| !crate::interrupt::requested())
                            .find(|&i| !b.started[i] && steps[i].requires.iter().all(|&r| b.results[r].is_some()));
                        if let Some(i) = ready {
                            break Some(i);
                        }
                        if b.running == 0 {
                            break None;
                        }
                        b = wake.wait(b).unwrap_or_else(|p| p.into_inner());
                    };
                    let Some(i) = next else {
                        wake.notify_all();
                        return;
                    };
                    b.started[i] = true;
                    b.running += 1;
                    let requirements: Vec<(usize, Outcome, bool)> = steps[i]
                        .requires
                        .iter()
                        .map(|&r| {
                            let done = b.results[r].as_ref().expect("done");
                            (r, done.outcome.clone(), done.upstream_changed)
                        })
                        .collect();
                    drop(b);

                    let result = converge_one(steps, i, &statuses[i].0, &requirements, run, events, after_change);
                    if result.outcome == Outcome::Changed {
                        after_change();
                    }
                    events.finished(&result);

                    let mut b = board.lock().unwrap_or_else(|p| p.into_inner());
                    b.results[i] = Some(result);
                    b.running -= 1;
                    wake.notify_all();
                }
            });
        }
    });
    let mut board = board.into_inner().unwrap_or_else(|p| p.into_inner());
    order
        .iter()
        .map(|&i| {
            board.results[i].take().unwrap_or_else(|| StepResult {
                id: steps[i].id.clone(),
                outcome: Outcome::Skipped { because: NOT_STARTED.to_string() },
                reason: None,
                apply_ms: 0.0,
                upstream_changed: false,
            })
        })
        .collect()
}

fn converge_one(
    steps: &[Step],
    i: usize,
    initial: &Status,
    requirements: &[(usize, Outcome, bool)],
    run: &Cx,
    events: &dyn Events,
    save: &(dyn Fn() + Sync),
) -> StepResult {
    let step = &steps[i];
    // A change anywhere upstream (a restarted server) may have changed this step's answer.
    let upstream_changed = requirements.iter().any(|(_, o, upstream)| *upstream || *o == Outcome::Changed);
    let result = |outcome, reason: Option<String>, took: Duration| StepResult {
        id: step.id.clone(),
        upstream_changed: upstream_changed || outcome == Outcome::Changed,
        outcome,
        reason,
        apply_ms: took.as_secs_f64() * 1000.0,
    };
    if let Some((r, _, _)) =
        requirements.iter().find(|(_, o, _)| matches!(o, Outcome::Failed(_) | Outcome::Skipped { .. }))
    {
        let because = format!("it requires {}, which did not succeed", steps[*r].id);
        return result(Outcome::Skipped { because }, None, Duration::ZERO);
    }
    // The PATH as this run's resolutions make it now: a tool an earlier step installed where
    // only the install tells (a package's server directory, a version manager's) comes first
    // for the steps after it, as it does in the next run.
    let _step = crate::system::in_step(&step.id);
    let env = super::step_env(run, &step.id);
    let run = &run.with_env(&env);
    let cx = run.for_step(&step.id);
    let status = if upstream_changed { step.resource.check(&cx) } else { initial.clone() };
    if status.is_satisfied() {
        return result(Outcome::Ok, None, Duration::ZERO);
    }
    // Nothing devup knows can meet it: say why, and let the steps that require it not start.
    if let Status::Cannot { why, hint } = &status {
        let failure = Failure::new(format!("cannot be done: {why}")).with_hint(hint.clone());
        return result(Outcome::Failed(failure), None, Duration::ZERO);
    }
    // What the step last succeeded with no longer holds while it is being applied: a run
    // killed half-way must not leave a record that makes the next run believe it done.
    if run.memory.forget_fingerprint(&step.id) {
        save();
    }
    let started = Instant::now();
    events.started(&step.id, &step.resource.action());
    let reason = Some(status.reason());
    if let Err(failure) = step.resource.apply(&cx) {
        return result(Outcome::Failed(failure), reason, started.elapsed());
    }
    let outcome = match step.resource.check(&cx) {
        Status::Satisfied => Outcome::Changed,
        after => Outcome::Failed(
            Failure::new(format!("it was applied, but its check still fails: {}", after.reason()))
                .with_hint("the step's apply does not make its check pass; fix the recipe or the step"),
        ),
    };
    result(outcome, reason, started.elapsed())
}
