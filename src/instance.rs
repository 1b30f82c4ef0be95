//! The single-instance lock: `STATE_DIR/tend.lock`, locked for the life of
//! the supervisor and holding its pid, so that a second supervisor on the
//! same state dir is rejected before it starts anything.

use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use crate::paths::LOCK_FILE;

/// A failure to take the lock.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "another supervisor (pid {}) is running for {state_dir}; reach it with `tend status --state-dir {state_dir}`",
        pid.map_or_else(|| "unknown".to_string(), |pid| pid.to_string())
    )]
    AlreadyRunning { pid: Option<u32>, state_dir: String },
    #[error("cannot lock {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

/// The held lock; dropping it (or exiting) releases it.
#[derive(Debug)]
pub struct InstanceLock {
    /// Kept open because closing the file releases the lock.
    _lock: fd_lock::RwLock<File>,
    path: PathBuf,
}

impl InstanceLock {
    /// Creates the state dir (mode 0700) when missing, locks `tend.lock` and
    /// writes our pid into it.
    pub fn acquire(state_dir: &Path) -> Result<InstanceLock, LockError> {
        let path = state_dir.join(LOCK_FILE);
        let io_error = |source| LockError::Io { path: path.clone(), source };
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(state_dir)
            .map_err(io_error)?;

        // No truncation on open: the running supervisor's pid must stay
        // readable for the error message of a second one.
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o644)
            .open(&path)
            .map_err(io_error)?;
        let mut lock = fd_lock::RwLock::new(file);

        let mut guard = match lock.try_write() {
            Ok(guard) => guard,
            Err(error) if error.kind() == ErrorKind::WouldBlock => {
                return Err(LockError::AlreadyRunning {
                    pid: read_pid(&path),
                    state_dir: state_dir.display().to_string(),
                });
            }
            Err(error) => return Err(io_error(error)),
        };
        let file: &mut File = &mut guard;
        file.set_len(0).map_err(io_error)?;
        file.seek(SeekFrom::Start(0)).map_err(io_error)?;
        writeln!(file, "{}", std::process::id()).map_err(io_error)?;
        file.sync_all().map_err(io_error)?;

        // The guard's drop would unlock; the lock must instead last as long
        // as the file stays open, which is as long as this value lives.
        std::mem::forget(guard);
        Ok(InstanceLock { _lock: lock, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Reads the pid written in a lock file, if it contains one.
pub fn read_pid(path: &Path) -> Option<u32> {
    let mut text = String::new();
    File::open(path).ok()?.read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_lock_names_first_pid() {
        let dir = tempfile::tempdir().unwrap();
        let first = InstanceLock::acquire(dir.path()).unwrap();
        assert_eq!(read_pid(first.path()), Some(std::process::id()));

        // flock locks belong to the open file description, so a second open
        // in the same process conflicts just as another process would.
        let error = InstanceLock::acquire(dir.path()).unwrap_err();
        match &error {
            LockError::AlreadyRunning { pid, .. } => assert_eq!(*pid, Some(std::process::id())),
            other => panic!("unexpected error: {other}"),
        }
        assert!(error.to_string().contains("tend status --state-dir"), "{error}");

        drop(first);
        assert!(InstanceLock::acquire(dir.path()).is_ok());
    }
}
