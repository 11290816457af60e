//! `devup hook-env SHELL`: what the activation hook runs before a prompt. It prints shell code
//! that brings the shell to the environment of the project it is in (or of none), and at most
//! one line on stderr when that changes something. It never runs the project's commands nor
//! converges anything, and it never fails the shell: a problem is that one line.
//!
//! The fast path reads only `__DEVUP_STATE` and the stamps of the files it watches; the rest
//! (recipes, facts, expansion, the tools' directories) is computed only when the shell entered
//! or left a project, or a watched file changed.

use std::path::{Path, PathBuf};

use crate::activation::shell::Shell;
use crate::activation::{self, Applied, Env, STATE_VAR};
use crate::cli::Global;
use crate::error::exit;
use crate::manifest::FILE_NAME;
use crate::project::Project;
use crate::settings::Settings;
use crate::trust::{self, Verdict};

pub fn run(settings: &Settings, shell: Shell) -> u8 {
    // Garbage in the variable (another devup's format) counts as nothing applied; it is unset.
    let old = settings.activation.as_deref().map(Applied::decode);
    let here = settings.pwd.clone().or_else(|| std::env::current_dir().ok());
    let found = here.as_deref().and_then(project_dir);
    match (&old, &found) {
        (None, None) => return exit::OK,
        (Some(Some(applied)), Some(dir)) if applied.holds_for(dir) => return exit::OK,
        _ => {}
    }
    let old = old.flatten();
    let mut env = Env::from_process();
    if let Some(applied) = old.as_ref().filter(|a| a.is_active()) {
        activation::undo(applied, &mut env);
    }
    let new = found.map(|dir| activate(settings, dir, &mut env));
    env.set(STATE_VAR, new.as_ref().map(Applied::encode));
    print!("{}", shell.render(&env.changes()));
    if let Some(line) = message(old.as_ref(), new.as_ref()) {
        eprintln!("devup: {line}");
    }
    exit::OK
}

/// The nearest directory from `start` up that holds a devup.toml.
pub fn project_dir(start: &Path) -> Option<PathBuf> {
    start.ancestors().find(|dir| dir.join(FILE_NAME).is_file()).map(Path::to_path_buf)
}

/// Opens the project in `dir` and applies its environment to `env` (which has nothing of an
/// earlier activation left); or says why not: an invalid file, commands or `[env]` not
/// approved on this machine.
fn activate(settings: &Settings, dir: PathBuf, env: &mut Env) -> Applied {
    let manifest = dir.join(FILE_NAME);
    let fallback_name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    // The project's tools are resolved against the PATH the shell had before any activation.
    let mut settings = settings.clone();
    settings.path = env.get("PATH").unwrap_or_default().into();
    let global = Global::for_file(manifest.clone());
    let mut project = match Project::open(&settings, &global) {
        Ok(project) => project,
        Err(e) => {
            let watches = vec![
                activation::Watch::of(manifest.clone()),
                activation::Watch::of(dir.join(crate::tools::lockfile::FILE_NAME)),
            ];
            let first = e.to_string().lines().next().unwrap_or_default().to_string();
            return Applied::new(dir, fallback_name, watches).refused(format!("{first} (`devup plan` shows where)"));
        }
    };
    let applied = Applied::new(dir, project.manifest.name.clone(), watches(&settings, &project, &manifest));
    if let Some(why) = not_approved(&project) {
        return applied.refused(why);
    }
    let (vars, path) = super::env::environment(&mut project);
    let mut applied = applied;
    activation::apply(&vars, &path, env, &mut applied);
    applied
}

/// What activation watches for a project that opened.
pub fn watches(settings: &Settings, project: &Project, manifest: &Path) -> Vec<activation::Watch> {
    let recipe_dirs: Vec<PathBuf> =
        [Some(project.manifest.dir.join(".devup").join("recipes")), settings.user_recipes()]
            .into_iter()
            .flatten()
            .collect();
    let recipes: Vec<(&str, &str)> =
        project.manifest.entries.iter().map(|e| (e.section.key(), e.recipe.as_str())).collect();
    let ports = crate::project::ports_file(&project.store.data_dir(&settings.data_root));
    let mut watches = activation::watches(manifest, &project.store.dir, ports, &recipe_dirs, &recipes);
    // Files whose content devup runs (seed SQL) are approved with the project: a change to
    // one deactivates it until approved again.
    watches.extend(project.run_files.iter().map(|(_, path)| activation::Watch::of(path.clone())));
    watches
}

/// Why the project may not be applied to a shell: what it runs, or its `[env]`, is not
/// approved on this machine.
fn not_approved(project: &Project) -> Option<String> {
    let review = trust::review(project)?;
    let Verdict::Untrusted { previous } = trust::verdict(&project.store, &review) else {
        return None;
    };
    let what = match (review.runs_commands(), review.env.is_empty()) {
        (true, false) => "its commands and [env] are",
        (true, true) => "its commands are",
        (false, _) => "its [env] is",
    };
    Some(match previous {
        None => format!("{what} not approved on this machine; review with `devup trust`"),
        Some(_) => "it changed since you approved it; review the change with `devup trust`".to_string(),
    })
}

/// The one line said when the shell's environment switches, if it does.
fn message(old: Option<&Applied>, new: Option<&Applied>) -> Option<String> {
    let old_active = old.filter(|o| o.is_active());
    let left = old_active.filter(|o| new.is_none_or(|n| n.dir != o.dir || !n.is_active()));
    let left_note = |sep: &str| left.map(|o| format!("{sep}{} deactivated", o.name)).unwrap_or_default();
    let Some(new) = new else {
        return left.map(|o| format!("{} deactivated", o.name));
    };
    match &new.refused {
        None => match old_active.filter(|o| o.dir == new.dir) {
            Some(same) if same.same_values(new) => None,
            Some(same) => Some(format!("{} updated: {}", new.name, new.changed_names(same).join(", "))),
            None => Some(format!("{} activated: {}{}", new.name, new.summary(), left_note("; "))),
        },
        Some(why) if left.is_some_and(|o| o.dir == new.dir) => Some(format!("{} deactivated: {why}", new.name)),
        Some(why) => {
            let said = old.is_some_and(|o| o.dir == new.dir && o.refused.as_ref() == Some(why));
            (!said).then(|| format!("{} not activated: {why}{}", new.name, left_note("; ")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn active(dir: &str, vars: &[(&str, &str)]) -> Applied {
        let mut a = Applied::new(dir.into(), dir.trim_start_matches('/').into(), Vec::new());
        let vars: Vec<(String, String)> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        activation::apply(&vars, &[], &mut Env::new(|_| None), &mut a);
        a
    }

    #[test]
    fn one_line_when_the_environment_switches_and_none_otherwise() {
        let shop = active("/shop", &[("A", "1"), ("B", "2")]);
        let blog = active("/blog", &[("A", "3")]);
        assert_eq!(message(None, Some(&shop)).as_deref(), Some("shop activated: 2 variables"));
        assert_eq!(message(Some(&shop), Some(&shop.clone())), None);
        assert_eq!(message(Some(&shop), None).as_deref(), Some("shop deactivated"));
        assert_eq!(message(Some(&shop), Some(&blog)).as_deref(), Some("blog activated: 1 variable; shop deactivated"));
        let edited = active("/shop", &[("A", "1"), ("B", "5")]);
        assert_eq!(message(Some(&shop), Some(&edited)).as_deref(), Some("shop updated: B"));
        let refused = Applied::new("/shop".into(), "shop".into(), Vec::new()).refused("why".into());
        assert_eq!(message(Some(&shop), Some(&refused)).as_deref(), Some("shop deactivated: why"));
        let other = Applied::new("/blog".into(), "blog".into(), Vec::new()).refused("why".into());
        assert_eq!(message(Some(&shop), Some(&other)).as_deref(), Some("blog not activated: why; shop deactivated"));
        assert_eq!(message(Some(&refused), Some(&refused.clone())), None, "said once");
        assert_eq!(message(Some(&refused), None), None);
        assert_eq!(message(None, None), None);
    }
}
