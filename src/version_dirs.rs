//! Directories named by version, as packages lay them out: `/usr/lib/postgresql/*/bin`.

use std::path::PathBuf;

/// The matching directories, newest version first (compared as versions: 9 < 15), or the path
/// itself when it has no `*`.
pub fn newest(pattern: &str) -> Vec<PathBuf> {
    let Some((before, after)) = pattern.split_once('*') else {
        return vec![PathBuf::from(pattern)];
    };
    let Ok(entries) = std::fs::read_dir(before) else {
        return Vec::new();
    };
    let mut found: Vec<(Option<semver::Version>, String)> = entries
        .flatten()
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .map(|name| (crate::version::lenient(&name), name))
        .collect();
    found.sort();
    found
        .into_iter()
        .rev()
        .map(|(_, name)| PathBuf::from(format!("{before}{name}{after}")))
        .filter(|p| p.exists())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newest_version_first() {
        let dir = tempfile::tempdir().unwrap();
        for v in ["9", "15", "13"] {
            std::fs::create_dir_all(dir.path().join(v).join("bin")).unwrap();
        }
        let found = newest(&format!("{}/*/bin", dir.path().display()));
        let names: Vec<_> = found.iter().map(|p| p.parent().unwrap().file_name().unwrap().to_str().unwrap()).collect();
        assert_eq!(names, ["15", "13", "9"]);
        assert_eq!(newest("/no/star"), [PathBuf::from("/no/star")]);
        assert!(newest("/nonexistent/*/bin").is_empty());
    }
}
