//! `devup trust`, and the trust decision `up` makes before running a project's commands.

use crate::cli::Global;
use crate::error::{Error, Result, exit};
use crate::printer::Printer;
use crate::project::Project;
use crate::settings::Settings;
use crate::system::System;
use crate::trust::{self, Verdict};

const CI_HINT: &str = "review and approve them with `devup trust`; in CI, where the repository is trusted, \
                       pass `--trust` or set DEVUP_TRUST=1";

/// `devup trust`: show what the project runs, ask at a terminal (unless `--yes`), record it.
pub fn run(settings: &Settings, global: &Global, yes: bool, printer: &Printer) -> Result<u8> {
    let project = Project::open(settings, global)?;
    let Some(review) = trust::review(&project) else {
        printer.line("this project runs no commands of its own and has no [env]: nothing to trust");
        return Ok(exit::OK);
    };
    let previous = match trust::verdict(&project.store, &review) {
        Verdict::Trusted => {
            printer.line("this project's commands are already trusted");
            return Ok(exit::OK);
        }
        Verdict::Untrusted { previous } => previous,
    };
    eprint!("{}", trust::describe(&review, previous.as_ref()));
    if settings.interactive && !yes && !super::ask("Trust these commands?", false)? {
        return Err(Error::refused("nothing was trusted", None));
    }
    record(&System::new(), &project, &review)?;
    printer.line(if review.runs_commands() {
        "trusted: `devup` will run these commands"
    } else {
        "trusted: activation and `devup exec` will set these variables"
    });
    Ok(exit::OK)
}

/// Before `up` runs anything: the project's commands must be approved. At a terminal devup
/// asks; elsewhere it refuses unless trust was given explicitly (`--trust`, DEVUP_TRUST=1).
pub fn ensure(project: &Project, settings: &Settings, system: &System, trust_given: bool) -> Result<()> {
    if let Some(user) = &settings.sudo_user {
        return Err(Error::refused(
            format!("devup was started through sudo by {user}: it does not run a project's commands as root"),
            Some("run devup as yourself; it uses sudo on its own, only to install packages"),
        ));
    }
    let Some(review) = trust::review(project).filter(trust::Review::runs_commands) else {
        return Ok(());
    };
    approve_or_refuse(project, settings, system, trust_given, &review)
}

/// Before `devup exec` puts the project's environment into a command: its commands and its
/// `[env]` must be approved, asked as `up` asks.
pub fn ensure_for_shell(project: &Project, settings: &Settings, system: &System, trust_given: bool) -> Result<()> {
    match trust::review(project) {
        Some(review) => approve_or_refuse(project, settings, system, trust_given, &review),
        None => Ok(()),
    }
}

fn approve_or_refuse(
    project: &Project,
    settings: &Settings,
    system: &System,
    trust_given: bool,
    review: &trust::Review,
) -> Result<()> {
    let Verdict::Untrusted { previous } = trust::verdict(&project.store, review) else {
        return Ok(());
    };
    if trust_given {
        return record(system, project, review);
    }
    let text = trust::describe(review, previous.as_ref());
    if !settings.interactive {
        // A change says itself what changed (its first line); the first time, what is not approved.
        let message = match previous {
            Some(_) => lowercase_first(text.trim_end()),
            None => {
                let what = if !review.lines.is_empty() {
                    "the project's commands have"
                } else if review.runs_commands() {
                    "the files devup runs for the project have"
                } else {
                    "the project's [env] has"
                };
                format!("{what} not been approved on this machine\n{}", text.trim_end())
            }
        };
        return Err(Error::refused(message, Some(CI_HINT)));
    }
    eprint!("{text}");
    let question =
        if review.runs_commands() { "Trust these commands and go on?" } else { "Trust these variables and go on?" };
    if !super::ask(question, false)? {
        return Err(Error::refused("nothing was changed: the project's commands were not trusted", None));
    }
    record(system, project, review)
}

/// For `plan` and `doctor`: an untrusted project's own steps are shown but not checked.
/// Explicit trust (`--trust`, DEVUP_TRUST=1) lets them run without recording anything.
pub fn gate_if_untrusted(project: &mut Project, trust_given: bool, printer: &Printer) {
    if trust_given {
        return;
    }
    let Some(review) = trust::review(project).filter(trust::Review::runs_commands) else {
        return;
    };
    if let Verdict::Untrusted { .. } = trust::verdict(&project.store, &review) {
        printer.warn("the project's own commands are not trusted yet, so they were not run: see `devup trust`");
        trust::gate(project);
    }
}

fn record(system: &System, project: &Project, review: &trust::Review) -> Result<()> {
    trust::approve(system, &project.store, review)
        .map_err(|e| Error::io(format!("cannot record trust in {}", project.store.dir.display()), e))
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_lowercase().chain(chars).collect()).unwrap_or_default()
}
