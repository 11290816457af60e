//! An exclusive lock on a file (`flock`), which the OS releases when its process dies. The file
//! holds the pid of the process that has the lock, only to tell a person who holds it.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{self, Read, Seek, Write};
use std::path::Path;

/// An open lock file, locked or not yet; the lock is released when it is dropped.
pub struct LockFile {
    file: File,
}

impl LockFile {
    /// Opens the lock file at `path`, creating it (empty) when missing; an existing file's
    /// content (the holder's pid) is kept.
    pub fn open(path: &Path) -> io::Result<LockFile> {
        let file = OpenOptions::new().read(true).write(true).create(true).truncate(false).open(path)?;
        Ok(LockFile { file })
    }

    /// Takes the lock if it is free right now: `false` when another process holds it.
    pub fn try_lock(&self) -> io::Result<bool> {
        match self.file.try_lock() {
            Ok(()) => Ok(true),
            Err(TryLockError::WouldBlock) => Ok(false),
            Err(TryLockError::Error(e)) => Err(e),
        }
    }

    /// Waits for the lock.
    pub fn lock(&self) -> io::Result<()> {
        self.file.lock()
    }

    /// The pid its holder wrote, as written ("unknown" when there is none).
    pub fn holder(&mut self) -> String {
        let mut text = String::new();
        let _ = self.file.rewind().and_then(|_| self.file.read_to_string(&mut text));
        let pid = text.trim();
        if pid.is_empty() { "unknown".to_string() } else { pid.to_string() }
    }

    /// Writes this process's pid as the holder's (best effort: it only informs).
    pub fn mark_held(&mut self) {
        let file = &mut self.file;
        let _ = file.set_len(0).and_then(|_| file.rewind()).and_then(|_| write!(file, "{}", std::process::id()));
    }
}
