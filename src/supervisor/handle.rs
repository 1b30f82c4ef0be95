//! The handle every client (API, tray, CLI server side) uses to talk to the
//! supervisor actor: commands in over an mpsc channel, events out over a
//! broadcast channel.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, mpsc, oneshot, watch};

use crate::diagnose::Diagnosis;
use crate::event::{ComponentSnapshot, Event, LastExit, LogLine, Snapshot};
use crate::state::StateName;

/// What to do to a component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Verb {
    Start,
    Stop,
    Restart,
}

impl Verb {
    pub fn parse(text: &str) -> Option<Verb> {
        match text {
            "start" => Some(Verb::Start),
            "stop" => Some(Verb::Stop),
            "restart" => Some(Verb::Restart),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Start => "start",
            Verb::Stop => "stop",
            Verb::Restart => "restart",
        }
    }
}

/// Which components an action applies to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Target {
    Names(Vec<String>),
    All,
    /// Every component for which [`crate::state::is_failed`] holds.
    Failed,
}

/// The outcome of an action on one component.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ActionResult {
    pub name: String,
    pub ok: bool,
    /// What happened, e.g. "stopped" or "2 processes could not be killed: 812 (D state)".
    pub message: String,
    pub state: StateName,
}

/// One past run or state change, for `/history` and `tend show`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct HistoryEntry {
    pub at: String,
    pub state: StateName,
    pub exit: Option<LastExit>,
    pub diagnosis: Option<Diagnosis>,
}

/// `tend show`: the snapshot plus the resolved command and masked environment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ComponentDetail {
    pub snapshot: ComponentSnapshot,
    pub command: Vec<String>,
    pub shell: bool,
    pub cwd: String,
    /// The component's own env (env_file and env), secrets shown as "****".
    pub env: BTreeMap<String, String>,
    pub depends_on: BTreeMap<String, String>,
    pub history: Vec<HistoryEntry>,
}

/// The outcome of a reload.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ReloadOutcome {
    pub ok: bool,
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<String>,
    pub errors: Vec<String>,
}

/// A consistent start of an event stream: the snapshot event, then every event after it.
pub struct Subscription {
    pub snapshot: Event,
    pub events: broadcast::Receiver<Event>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SupervisorError {
    #[error("no component named {name:?}{}", suggestion_suffix(.suggestion))]
    NoSuchComponent { name: String, suggestion: Option<String> },
    #[error("the supervisor is shutting down")]
    ShuttingDown,
    #[error("{0}")]
    Invalid(String),
}

fn suggestion_suffix(suggestion: &Option<String>) -> String {
    match suggestion {
        Some(name) => format!("; did you mean {name:?}?"),
        None => String::new(),
    }
}

/// Commands the actor accepts. Each carries a reply channel.
pub(crate) enum Command {
    Snapshot(oneshot::Sender<Snapshot>),
    Detail(String, oneshot::Sender<Result<ComponentDetail, SupervisorError>>),
    Act(Verb, Target, oneshot::Sender<Result<Vec<ActionResult>, SupervisorError>>),
    Signal(String, i32, oneshot::Sender<Result<usize, SupervisorError>>),
    Reload(oneshot::Sender<ReloadOutcome>),
    Logs(String, usize, oneshot::Sender<Result<Vec<LogLine>, SupervisorError>>),
    SubscribeLogs(String, oneshot::Sender<Result<broadcast::Receiver<LogLine>, SupervisorError>>),
    History(String, oneshot::Sender<Result<Vec<HistoryEntry>, SupervisorError>>),
    Subscribe(oneshot::Sender<Subscription>),
    /// A client started or stopped watching; metrics are sampled faster while one does.
    Watching(bool),
    Shutdown(oneshot::Sender<()>),
}

/// A cheap, cloneable handle to the running supervisor.
#[derive(Clone)]
pub struct SupervisorHandle {
    pub(crate) commands: mpsc::Sender<Command>,
    pub(crate) finished: watch::Receiver<bool>,
}

impl SupervisorHandle {
    async fn request<T>(
        &self,
        make: impl FnOnce(oneshot::Sender<T>) -> Command,
    ) -> Result<T, SupervisorError> {
        let (reply, response) = oneshot::channel();
        self.commands.send(make(reply)).await.map_err(|_| SupervisorError::ShuttingDown)?;
        response.await.map_err(|_| SupervisorError::ShuttingDown)
    }

    pub async fn snapshot(&self) -> Result<Snapshot, SupervisorError> {
        self.request(Command::Snapshot).await
    }

    pub async fn detail(&self, name: &str) -> Result<ComponentDetail, SupervisorError> {
        self.request(|reply| Command::Detail(name.to_string(), reply)).await?
    }

    /// Starts, stops or restarts the target components and waits until each
    /// has reached its new state (for stop: until every process is gone).
    pub async fn act(
        &self,
        verb: Verb,
        target: Target,
    ) -> Result<Vec<ActionResult>, SupervisorError> {
        self.request(|reply| Command::Act(verb, target, reply)).await?
    }

    /// Sends a signal to every process of a component; returns how many got it.
    pub async fn signal(&self, name: &str, signal: i32) -> Result<usize, SupervisorError> {
        self.request(|reply| Command::Signal(name.to_string(), signal, reply)).await?
    }

    /// Reloads the config file the supervisor was started with.
    pub async fn reload(&self) -> Result<ReloadOutcome, SupervisorError> {
        self.request(Command::Reload).await
    }

    /// The last `n` lines of a component's output, oldest first.
    pub async fn logs(&self, name: &str, n: usize) -> Result<Vec<LogLine>, SupervisorError> {
        self.request(|reply| Command::Logs(name.to_string(), n, reply)).await?
    }

    pub async fn subscribe_logs(
        &self,
        name: &str,
    ) -> Result<broadcast::Receiver<LogLine>, SupervisorError> {
        self.request(|reply| Command::SubscribeLogs(name.to_string(), reply)).await?
    }

    pub async fn history(&self, name: &str) -> Result<Vec<HistoryEntry>, SupervisorError> {
        self.request(|reply| Command::History(name.to_string(), reply)).await?
    }

    /// Opens an event stream: a snapshot event first, then every later event.
    pub async fn subscribe(&self) -> Result<Subscription, SupervisorError> {
        self.request(Command::Subscribe).await
    }

    /// Tells the supervisor whether a client is watching (faster metrics while one is).
    pub async fn set_watching(&self, watching: bool) {
        // A closed channel means the supervisor is gone, so there is nothing to tell.
        let _ = self.commands.send(Command::Watching(watching)).await;
    }

    /// Stops every component (in reverse dependency order) and ends the actor.
    pub async fn shutdown(&self) -> Result<(), SupervisorError> {
        self.request(Command::Shutdown).await
    }

    /// Resolves when the actor has ended.
    pub async fn finished(&self) {
        let mut finished = self.finished.clone();
        // An error means the sender is gone, which also means the actor ended.
        let _ = finished.wait_for(|done| *done).await;
    }
}
