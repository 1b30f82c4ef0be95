//! The JSON routes: components, actions, signals, history, reload, quit and
//! `/health`.

use std::str::FromStr;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::AppState;
use super::error::ApiError;
use super::extract::{JsonBody, PathParams};
use crate::event::Snapshot;
use crate::supervisor::{ActionResult, ComponentDetail, HistoryEntry, Target, Verb};

/// The body of every action response.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ActionResponse {
    pub results: Vec<ActionResult>,
}

/// `POST /v1/actions/{verb}`: exactly one of the three fields.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub names: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub all: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub failed: bool,
}

/// `POST /v1/components/{name}/signal`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignalRequest {
    /// "HUP", "SIGHUP" or a number.
    pub signal: String,
}

/// The response of a signal request.
#[derive(Debug, Serialize, Deserialize)]
pub struct SignalResponse {
    pub name: String,
    pub signal: String,
    /// How many processes received it.
    pub delivered: usize,
}

/// `GET /health`.
#[derive(Debug, Serialize, Deserialize)]
pub struct HealthResponse {
    pub status: String,
    pub version: String,
    pub pid: u32,
    pub uptime_ms: u64,
}

pub(crate) async fn components(State(app): State<AppState>) -> Result<Json<Snapshot>, ApiError> {
    Ok(Json(app.handle.snapshot().await?))
}

pub(crate) async fn detail(
    State(app): State<AppState>,
    PathParams(name): PathParams<String>,
) -> Result<Json<ComponentDetail>, ApiError> {
    Ok(Json(app.handle.detail(&name).await?))
}

pub(crate) async fn history(
    State(app): State<AppState>,
    PathParams(name): PathParams<String>,
) -> Result<Json<Vec<HistoryEntry>>, ApiError> {
    Ok(Json(app.handle.history(&name).await?))
}

pub(crate) async fn component_action(
    State(app): State<AppState>,
    PathParams((name, verb)): PathParams<(String, String)>,
) -> Result<Json<ActionResponse>, ApiError> {
    let verb = parse_verb(&verb)?;
    let results = app.handle.act(verb, Target::Names(vec![name])).await?;
    Ok(Json(ActionResponse { results }))
}

pub(crate) async fn bulk_action(
    State(app): State<AppState>,
    PathParams(verb): PathParams<String>,
    JsonBody(request): JsonBody<ActionRequest>,
) -> Result<Json<ActionResponse>, ApiError> {
    let verb = parse_verb(&verb)?;
    let target = action_target(request)?;
    let results = app.handle.act(verb, target).await?;
    Ok(Json(ActionResponse { results }))
}

pub(crate) async fn signal(
    State(app): State<AppState>,
    PathParams(name): PathParams<String>,
    JsonBody(request): JsonBody<SignalRequest>,
) -> Result<Json<SignalResponse>, ApiError> {
    let signal = parse_signal(&request.signal)?;
    let delivered = app.handle.signal(&name, signal as i32).await?;
    Ok(Json(SignalResponse { name, signal: signal.as_str().to_string(), delivered }))
}

pub(crate) async fn reload(State(app): State<AppState>) -> Result<Response, ApiError> {
    let outcome = app.handle.reload().await?;
    if outcome.ok {
        return Ok(Json(outcome).into_response());
    }

    // A rejected reload carries the usual error fields and the outcome, so a
    // client can print every error.
    let message = format!(
        "config rejected with {} error(s); the running config is unchanged",
        outcome.errors.len()
    );
    tracing::warn!(errors = outcome.errors.len(), "reload rejected");
    let mut body = serde_json::to_value(&outcome)
        .map_err(|error| ApiError::Internal(format!("cannot encode reload outcome: {error}")))?;
    if let Some(object) = body.as_object_mut() {
        object.insert("kind".into(), "invalid-config".into());
        object.insert("message".into(), message.into());
    }
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response())
}

/// Returns 202 at once. The supervisor then stops every component and
/// ends, which ends `tend up`.
pub(crate) async fn quit(State(app): State<AppState>) -> Response {
    tracing::info!("quit requested over the api");
    let handle = app.handle.clone();
    tokio::spawn(async move {
        if let Err(error) = handle.shutdown().await {
            tracing::debug!(%error, "supervisor already shutting down");
        }
    });
    (StatusCode::ACCEPTED, Json(serde_json::json!({ "status": "shutting-down" }))).into_response()
}

pub(crate) async fn health(State(app): State<AppState>) -> Result<Json<HealthResponse>, ApiError> {
    // A snapshot proves that the actor still responds.
    app.handle.snapshot().await?;
    Ok(Json(HealthResponse {
        status: "ok".to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        pid: std::process::id(),
        uptime_ms: u64::try_from(app.started.elapsed().as_millis()).unwrap_or(u64::MAX),
    }))
}

fn parse_verb(text: &str) -> Result<Verb, ApiError> {
    Verb::parse(text).ok_or_else(|| {
        ApiError::BadRequest(format!("unknown action {text:?}; expected start, stop or restart"))
    })
}

fn action_target(request: ActionRequest) -> Result<Target, ApiError> {
    match (request.names, request.all, request.failed) {
        (Some(names), false, false) if !names.is_empty() => Ok(Target::Names(names)),
        (None, true, false) => Ok(Target::All),
        (None, false, true) => Ok(Target::Failed),
        _ => Err(ApiError::BadRequest(
            "give exactly one of {\"names\": [...]} (not empty), {\"all\": true} or {\"failed\": true}"
                .to_string(),
        )),
    }
}

/// Parses "HUP", "SIGHUP" or a signal number.
pub(crate) fn parse_signal(text: &str) -> Result<nix::sys::signal::Signal, ApiError> {
    use nix::sys::signal::Signal;
    let trimmed = text.trim();
    let parsed = match trimmed.parse::<i32>() {
        Ok(number) => Signal::try_from(number).ok(),
        Err(_) => {
            let upper = trimmed.to_ascii_uppercase();
            let full = if upper.starts_with("SIG") { upper } else { format!("SIG{upper}") };
            Signal::from_str(&full).ok()
        }
    };
    parsed.ok_or_else(|| {
        ApiError::BadRequest(format!("unknown signal {text:?}; use a name such as HUP or TERM"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use nix::sys::signal::Signal;

    #[test]
    fn signal_names_and_numbers() {
        assert_eq!(parse_signal("HUP").unwrap(), Signal::SIGHUP);
        assert_eq!(parse_signal("sigterm").unwrap(), Signal::SIGTERM);
        assert_eq!(parse_signal("9").unwrap(), Signal::SIGKILL);
        assert!(parse_signal("NOPE").is_err());
        assert!(parse_signal("999").is_err());
    }

    #[test]
    fn action_target_needs_exactly_one() {
        let names = ActionRequest { names: Some(vec!["web".into()]), ..Default::default() };
        assert_eq!(action_target(names).unwrap(), Target::Names(vec!["web".into()]));
        let all = ActionRequest { all: true, ..Default::default() };
        assert_eq!(action_target(all).unwrap(), Target::All);
        let failed = ActionRequest { failed: true, ..Default::default() };
        assert_eq!(action_target(failed).unwrap(), Target::Failed);
        assert!(action_target(ActionRequest::default()).is_err());
        let both = ActionRequest { all: true, failed: true, ..Default::default() };
        assert!(action_target(both).is_err());
        let empty = ActionRequest { names: Some(Vec::new()), ..Default::default() };
        assert!(action_target(empty).is_err());
    }
}
