//! Builders for snapshots and events shared by the unit tests.

use crate::diagnose::{Diagnosis, DiagnosisKind};
use crate::event::{ComponentSnapshot, Desired, Event, EventBody, LastExit, Snapshot};
use crate::state::StateName;

/// A component in `state` with nothing else set.
pub(crate) fn component(name: &str, state: StateName) -> ComponentSnapshot {
    let mut component = ComponentSnapshot {
        name: name.to_string(),
        kind: "daemon".to_string(),
        state,
        desired: if state == StateName::Stopped { Desired::Stopped } else { Desired::Running },
        pid: state.is_live().then_some(4242),
        since: "2026-01-01T00:00:00.000Z".to_string(),
        uptime_ms: None,
        restarts: 0,
        last_exit: None,
        diagnosis: None,
        health: None,
        cpu_percent: None,
        memory_bytes: None,
        waiting_on: Vec::new(),
        next_attempt_ms: None,
        restart_pending: false,
        log_path: format!("/tmp/logs/{name}.log"),
        failed: false,
    };
    component.failed = crate::state::is_failed(component.failure_facts());
    component
}

/// A component that exited with `code` and carries a diagnosis.
pub(crate) fn crashed(name: &str, state: StateName, code: i32, summary: &str) -> ComponentSnapshot {
    let mut component = component(name, state);
    component.last_exit = Some(LastExit {
        code: Some(code),
        signal: None,
        at: "2026-01-01T00:00:01.000Z".to_string(),
        uptime_ms: 100,
        orphans: 0,
    });
    component.restart_pending = matches!(state, StateName::Backoff | StateName::Exited);
    component.diagnosis = Some(Diagnosis::new(DiagnosisKind::Crashed, summary, "see the log"));
    component.failed = crate::state::is_failed(component.failure_facts());
    component
}

pub(crate) fn snapshot(components: Vec<ComponentSnapshot>) -> Snapshot {
    Snapshot::new(None, components, None)
}

/// A `component` event whose previous state is unknown.
pub(crate) fn changed(component: ComponentSnapshot) -> Event {
    Event { seq: 0, body: EventBody::Component { component: Box::new(component), previous: None } }
}
