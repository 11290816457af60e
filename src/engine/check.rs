//! Checking every step, in parallel: checks have no side effects, so order does not matter.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::RunCx;
use crate::resources::Status;
use crate::step::Step;

/// Each step's status and how long its check took, in the steps' order.
pub fn check_all(steps: &[Step], run: &RunCx) -> Vec<(Status, Duration)> {
    let next = AtomicUsize::new(0);
    let workers = run.jobs.clamp(1, steps.len().max(1));
    let mut results: Vec<Option<(Status, Duration)>> = (0..steps.len()).map(|_| None).collect();
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(step) = steps.get(i) else { break };
                        let started = Instant::now();
                        let status = step.resource.check(&run.for_step(&step.id));
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
    results.into_iter().map(|r| r.expect("every step was checked")).collect()
}
