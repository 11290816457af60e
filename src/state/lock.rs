//! One devup run per project at a time: an exclusive lock on a file in the project's state
//! folder. The OS drops the lock when the process dies, so a killed run never leaves a stale
//! lock behind; the pid written into the file is only there to tell the user who holds it.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::Path;

use crate::error::{Error, Result};

pub struct ProjectLock {
    _file: File,
}

pub enum Wait {
    /// Block until the other run finishes; `notify` is called once if we have to wait.
    Yes(Box<dyn FnOnce(&str)>),
    No,
}

impl ProjectLock {
    pub fn acquire(dir: &Path, wait: Wait) -> Result<ProjectLock> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
        let path = dir.join("lock");
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| Error::io(format!("cannot open {}", path.display()), e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let holder = holder_pid(&mut file);
                match wait {
                    Wait::No => return Err(Error::Busy { pid: holder }),
                    Wait::Yes(notify) => {
                        notify(&holder);
                        file.lock().map_err(|e| Error::io(format!("cannot lock {}", path.display()), e))?;
                    }
                }
            }
            Err(TryLockError::Error(e)) => {
                return Err(Error::io(format!("cannot lock {}", path.display()), e));
            }
        }
        let _ = file.set_len(0).and_then(|_| file.rewind()).and_then(|_| write!(file, "{}", std::process::id()));
        Ok(ProjectLock { _file: file })
    }
}

impl ProjectLock {
    /// Takes the lock only if it is free right now: `None` when another run holds it.
    pub fn try_acquire(dir: &Path) -> std::io::Result<Option<ProjectLock>> {
        let file = OpenOptions::new().read(true).write(true).create(true).truncate(false).open(dir.join("lock"))?;
        match file.try_lock() {
            Ok(()) => Ok(Some(ProjectLock { _file: file })),
            Err(TryLockError::WouldBlock) => Ok(None),
            Err(TryLockError::Error(e)) => Err(e),
        }
    }
}

fn holder_pid(file: &mut File) -> String {
    let mut text = String::new();
    let _ = file.rewind().and_then(|_| file.read_to_string(&mut text));
    let pid = text.trim();
    if pid.is_empty() { "unknown".to_string() } else { pid.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let first = ProjectLock::acquire(dir.path(), Wait::No).unwrap();
        match ProjectLock::acquire(dir.path(), Wait::No) {
            Err(Error::Busy { pid }) => assert_eq!(pid, std::process::id().to_string()),
            _ => panic!("expected busy"),
        }
        drop(first);
        assert!(ProjectLock::acquire(dir.path(), Wait::No).is_ok());
    }
}
