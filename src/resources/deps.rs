//! `deps`: a dependency install (`npm ci`, `pip install -r ...`) that is re-run when the sha256
//! of its inputs changed since it last succeeded, or when one of its outputs is missing.
//!
//! Inputs are hashed only when their size or mtime changed (the hash is cached in the state),
//! so a converged run reads no lockfile.
//!
//! The fingerprint of the last successful install is kept in a stamp file: the recipe's `stamp`
//! (inside what the install builds, such as `node_modules/.devup-fingerprint`, so that deleting
//! the build deletes the record), else `deps/<step id>` in the project's state directory. Its
//! lines are defined so that a shell can compute them (`sha256sum`, `stat`, `date -r`): an
//! exported script writes the same stamp, and devup then finds the install done.

use std::path::PathBuf;

use serde::Deserialize;

use super::{BuildCx, Cx, Resource, Status, env_table, parse_args, paths};
use crate::shell_forms::actions::stamp_lines;
use crate::step::action::{self, Action, Run, StampLine};
use crate::step::{ScriptCx, ScriptStep};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    run: String,
    #[serde(default)]
    inputs: Vec<String>,
    #[serde(default)]
    outputs: Vec<String>,
    /// More text the result depends on.
    #[serde(default)]
    key: Vec<String>,
    /// Commands the result depends on (`node`, `python3`): the install re-runs when the one
    /// found on PATH changes (another path, or the file was replaced by an upgrade).
    #[serde(default)]
    tools: Vec<String>,
    cwd: Option<String>,
    #[serde(default)]
    env: toml::Table,
    description: Option<String>,
    /// Where the fingerprint of the last successful install is kept (default: in the state).
    stamp: Option<String>,
}

struct Deps {
    run: String,
    inputs: Vec<(String, PathBuf)>,
    outputs: Vec<(String, PathBuf)>,
    key: Vec<String>,
    tools: Vec<String>,
    cwd: PathBuf,
    env: Vec<(String, String)>,
    description: String,
    stamp: Option<PathBuf>,
    state_dir: PathBuf,
    project_dir: PathBuf,
}

pub fn build(args: toml::Table, cx: &BuildCx) -> Result<Box<dyn Resource>, super::BuildError> {
    let args: Args = parse_args(args)?;
    let resolve_all = |list: &[String]| -> Result<Vec<(String, PathBuf)>, String> {
        list.iter()
            .map(|p| {
                let path = paths::resolve(cx, &cx.vars.text(p)?, false)?;
                Ok((paths::show(cx.project_dir, &path), path))
            })
            .collect()
    };
    let cwd = match &args.cwd {
        Some(dir) => paths::resolve(cx, &cx.vars.text(dir)?, false)?,
        None => cx.project_dir.to_path_buf(),
    };
    let env = env_table(&args.env, cx.vars)?;
    let run = cx.vars.shell(&args.run)?;
    Ok(Box::new(Deps {
        description: args.description.map(|d| cx.vars.text(&d)).transpose()?.unwrap_or_else(|| format!("`{run}`")),
        run,
        inputs: resolve_all(&args.inputs)?,
        outputs: resolve_all(&args.outputs)?,
        key: args.key.iter().map(|k| cx.vars.text(k)).collect::<Result<_, _>>()?,
        tools: args.tools.iter().map(|t| cx.vars.text(t)).collect::<Result<_, _>>()?,
        cwd,
        env,
        stamp: args.stamp.map(|p| cx.vars.text(&p).and_then(|p| paths::resolve(cx, &p, false))).transpose()?,
        state_dir: cx.state_dir.to_path_buf(),
        project_dir: cx.project_dir.to_path_buf(),
    }))
}

impl Deps {
    /// The file holding the fingerprint of the last successful install.
    fn stamp_path(&self, step_id: &str) -> PathBuf {
        self.stamp.clone().unwrap_or_else(|| self.state_dir.join("deps").join(step_id))
    }

    /// What the last successful install was made from: the stamp, else what an earlier devup
    /// recorded in its state.
    fn recorded(&self, cx: &Cx) -> Option<String> {
        match std::fs::read_to_string(self.stamp_path(cx.step_id)) {
            Ok(text) => Some(text.trim_end_matches('\n').to_string()),
            Err(_) => cx.memory.fingerprint(cx.step_id),
        }
    }

    /// One line per thing the result depends on, so a change can be named: computed by devup
    /// for its check, and by the install's actions (and the exported script) for its record.
    fn fingerprint_lines(&self) -> Vec<StampLine> {
        let mut lines = vec![StampLine::Text(format!("run {}", self.run))];
        lines.extend(self.key.iter().map(|k| StampLine::Text(format!("key {k}"))));
        lines.extend(self.tools.iter().map(|t| StampLine::Tool(t.clone())));
        lines.extend(
            self.inputs.iter().map(|(shown, path)| StampLine::Input { shown: shown.clone(), path: path.clone() }),
        );
        lines
    }

    fn fingerprint(&self, cx: &Cx) -> String {
        action::stamp_text(&self.fingerprint_lines(), cx)
    }
}

/// What differs between two fingerprints, e.g. "package-lock.json".
fn changes(old: &str, new: &str) -> Vec<String> {
    let old_lines: Vec<&str> = old.lines().collect();
    new.lines()
        .filter(|line| !old_lines.contains(line))
        .map(|line| match line.split_once(' ') {
            Some(("input", rest)) => rest.rsplit_once(' ').map_or(rest, |(name, _)| name).to_string(),
            Some(("run", _)) => "the install command".to_string(),
            Some(("tool", rest)) => {
                format!("the `{}` command", rest.split(' ').next().unwrap_or(rest))
            }
            Some((_, rest)) => rest.to_string(),
            None => line.to_string(),
        })
        .collect()
}

impl Resource for Deps {
    fn describe(&self) -> String {
        self.description.clone()
    }

    fn check(&self, cx: &Cx) -> Status {
        if let Some((shown, _)) = self.outputs.iter().find(|(_, path)| !path.exists()) {
            return Status::missing(format!("{shown} is missing"));
        }
        let Some(recorded) = self.recorded(cx) else {
            return Status::missing("devup has no record of a successful install");
        };
        let current = self.fingerprint(cx);
        if current == recorded {
            return Status::Satisfied;
        }
        Status::drifted(
            format!("changes since the last install: {}", changes(&recorded, &current).join(", ")),
            "an install from the current inputs",
        )
    }

    fn action(&self) -> String {
        format!("run `{}`", self.run)
    }

    /// The record of an earlier success goes first (a run killed half-way must not leave it
    /// behind); it is written again after the install, hashed then (an install may rewrite its
    /// lockfile).
    fn actions(&self, step_id: &str) -> Option<Vec<Action>> {
        let stamp = self.stamp_path(step_id);
        Some(vec![
            Action::RemoveFile(stamp.clone()),
            Action::Run(Run::new(&self.run).cwd(&self.cwd).envs(&self.env)),
            Action::Stamp { path: stamp, lines: self.fingerprint_lines() },
        ])
    }

    fn commands(&self) -> Vec<String> {
        vec![self.run.clone()]
    }

    fn script(&self, cx: &ScriptCx) -> Result<ScriptStep, String> {
        let stamp = cx.path(&self.stamp_path(cx.step_id));
        let name = format!("fingerprint_{}", shell_name(cx.step_id));
        let mut check: Vec<String> = self.outputs.iter().map(|(_, p)| format!("test -e {}", cx.path(p))).collect();
        check.push(format!("test -f {stamp}"));
        check.push(format!("[ \"$(cat {stamp})\" = \"$({name})\" ]"));
        let inside = |p: &PathBuf| p.strip_prefix(&self.project_dir).ok().map(|r| r.display().to_string());
        Ok(ScriptStep {
            functions: format!("{name}() {{\n{}\n}}\n", stamp_lines(&self.fingerprint_lines(), cx)),
            check: check.join(" &&\n"),
            inputs: self.inputs.iter().filter_map(|(_, p)| inside(p)).collect(),
            stamp: Some(cx.rel(&self.stamp_path(cx.step_id))),
            ..ScriptStep::default()
        })
    }
}

/// A step id as part of a shell function's name: `dependencies.pip.venv` → `dependencies_pip_venv`.
fn shell_name(id: &str) -> String {
    id.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::testing::Sandbox;

    const ARGS: &str = "run = 'mkdir -p out && cat lock >> out/log'\ninputs = ['lock']\noutputs = ['out']";

    #[test]
    fn runs_once_then_only_when_inputs_change() {
        let sb = Sandbox::new();
        sb.write("lock", "v1\n");
        let d = sb.build(build, ARGS).unwrap();
        assert_eq!(sb.check(d.as_ref()), Status::missing("out is missing"));
        assert_eq!(sb.converge(d.as_ref()).unwrap(), Status::Satisfied);
        assert_eq!(sb.check(d.as_ref()), Status::Satisfied);

        sb.write("lock", "v2 longer\n");
        let Status::Drifted { have, .. } = sb.check(d.as_ref()) else { panic!() };
        assert_eq!(have, "changes since the last install: lock");
        assert_eq!(sb.converge(d.as_ref()).unwrap(), Status::Satisfied);
        assert_eq!(std::fs::read_to_string(sb.path("out/log")).unwrap(), "v1\nv2 longer\n");
    }

    #[test]
    fn a_deleted_output_is_reinstalled() {
        let sb = Sandbox::new();
        sb.write("lock", "v1\n");
        let d = sb.build(build, ARGS).unwrap();
        sb.converge(d.as_ref()).unwrap();
        std::fs::remove_dir_all(sb.path("out")).unwrap();
        assert_eq!(sb.check(d.as_ref()), Status::missing("out is missing"));
        assert_eq!(sb.converge(d.as_ref()).unwrap(), Status::Satisfied);
    }

    #[test]
    fn a_failed_install_records_nothing() {
        let sb = Sandbox::new();
        let d = sb.build(build, "run = 'exit 1'\ninputs = ['lock']").unwrap();
        assert!(sb.converge(d.as_ref()).is_err());
        assert_eq!(sb.memory.fingerprint("test.step"), None);
    }

    #[test]
    fn names_what_changed() {
        assert_eq!(changes("run a\ninput x 1\ninput y 2", "run a\ninput x 1\ninput y 3"), ["y"]);
        assert_eq!(changes("run a\nkey 3.11", "run b\nkey 3.12"), ["the install command", "3.12"]);
    }
}
