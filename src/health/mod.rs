//! Health probes: http, tcp, exec and heartbeat checks, and the runner that
//! schedules readiness and liveness for one component run.
//!
//! NOTE: a placeholder with the interface the supervisor calls; the probe
//! implementation replaces it.

use std::collections::BTreeMap;
use std::path::PathBuf;

use tokio::sync::mpsc;

use crate::config::Health;

/// What a probe runner reports to the supervisor.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeEvent {
    pub component: String,
    pub run_id: u64,
    pub kind: ProbeEventKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ProbeEventKind {
    Ready,
    NotReady { error: String, failures: u32 },
    LivenessFailed { error: String, failures: u32 },
    LivenessRecovered,
}

/// Runs the probes of one component run until dropped.
pub struct ProbeRunner {
    task: tokio::task::JoinHandle<()>,
}

impl ProbeRunner {
    pub fn spawn(
        component: String,
        run_id: u64,
        health: Health,
        cwd: PathBuf,
        env: BTreeMap<String, String>,
        tx: mpsc::Sender<ProbeEvent>,
    ) -> ProbeRunner {
        let _ = (component, run_id, health, cwd, env, tx);
        ProbeRunner { task: tokio::spawn(async {}) }
    }
}

impl Drop for ProbeRunner {
    fn drop(&mut self) {
        self.task.abort();
    }
}
