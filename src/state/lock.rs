//! One devup run per project at a time: an exclusive lock on a file in the project's state
//! folder. The OS drops the lock when the process dies, so a killed run never leaves a stale
//! lock behind; the pid written into the file is only there to tell the user who holds it.

use std::path::Path;

use crate::error::{Error, Result};
use crate::system::System;
use crate::system::lock::LockFile;

pub struct ProjectLock {
    _file: LockFile,
}

pub enum Wait {
    /// Block until the other run finishes; `notify` is called once if we have to wait.
    Yes(Box<dyn FnOnce(&str)>),
    No,
}

impl ProjectLock {
    pub fn acquire(dir: &Path, wait: Wait) -> Result<ProjectLock> {
        System::new()
            .create_dir_all(dir, None)
            .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
        let path = dir.join("lock");
        let mut file = LockFile::open(&path).map_err(|e| Error::io(format!("cannot open {}", path.display()), e))?;
        let locked = file.try_lock().map_err(|e| Error::io(format!("cannot lock {}", path.display()), e))?;
        if !locked {
            let holder = file.holder();
            match wait {
                Wait::No => return Err(Error::Busy { pid: holder }),
                Wait::Yes(notify) => {
                    notify(&holder);
                    file.lock().map_err(|e| Error::io(format!("cannot lock {}", path.display()), e))?;
                }
            }
        }
        file.mark_held();
        Ok(ProjectLock { _file: file })
    }

    /// Takes the lock only if it is free right now: `None` when another run holds it.
    pub fn try_acquire(dir: &Path) -> std::io::Result<Option<ProjectLock>> {
        let file = LockFile::open(&dir.join("lock"))?;
        Ok(file.try_lock()?.then_some(ProjectLock { _file: file }))
    }
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
