//! One file per subcommand.

pub mod activate;
pub mod completions;
pub mod doctor;
pub mod down;
pub mod env;
pub mod exec;
pub mod export;
pub mod hook_env;
pub mod init;
pub mod lock;
pub mod man;
pub mod plan;
pub mod recipes;
pub mod status;
pub mod trust;
pub mod up;

use crate::engine::{self, Plan};
use crate::printer::Printer;
use crate::project::Project;
use crate::state::Memory;
use crate::step::Cx;
use crate::system::System;

/// The state of a project for this run; an unusable state file is reported.
pub fn memory(project: &Project, printer: &Printer) -> Memory {
    if let Some(why) = &project.state_problem {
        printer.warn(&format!("devup's state for this project was unusable and is rebuilt: {why}"));
    }
    Memory::new(project.state.clone())
}

/// Checks every step and builds the plan; also returns the project's environment with the
/// PATH its tools resolved to, for the commands an apply runs.
pub fn check(project: &Project, cx: &Cx) -> (Plan, engine::CheckResult) {
    let checked = engine::check_all(&project.steps, cx, || project.command_env());
    let plan = Plan::new(&project.manifest.name, &project.steps, &project.order, &checked.statuses);
    (plan, checked)
}

/// The context of a run that applies nothing (plan, doctor, status) or only stops (down).
pub fn read_only_cx<'a>(project: &'a Project, system: &'a System, memory: &'a Memory, jobs: usize) -> Cx<'a> {
    Cx {
        system,
        facts: &project.facts,
        memory,
        env: &project.env,
        replace_files: false,
        step_id: "",
        jobs,
        tools: &project.tools,
    }
}

pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get()).max(2)
}

/// A yes/no question on the terminal (callers ask only when a person is there). Ctrl-C gives
/// the terminal back as it was (the prompt hides the cursor) and is an `Interrupted` error.
pub fn ask(prompt: &str, default: bool) -> crate::error::Result<bool> {
    crate::interrupt::catch();
    let answer = dialoguer::Confirm::new().with_prompt(prompt).default(default).interact_on(&console::Term::stderr());
    let interrupted = crate::interrupt::requested()
        || matches!(&answer, Err(dialoguer::Error::IO(e)) if e.kind() == std::io::ErrorKind::Interrupted);
    if interrupted || answer.is_err() {
        crate::interrupt::restore_terminal();
        eprintln!();
    }
    if interrupted {
        return Err(crate::error::Error::Interrupted("nothing was changed".into()));
    }
    answer.map_err(|e| crate::error::Error::io("cannot ask for confirmation", std::io::Error::other(e)))
}
