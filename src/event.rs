//! The one `Event` type that feeds SSE, Tauri IPC and the tray, and the
//! snapshot types that every client reads.

use serde::{Deserialize, Serialize};

use crate::diagnose::Diagnosis;
use crate::state::{Aggregate, Counts, FailureFacts, StateName};

/// Whether the user wants a component running. Persists across supervisor restarts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Desired {
    Running,
    Stopped,
}

/// How the last run of a component ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LastExit {
    pub code: Option<i32>,
    pub signal: Option<String>,
    /// RFC 3339 UTC time of the exit.
    pub at: String,
    pub uptime_ms: u64,
    /// Processes the run forked that were still alive when the leader exited.
    pub orphans: usize,
}

/// One probe's current standing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ProbeStatus {
    Unknown,
    Passing,
    Failing,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct HealthSnapshot {
    pub readiness: Option<ProbeStatus>,
    pub liveness: Option<ProbeStatus>,
    /// Consecutive failures of the probe that failed last.
    pub consecutive_failures: u32,
    pub last_error: Option<String>,
}

/// Everything a client shows about one component.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ComponentSnapshot {
    pub name: String,
    /// "daemon" or "task".
    pub kind: String,
    pub state: StateName,
    pub desired: Desired,
    pub pid: Option<u32>,
    /// RFC 3339 UTC time the current state began.
    pub since: String,
    /// Milliseconds since the current run started, while a process is live.
    pub uptime_ms: Option<u64>,
    /// Restarts since the supervisor started or the count was last reset.
    pub restarts: u32,
    pub last_exit: Option<LastExit>,
    pub diagnosis: Option<Diagnosis>,
    pub health: Option<HealthSnapshot>,
    /// Percent of one core, summed over the process tree.
    pub cpu_percent: Option<f64>,
    /// Resident memory in bytes, summed over the process tree.
    pub memory_bytes: Option<u64>,
    /// Dependencies this component is waiting on or blocked by.
    pub waiting_on: Vec<String>,
    /// Milliseconds until the next start attempt, in `backoff`, `fatal` or `blocked`.
    pub next_attempt_ms: Option<u64>,
    /// Whether a restart will follow the current exit.
    pub restart_pending: bool,
    pub log_path: String,
    /// Whether this component counts as failed (see [`crate::state::is_failed`]).
    pub failed: bool,
}

impl ComponentSnapshot {
    pub fn failure_facts(&self) -> FailureFacts {
        FailureFacts {
            state: self.state,
            last_exit_code: self.last_exit.as_ref().and_then(|exit| exit.code),
            last_exit_signaled: self.last_exit.as_ref().is_some_and(|exit| exit.signal.is_some()),
            restart_pending: self.restart_pending,
        }
    }
}

/// A rejected reload, kept until the next successful one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ReloadError {
    pub at: String,
    pub errors: Vec<String>,
}

/// The whole supervisor at one moment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Snapshot {
    pub aggregate: Aggregate,
    pub counts: Counts,
    pub summary: String,
    pub config_path: Option<String>,
    pub components: Vec<ComponentSnapshot>,
    pub last_reload_error: Option<ReloadError>,
}

impl Snapshot {
    /// Builds a snapshot, computing the aggregate state and counts from the components.
    pub fn new(
        config_path: Option<String>,
        components: Vec<ComponentSnapshot>,
        last_reload_error: Option<ReloadError>,
    ) -> Snapshot {
        let facts = || components.iter().map(ComponentSnapshot::failure_facts);
        let aggregate = crate::state::aggregate(facts());
        let counts = Counts::from_facts(facts());
        Snapshot {
            aggregate,
            summary: counts.summary(),
            counts,
            config_path,
            components,
            last_reload_error,
        }
    }

    pub fn component(&self, name: &str) -> Option<&ComponentSnapshot> {
        self.components.iter().find(|component| component.name == name)
    }
}

/// Which output stream a log line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Stream {
    Out,
    Err,
}

/// One line of component output as clients see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LogLine {
    pub component: String,
    pub stream: Stream,
    /// RFC 3339 UTC with milliseconds.
    pub at: String,
    /// The line as text, invalid UTF-8 replaced; ANSI escapes kept.
    pub text: String,
    /// This line continues a long line split at the line cap.
    pub continued: bool,
}

/// Kinds of desktop-worthy happenings, as the notification policy sees them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum EventBody {
    /// The full state; always the first event of a stream and after `resync`.
    Snapshot { snapshot: Snapshot },
    /// One component changed; `previous` is the state it left.
    Component { component: Box<ComponentSnapshot>, previous: Option<StateName> },
    /// A component was removed by a reload.
    Removed { name: String },
    /// A reload was applied or rejected.
    Reload {
        ok: bool,
        errors: Vec<String>,
        added: Vec<String>,
        removed: Vec<String>,
        changed: Vec<String>,
    },
    /// A line of component output.
    Log { line: LogLine },
    /// The client fell behind and missed events; a snapshot follows.
    Resync { missed: u64 },
    /// The supervisor is shutting down.
    Shutdown,
}

/// An event with its sequence number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Event {
    pub seq: u64,
    #[serde(flatten)]
    pub body: EventBody,
}
