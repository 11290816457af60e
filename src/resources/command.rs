//! `command`: the escape hatch. A `check` shell command says whether the step is met (exit 0),
//! an `apply` command meets it. Custom `[[step]]`s in devup.toml are this kind.

use std::path::PathBuf;

use serde::Deserialize;

use super::{BuildCx, Cx, Resource, Status, env_table, parse_args, paths};
use crate::step::action::{Action, Run};
use crate::step::{ScriptCx, ScriptStep};
use crate::system::Cmd;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    check: String,
    apply: String,
    cwd: Option<String>,
    #[serde(default)]
    env: toml::Table,
    description: Option<String>,
}

pub struct Command {
    pub check: String,
    pub apply: String,
    pub cwd: PathBuf,
    pub env: Vec<(String, String)>,
    pub description: Option<String>,
}

/// From a recipe: placeholders in the command lines are filled shell-quoted.
pub fn build(args: toml::Table, cx: &BuildCx) -> Result<Box<dyn Resource>, super::BuildError> {
    let args: Args = parse_args(args)?;
    let cwd = match &args.cwd {
        Some(dir) => paths::resolve(cx, &cx.vars.text(dir)?, false)?,
        None => cx.project_dir.to_path_buf(),
    };
    let env = env_table(&args.env, cx.vars)?;
    Ok(Box::new(Command {
        check: cx.vars.shell(&args.check)?,
        apply: cx.vars.shell(&args.apply)?,
        cwd,
        env,
        description: args.description.map(|d| cx.vars.text(&d)).transpose()?,
    }))
}

impl Command {
    fn cmd(&self, cx: &Cx, script: &str) -> Cmd {
        Cmd::shell(script).cwd(&self.cwd).envs(cx.env).envs(&self.env)
    }
}

impl Resource for Command {
    fn describe(&self) -> String {
        self.description.clone().unwrap_or_else(|| format!("`{}`", self.check))
    }

    fn check(&self, cx: &Cx) -> Status {
        if !self.cwd.is_dir() {
            return Status::missing(format!("its directory {} does not exist", self.cwd.display()));
        }
        match cx.system.run(&self.cmd(cx, &self.check)) {
            Ok(out) if out.success() => Status::Satisfied,
            Ok(out) => {
                let tail = out.tail(1);
                let detail = if tail.is_empty() { String::new() } else { format!(": {tail}") };
                Status::missing(format!("check `{}` failed ({}){detail}", self.check, out.status_text()))
            }
            Err(e) => Status::unknown(format!("cannot run `{}`: {e}", self.check)),
        }
    }

    fn action(&self) -> String {
        format!("run `{}`", self.apply)
    }

    fn actions(&self, _step_id: &str) -> Option<Vec<Action>> {
        Some(vec![Action::Run(Run::new(&self.apply).cwd(&self.cwd).envs(&self.env))])
    }

    fn commands(&self) -> Vec<String> {
        vec![self.check.clone(), self.apply.clone()]
    }

    fn script(&self, cx: &ScriptCx) -> Result<ScriptStep, String> {
        let prelude = format!("cd {}\n{}", cx.path(&self.cwd), crate::shell::exports(&self.env));
        Ok(ScriptStep {
            check: format!("test -d {} && (\n{prelude}{}\n)", cx.path(&self.cwd), self.check),
            ..ScriptStep::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recipe::template::Value;
    use crate::resources::testing::Sandbox;

    #[test]
    fn check_apply_check() {
        let sb = Sandbox::new();
        let c = sb.build(build, "check = 'test -f done'\napply = 'touch done'").unwrap();
        assert!(matches!(sb.check(c.as_ref()), Status::Missing { .. }));
        assert_eq!(sb.converge(c.as_ref()).unwrap(), Status::Satisfied);
    }

    #[test]
    fn a_failing_apply_reports_its_output_on_both_streams() {
        let sb = Sandbox::new();
        let c = sb.build(build, "check = 'false'\napply = 'echo why; echo boom >&2; exit 4'").unwrap();
        let failure = sb.converge(c.as_ref()).unwrap_err();
        assert!(failure.message.contains("exit code 4"));
        assert_eq!(failure.output.as_deref(), Some("stdout:\n  why\nstderr:\n  boom"));
        let c = sb.build(build, "check = 'false'\napply = 'echo boom >&2; exit 4'").unwrap();
        assert_eq!(sb.converge(c.as_ref()).unwrap_err().output.as_deref(), Some("stderr:\n  boom"));
    }

    #[test]
    fn values_cannot_inject_commands() {
        let mut sb = Sandbox::new();
        sb.vars.set("name", Value::Text("x; touch pwned".into()));
        let c = sb.build(build, "check = 'test -f {name}'\napply = 'touch {name}'").unwrap();
        assert_eq!(sb.converge(c.as_ref()).unwrap(), Status::Satisfied);
        assert!(sb.path("x; touch pwned").exists());
        assert!(!sb.path("pwned").exists());
    }
}
