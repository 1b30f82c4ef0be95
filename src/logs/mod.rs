//! Component output: capture pumps, one rotating log file per component
//! (`logs/NAME.log`), an in-memory tail ring and a broadcast of new lines.
//!
//! Line format: `<RFC 3339 UTC with ms> out|err <raw bytes>`, where `out+` and
//! `err+` mark the continuation of a line split at [`LINE_CAP`] bytes. Bytes
//! are kept as written: invalid UTF-8, NUL, `\r` and ANSI escapes included.

mod file;
mod format;
mod pump;
mod reader;
mod ring;
mod split;

use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::process::{ChildStderr, ChildStdout};
use tokio::sync::broadcast;
use tokio::task::JoinHandle;

use crate::config::LogSettings;
use crate::event::{LogLine, Stream};
use file::LogFile;
use format::format_millis;
use ring::TailRing;

pub use format::LINE_CAP;
pub use reader::read_file_tail;

/// Lines buffered per subscriber before it lags and gets `RecvError::Lagged`.
const SUBSCRIBER_CAPACITY: usize = 1024;

/// The output log of one component, kept across its restarts. Cloning shares it.
#[derive(Debug, Clone)]
pub struct ComponentLog {
    shared: Arc<Shared>,
}

#[derive(Debug)]
pub(crate) struct Shared {
    name: String,
    path: PathBuf,
    settings: Mutex<LogSettings>,
    file: Mutex<LogFile>,
    ring: Mutex<TailRing>,
    /// Created on the first subscription: its buffer of
    /// [`SUBSCRIBER_CAPACITY`] slots would otherwise cost every idle
    /// component about 100 KiB.
    lines: Mutex<Option<broadcast::Sender<LogLine>>>,
}

/// Locks a mutex whose data stays consistent even if a holder panicked.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Shared {
    fn settings(&self) -> LogSettings {
        *lock(&self.settings)
    }

    fn file(&self) -> MutexGuard<'_, LogFile> {
        lock(&self.file)
    }

    fn ring(&self) -> MutexGuard<'_, TailRing> {
        lock(&self.ring)
    }

    /// Returns the line sender while anyone subscribes.
    fn listeners(&self) -> Option<broadcast::Sender<LogLine>> {
        lock(&self.lines).as_ref().filter(|sender| sender.receiver_count() > 0).cloned()
    }
}

impl ComponentLog {
    /// Opens (creating as needed) `logs_dir/NAME.log` for appending.
    pub fn open(name: &str, logs_dir: &Path, settings: LogSettings) -> io::Result<ComponentLog> {
        std::fs::create_dir_all(logs_dir)?;
        let path = logs_dir.join(format!("{name}.log"));
        let file = LogFile::open(&path)?;
        let shared = Shared {
            name: name.to_string(),
            path,
            settings: Mutex::new(settings),
            file: Mutex::new(file),
            ring: Mutex::new(TailRing::new(settings.tail_bytes)),
            lines: Mutex::new(None),
        };
        Ok(ComponentLog { shared: Arc::new(shared) })
    }

    /// Starts capturing one run's output; call it within a tokio runtime.
    /// The handle completes when both pipes reach end of file. A daemonized
    /// grandchild can keep them open past the leader's exit, so decide exits
    /// from the leader's wait.
    pub fn attach(&self, stdout: ChildStdout, stderr: ChildStderr) -> JoinHandle<()> {
        let shared = Arc::clone(&self.shared);
        let fds = stdout.into_owned_fd().and_then(|out| Ok((out, stderr.into_owned_fd()?)));
        tokio::spawn(async move {
            match fds {
                Ok((stdout, stderr)) => pump::run(shared, stdout, stderr).await,
                Err(error) => {
                    tracing::error!(component = %shared.name, %error, "could not take the output pipes; output is not captured")
                }
            }
        })
    }

    /// Returns the last `n` lines from memory, oldest first.
    pub fn tail(&self, n: usize) -> Vec<LogLine> {
        let ring = self.shared.ring();
        ring.last(n)
            .map(|entry| LogLine {
                component: self.shared.name.clone(),
                stream: entry.stream,
                at: format_millis(entry.at_millis),
                text: String::from_utf8_lossy(&entry.bytes).into_owned(),
                continued: entry.continued,
            })
            .collect()
    }

    /// Returns the newest raw lines adding up to at most `max_bytes`, oldest first.
    pub fn tail_lines(&self, max_bytes: usize) -> Vec<(Stream, Vec<u8>)> {
        let ring = self.shared.ring();
        ring.last_bytes(max_bytes).map(|entry| (entry.stream, entry.bytes.to_vec())).collect()
    }

    /// Subscribes to new lines. A receiver that falls behind gets
    /// `RecvError::Lagged`; it never slows the file writer.
    pub fn subscribe(&self) -> broadcast::Receiver<LogLine> {
        let mut lines = lock(&self.shared.lines);
        lines.get_or_insert_with(|| broadcast::channel(SUBSCRIBER_CAPACITY).0).subscribe()
    }

    pub fn path(&self) -> &Path {
        &self.shared.path
    }

    /// Applies new rotation and tail settings, as on reload.
    pub fn set_settings(&self, settings: LogSettings) {
        *lock(&self.shared.settings) = settings;
        self.shared.ring().set_max_bytes(settings.tail_bytes);
    }

    /// Writes buffered lines to the file now.
    pub fn flush(&self) {
        self.shared.file().flush();
    }
}
