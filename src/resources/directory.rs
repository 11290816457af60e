//! `directory`: a directory exists (with a mode, if one is given).

use std::path::PathBuf;

use serde::Deserialize;

use super::{BuildCx, Cx, Resource, Status, mode_of, parse_args, parse_mode, paths};
use crate::step::action::{Action, Test};
use crate::step::{ScriptCx, ScriptStep};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    path: String,
    mode: Option<String>,
    #[serde(default)]
    outside_project: bool,
}

struct Directory {
    path: PathBuf,
    shown: String,
    mode: Option<u32>,
}

pub fn build(args: toml::Table, cx: &BuildCx) -> Result<Box<dyn Resource>, super::BuildError> {
    let args: Args = parse_args(args)?;
    let text = cx.vars.text(&args.path)?;
    let path = paths::resolve(cx, &text, args.outside_project)?;
    let mode = args.mode.as_deref().map(parse_mode).transpose()?;
    Ok(Box::new(Directory { shown: paths::show(cx.project_dir, &path), path, mode }))
}

impl Resource for Directory {
    fn describe(&self) -> String {
        format!("directory {}", self.shown)
    }

    fn check(&self, _cx: &Cx) -> Status {
        match std::fs::metadata(&self.path) {
            Ok(meta) if !meta.is_dir() => Status::drifted("a file, not a directory", "a directory"),
            Ok(_) => match (self.mode, mode_of(&self.path)) {
                (Some(want), Some(have)) if want != have => {
                    Status::drifted(format!("mode {have:04o}"), format!("mode {want:04o}"))
                }
                _ => Status::Satisfied,
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Status::missing(format!("{} does not exist", self.shown))
            }
            Err(e) => Status::unknown(format!("cannot read {}: {e}", self.shown)),
        }
    }

    fn action(&self) -> String {
        format!("create directory {}", self.shown)
    }

    fn actions(&self, _step_id: &str) -> Option<Vec<Action>> {
        Some(vec![
            Action::If {
                test: Test::NotADirectory(self.path.clone()),
                then: vec![Action::Fail {
                    message: format!("{} is a file; devup does not delete files", self.shown),
                    hint: Some("move it away, then run devup again".to_string()),
                }],
                otherwise: Vec::new(),
            },
            Action::MakeDir { path: self.path.clone(), mode: self.mode },
        ])
    }

    fn script(&self, cx: &ScriptCx) -> Result<ScriptStep, String> {
        let path = cx.path(&self.path);
        let check = match self.mode {
            Some(mode) => format!("test -d {path} && has_mode {path} {mode:o}"),
            None => format!("test -d {path}"),
        };
        Ok(ScriptStep { check, ..ScriptStep::default() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::testing::Sandbox;

    #[test]
    fn creates_and_then_is_satisfied() {
        let sb = Sandbox::new();
        let dir = sb.build(build, "path = 'a/b'\nmode = '0700'").unwrap();
        assert!(matches!(sb.check(dir.as_ref()), Status::Missing { .. }));
        assert_eq!(sb.converge(dir.as_ref()).unwrap(), Status::Satisfied);
        assert_eq!(mode_of(&sb.path("a/b")), Some(0o700));
    }

    #[test]
    fn repairs_a_wrong_mode_and_refuses_to_replace_a_file() {
        let sb = Sandbox::new();
        std::fs::create_dir(sb.path("d")).unwrap();
        sb.system.set_mode(&sb.path("d"), 0o755).unwrap();
        let dir = sb.build(build, "path = 'd'\nmode = '0700'").unwrap();
        assert!(matches!(sb.check(dir.as_ref()), Status::Drifted { .. }));
        assert_eq!(sb.converge(dir.as_ref()).unwrap(), Status::Satisfied);
        sb.write("f", "keep me");
        let file = sb.build(build, "path = 'f'").unwrap();
        assert!(sb.converge(file.as_ref()).is_err());
        assert_eq!(std::fs::read_to_string(sb.path("f")).unwrap(), "keep me");
    }

    #[test]
    fn rejects_bad_arguments() {
        let sb = Sandbox::new();
        assert!(sb.build(build, "path = 'd'\nmode = '999'").unwrap_err().contains("octal"));
        assert!(sb.build(build, "path = 'd'\nmdoe = '0700'").unwrap_err().contains("unknown field"));
        assert!(sb.build(build, "path = '../x'").unwrap_err().contains("outside"));
    }
}
