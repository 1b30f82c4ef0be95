//! The supervisor actor: owns every component's state, applies the restart
//! policy and dependency order, and publishes snapshots and events.

mod actor;
mod checks;
mod commands;
mod component;
mod config_watch;
mod deps;
mod handle;
mod lifecycle;
mod persist;
mod policy;
mod reload;
pub mod transitions;

use std::collections::BTreeMap;
use std::path::PathBuf;

use tokio::sync::{broadcast, mpsc, watch};

use crate::config::Config;

pub use deps::{Gate, satisfied};
pub use handle::{
    ActionResult, ComponentDetail, HistoryEntry, ReloadOutcome, Subscription, SupervisorError,
    SupervisorHandle, Target, Verb,
};
pub use policy::{Decision, RestartTracker, RunEnd, jittered};

/// Capacity of the command channel from handles to the actor.
const COMMAND_CAPACITY: usize = 256;
/// Capacity of the channel from probe runners to the actor.
const PROBE_CAPACITY: usize = 256;

/// What the supervisor needs besides the config.
#[derive(Debug, Clone)]
pub struct Options {
    /// The state directory (logs, state.json); already locked by the caller.
    pub state_dir: PathBuf,
}

/// Starts the supervisor actor on the current tokio runtime. Before starting
/// any component it stops processes a crashed predecessor left running.
pub fn start(config: Config, options: Options) -> SupervisorHandle {
    let (commands, command_inbox) = mpsc::channel(COMMAND_CAPACITY);
    let (internal, internal_inbox) = mpsc::unbounded_channel();
    let (probes, probe_inbox) = mpsc::channel(PROBE_CAPACITY);
    let (done, finished) = watch::channel(false);
    let (events, _) = broadcast::channel(actor::EVENT_CAPACITY);
    if let Err(error) = crate::process::init_supervisor() {
        tracing::warn!(%error, "cannot become a child subreaper; programs that fork into the background are not tracked");
    }
    if let Err(error) = std::fs::create_dir_all(options.state_dir.join(crate::paths::LOGS_DIR)) {
        tracing::error!(path = %options.state_dir.display(), %error, "cannot create the state directory");
    }
    let actor = actor::Actor {
        persist: persist::Persist::open(&options.state_dir),
        config,
        state_dir: options.state_dir,
        components: BTreeMap::new(),
        events,
        seq: 0,
        internal,
        probes,
        next_run_id: 0,
        last_reload_error: None,
        watchers: 0,
        shutting_down: false,
        shutdown_replies: Vec::new(),
        sampler: crate::metrics::Sampler::new(),
    };
    tokio::spawn(actor.run(command_inbox, internal_inbox, probe_inbox, done));
    SupervisorHandle { commands, finished }
}

#[cfg(test)]
pub(crate) mod test_support {
    use crate::config::ComponentConfig;

    /// A component with the documented defaults, running `argv`.
    pub fn component(name: &str, argv: &[&str]) -> ComponentConfig {
        crate::config::ComponentConfig::with_defaults(
            name,
            argv.iter().map(|arg| arg.to_string()).collect(),
            std::env::temp_dir(),
        )
    }
}
