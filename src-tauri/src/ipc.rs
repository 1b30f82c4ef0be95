//! The commands the webview calls over Tauri IPC. They call the same
//! supervisor handle as the HTTP API and reject with `{kind, message}`.
//! Each subscription owns one `Channel` and ends when a send to it fails,
//! so nothing keeps running after the window is destroyed.

use std::sync::Arc;

use serde::Serialize;
use tauri::ipc::{Channel, Invoke};
use tauri::{State, Wry};
use tend::event::{Event, EventBody, LogLine, Snapshot};
use tend::supervisor::{
    ActionResult, ComponentDetail, HistoryEntry, ReloadOutcome, SupervisorError, Target, Verb,
};
use tokio::sync::broadcast::error::RecvError;

use crate::app::Core;

/// An IPC error as the UI reads it.
#[derive(Debug, Serialize)]
pub struct IpcError {
    kind: &'static str,
    message: String,
}

impl From<SupervisorError> for IpcError {
    fn from(error: SupervisorError) -> IpcError {
        let kind = match &error {
            SupervisorError::NoSuchComponent { .. } => "no-such-component",
            SupervisorError::ShuttingDown => "shutting-down",
            SupervisorError::Invalid(_) => "bad-request",
        };
        IpcError { kind, message: error.to_string() }
    }
}

type Reply<T> = Result<T, IpcError>;

/// Builds the invoke handler with every command of the IPC contract.
pub fn handler() -> impl Fn(Invoke<Wry>) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        snapshot,
        detail,
        component_action,
        actions,
        logs,
        history,
        reload,
        subscribe,
        subscribe_logs,
        unsubscribe_logs
    ]
}

#[tauri::command]
async fn snapshot(core: State<'_, Arc<Core>>) -> Reply<Snapshot> {
    Ok(core.handle.snapshot().await?)
}

#[tauri::command]
async fn detail(core: State<'_, Arc<Core>>, name: String) -> Reply<ComponentDetail> {
    Ok(core.handle.detail(&name).await?)
}

#[tauri::command]
async fn component_action(
    core: State<'_, Arc<Core>>,
    name: String,
    verb: Verb,
) -> Reply<Vec<ActionResult>> {
    Ok(core.handle.act(verb, Target::Names(vec![name])).await?)
}

#[tauri::command]
async fn actions(
    core: State<'_, Arc<Core>>,
    verb: Verb,
    target: Target,
) -> Reply<Vec<ActionResult>> {
    Ok(core.handle.act(verb, target).await?)
}

#[tauri::command]
async fn logs(core: State<'_, Arc<Core>>, name: String, n: Option<usize>) -> Reply<Vec<LogLine>> {
    const DEFAULT_LINES: usize = 500;
    Ok(core.handle.logs(&name, n.unwrap_or(DEFAULT_LINES)).await?)
}

#[tauri::command]
async fn history(core: State<'_, Arc<Core>>, name: String) -> Reply<Vec<HistoryEntry>> {
    Ok(core.handle.history(&name).await?)
}

#[tauri::command]
async fn reload(core: State<'_, Arc<Core>>) -> Reply<ReloadOutcome> {
    Ok(core.handle.reload().await?)
}

/// Streams supervisor events to `on_event`: the snapshot first, then every
/// change; after a lag a `resync` and a fresh snapshot.
#[tauri::command]
async fn subscribe(core: State<'_, Arc<Core>>, on_event: Channel<Event>) -> Reply<()> {
    let handle = core.handle.clone();
    let subscription = handle.subscribe().await?;
    if on_event.send(subscription.snapshot).is_err() {
        return Ok(());
    }
    let mut events = subscription.events;
    tauri::async_runtime::spawn(async move {
        handle.set_watching(true).await;
        loop {
            let event = match events.recv().await {
                Ok(Event { body: EventBody::Log { .. }, .. }) => continue,
                Ok(event) => event,
                Err(RecvError::Lagged(missed)) => {
                    match resync(&handle, missed).await {
                        Some(pair) => {
                            if pair.into_iter().any(|event| on_event.send(event).is_err()) {
                                break;
                            }
                        }
                        None => break,
                    }
                    continue;
                }
                Err(RecvError::Closed) => break,
            };
            let ended = matches!(event.body, EventBody::Shutdown);
            if on_event.send(event).is_err() || ended {
                break;
            }
        }
        handle.set_watching(false).await;
        tracing::debug!("window event subscription ended");
    });
    Ok(())
}

/// The `resync` event and the snapshot that follows it.
async fn resync(handle: &tend::supervisor::SupervisorHandle, missed: u64) -> Option<[Event; 2]> {
    let snapshot = handle.snapshot().await.ok()?;
    // Synthetic events carry no sequence number of their own.
    Some([
        Event { seq: 0, body: EventBody::Resync { missed } },
        Event { seq: 0, body: EventBody::Snapshot { snapshot } },
    ])
}

/// Streams a component's new output lines to `on_line` until
/// `unsubscribe_logs` or a failed send. A second call for the same name replaces the first.
#[tauri::command]
async fn subscribe_logs(
    core: State<'_, Arc<Core>>,
    name: String,
    on_line: Channel<LogLine>,
) -> Reply<()> {
    let mut lines = core.handle.subscribe_logs(&name).await?;
    let follow = tauri::async_runtime::spawn(async move {
        loop {
            match lines.recv().await {
                Ok(line) => {
                    if on_line.send(line).is_err() {
                        break;
                    }
                }
                // The UI marks gaps from the tail it fetches; a lag just skips ahead.
                Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => break,
            }
        }
    });
    let previous = core
        .log_follows
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .insert(name, follow);
    if let Some(previous) = previous {
        previous.abort();
    }
    Ok(())
}

#[tauri::command]
async fn unsubscribe_logs(core: State<'_, Arc<Core>>, name: String) -> Reply<()> {
    let follow =
        core.log_follows.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).remove(&name);
    if let Some(follow) = follow {
        follow.abort();
    }
    Ok(())
}
