//! The control API: one axum router served on the Unix socket (no token, the
//! socket's mode guards it) and optionally on loopback TCP (Host check and
//! bearer token). JSON routes under `/v1`, server-sent events for state
//! changes and log lines, `/health`, `/metrics` and the embedded dashboard.

mod auth;
mod dashboard;
mod endpoint;
mod error;
mod events;
mod extract;
mod logs;
mod metrics;
mod routes;
mod server;
pub mod token;

use std::time::Instant;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::routing::{get, post};
use tokio::sync::watch;

use crate::supervisor::SupervisorHandle;

pub use auth::Auth;
pub use dashboard::is_placeholder as dashboard_is_placeholder;
pub use endpoint::Endpoint;
pub use error::{ApiError, ErrorBody};
pub use extract::BODY_LIMIT;
pub use metrics::render as render_metrics;
pub use routes::{ActionRequest, ActionResponse, HealthResponse, SignalRequest, SignalResponse};
pub use server::{ServeSettings, Server, dashboard_url, serve};

/// Shared state of every handler.
#[derive(Clone)]
pub(crate) struct AppState {
    pub(crate) handle: SupervisorHandle,
    /// Turns true when the server shuts down; `None` for a router served by
    /// someone else, whose streams end only with the supervisor.
    pub(crate) shutdown: Option<watch::Receiver<bool>>,
    pub(crate) started: Instant,
}

impl AppState {
    /// Resolves when the server starts shutting down.
    pub(crate) fn shutdown_signal(&self) -> impl Future<Output = ()> + Send + use<> {
        let receiver = self.shutdown.clone();
        async move {
            match receiver {
                Some(mut receiver) => {
                    // An error means the server is gone, which also means stop.
                    let _ = receiver.wait_for(|stopping| *stopping).await;
                }
                None => std::future::pending().await,
            }
        }
    }
}

/// Builds the API router for `handle`, checking callers as `auth` sets. Event
/// streams of this router end when the supervisor ends; [`serve`] also ends
/// them when its server shuts down.
pub fn router(handle: SupervisorHandle, auth: Auth) -> Router {
    let app = AppState { handle, shutdown: None, started: Instant::now() };
    build_router(app, auth)
}

pub(crate) fn build_router(app: AppState, auth: Auth) -> Router {
    let v1 = Router::new()
        .route("/components", get(routes::components))
        .route("/components/{name}", get(routes::detail))
        .route("/components/{name}/logs", get(logs::logs))
        .route("/components/{name}/history", get(routes::history))
        .route("/components/{name}/signal", post(routes::signal))
        .route("/components/{name}/{verb}", post(routes::component_action))
        .route("/actions/{verb}", post(routes::bulk_action))
        .route("/events", get(events::events))
        .route("/reload", post(routes::reload))
        .route("/quit", post(routes::quit));

    Router::new()
        .nest("/v1", v1)
        .route("/health", get(routes::health))
        .route("/metrics", get(metrics::metrics))
        .route("/", get(dashboard::index))
        .route("/index.html", get(dashboard::index))
        .route("/assets/{*path}", get(dashboard::asset))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(auth, auth::check))
        .with_state(app)
}

async fn not_found(request: Request) -> ApiError {
    ApiError::NotFound {
        method: request.method().to_string(),
        path: request.uri().path().to_string(),
    }
}

async fn method_not_allowed(request: Request) -> ApiError {
    ApiError::MethodNotAllowed {
        method: request.method().to_string(),
        path: request.uri().path().to_string(),
    }
}
