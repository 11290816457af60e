//! The one rule for every file devup writes (a `file` step's target, a server's configuration):
//! devup replaces what it wrote itself, and never a person's edit without being asked
//! (`--replace-files`), which then keeps the edited file as `NAME.devup-backup`.
//!
//! What devup last wrote to each file is recorded (its sha256, in the state): a file that
//! differs from that record, or that devup has no record of, is a person's.

use std::path::{Path, PathBuf};

use super::{Cx, Failure};
use crate::state::sha256_hex;

/// What is on disk where devup writes a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnDisk {
    Absent,
    /// The content devup wants there.
    Wanted,
    /// What devup wrote there earlier: replaced without a word.
    Older,
    /// Devup's own words (its `# Written by devup` header) with no record of them: an older
    /// devup's, which kept none. Replaced, keeping a backup, as nothing says a person edited it
    /// and nothing must be lost if one did.
    Unrecorded,
    /// What a person wrote (or a file devup has no record of): kept unless asked.
    Edited,
}

/// How the files devup writes with a header begin.
const MARKER: &[u8] = b"# Written by devup";

pub fn on_disk(cx: &Cx, path: &Path, wanted: &[u8]) -> std::io::Result<OnDisk> {
    let current = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(OnDisk::Absent),
        Err(e) => return Err(e),
    };
    let record = cx.memory.written(path);
    Ok(if current == wanted {
        OnDisk::Wanted
    } else if record.as_deref() == Some(sha256_hex(&current).as_str()) {
        OnDisk::Older
    } else if record.is_none() && current.starts_with(MARKER) {
        OnDisk::Unrecorded
    } else {
        OnDisk::Edited
    })
}

/// Where to keep a file devup replaces: `name.devup-backup`, or `name.devup-backup.2`... so an
/// earlier backup is never overwritten.
pub fn backup_path(path: &Path) -> PathBuf {
    let base = format!("{}.devup-backup", path.display());
    std::iter::once(PathBuf::from(&base))
        .chain((2..).map(|n| PathBuf::from(format!("{base}.{n}"))))
        .find(|p| !p.exists())
        .expect("an unused backup name exists")
}

/// The plan's words for a file devup will not replace, or will replace keeping a backup.
pub fn edited_action(cx: &Cx, shown: &str) -> String {
    if cx.replace_files {
        format!("replace {shown}, keeping the edited one as {shown}.devup-backup")
    } else {
        format!(
            "nothing: {shown} was edited by hand and is kept (`devup up --replace-files` replaces it, keeping a backup)"
        )
    }
}

/// Writes `wanted` to `path` atomically and records it, following the rule: an edited file is
/// refused, or with `--replace-files` moved to a backup first.
pub fn write(cx: &Cx, path: &Path, shown: &str, wanted: &[u8], mode: Option<u32>) -> Result<(), Failure> {
    let state = on_disk(cx, path, wanted).map_err(|e| Failure::new(format!("cannot read {shown}: {e}")))?;
    if state == OnDisk::Unrecorded {
        let backup = backup_path(path);
        cx.system.rename(path, &backup).map_err(|e| Failure::new(format!("cannot back up {shown}: {e}")))?;
    }
    if state == OnDisk::Edited {
        if !cx.replace_files {
            return Err(Failure::new(format!("{shown} differs from what devup wrote; it was kept as it is"))
                .with_hint("to replace it (the current file is kept as a backup), run `devup up --replace-files`"));
        }
        let backup = backup_path(path);
        cx.system.rename(path, &backup).map_err(|e| Failure::new(format!("cannot back up {shown}: {e}")))?;
    }
    if let Some(parent) = path.parent() {
        cx.system
            .create_dir_all(parent, None)
            .map_err(|e| Failure::new(format!("cannot create {}: {e}", parent.display())))?;
    }
    cx.system.write_atomic(path, wanted, mode).map_err(|e| Failure::new(format!("cannot write {shown}: {e}")))?;
    cx.memory.set_written(path, sha256_hex(wanted));
    Ok(())
}
