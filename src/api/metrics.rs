//! `GET /metrics`: the supervisor and its components in the OpenMetrics text
//! format, built from one snapshot per scrape.

use std::sync::atomic::AtomicU64;

use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::Registry;

use super::AppState;
use super::error::ApiError;
use crate::event::Snapshot;
use crate::state::StateName;

const CONTENT_TYPE_OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

type Labels = Vec<(String, String)>;

pub(crate) async fn metrics(State(app): State<AppState>) -> Result<Response, ApiError> {
    let snapshot = app.handle.snapshot().await?;
    let text = render(&snapshot)?;
    Ok(([(CONTENT_TYPE, CONTENT_TYPE_OPENMETRICS)], text).into_response())
}

/// Encodes a snapshot as OpenMetrics text.
pub fn render(snapshot: &Snapshot) -> Result<String, ApiError> {
    let mut registry = Registry::with_prefix("tend");

    let up = Gauge::<i64>::default();
    up.set(1);
    registry.register("up", "Whether the supervisor answers", up);
    let info = Info::new(vec![("version".to_string(), env!("CARGO_PKG_VERSION").to_string())]);
    registry.register("supervisor", "The supervisor's version", info);

    let state = Family::<Labels, Gauge>::default();
    let restarts = Family::<Labels, Counter>::default();
    let cpu = Family::<Labels, Gauge<f64, AtomicU64>>::default();
    let memory = Family::<Labels, Gauge>::default();
    let failed = Family::<Labels, Gauge>::default();
    for component in &snapshot.components {
        let name = vec![("component".to_string(), component.name.clone())];
        for candidate in StateName::ALL {
            let mut labels = name.clone();
            labels.push(("state".to_string(), candidate.as_str().to_string()));
            state.get_or_create(&labels).set(i64::from(candidate == component.state));
        }
        restarts.get_or_create(&name).inc_by(u64::from(component.restarts));
        failed.get_or_create(&name).set(i64::from(component.failed));
        if let Some(percent) = component.cpu_percent {
            cpu.get_or_create(&name).set(percent);
        }
        if let Some(bytes) = component.memory_bytes {
            memory.get_or_create(&name).set(i64::try_from(bytes).unwrap_or(i64::MAX));
        }
    }
    registry.register(
        "component_state",
        "1 for the state each component is in, 0 for the others",
        state,
    );
    registry.register("component_restarts", "Restarts of each component", restarts);
    registry.register("component_failed", "Whether each component counts as failed", failed);
    registry.register("component_cpu_percent", "CPU use in percent of one core", cpu);
    registry.register("component_memory_bytes", "Resident memory of the process tree", memory);

    let mut text = String::new();
    encode(&mut text, &registry)
        .map_err(|error| ApiError::Internal(format!("cannot encode metrics: {error}")))?;
    Ok(text)
}
