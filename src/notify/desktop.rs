//! The desktop notification sink: sends through `notify-rust` over D-Bus,
//! off the calling thread and with a timeout, and listens for the user's
//! clicks (`ActionInvoked`) on one shared connection.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::mpsc;

use super::{Notification, NotificationAction, NotificationSink, Urgency};

/// How long one Notify call may take; a server that accepts the call and
/// never replies would otherwise hold the send forever.
const SEND_TIMEOUT: Duration = Duration::from_secs(5);

/// Shown notifications remembered for their actions; the oldest are forgotten
/// past this, in case the server never reports them closed.
const MAX_REMEMBERED: usize = 256;

const INTERFACE: &str = "org.freedesktop.Notifications";

/// A click on a notification's button.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvokedAction {
    /// The component the notification was about; `None` for the start-up summary.
    pub component: Option<String>,
    pub action: NotificationAction,
}

/// Sends notifications to the desktop's notification server.
pub struct DesktopSink {
    notes: mpsc::UnboundedSender<Notification>,
}

/// A notification the server accepted, kept for its actions.
struct Shown {
    component: Option<String>,
    actions: Vec<NotificationAction>,
    // Some desktops deliver actions only while the sending connection lives.
    _handle: notify_rust::NotificationHandle,
}

impl DesktopSink {
    /// Starts the sender and the action listener on the current tokio
    /// runtime. `on_action` runs on that runtime for every click on one of
    /// the notification's buttons.
    pub fn start(
        app_name: impl Into<String>,
        on_action: impl Fn(InvokedAction) + Send + Sync + 'static,
    ) -> DesktopSink {
        let (notes, inbox) = mpsc::unbounded_channel();
        tokio::spawn(run(app_name.into(), inbox, Box::new(on_action)));
        DesktopSink { notes }
    }
}

impl NotificationSink for DesktopSink {
    fn send(&self, note: Notification) {
        if self.notes.send(note).is_err() {
            tracing::debug!("desktop notification sink has stopped; notification dropped");
        }
    }
}

type ActionCallback = Box<dyn Fn(InvokedAction) + Send + Sync>;

async fn run(
    app_name: String,
    mut inbox: mpsc::UnboundedReceiver<Notification>,
    on_action: ActionCallback,
) {
    let (shown_sender, mut shown_inbox) = mpsc::unbounded_channel::<(u32, Shown)>();
    let server_missing = Arc::new(AtomicBool::new(false));
    let mut shown: BTreeMap<u32, Shown> = BTreeMap::new();
    let mut signals = listen().await;

    loop {
        tokio::select! {
            note = inbox.recv() => {
                let Some(note) = note else { return };
                let task = send_one(app_name.clone(), note, shown_sender.clone(), server_missing.clone());
                tokio::spawn(task);
            }
            Some((id, entry)) = shown_inbox.recv() => {
                shown.insert(id, entry);
                while shown.len() > MAX_REMEMBERED {
                    shown.pop_first();
                }
            }
            message = next_signal(&mut signals) => match message {
                Some(message) => handle_signal(&message, &mut shown, &on_action),
                None => signals = None,
            },
        }
    }
}

/// Subscribes to the server's signals on one connection; `None` without a session bus.
async fn listen() -> Option<zbus::MessageStream> {
    let subscribe = async {
        let connection = zbus::Connection::session().await?;
        let rule = zbus::MatchRule::builder()
            .msg_type(zbus::message::Type::Signal)
            .interface(INTERFACE)?
            .build();
        zbus::MessageStream::for_match_rule(rule, &connection, None).await
    };
    match subscribe.await {
        Ok(stream) => Some(stream),
        Err(error) => {
            tracing::warn!(%error, "cannot listen for notification actions on the session bus");
            None
        }
    }
}

async fn next_signal(signals: &mut Option<zbus::MessageStream>) -> Option<zbus::Message> {
    match signals {
        Some(stream) => match stream.next().await {
            Some(Ok(message)) => Some(message),
            Some(Err(error)) => {
                tracing::debug!(%error, "unreadable message from the notification server");
                std::future::pending().await
            }
            None => None,
        },
        None => std::future::pending().await,
    }
}

fn handle_signal(
    message: &zbus::Message,
    shown: &mut BTreeMap<u32, Shown>,
    on_action: &ActionCallback,
) {
    let header = message.header();
    let Some(member) = header.member() else { return };
    match member.as_str() {
        "ActionInvoked" => {
            let Ok((id, key)) = message.body().deserialize::<(u32, String)>() else { return };
            let Some(entry) = shown.get(&id) else { return };
            let Some(action) = NotificationAction::from_key(&key) else { return };
            if !entry.actions.contains(&action) {
                return;
            }
            tracing::info!(component = ?entry.component, action = key, "notification action invoked");
            on_action(InvokedAction { component: entry.component.clone(), action });
        }
        "NotificationClosed" => {
            if let Ok((id, _reason)) = message.body().deserialize::<(u32, u32)>() {
                shown.remove(&id);
            }
        }
        _ => {}
    }
}

async fn send_one(
    app_name: String,
    note: Notification,
    shown: mpsc::UnboundedSender<(u32, Shown)>,
    server_missing: Arc<AtomicBool>,
) {
    let request = desktop_notification(&app_name, &note);
    let component = note.component.as_deref().unwrap_or("");
    match tokio::time::timeout(SEND_TIMEOUT, request.show_async()).await {
        Ok(Ok(handle)) => {
            if server_missing.swap(false, Ordering::Relaxed) {
                tracing::info!("notification server is available again");
            }
            tracing::debug!(
                component,
                id = handle.id(),
                summary = note.summary,
                "notification sent"
            );
            let entry = Shown { component: note.component, actions: note.actions, _handle: handle };
            // The receiver is gone only when the sink stopped, and then no action matters.
            let _ = shown.send((entry._handle.id(), entry));
        }
        Ok(Err(error)) => report_missing(&server_missing, component, &error.to_string()),
        Err(_) => report_missing(
            &server_missing,
            component,
            &format!("no reply within {}s", SEND_TIMEOUT.as_secs()),
        ),
    }
}

/// Logs the first failure to reach the server at warn, later ones at debug.
fn report_missing(server_missing: &AtomicBool, component: &str, error: &str) {
    if server_missing.swap(true, Ordering::Relaxed) {
        tracing::debug!(component, error, "desktop notification not sent");
    } else {
        tracing::warn!(
            component,
            error,
            "cannot send desktop notifications; is a notification server running? \
             Further failures are logged at debug level"
        );
    }
}

fn desktop_notification(app_name: &str, note: &Notification) -> notify_rust::Notification {
    let mut request = notify_rust::Notification::new();
    request.appname(app_name).summary(&note.summary).body(&note.body);
    request.urgency(match note.urgency {
        Urgency::Normal => notify_rust::Urgency::Normal,
        Urgency::Critical => notify_rust::Urgency::Critical,
    });
    for action in &note.actions {
        request.action(action.key(), action.label());
    }
    request
}
