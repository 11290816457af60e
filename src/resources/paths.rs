//! Paths in recipes and project files: relative ones are relative to the project, and none may
//! leave the project or devup's own state unless the recipe declares it may.

use std::path::{Component, Path, PathBuf};

use super::BuildCx;

/// Resolves `text` (placeholders already filled) to an absolute path. With `outside` false, the
/// result must lie in the project directory or the project's state directory.
pub fn resolve(cx: &BuildCx, text: &str, outside: bool) -> Result<PathBuf, String> {
    if text.is_empty() {
        return Err("the path is empty".into());
    }
    if text.contains('\0') {
        return Err("the path contains a NUL byte".into());
    }
    let joined = if let Some(rest) = text.strip_prefix("~/") {
        cx.home.ok_or("`~` is used but HOME is not set")?.join(rest)
    } else {
        cx.project_dir.join(text)
    };
    let path = normalize(&joined);
    let allowed = [cx.project_dir, cx.state_dir, cx.data_dir];
    if !outside && !allowed.iter().any(|root| path.starts_with(normalize(root))) {
        return Err(format!(
            "`{text}` is outside the project directory; a recipe step that writes elsewhere must say `outside_project = true`"
        ));
    }
    Ok(path)
}

/// Removes `.` and `..` without touching the file system (the path may not exist yet).
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Where to keep a file devup replaces (the rule of every file devup writes is the ground
/// floor's).
pub use crate::step::owned::backup_path;

/// A path as the user should read it: relative to the project when inside it.
pub fn show(project_dir: &Path, path: &Path) -> String {
    match path.strip_prefix(project_dir) {
        Ok(rel) if !rel.as_os_str().is_empty() => rel.display().to_string(),
        _ => path.display().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recipe::template::Vars;

    fn cx<'a>(vars: &'a Vars) -> BuildCx<'a> {
        let facts = Box::leak(Box::new(crate::facts::Facts::for_tests()));
        BuildCx {
            facts,
            project_dir: Path::new("/p/app"),
            state_dir: Path::new("/s/app"),
            data_dir: Path::new("/d/app"),
            home: Some(Path::new("/home/u")),
            vars,
            description: None,
        }
    }

    #[test]
    fn relative_paths_are_in_the_project() {
        let vars = Vars::default();
        assert_eq!(resolve(&cx(&vars), ".venv", false).unwrap(), Path::new("/p/app/.venv"));
        assert_eq!(resolve(&cx(&vars), "a/../b", false).unwrap(), Path::new("/p/app/b"));
        assert_eq!(resolve(&cx(&vars), "/s/app/data", false).unwrap(), Path::new("/s/app/data"));
    }

    #[test]
    fn escaping_the_project_needs_a_declaration() {
        let vars = Vars::default();
        for bad in ["../other", "/etc/passwd", "a/../../x", "~/.bashrc"] {
            assert!(resolve(&cx(&vars), bad, false).is_err(), "{bad}");
        }
        assert_eq!(resolve(&cx(&vars), "~/.bashrc", true).unwrap(), Path::new("/home/u/.bashrc"));
        assert!(resolve(&cx(&vars), "", false).is_err());
    }
}
