//! Resolving `requires` names to steps.
//!
//! A name may be a step id (`dependencies.pip.venv`), an entry (`dependencies.pip`, every step
//! of it), or, when it is unambiguous, an entry's or a custom step's bare name (`pip`).

use crate::step::Step;

pub enum Resolved {
    Steps(Vec<usize>),
    Nothing,
    Ambiguous(Vec<String>),
}

pub fn resolve(steps: &[Step], name: &str) -> Resolved {
    let by_prefix = |prefix: &str| -> Vec<usize> {
        steps
            .iter()
            .enumerate()
            .filter(|(_, s)| {
                s.id == prefix || s.id.strip_prefix(prefix).is_some_and(|rest| rest.starts_with(['.', '[']))
            })
            .map(|(i, _)| i)
            .collect()
    };
    let exact = by_prefix(name);
    if !exact.is_empty() {
        return Resolved::Steps(exact);
    }
    // A bare name: which sections have an entry (or custom step) of that name?
    let owners: Vec<String> = ["languages", "packages", "datastores", "dependencies", "step"]
        .iter()
        .map(|section| format!("{section}.{name}"))
        .filter(|qualified| !by_prefix(qualified).is_empty())
        .collect();
    match owners.as_slice() {
        [] => Resolved::Nothing,
        [one] => Resolved::Steps(by_prefix(one)),
        _ => Resolved::Ambiguous(owners),
    }
}

/// The names a user could write, for "did you mean".
pub fn known_names(steps: &[Step]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for step in steps {
        let mut parts = step.id.splitn(3, '.');
        if let (Some(section), Some(entry)) = (parts.next(), parts.next()) {
            let entry = entry.split('[').next().unwrap_or(entry);
            names.push(entry.to_string());
            names.push(format!("{section}.{entry}"));
        }
        names.push(step.id.clone());
    }
    names.sort();
    names.dedup();
    names
}
