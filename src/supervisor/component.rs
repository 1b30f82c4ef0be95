//! One supervised component as the actor holds it: its config, its state,
//! the live run if any, and what clients see of it.

use std::collections::VecDeque;
use std::time::{Duration, SystemTime};

use tokio::time::Instant;

use crate::config::{ComponentConfig, Kind};
use crate::diagnose::Diagnosis;
use crate::event::{ComponentSnapshot, Desired, HealthSnapshot, LastExit};
use crate::logs::ComponentLog;
use crate::process::ProcessTree;
use crate::state::StateName;

use super::handle::HistoryEntry;
use super::policy::RestartTracker;

/// How many history entries each component keeps.
const HISTORY_LEN: usize = 50;

/// A live run: the leader and the processes it started.
pub struct Run {
    pub id: u64,
    pub pid: u32,
    pub pgid: u32,
    pub started: Instant,
    /// `None` while a stop task owns the tree.
    pub tree: Option<ProcessTree>,
    /// The leader has exited; other processes of the run may still live.
    pub leader_exited: bool,
    pub probes: Option<crate::health::ProbeRunner>,
    /// Signals sent to this run through `tend signal`, so an exit by one of
    /// them is not blamed on another process.
    pub sent_signals: Vec<i32>,
    /// The run's processes at the last metrics sample, recorded in
    /// `state.json` for crash recovery. Starts as the leader alone.
    pub members: Vec<u32>,
}

/// What to do once a stop in progress completes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterStop {
    Rest,
    Start,
    /// Apply the restart policy's decision for a run Tend ended because it
    /// failed a probe or a resource limit.
    Policy(super::policy::Decision),
}

pub struct Component {
    pub config: ComponentConfig,
    pub state: StateName,
    pub since: SystemTime,
    pub desired: Desired,
    pub run: Option<Run>,
    pub tracker: RestartTracker,
    pub last_exit: Option<LastExit>,
    pub diagnosis: Option<Diagnosis>,
    /// The diagnosis that was showing when the current run started.
    pub carried_diagnosis: Option<Diagnosis>,
    pub health: Option<HealthSnapshot>,
    pub cpu_percent: Option<f64>,
    pub memory_bytes: Option<u64>,
    pub waiting_on: Vec<String>,
    /// When the pending timer fires, if one is pending.
    pub next_attempt: Option<Instant>,
    /// Incremented to cancel a pending timer.
    pub timer_generation: u64,
    pub restart_pending: bool,
    /// Set while a slow retry after `fatal` is running.
    pub in_fatal_retry: bool,
    /// The state before the current failure, for recovery notices.
    pub after_stop: AfterStop,
    /// Replies waiting for the current stop to finish.
    pub stop_waiters: Vec<tokio::sync::oneshot::Sender<String>>,
    pub history: VecDeque<HistoryEntry>,
    pub log: ComponentLog,
    pub cpu_alert: Option<crate::metrics::CpuAlertTracker>,
}

impl Component {
    pub fn new(config: ComponentConfig, log: ComponentLog, desired: Desired) -> Component {
        let cpu_alert = config.cpu_alert.map(crate::metrics::CpuAlertTracker::new);
        Component {
            config,
            state: StateName::Stopped,
            since: SystemTime::now(),
            desired,
            run: None,
            tracker: RestartTracker::default(),
            last_exit: None,
            diagnosis: None,
            carried_diagnosis: None,
            health: None,
            cpu_percent: None,
            memory_bytes: None,
            waiting_on: Vec::new(),
            next_attempt: None,
            timer_generation: 0,
            restart_pending: false,
            in_fatal_retry: false,
            after_stop: AfterStop::Rest,
            stop_waiters: Vec::new(),
            history: VecDeque::new(),
            log,
            cpu_alert,
        }
    }

    /// Forgets CPU and memory figures once no process of the run is left.
    pub fn clear_usage(&mut self) {
        self.cpu_percent = None;
        self.memory_bytes = None;
    }

    pub fn name(&self) -> &str {
        &self.config.name
    }

    pub fn push_history(&mut self, exit: Option<LastExit>) {
        if self.history.len() == HISTORY_LEN {
            self.history.pop_front();
        }
        self.history.push_back(HistoryEntry {
            at: rfc3339(SystemTime::now()),
            state: self.state,
            exit,
            diagnosis: self.diagnosis.clone(),
        });
    }

    pub fn snapshot(&self) -> ComponentSnapshot {
        let now = Instant::now();
        let live = self.run.as_ref().filter(|run| !run.leader_exited);
        let mut snapshot = ComponentSnapshot {
            name: self.config.name.clone(),
            kind: match self.config.kind {
                Kind::Daemon => "daemon".to_string(),
                Kind::Task => "task".to_string(),
            },
            state: self.state,
            desired: self.desired,
            pid: live.map(|run| run.pid),
            since: rfc3339(self.since),
            uptime_ms: live.map(|run| duration_ms(now.saturating_duration_since(run.started))),
            restarts: self.tracker.restarts,
            last_exit: self.last_exit.clone(),
            diagnosis: self.diagnosis.clone(),
            health: self.health.clone(),
            cpu_percent: self.cpu_percent,
            memory_bytes: self.memory_bytes,
            waiting_on: self.waiting_on.clone(),
            next_attempt_ms: self
                .next_attempt
                .map(|at| duration_ms(at.saturating_duration_since(now))),
            restart_pending: self.restart_pending,
            log_path: self.log.path().display().to_string(),
            failed: false,
        };
        snapshot.failed = crate::state::is_failed(snapshot.failure_facts());
        snapshot
    }
}

pub fn rfc3339(time: SystemTime) -> String {
    humantime::format_rfc3339_millis(time).to_string()
}

pub fn duration_ms(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
