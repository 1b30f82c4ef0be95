//! `GET /v1/components/{name}/logs`: the last lines as JSON, or with
//! `follow=true` the last lines and then every new line as server-sent
//! `log` events.

use std::collections::{HashSet, VecDeque};
use std::convert::Infallible;

use axum::Json;
use axum::extract::State;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use serde::Deserialize;
use tokio::sync::broadcast::{self, error::RecvError};

use super::AppState;
use super::error::ApiError;
use super::extract::{PathParams, QueryParams};
use crate::event::LogLine;

/// Lines sent when the request names no `n`.
const DEFAULT_LINES: usize = 100;
/// Maximum lines one request may ask for.
const MAX_LINES: usize = 100_000;

#[derive(Debug, Deserialize)]
pub(crate) struct LogQuery {
    n: Option<usize>,
    #[serde(default)]
    follow: bool,
}

pub(crate) async fn logs(
    State(app): State<AppState>,
    PathParams(name): PathParams<String>,
    QueryParams(query): QueryParams<LogQuery>,
) -> Result<Response, ApiError> {
    let count = query.n.unwrap_or(DEFAULT_LINES).min(MAX_LINES);
    if !query.follow {
        return Ok(Json(app.handle.logs(&name, count).await?).into_response());
    }

    // Subscribing before reading the tail loses no line in between; lines
    // that arrive in both are dropped from the live part below.
    let receiver = app.handle.subscribe_logs(&name).await?;
    let tail = app.handle.logs(&name, count).await?;
    let seen: HashSet<(String, String)> =
        tail.iter().map(|line| (line.at.clone(), line.text.clone())).collect();
    let follow = LogFollow { pending: tail.into(), receiver, seen };

    let stream = futures_util::stream::unfold(follow, LogFollow::next)
        .map(Ok::<_, Infallible>)
        .take_until(app.shutdown_signal());
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()).into_response())
}

struct LogFollow {
    pending: VecDeque<LogLine>,
    receiver: broadcast::Receiver<LogLine>,
    /// Tail lines, so that their copies from the live channel are skipped.
    seen: HashSet<(String, String)>,
}

impl LogFollow {
    async fn next(mut self) -> Option<(SseEvent, LogFollow)> {
        if let Some(line) = self.pending.pop_front() {
            return Some((log_event(&line), self));
        }
        loop {
            match self.receiver.recv().await {
                Ok(line) => {
                    if !self.seen.is_empty()
                        && self.seen.remove(&(line.at.clone(), line.text.clone()))
                    {
                        continue;
                    }
                    self.seen.clear();
                    return Some((log_event(&line), self));
                }
                Err(RecvError::Lagged(missed)) => {
                    let data = serde_json::json!({ "missed": missed }).to_string();
                    return Some((SseEvent::default().event("lagged").data(data), self));
                }
                Err(RecvError::Closed) => return None,
            }
        }
    }
}

fn log_event(line: &LogLine) -> SseEvent {
    match serde_json::to_string(line) {
        Ok(data) => SseEvent::default().event("log").data(data),
        Err(error) => {
            tracing::error!(%error, component = %line.component, "cannot encode log line");
            SseEvent::default().event("error").data("{}")
        }
    }
}
