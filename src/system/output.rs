//! Writing a file a person names (`devup export -o`, `devup man --dir`), changing nothing but
//! that file: a regular file's content is replaced, keeping its mode (and its owner and group
//! where devup may set them); a missing one is created; anything else is refused and left as
//! it was. The content is written to a temporary file beside it, flushed and renamed over it,
//! so a reader (or a crash) sees the old content or the new, never part of either.

use std::fs::{File, FileType, OpenOptions, Permissions};
use std::io::{self, Write};
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// What stands at a path where a file was to be written, and is left as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotAFile {
    Directory,
    Symlink,
    Device,
    Fifo,
    Socket,
}

impl NotAFile {
    /// What it is, for a message: "a directory".
    pub fn describe(self) -> &'static str {
        match self {
            NotAFile::Directory => "a directory",
            NotAFile::Symlink => "a symbolic link",
            NotAFile::Device => "a device",
            NotAFile::Fifo => "a FIFO",
            NotAFile::Socket => "a socket",
        }
    }
}

#[derive(Debug)]
pub enum OutputError {
    /// Refused: the path names something other than a regular file.
    NotAFile(NotAFile),
    Io(io::Error),
}

impl From<io::Error> for OutputError {
    fn from(e: io::Error) -> OutputError {
        OutputError::Io(e)
    }
}

/// Writes `content` to `path`: an existing regular file's content is replaced and its mode
/// kept; a missing file is created with `new_mode` (less the umask, as any new file). What is
/// not a regular file is refused, untouched. What stands at `path` is looked at without
/// following a link, then opened for writing (without following a link, without blocking on a
/// FIFO, and without truncating) and looked at again, so that a file that cannot be written
/// to, or that was swapped since, is refused as it would be by writing to it in place.
pub fn write_output(path: &Path, content: &[u8], new_mode: u32) -> Result<(), OutputError> {
    let existing = match std::fs::symlink_metadata(path) {
        Ok(meta) => {
            refuse(meta.file_type())?;
            Some(open_existing(path)?.metadata()?)
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(e.into()),
    };
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut temp =
        tempfile::Builder::new().prefix(".devup-tmp").permissions(Permissions::from_mode(new_mode)).tempfile_in(dir)?;
    temp.write_all(content)?;
    if let Some(meta) = existing {
        keep_owner(temp.as_file(), &meta);
        // After the owner: a change of owner clears the set-id bits.
        temp.as_file().set_permissions(Permissions::from_mode(meta.mode() & 0o7777))?;
    }
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Opens an existing file for writing, changing nothing, to learn what it is and that it may
/// be written.
fn open_existing(path: &Path) -> Result<File, OutputError> {
    let file = OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(|e| match e.raw_os_error() {
            Some(libc::ELOOP) => OutputError::NotAFile(NotAFile::Symlink),
            // A FIFO with no reader.
            Some(libc::ENXIO) => OutputError::NotAFile(NotAFile::Fifo),
            _ => OutputError::Io(e),
        })?;
    // What was opened, which may differ from what was looked at before.
    refuse(file.metadata()?.file_type())?;
    Ok(file)
}

fn refuse(t: FileType) -> Result<(), OutputError> {
    let what = if t.is_dir() {
        NotAFile::Directory
    } else if t.is_symlink() {
        NotAFile::Symlink
    } else if t.is_char_device() || t.is_block_device() {
        NotAFile::Device
    } else if t.is_fifo() {
        NotAFile::Fifo
    } else if t.is_socket() {
        NotAFile::Socket
    } else {
        return Ok(());
    };
    Err(OutputError::NotAFile(what))
}

/// Gives the new file the old one's owner and group, as far as this process may (root may
/// give both; a user, a group of theirs); otherwise the new file is the writer's, as a file
/// it creates would be.
fn keep_owner(file: &File, old: &std::fs::Metadata) {
    let new = match file.metadata() {
        Ok(meta) => meta,
        Err(_) => return,
    };
    if (new.uid(), new.gid()) == (old.uid(), old.gid()) {
        return;
    }
    if std::os::unix::fs::fchown(file, Some(old.uid()), Some(old.gid())).is_err() {
        let _ = std::os::unix::fs::fchown(file, None, Some(old.gid()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::symlink_metadata(path).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn a_regular_file_is_replaced_keeping_its_mode_and_a_new_one_gets_the_given_mode() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("old");
        std::fs::write(&old, "old content that is longer").unwrap();
        std::fs::set_permissions(&old, Permissions::from_mode(0o640)).unwrap();
        write_output(&old, b"new", 0o755).unwrap();
        assert_eq!((std::fs::read_to_string(&old).unwrap().as_str(), mode(&old)), ("new", 0o640));
        let new = dir.path().join("new");
        write_output(&new, b"x", 0o700).unwrap();
        assert_eq!(mode(&new) & 0o700, 0o700);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2, "no temporary file left behind");
    }

    #[test]
    fn what_is_not_a_regular_file_is_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target");
        std::fs::write(&target, "kept").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let refused = |path: &Path| match write_output(path, b"new", 0o644) {
            Err(OutputError::NotAFile(what)) => what,
            other => panic!("{}: {other:?}", path.display()),
        };
        assert_eq!(refused(&link), NotAFile::Symlink);
        assert_eq!(refused(dir.path()), NotAFile::Directory);
        assert_eq!(refused(Path::new("/dev/null")), NotAFile::Device);
        let socket = dir.path().join("socket");
        let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
        assert_eq!(refused(&socket), NotAFile::Socket);
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "kept");
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
    }
}
