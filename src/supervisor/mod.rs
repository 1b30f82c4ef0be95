//! The supervisor actor: owns every component's state, applies the restart
//! policy and dependency order, and publishes snapshots and events.

mod handle;

use std::path::PathBuf;

use tokio::sync::{mpsc, watch};

use crate::config::Config;

pub use handle::{
    ActionResult, ComponentDetail, HistoryEntry, ReloadOutcome, Subscription, SupervisorError,
    SupervisorHandle, Target, Verb,
};

/// What the supervisor needs besides the config.
#[derive(Debug, Clone)]
pub struct Options {
    /// The state directory (logs, state.json); already locked by the caller.
    pub state_dir: PathBuf,
}

/// Starts the supervisor actor on the current tokio runtime.
pub fn start(config: Config, options: Options) -> SupervisorHandle {
    let (commands, mut inbox) = mpsc::channel(256);
    let (done, finished) = watch::channel(false);
    let _ = (config, options);
    // TODO: the real actor; this placeholder only answers snapshots and shutdown.
    tokio::spawn(async move {
        while let Some(command) = inbox.recv().await {
            match command {
                handle::Command::Snapshot(reply) => {
                    let _ = reply.send(crate::event::Snapshot::new(None, Vec::new(), None));
                }
                handle::Command::Shutdown(reply) => {
                    let _ = reply.send(());
                    break;
                }
                _ => {}
            }
        }
        let _ = done.send(true);
    });
    SupervisorHandle { commands, finished }
}
