//! Checking every step, in parallel: checks have no side effects, so order does not matter.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::step::Cx;
use crate::step::Status;
use crate::step::Step;

/// Each step's status and how long its check took, in the steps' order. Steps that resolve a
/// tool are checked first (in waves, `check_tools_in_waves`); the others are then checked with the PATH those resolutions make
/// (`env`, returned for the apply to use too), so a deps step fingerprints the project's python,
/// not whichever is first on the user's PATH.
pub fn check_all(steps: &[Step], run: &Cx, env: impl FnOnce() -> Vec<(String, String)>) -> CheckResult {
    let (tools, rest): (Vec<usize>, Vec<usize>) = (0..steps.len()).partition(|&i| steps[i].resource.resolves_tool());
    let mut results = check_tools_in_waves(steps, &tools, run);
    let env = env();
    let project_run = run.with_env(&env);
    for (i, r) in check_some(steps, &rest, &project_run, true).into_iter().enumerate() {
        if r.is_some() {
            results[i] = r;
        }
    }
    let mut statuses: Vec<(Status, Duration)> =
        results.into_iter().map(|r| r.expect("every step was checked")).collect();
    defer_until_requirements(steps, &mut statuses);
    CheckResult { statuses, env }
}

/// A step that cannot be done *now* may become possible once what it requires is done (bundler
/// is installed with `gem`, which comes with ruby): it is judged again after them, when the
/// run gets there, and the plan says so instead of calling it impossible.
fn defer_until_requirements(steps: &[Step], statuses: &mut [(Status, Duration)]) {
    for i in 0..steps.len() {
        let Status::Cannot { why, .. } = &statuses[i].0 else { continue };
        let pending: Vec<&str> = steps[i]
            .requires
            .iter()
            .filter(|&&r| !statuses[r].0.is_satisfied())
            .map(|&r| steps[r].id.as_str())
            .collect();
        if !pending.is_empty() {
            statuses[i].0 = Status::missing(format!("{why}; to be decided again once {} is done", pending.join(", ")));
        }
    }
}

/// Checks only the steps that resolve tools (`devup env`: the PATH without the other checks).
pub fn check_tools(steps: &[Step], run: &Cx) {
    let tools: Vec<usize> = (0..steps.len()).filter(|&i| steps[i].resource.resolves_tool()).collect();
    check_tools_in_waves(steps, &tools, run);
}

/// The steps that resolve tools, in waves: one that requires another (pnpm, which runs on the
/// project's node) is checked after it, with the PATH the resolutions so far make, as its
/// apply would run it; the first wave with the PATH devup was started with.
fn check_tools_in_waves(steps: &[Step], tools: &[usize], run: &Cx) -> Vec<Option<(Status, Duration)>> {
    let mut results: Vec<Option<(Status, Duration)>> = (0..steps.len()).map(|_| None).collect();
    let mut left = tools.to_vec();
    let mut first = true;
    while !left.is_empty() {
        let (ready, later): (Vec<usize>, Vec<usize>) =
            left.iter().partition(|&&i| !steps[i].requires.iter().any(|r| left.contains(r)));
        // The graph has no cycles (it was ordered before); all at once if it had.
        let (ready, later) = if ready.is_empty() { (later, Vec::new()) } else { (ready, later) };
        for (i, r) in check_some(steps, &ready, run, !first).into_iter().enumerate() {
            if r.is_some() {
                results[i] = r;
            }
        }
        left = later;
        first = false;
    }
    results
}

pub struct CheckResult {
    pub statuses: Vec<(Status, Duration)>,
    /// The project's environment with its PATH, for the commands the run applies.
    pub env: Vec<(String, String)>,
}

/// Checks the steps at `which` in parallel; the others' results are `None`. With `own_path`,
/// each with its own entry's tools first on PATH, as its apply will have them (the tools are
/// all resolved by then).
fn check_some(steps: &[Step], which: &[usize], run: &Cx, own_path: bool) -> Vec<Option<(Status, Duration)>> {
    let next = AtomicUsize::new(0);
    let workers = run.jobs.clamp(1, which.len().max(1));
    let mut results: Vec<Option<(Status, Duration)>> = (0..steps.len()).map(|_| None).collect();
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    while let Some(&i) = which.get(next.fetch_add(1, Ordering::Relaxed)) {
                        let step = &steps[i];
                        let started = Instant::now();
                        let _step = crate::system::in_step(&step.id);
                        let env;
                        let step_run = if own_path {
                            env = super::step_env(run, &step.id);
                            run.with_env(&env)
                        } else {
                            *run
                        };
                        let status = step.resource.check(&step_run.for_step(&step.id));
                        done.push((i, (status, started.elapsed())));
                    }
                    done
                })
            })
            .collect();
        for handle in handles {
            for (i, result) in handle.join().expect("a check panicked") {
                results[i] = Some(result);
            }
        }
    });
    results
}
