//! Orders steps so that every step comes after the steps it requires.

use crate::step::Step;

/// A cycle, as the ids of the steps on it, first repeated at the end: `a → b → a`.
#[derive(Debug, PartialEq, Eq)]
pub struct Cycle(pub Vec<String>);

/// The steps' indices in an order that respects `requires`, keeping the declared order where
/// there is a choice (so output is stable and reads like the file).
pub fn order(steps: &[Step]) -> Result<Vec<usize>, Cycle> {
    let mut remaining: Vec<usize> = steps.iter().map(|s| s.requires.len()).collect();
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); steps.len()];
    for (i, step) in steps.iter().enumerate() {
        for &r in &step.requires {
            dependents[r].push(i);
        }
    }
    let mut ready: std::collections::BTreeSet<usize> = (0..steps.len()).filter(|&i| remaining[i] == 0).collect();
    let mut out = Vec::with_capacity(steps.len());
    while let Some(i) = ready.pop_first() {
        out.push(i);
        for &d in &dependents[i] {
            remaining[d] -= 1;
            if remaining[d] == 0 {
                ready.insert(d);
            }
        }
    }
    if out.len() == steps.len() {
        return Ok(out);
    }
    let stuck = (0..steps.len()).find(|&i| remaining[i] > 0).expect("a step is left");
    Err(find_cycle(steps, stuck, &remaining))
}

/// Walks `requires` edges among the unordered steps until one repeats. Every unordered step
/// requires at least one other unordered step, so the walk always finds a cycle.
fn find_cycle(steps: &[Step], start: usize, remaining: &[usize]) -> Cycle {
    let mut path = vec![start];
    loop {
        let current = *path.last().expect("path is never empty");
        let next = steps[current]
            .requires
            .iter()
            .copied()
            .find(|&r| remaining[r] > 0)
            .expect("an unordered step has an unordered requirement");
        if let Some(pos) = path.iter().position(|&p| p == next) {
            let mut ids: Vec<String> = path[pos..].iter().map(|&i| steps[i].id.clone()).collect();
            ids.push(steps[next].id.clone());
            return Cycle(ids);
        }
        path.push(next);
    }
}

/// Every step that depends on `index`, directly or not.
pub fn dependents_of(steps: &[Step], index: usize) -> Vec<usize> {
    let mut found = vec![false; steps.len()];
    let mut stack = vec![index];
    while let Some(i) = stack.pop() {
        for (j, step) in steps.iter().enumerate() {
            if !found[j] && step.requires.contains(&i) {
                found[j] = true;
                stack.push(j);
            }
        }
    }
    (0..steps.len()).filter(|&j| found[j]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::step::testing::Noop;

    fn steps(edges: &[(&str, &[usize])]) -> Vec<Step> {
        edges
            .iter()
            .map(|(id, requires)| Step {
                id: id.to_string(),
                requires: requires.to_vec(),
                resource: Box::new(Noop),
                description: None,
                kind: "test",
                from_project: false,
            })
            .collect()
    }

    #[test]
    fn requirements_come_first_and_order_is_stable() {
        let s = steps(&[("a", &[2]), ("b", &[]), ("c", &[]), ("d", &[0, 1])]);
        assert_eq!(order(&s).unwrap(), [1, 2, 0, 3]);
    }

    #[test]
    fn a_cycle_names_every_step_on_it() {
        let s = steps(&[("x", &[]), ("a", &[3]), ("b", &[1]), ("c", &[2]), ("after", &[1])]);
        assert_eq!(order(&s).unwrap_err(), Cycle(vec!["a".into(), "c".into(), "b".into(), "a".into()]));
        let s = steps(&[("self", &[0])]);
        assert_eq!(order(&s).unwrap_err(), Cycle(vec!["self".into(), "self".into()]));
    }

    #[test]
    fn dependents_are_transitive() {
        let s = steps(&[("a", &[]), ("b", &[0]), ("c", &[1]), ("d", &[])]);
        assert_eq!(dependents_of(&s, 0), [1, 2]);
    }
}
