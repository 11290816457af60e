//! `file`: a file holds the given content (or a copy of another file) and mode.
//!
//! devup never overwrites a file whose content differs from what devup last wrote there: that
//! difference is a person's edit. It reports the drift and replaces the file only when asked
//! (`--replace-files`), keeping the old content as a backup next to it.

use std::path::PathBuf;

use serde::Deserialize;

use super::owned::{self, OnDisk};
use super::{BuildCx, Cx, Resource, Status, mode_of, parse_args, parse_mode, paths};
use crate::shell::quote;
use crate::step::action::{Action, FileContent, Test};
use crate::step::{ScriptCx, ScriptStep};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    path: String,
    content: Option<String>,
    copy_from: Option<String>,
    mode: Option<String>,
    /// Create the file once and leave it alone after that (e.g. `.env` from `.env.example`).
    #[serde(default)]
    create_only: bool,
    #[serde(default)]
    outside_project: bool,
}

enum Content {
    Text(String),
    CopyOf(PathBuf),
}

struct File {
    path: PathBuf,
    shown: String,
    content: Content,
    mode: Option<u32>,
    create_only: bool,
    /// Set by the check when a person edited the file: what the plan says instead of "write".
    edited: std::sync::Mutex<Option<String>>,
}

pub fn build(args: toml::Table, cx: &BuildCx) -> Result<Box<dyn Resource>, super::BuildError> {
    let args: Args = parse_args(args)?;
    let path = paths::resolve(cx, &cx.vars.text(&args.path)?, args.outside_project)?;
    let content = match (args.content, args.copy_from) {
        (Some(text), None) => Content::Text(cx.vars.text(&text)?),
        (None, Some(from)) => Content::CopyOf(paths::resolve(cx, &cx.vars.text(&from)?, args.outside_project)?),
        _ => return Err("give exactly one of `content` and `copy_from`".into()),
    };
    // Environment files hold secrets: unless a mode is given, only their owner may read them.
    let secret = path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n == ".env" || n.starts_with(".env."));
    let mode = match args.mode.as_deref() {
        Some(text) => Some(parse_mode(text)?),
        None if secret => Some(0o600),
        None => None,
    };
    Ok(Box::new(File {
        shown: paths::show(cx.project_dir, &path),
        path,
        content,
        mode,
        create_only: args.create_only,
        edited: Default::default(),
    }))
}

impl File {
    /// The file holds what it should: its mode is what is left to check.
    fn check_mode(&self) -> Status {
        match (self.mode, mode_of(&self.path)) {
            (Some(want), Some(have)) if want != have => {
                Status::drifted(format!("mode {have:04o}"), format!("mode {want:04o}"))
            }
            _ => Status::Satisfied,
        }
    }

    fn wanted(&self) -> Result<Vec<u8>, String> {
        match &self.content {
            Content::Text(text) => Ok(text.clone().into_bytes()),
            Content::CopyOf(from) => std::fs::read(from).map_err(|e| format!("cannot read {}: {e}", from.display())),
        }
    }
}

impl Resource for File {
    fn describe(&self) -> String {
        format!("file {}", self.shown)
    }

    fn check(&self, cx: &Cx) -> Status {
        *self.edited.lock().unwrap_or_else(|p| p.into_inner()) = None;
        let missing = || Status::missing(format!("{} does not exist", self.shown));
        if self.create_only {
            return match std::fs::metadata(&self.path) {
                Ok(_) => self.check_mode(),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => missing(),
                Err(e) => Status::unknown(format!("cannot read {}: {e}", self.shown)),
            };
        }
        let wanted = match self.wanted() {
            Ok(wanted) => wanted,
            Err(e) => return Status::unknown(e),
        };
        match owned::on_disk(cx, &self.path, &wanted) {
            Ok(OnDisk::Absent) => missing(),
            Ok(OnDisk::Wanted) => self.check_mode(),
            Ok(OnDisk::Older | OnDisk::Unrecorded) => {
                Status::drifted("content from an older run", "the declared content")
            }
            Ok(OnDisk::Edited) => {
                *self.edited.lock().unwrap_or_else(|p| p.into_inner()) = Some(owned::edited_action(cx, &self.shown));
                Status::drifted("content edited by hand", "the declared content")
            }
            Err(e) => Status::unknown(format!("cannot read {}: {e}", self.shown)),
        }
    }

    fn action(&self) -> String {
        if let Some(action) = self.edited.lock().unwrap_or_else(|p| p.into_inner()).clone() {
            return action;
        }
        match &self.content {
            Content::Text(_) => format!("write {}", self.shown),
            Content::CopyOf(from) => format!("copy {} to {}", from.display(), self.shown),
        }
    }

    /// Created once (`create_only`), a file is only given its mode after that.
    fn actions(&self, _step_id: &str) -> Option<Vec<Action>> {
        let content = match &self.content {
            Content::Text(text) => FileContent::Text(text.clone()),
            Content::CopyOf(from) => FileContent::CopyOf(from.clone()),
        };
        let write = Action::WriteFile { path: self.path.clone(), content, mode: self.mode, owner: None };
        if !self.create_only {
            return Some(vec![write]);
        }
        let keep = self.mode.map(|mode| Action::SetMode { path: self.path.clone(), mode });
        Some(vec![Action::If {
            test: Test::Not(Box::new(Test::Exists(self.path.clone()))),
            then: vec![write],
            otherwise: keep.into_iter().collect(),
        }])
    }

    /// Without devup's record of what it wrote, the script cannot tell a person's edit from an
    /// older content: its apply (the actions) replaces a differing file, keeping it as
    /// `NAME.devup-backup`.
    fn script(&self, cx: &ScriptCx) -> Result<ScriptStep, String> {
        let path = cx.path(&self.path);
        let mut check = vec![match (&self.content, self.create_only) {
            (_, true) => format!("test -f {path}"),
            (Content::Text(text), false) => format!("same_content {path} {}", quote(text)),
            (Content::CopyOf(from), false) => format!("cmp -s {} {path}", cx.path(from)),
        }];
        if let Some(mode) = self.mode {
            check.push(format!("has_mode {path} {mode:o}"));
        }
        Ok(ScriptStep { check: check.join(" && "), ..ScriptStep::default() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::testing::Sandbox;

    #[test]
    fn writes_content_with_mode_then_is_satisfied() {
        let sb = Sandbox::new();
        let f = sb.build(build, "path = 'conf/app.ini'\ncontent = 'a=1'\nmode = '0600'").unwrap();
        assert!(matches!(sb.check(f.as_ref()), Status::Missing { .. }));
        assert_eq!(sb.converge(f.as_ref()).unwrap(), Status::Satisfied);
        assert_eq!(std::fs::read_to_string(sb.path("conf/app.ini")).unwrap(), "a=1");
        assert_eq!(mode_of(&sb.path("conf/app.ini")), Some(0o600));
    }

    #[test]
    fn updates_its_own_file_but_keeps_a_users_edit() {
        let mut sb = Sandbox::new();
        let v1 = sb.build(build, "path = 'f'\ncontent = 'one'").unwrap();
        sb.converge(v1.as_ref()).unwrap();
        let v2 = sb.build(build, "path = 'f'\ncontent = 'two'").unwrap();
        assert_eq!(sb.check(v2.as_ref()), Status::drifted("content from an older run", "the declared content"));
        assert_eq!(sb.converge(v2.as_ref()).unwrap(), Status::Satisfied);

        sb.write("f", "mine");
        assert_eq!(sb.check(v2.as_ref()), Status::drifted("content edited by hand", "the declared content"));
        let failure = sb.converge(v2.as_ref()).unwrap_err();
        assert!(failure.hint.unwrap().contains("--replace-files"));
        assert_eq!(std::fs::read_to_string(sb.path("f")).unwrap(), "mine");

        sb.replace_files = true;
        assert_eq!(sb.converge(v2.as_ref()).unwrap(), Status::Satisfied);
        assert_eq!(std::fs::read_to_string(sb.path("f.devup-backup")).unwrap(), "mine");
    }

    #[test]
    fn create_only_copies_once_and_never_again() {
        let sb = Sandbox::new();
        sb.write(".env.example", "KEY=example");
        let f =
            sb.build(build, "path = '.env'\ncopy_from = '.env.example'\ncreate_only = true\nmode = '0600'").unwrap();
        assert_eq!(sb.converge(f.as_ref()).unwrap(), Status::Satisfied);
        sb.write(".env", "KEY=mine");
        sb.write(".env.example", "KEY=newer");
        assert_eq!(sb.check(f.as_ref()), Status::Satisfied);
        assert_eq!(std::fs::read_to_string(sb.path(".env")).unwrap(), "KEY=mine");
    }

    #[test]
    fn env_files_are_private_unless_a_mode_is_given() {
        let sb = Sandbox::new();
        sb.write(".env.example", "KEY=example");
        let f = sb.build(build, "path = '.env'\ncopy_from = '.env.example'\ncreate_only = true").unwrap();
        sb.converge(f.as_ref()).unwrap();
        assert_eq!(mode_of(&sb.path(".env")), Some(0o600));
        let open = sb.build(build, "path = '.env.shared'\ncontent = 'A=1'\nmode = '0644'").unwrap();
        sb.converge(open.as_ref()).unwrap();
        assert_eq!(mode_of(&sb.path(".env.shared")), Some(0o644));
    }

    #[test]
    fn needs_exactly_one_source() {
        let sb = Sandbox::new();
        assert!(sb.build(build, "path = 'f'").is_err());
        assert!(sb.build(build, "path = 'f'\ncontent = 'a'\ncopy_from = 'b'").is_err());
    }

    #[test]
    fn backups_never_overwrite_each_other() {
        let sb = Sandbox::new();
        sb.write("f.devup-backup", "first");
        assert_eq!(paths::backup_path(&sb.path("f")), sb.path("f.devup-backup.2"));
    }
}
