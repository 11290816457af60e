//! The plan: a plain value saying, for every step, what was found and what will be done.
//! `devup plan` prints it, `--json` serialises it, tests compare it.

use serde::Serialize;

use crate::step::Status;
use crate::step::Step;

#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub project: String,
    /// Every step, in the order it would be applied.
    pub steps: Vec<PlannedStep>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlannedStep {
    pub id: String,
    pub description: String,
    #[serde(flatten)]
    pub status: Status,
    /// What apply will do; absent when the step is satisfied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    pub needs_root: bool,
    pub requires: Vec<String>,
    #[serde(skip)]
    pub check_ms: f64,
}

impl Plan {
    pub fn new(project: &str, steps: &[Step], order: &[usize], statuses: &[(Status, std::time::Duration)]) -> Plan {
        let steps = order
            .iter()
            .map(|&i| {
                let step = &steps[i];
                let (status, took) = &statuses[i];
                PlannedStep {
                    id: step.id.clone(),
                    description: step.describe(),
                    action: (!status.is_satisfied()).then(|| step.resource.action()),
                    needs_root: !status.is_satisfied() && step.resource.needs_root(),
                    requires: step.requires.iter().map(|&r| steps[r].id.clone()).collect(),
                    status: status.clone(),
                    check_ms: took.as_secs_f64() * 1000.0,
                }
            })
            .collect();
        Plan { project: project.to_string(), steps }
    }

    pub fn pending(&self) -> impl Iterator<Item = &PlannedStep> {
        self.steps.iter().filter(|s| !s.status.is_satisfied())
    }

    /// The steps nothing devup knows can meet here.
    pub fn cannot(&self) -> impl Iterator<Item = &PlannedStep> {
        self.steps.iter().filter(|s| matches!(s.status, Status::Cannot { .. }))
    }

    pub fn is_converged(&self) -> bool {
        self.pending().next().is_none()
    }
}
