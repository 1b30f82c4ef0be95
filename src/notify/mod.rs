//! Desktop notifications: the policy that decides which supervisor events
//! are worth a notification (and coalesces crash loops and start-up bursts),
//! the [`NotificationSink`] it sends to, and the loop that connects the two.

mod desktop;
mod policy;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use tokio::sync::{broadcast, broadcast::error::RecvError, watch};

pub use desktop::{DesktopSink, InvokedAction};
pub use policy::{NotificationPolicy, PolicySettings};

use crate::event::{Event, EventBody};

/// What a notification is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NotificationKind {
    /// A component failed (the first failure of a crash loop).
    Failed,
    /// A component hit its restart limit and turned `fatal`.
    GaveUp,
    Unhealthy,
    Blocked,
    /// A component runs again after a failure.
    Recovered,
    /// A resource alert (a diagnosis with severity warning).
    Warning,
    /// Several components failed during the start-up grace period.
    StartupSummary,
}

/// How loudly the desktop should show a notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Urgency {
    Normal,
    Critical,
}

/// A button on a notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NotificationAction {
    Restart,
    ShowLogs,
    /// Opens the Tend window (on the start-up summary, which names no single component).
    OpenWindow,
}

impl NotificationAction {
    /// The action key sent to the notification server and back in `ActionInvoked`.
    pub fn key(self) -> &'static str {
        match self {
            NotificationAction::Restart => "restart",
            NotificationAction::ShowLogs => "show-logs",
            NotificationAction::OpenWindow => "open",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            NotificationAction::Restart => "Restart",
            NotificationAction::ShowLogs => "Show logs",
            NotificationAction::OpenWindow => "Open Tend",
        }
    }

    pub fn from_key(key: &str) -> Option<NotificationAction> {
        [NotificationAction::Restart, NotificationAction::ShowLogs, NotificationAction::OpenWindow]
            .into_iter()
            .find(|action| action.key() == key)
    }
}

/// One desktop notification as the policy decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub kind: NotificationKind,
    /// The component it is about; `None` for the start-up summary.
    pub component: Option<String>,
    /// The title line, e.g. "web failed".
    pub summary: String,
    /// The detail, e.g. the diagnosis line.
    pub body: String,
    pub urgency: Urgency,
    pub actions: Vec<NotificationAction>,
}

/// Where notifications go. `send` must return at once: a sink that talks to
/// a server does so off the calling thread.
pub trait NotificationSink: Send + Sync {
    fn send(&self, note: Notification);
}

/// Feeds supervisor events through the policy into a sink until the stream
/// ends or the supervisor shuts down. `paused` carries the pause switch.
pub async fn run(
    mut policy: NotificationPolicy,
    mut events: broadcast::Receiver<Event>,
    mut paused: watch::Receiver<bool>,
    sink: Arc<dyn NotificationSink>,
) {
    policy.set_paused(*paused.borrow_and_update());
    loop {
        let deadline = policy.next_deadline();
        let wake = async {
            match deadline {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        let notes = tokio::select! {
            received = events.recv() => match received {
                Ok(Event { body: EventBody::Shutdown, .. }) | Err(RecvError::Closed) => return,
                Ok(event) => policy.observe(&event, tokio::time::Instant::now()),
                Err(RecvError::Lagged(missed)) => {
                    // The resync snapshot that follows brings the policy up to date.
                    tracing::debug!(missed, "notification policy lagged behind the event stream");
                    Vec::new()
                }
            },
            () = wake => policy.flush_due(tokio::time::Instant::now()),
            changed = paused.changed() => {
                if changed.is_err() {
                    return;
                }
                policy.set_paused(*paused.borrow_and_update());
                Vec::new()
            }
        };
        for note in notes {
            sink.send(note);
        }
    }
}
