//! `GET /v1/events`: the supervisor's event stream as server-sent events.
//! The stream opens with a snapshot, sends a `resync` and a fresh snapshot
//! to a client that fell behind, and ends when the server shuts down.

use std::collections::VecDeque;
use std::convert::Infallible;

use axum::extract::State;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures_util::{Stream, StreamExt};
use tokio::sync::broadcast::{self, error::RecvError};

use super::AppState;
use super::error::ApiError;
use crate::event::{Event, EventBody};
use crate::supervisor::SupervisorHandle;

pub(crate) async fn events(
    State(app): State<AppState>,
) -> Result<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>, ApiError> {
    let subscription = app.handle.subscribe().await?;
    app.handle.set_watching(true).await;

    let stream = EventStream {
        pending: VecDeque::from([to_sse(&subscription.snapshot)]),
        receiver: subscription.events,
        watching: WatchingGuard(app.handle.clone()),
    };
    let stream = futures_util::stream::unfold(stream, EventStream::next)
        .map(Ok)
        .take_until(app.shutdown_signal());
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

struct EventStream {
    /// Events to send before reading the channel again.
    pending: VecDeque<SseEvent>,
    receiver: broadcast::Receiver<Event>,
    watching: WatchingGuard,
}

impl EventStream {
    async fn next(mut self) -> Option<(SseEvent, EventStream)> {
        if let Some(event) = self.pending.pop_front() {
            return Some((event, self));
        }
        match self.receiver.recv().await {
            Ok(event) => Some((to_sse(&event), self)),
            Err(RecvError::Lagged(missed)) => {
                tracing::warn!(missed, "event stream client fell behind; sending a resync");
                let subscription = self.watching.0.subscribe().await.ok()?;
                self.receiver = subscription.events;
                let resync =
                    Event { seq: subscription.snapshot.seq, body: EventBody::Resync { missed } };
                self.pending.push_back(to_sse(&subscription.snapshot));
                Some((to_sse(&resync), self))
            }
            Err(RecvError::Closed) => None,
        }
    }
}

/// Turns an event into an SSE message: `id` is the sequence number, `event`
/// the event type and `data` the event's JSON.
pub(crate) fn to_sse(event: &Event) -> SseEvent {
    let message = SseEvent::default().id(event.seq.to_string());
    match serde_json::to_value(event) {
        Ok(value) => {
            let kind = value.get("type").and_then(|kind| kind.as_str()).unwrap_or("event");
            message.event(kind).data(value.to_string())
        }
        Err(error) => {
            tracing::error!(%error, seq = event.seq, "cannot encode event");
            message.event("error").data("{}")
        }
    }
}

/// Tells the supervisor that a client watches while it lives.
pub(crate) struct WatchingGuard(pub(crate) SupervisorHandle);

impl Drop for WatchingGuard {
    fn drop(&mut self) {
        let handle = self.0.clone();
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move { handle.set_watching(false).await });
        }
    }
}
