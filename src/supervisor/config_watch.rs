//! `[supervisor] watch_config`: reloads the config by itself when the file
//! changes.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use tokio::sync::mpsc;

use super::actor::Internal;

/// How often the file's modification time and size are read.
const WATCH_INTERVAL: Duration = Duration::from_secs(1);

/// What identifies one version of the file without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    modified: Option<SystemTime>,
    len: u64,
}

fn stamp(path: &Path) -> Option<Stamp> {
    let metadata = std::fs::metadata(path).ok()?;
    Some(Stamp { modified: metadata.modified().ok(), len: metadata.len() })
}

/// Watches `path` and asks for a reload once a change has stayed the same
/// for one interval, so an editor's half-written save is not applied.
///
/// NOTE: this reads the file's metadata once a second rather than using
/// inotify; one `stat` a second is cheap, and it also sees a file that an
/// editor replaces by renaming.
pub fn spawn(path: PathBuf, internal: mpsc::UnboundedSender<Internal>) {
    tokio::spawn(async move {
        let mut applied = stamp(&path);
        let mut pending: Option<Option<Stamp>> = None;
        loop {
            tokio::time::sleep(WATCH_INTERVAL).await;
            let current = stamp(&path);
            if current == applied {
                pending = None;
                continue;
            }
            if pending != Some(current) {
                pending = Some(current);
                continue;
            }
            applied = current;
            pending = None;
            if current.is_none() {
                tracing::warn!(path = %path.display(), "config file is gone; keeping the running config");
                continue;
            }
            tracing::info!(path = %path.display(), "config file changed; reloading");
            if internal.send(Internal::ConfigChanged).is_err() {
                return;
            }
        }
    });
}
