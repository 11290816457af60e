//! Resolving `requires` names to steps.
//!
//! A name may be a step id (`dependencies.pip.venv`), an entry (`dependencies.pip`, every step
//! of it), or, when it is unambiguous, an entry's or a custom step's bare name (`pip`).

use crate::step::Step;

use std::collections::HashMap;

pub enum Resolved {
    Steps(Vec<usize>),
    Nothing,
    Ambiguous(Vec<String>),
}

/// Every name a step answers to: its id and each prefix of it that ends before a `.` or `[`
/// (`dependencies.pip.venv` answers to `dependencies`, `dependencies.pip` and itself). Built
/// once, so resolving is a lookup however many steps there are.
pub struct Index {
    by_name: HashMap<String, Vec<usize>>,
}

impl Index {
    pub fn new(steps: &[Step]) -> Index {
        let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, step) in steps.iter().enumerate() {
            let id = step.id.as_str();
            let cuts = id.match_indices(['.', '[']).map(|(at, _)| at).chain([id.len()]);
            for cut in cuts {
                by_name.entry(id[..cut].to_string()).or_default().push(i);
            }
        }
        Index { by_name }
    }

    pub fn resolve(&self, name: &str) -> Resolved {
        if let Some(found) = self.by_name.get(name) {
            return Resolved::Steps(found.clone());
        }
        // A bare name: which sections have an entry (or custom step) of that name?
        let owners: Vec<String> = ["languages", "packages", "datastores", "dependencies", "step"]
            .iter()
            .map(|section| format!("{section}.{name}"))
            .filter(|qualified| self.by_name.contains_key(qualified))
            .collect();
        match owners.as_slice() {
            [] => Resolved::Nothing,
            [one] => Resolved::Steps(self.by_name[one].clone()),
            _ => Resolved::Ambiguous(owners),
        }
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
