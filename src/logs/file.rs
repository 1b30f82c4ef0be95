//! The log file of one component: a buffered writer with size-based rotation
//! to `NAME.log.1` … `.N`, recreating the file when someone deletes it.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::config::LogSettings;

/// Buffered bytes that force a write before the pipe is drained.
const BUFFER_CAP: usize = 128 * 1024;
/// Buffer capacity kept between bursts; larger buffers are released after a flush.
const IDLE_CAPACITY: usize = 4 * 1024;

/// Returns the path of rotated file number `index` (1 is the newest).
pub(crate) fn rotated_path(path: &Path, index: u32) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(format!(".{index}"));
    PathBuf::from(name)
}

#[derive(Debug)]
pub(crate) struct LogFile {
    path: PathBuf,
    file: File,
    buffer: Vec<u8>,
    /// Bytes in the file, including the buffer.
    size: u64,
    /// A write error was logged and no write has succeeded since.
    failing: bool,
    /// A rotation error was logged and no rotation has succeeded since.
    rotation_failing: bool,
}

impl LogFile {
    pub(crate) fn open(path: &Path) -> io::Result<LogFile> {
        let file = open_append(path)?;
        let size = file.metadata()?.len();
        Ok(LogFile {
            path: path.to_path_buf(),
            file,
            buffer: Vec::new(),
            size,
            failing: false,
            rotation_failing: false,
        })
    }

    /// Appends one formatted line to the buffer.
    pub(crate) fn write_line(&mut self, prefix: &[u8], tag: &[u8], bytes: &[u8]) {
        let start = self.buffer.len();
        self.buffer.extend_from_slice(prefix);
        self.buffer.extend_from_slice(tag);
        self.buffer.push(b' ');
        self.buffer.extend_from_slice(bytes);
        self.buffer.push(b'\n');
        self.size += (self.buffer.len() - start) as u64;
        if self.buffer.len() >= BUFFER_CAP {
            self.write_buffer();
        }
    }

    /// Rotates when the file has reached `settings.max_size`.
    pub(crate) fn check_rotation(&mut self, settings: &LogSettings) {
        if self.size < settings.max_size {
            return;
        }
        self.write_buffer();
        match self.rotate(settings.max_files) {
            Ok(()) => self.rotation_failing = false,
            Err(error) => {
                if !self.rotation_failing {
                    tracing::warn!(path = %self.path.display(), %error, "log rotation failed; the file keeps growing until a rotation succeeds");
                }
                self.rotation_failing = true;
            }
        }
    }

    /// Writes out the buffer and releases most of a large one.
    pub(crate) fn flush(&mut self) {
        let batch = self.buffer.len();
        self.write_buffer();
        if batch < IDLE_CAPACITY {
            self.buffer.shrink_to(IDLE_CAPACITY);
        }
    }

    /// Writes out the buffer, first recreating the file if it was deleted.
    fn write_buffer(&mut self) {
        if self.buffer.is_empty() {
            return;
        }
        self.reopen_if_deleted();
        match self.file.write_all(&self.buffer) {
            Ok(()) => self.failing = false,
            Err(error) => {
                // The bytes are dropped from the file so the child never blocks on a
                // full disk; the tail ring and subscribers still get the lines.
                if !self.failing {
                    tracing::error!(path = %self.path.display(), %error, "writing the log file failed; output is lost until a write succeeds");
                }
                self.failing = true;
            }
        }
        self.buffer.clear();
    }

    fn reopen_if_deleted(&mut self) {
        let deleted = self.file.metadata().is_ok_and(|metadata| metadata.nlink() == 0);
        if !deleted {
            return;
        }
        match open_append(&self.path) {
            Ok(file) => {
                tracing::info!(path = %self.path.display(), "log file was deleted; recreated it");
                self.file = file;
                self.size = 0;
            }
            Err(error) => {
                tracing::warn!(path = %self.path.display(), %error, "could not recreate the deleted log file")
            }
        }
    }

    /// Shifts `NAME.log.K` to `.K+1` (dropping the last), moves the current
    /// file to `.1` and starts an empty one. With no rotated files kept, the
    /// current file is emptied instead.
    fn rotate(&mut self, max_files: u32) -> io::Result<()> {
        if max_files == 0 {
            self.file.set_len(0)?;
            self.size = 0;
            return Ok(());
        }
        for index in (1..max_files).rev() {
            let from = rotated_path(&self.path, index);
            if from.exists() {
                fs::rename(&from, rotated_path(&self.path, index + 1))?;
            }
        }
        fs::rename(&self.path, rotated_path(&self.path, 1))?;
        self.file = open_append(&self.path)?;
        self.size = 0;
        Ok(())
    }
}

fn open_append(path: &Path) -> io::Result<File> {
    OpenOptions::new().create(true).append(true).open(path)
}
