//! `symlink`: a symbolic link points at a target. A wrong link is replaced (a link holds no
//! data); a real file or directory in its place is kept unless `--replace-files` is given.

use std::path::PathBuf;

use serde::Deserialize;

use super::{BuildCx, Cx, Resource, Status, parse_args, paths};
use crate::shell::quote;
use crate::step::action::Action;
use crate::step::{ScriptCx, ScriptStep};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    path: String,
    target: String,
    #[serde(default)]
    outside_project: bool,
}

struct Symlink {
    path: PathBuf,
    shown: String,
    target: PathBuf,
}

pub fn build(args: toml::Table, cx: &BuildCx) -> Result<Box<dyn Resource>, super::BuildError> {
    let args: Args = parse_args(args)?;
    let path = paths::resolve(cx, &cx.vars.text(&args.path)?, args.outside_project)?;
    // The target is stored as written: a relative target is relative to the link's directory.
    let target = PathBuf::from(cx.vars.text(&args.target)?);
    if target.as_os_str().is_empty() {
        return Err("the target is empty".into());
    }
    Ok(Box::new(Symlink { shown: paths::show(cx.project_dir, &path), path, target }))
}

impl Resource for Symlink {
    fn describe(&self) -> String {
        format!("symlink {} -> {}", self.shown, self.target.display())
    }

    fn check(&self, _cx: &Cx) -> Status {
        match std::fs::symlink_metadata(&self.path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Status::missing(format!("{} does not exist", self.shown))
            }
            Err(e) => Status::unknown(format!("cannot read {}: {e}", self.shown)),
            Ok(meta) if !meta.file_type().is_symlink() => Status::drifted("a real file or directory", "a symlink"),
            Ok(_) => match std::fs::read_link(&self.path) {
                Ok(target) if target == self.target => Status::Satisfied,
                Ok(target) => Status::drifted(
                    format!("a link to {}", target.display()),
                    format!("a link to {}", self.target.display()),
                ),
                Err(e) => Status::unknown(format!("cannot read link {}: {e}", self.shown)),
            },
        }
    }

    fn action(&self) -> String {
        format!("link {} to {}", self.shown, self.target.display())
    }

    fn actions(&self, _step_id: &str) -> Option<Vec<Action>> {
        Some(vec![Action::Link { path: self.path.clone(), target: self.target.clone() }])
    }

    fn script(&self, cx: &ScriptCx) -> Result<ScriptStep, String> {
        let (path, target) = (cx.path(&self.path), quote(&self.target.display().to_string()));
        Ok(ScriptStep {
            check: format!("test -L {path} && [ \"$(readlink {path})\" = {target} ]"),
            ..ScriptStep::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::testing::Sandbox;

    #[test]
    fn creates_and_repoints_links() {
        let sb = Sandbox::new();
        let link = sb.build(build, "path = 'bin/tool'\ntarget = '../tools/v2'").unwrap();
        assert!(matches!(sb.check(link.as_ref()), Status::Missing { .. }));
        assert_eq!(sb.converge(link.as_ref()).unwrap(), Status::Satisfied);
        let other = sb.build(build, "path = 'bin/tool'\ntarget = '../tools/v3'").unwrap();
        assert!(matches!(sb.check(other.as_ref()), Status::Drifted { .. }));
        assert_eq!(sb.converge(other.as_ref()).unwrap(), Status::Satisfied);
    }

    #[test]
    fn keeps_a_real_file_in_the_way() {
        let mut sb = Sandbox::new();
        sb.write("tool", "data");
        let link = sb.build(build, "path = 'tool'\ntarget = 'x'").unwrap();
        assert!(sb.converge(link.as_ref()).is_err());
        assert_eq!(std::fs::read_to_string(sb.path("tool")).unwrap(), "data");
        sb.replace_files = true;
        assert_eq!(sb.converge(link.as_ref()).unwrap(), Status::Satisfied);
        assert_eq!(std::fs::read_to_string(sb.path("tool.devup-backup")).unwrap(), "data");
    }
}
