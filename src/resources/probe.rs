//! `probe`: something a server holds (a database, a role, an extension) is checked by a probe
//! over its socket, without spawning a client, and created by a command when missing.

use serde::Deserialize;

use super::probe_args::ProbeArgs;
use super::{BuildCx, Cx, Resource, Status, env_table, parse_args, paths};
use crate::protocols::Probe;
use crate::state::sha256_hex;
use crate::step::action::{Action, Run, RunAs};
use crate::step::{ScriptCx, ScriptStep};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    probe: ProbeArgs,
    /// Makes the probe pass.
    apply: Option<String>,
    /// Without `apply`: what the user must do, for a condition devup checks but does not change
    /// (the version of the machine's own server).
    hint: Option<String>,
    /// The account `apply` runs as: directly when devup is root, else through `sudo -u` (when
    /// it is not the account devup runs as).
    user: Option<String>,
    /// Text that `apply`'s output may contain without being shown (a password).
    #[serde(default)]
    secret: Vec<String>,
    /// Variables for `apply` (a password travels here, not on a command line).
    #[serde(default)]
    env: toml::Table,
    /// What the probe cannot see (a password): its sha256 is recorded when `apply` succeeds,
    /// and a different value makes the step drift, so a changed password is applied.
    fingerprint: Option<String>,
}

struct Probed {
    description: String,
    probe: Probe,
    fix: Fix,
    /// `fix` as it may be shown: rendered with the secrets' placeholders masked.
    fix_shown: String,
    user: Option<String>,
    secrets: Vec<String>,
    env: Vec<(String, String)>,
    fingerprint: Option<String>,
    cwd: std::path::PathBuf,
}

/// How a failing probe is made to pass.
enum Fix {
    /// A command devup runs.
    Run(String),
    /// Words for the user: devup does not change this itself.
    Tell(String),
}

pub fn build(args: toml::Table, cx: &BuildCx) -> Result<Box<dyn Resource>, super::BuildError> {
    let args: Args = parse_args(args)?;
    let fix = match (&args.apply, &args.hint) {
        (Some(apply), None) => Fix::Run(cx.vars.shell(apply)?),
        (None, Some(hint)) => Fix::Tell(cx.vars.text(hint)?),
        _ => return Err("a probe step takes `apply` (the command that makes it pass) or `hint` (what the user must do when devup cannot), one of them".into()),
    };
    let probe = args.probe.render(cx.vars, |p| paths::resolve(cx, p, false))?;
    let masked = cx.vars.masked(&args.secret);
    let fix_shown = match (&args.apply, &args.hint) {
        (Some(apply), _) => masked.shell(apply)?,
        (_, Some(hint)) => masked.text(hint)?,
        _ => String::new(),
    };
    Ok(Box::new(Probed {
        fix_shown,
        // What the probe finds, in the recipe's words ("database x"), for "no database x".
        description: match cx.description {
            Some(d) => d.to_string(),
            None => format!("answers on {}", probe.describe()),
        },
        probe,
        fix,
        user: args.user.map(|u| cx.vars.text(&u)).transpose()?,
        secrets: cx.vars.text_list(&args.secret)?.into_iter().filter(|s| !s.is_empty()).collect(),
        env: env_table(&args.env, cx.vars)?,
        cwd: cx.project_dir.to_path_buf(),
        fingerprint: args.fingerprint.map(|f| cx.vars.text(&f).map(|f| sha256_hex(f.as_bytes()))).transpose()?,
    }))
}

impl Probed {}

impl Resource for Probed {
    fn describe(&self) -> String {
        self.description.clone()
    }

    fn check(&self, cx: &Cx) -> Status {
        match self.probe.run(cx.system, cx.env) {
            Ok(()) if self.fingerprint.is_some() && cx.memory.fingerprint(cx.step_id) != self.fingerprint => {
                Status::drifted(
                    "attributes devup cannot read back changed in devup.toml (or were never applied)",
                    "the declared ones",
                )
            }
            Ok(()) => Status::Satisfied,
            // Name what is missing: the probe alone may only say "the query found nothing".
            // The probe's words name what it asked (never a secret: those travel in `env`).
            Err(e) => Status::missing(format!("no {} ({e})", self.description)),
        }
    }

    fn action(&self) -> String {
        match &self.fix {
            Fix::Run(_) => format!("run `{}`", self.fix_shown),
            Fix::Tell(_) => format!("nothing devup changes itself: {}", self.fix_shown),
        }
    }

    /// Another account runs the command from `/` (it may not enter the project); a hint is a
    /// refusal: devup does not change this itself.
    fn actions(&self, _step_id: &str) -> Option<Vec<Action>> {
        let apply = match &self.fix {
            Fix::Run(apply) => apply,
            Fix::Tell(hint) => {
                return Some(vec![Action::Fail {
                    message: format!("no {}", self.description),
                    hint: Some(hint.clone()),
                }]);
            }
        };
        let cwd = if self.user.is_some() { std::path::PathBuf::from("/") } else { self.cwd.clone() };
        let run = Run::new(apply)
            .cwd(cwd)
            .envs(&self.env)
            .run_as(self.user.clone().map(RunAs::User))
            .masked(&self.fix_shown, &self.secrets);
        let mut actions = vec![Action::Run(run)];
        actions.extend(self.fingerprint.clone().map(Action::Fingerprint));
        Some(actions)
    }

    fn secrets(&self) -> Vec<String> {
        self.secrets.clone()
    }

    fn commands(&self) -> Vec<String> {
        match &self.fix {
            Fix::Run(_) => vec![self.fix_shown.clone()],
            Fix::Tell(_) => Vec::new(),
        }
    }

    fn script(&self, cx: &ScriptCx) -> Result<ScriptStep, String> {
        let mut warnings = Vec::new();
        if self.fingerprint.is_some() {
            warnings.push(
                "devup records what no probe can read back here (a password) in its own state: after this \
                 script, `devup plan` shows this step once as changed, and `devup up` applies it again"
                    .to_string(),
            );
        }
        Ok(ScriptStep {
            check: crate::shell_forms::client_checks::shell(&self.probe, cx)?,
            warnings,
            ..ScriptStep::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::testing::Sandbox;

    /// A role named like its password: the name is shown, the password nowhere.
    #[test]
    fn secrets_are_masked_where_they_were_substituted_not_every_equal_word() {
        let mut sb = Sandbox::new();
        sb.vars.set_text("item.name", "app");
        sb.vars.set_text("item.password", "app");
        let args = "probe = { protocol = \"path\", path = \"role-{item.name}\" }\n\
                    apply = \": {item.name} {item.password}; echo password app rejected >&2; false\"\n\
                    secret = [\"{item.password}\"]";
        let table: toml::Table = toml::from_str(args).unwrap();
        let cx = BuildCx { description: Some("role app"), ..sb.build_cx() };
        let step = build(table, &cx).unwrap();
        assert_eq!(
            sb.check(step.as_ref()).reason(),
            format!("no role app ({} does not exist)", sb.path("role-app").display())
        );
        assert_eq!(step.action(), "run `: app '***'; echo password app rejected >&2; false`");
        let failure = sb.converge(step.as_ref()).unwrap_err();
        assert!(failure.message.contains(": app '***'"), "{}", failure.message);
        assert_eq!(failure.output.as_deref(), Some("stderr:\n  password *** rejected"), "output is masked everywhere");
    }
}
