//! The API's error type: every failure leaves as JSON `{"kind", "message"}`
//! with a matching status code, and is logged once where it is turned into a
//! response.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::supervisor::SupervisorError;

/// The JSON body of every error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// A stable kebab-case name such as `no-such-component`.
    pub kind: String,
    /// One line for a person, naming the value and the fix.
    pub message: String,
}

/// A request that the API could not serve.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    NoSuchComponent(String),
    #[error("{0}")]
    BadRequest(String),
    #[error(
        "missing or wrong bearer token; send `Authorization: Bearer TOKEN` with the token from the state directory's api-token file"
    )]
    Unauthorized,
    #[error("host {0:?} is not a loopback name; use 127.0.0.1, [::1] or localhost")]
    ForbiddenHost(String),
    #[error("{0}")]
    Conflict(String),
    #[error("request body is larger than {limit} bytes")]
    BodyTooLarge { limit: usize },
    #[error("no route for {method} {path}")]
    NotFound { method: String, path: String },
    #[error("method {method} is not allowed on {path}")]
    MethodNotAllowed { method: String, path: String },
    #[error("the supervisor is shutting down")]
    ShuttingDown,
    /// A failure inside the server; the detail is logged, never sent.
    #[error("internal error; see the supervisor log")]
    Internal(String),
    /// Binding or preparing the listeners failed (returned by `serve`, never sent).
    #[error("{0}")]
    Setup(String),
}

impl ApiError {
    /// Returns the status code and kind name this error is sent with.
    pub fn status_and_kind(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::NoSuchComponent(_) => (StatusCode::NOT_FOUND, "no-such-component"),
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad-request"),
            ApiError::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::ForbiddenHost(_) => (StatusCode::FORBIDDEN, "forbidden-host"),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            ApiError::BodyTooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "body-too-large"),
            ApiError::NotFound { .. } => (StatusCode::NOT_FOUND, "not-found"),
            ApiError::MethodNotAllowed { .. } => {
                (StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed")
            }
            ApiError::ShuttingDown => (StatusCode::SERVICE_UNAVAILABLE, "shutting-down"),
            ApiError::Internal(_) | ApiError::Setup(_) => {
                (StatusCode::INTERNAL_SERVER_ERROR, "internal")
            }
        }
    }
}

impl From<SupervisorError> for ApiError {
    fn from(error: SupervisorError) -> ApiError {
        match error {
            SupervisorError::NoSuchComponent { .. } => ApiError::NoSuchComponent(error.to_string()),
            SupervisorError::ShuttingDown => ApiError::ShuttingDown,
            // NOTE: the actor reports requests that do not fit the component's
            // current state this way (e.g. a signal to a stopped component),
            // so they are sent as a conflict.
            SupervisorError::Invalid(message) => ApiError::Conflict(message),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, kind) = self.status_and_kind();
        match &self {
            ApiError::Internal(detail) | ApiError::Setup(detail) => {
                tracing::error!(kind, error = %detail, "api request failed");
            }
            _ if status.is_client_error() => {
                tracing::info!(kind, error = %self, "api request rejected")
            }
            _ => tracing::warn!(kind, error = %self, "api request failed"),
        }
        let body = ErrorBody { kind: kind.to_string(), message: self.to_string() };
        (status, Json(body)).into_response()
    }
}
