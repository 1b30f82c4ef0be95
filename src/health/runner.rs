//! The probe task of one component run: schedules readiness and liveness
//! checks on the supervisor's runtime, counts results against the thresholds
//! and sends [`ProbeEvent`]s to the supervisor.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::check::{describe_check, run_check};
use super::counter::{Counter, Transition};
use crate::config::{Health, Probe};
use crate::event::ProbeStatus;

/// Maximum gap between readiness checks until readiness first passes, so a
/// component becomes healthy soon after it starts listening even when the
/// probe `interval` is long.
pub const READINESS_PENDING_INTERVAL: Duration = Duration::from_millis(250);

/// The role of a probe: readiness or liveness.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProbeRole {
    /// Is it ready to serve? Gates `running` → `healthy` and `healthy` dependencies.
    Readiness,
    /// Is it still alive? Failing past the threshold requests a restart.
    Liveness,
}

/// A probe result for the supervisor, tagged with the run it belongs to so
/// that a result from a previous run can be recognized and dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeEvent {
    pub component: String,
    pub run_id: u64,
    pub kind: ProbeEventKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeEventKind {
    /// One check finished; sent for every check, before any verdict change
    /// it caused. A probe shared by both roles sends one per role.
    Checked {
        role: ProbeRole,
        ok: bool,
        error: Option<String>,
        /// The role's verdict after this check.
        status: ProbeStatus,
        /// Consecutive counted failures after this check.
        failures: u32,
    },
    /// Readiness passed `success_threshold` times in a row: `running` → `healthy`.
    Ready,
    /// Readiness failed `failure_threshold` times in a row, before or after it was ready.
    NotReady { error: String, failures: u32 },
    /// Liveness failed `failure_threshold` times in a row: mark the component
    /// unhealthy and restart it. Sent once until liveness recovers.
    LivenessFailed { error: String, failures: u32 },
    /// Liveness passed `success_threshold` times in a row after `LivenessFailed`.
    LivenessRecovered,
}

/// The probe task of one component run. Dropping it or calling [`stop`]
/// aborts the task, and with it any check in flight.
///
/// [`stop`]: ProbeRunner::stop
#[derive(Debug)]
pub struct ProbeRunner {
    task: JoinHandle<()>,
}

impl ProbeRunner {
    /// Starts probing on the current tokio runtime. The start period and the
    /// first checks are measured from this call, which should follow the
    /// successful spawn of the run `run_id`.
    ///
    /// A probe given once for both roles (`readiness == liveness`) runs once
    /// per tick and feeds both counters. `cwd` and `env` are those of the
    /// component and apply to exec probes. Panics outside a tokio runtime, as
    /// `tokio::spawn` does.
    pub fn spawn(
        component: String,
        run_id: u64,
        health: Health,
        cwd: PathBuf,
        env: BTreeMap<String, String>,
        tx: mpsc::Sender<ProbeEvent>,
    ) -> ProbeRunner {
        let context = Context { component, run_id, cwd, env, tx, started: Instant::now() };
        let task = tokio::spawn(run(context, health));
        ProbeRunner { task }
    }

    /// Aborts the probe task.
    pub fn stop(self) {
        self.task.abort();
    }

    /// Whether the task has ended (no probes configured, or the receiver is gone).
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }
}

impl Drop for ProbeRunner {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Inputs shared by every check of one run.
struct Context {
    component: String,
    run_id: u64,
    cwd: PathBuf,
    env: BTreeMap<String, String>,
    tx: mpsc::Sender<ProbeEvent>,
    started: Instant,
}

/// The receiver was dropped, so the supervisor no longer listens.
struct Closed;

async fn run(context: Context, health: Health) {
    let now = context.started;
    let Health { readiness, liveness } = health;
    match (readiness, liveness) {
        (Some(readiness), Some(liveness)) if readiness == liveness => {
            let roles = vec![Role::readiness(&readiness, now), Role::liveness(&liveness, now)];
            probe_loop(&context, &readiness, roles).await;
        }
        (readiness, liveness) => {
            let readiness_loop = async {
                if let Some(probe) = &readiness {
                    probe_loop(&context, probe, vec![Role::readiness(probe, now)]).await;
                }
            };
            let liveness_loop = async {
                if let Some(probe) = &liveness {
                    probe_loop(&context, probe, vec![Role::liveness(probe, now)]).await;
                }
            };
            tokio::join!(readiness_loop, liveness_loop);
        }
    }
}

/// One role fed by a probe: its counter and when it next wants a result.
struct Role {
    role: ProbeRole,
    interval: Duration,
    start_period: Duration,
    counter: Counter,
    /// Whether the verdict has reached passing at least once.
    has_passed: bool,
    next_due: Instant,
}

impl Role {
    fn readiness(probe: &Probe, now: Instant) -> Role {
        let mut role = Role::new(ProbeRole::Readiness, probe, now);
        role.next_due = now + role.gap();
        role
    }

    fn liveness(probe: &Probe, now: Instant) -> Role {
        Role::new(ProbeRole::Liveness, probe, now + probe.interval)
    }

    fn new(role: ProbeRole, probe: &Probe, next_due: Instant) -> Role {
        Role {
            role,
            interval: probe.interval,
            start_period: probe.start_period,
            counter: Counter::new(probe.failure_threshold, probe.success_threshold),
            has_passed: false,
            next_due,
        }
    }

    /// Time from one check of this role to the next.
    fn gap(&self) -> Duration {
        if self.role == ProbeRole::Readiness && !self.has_passed {
            self.interval.min(READINESS_PENDING_INTERVAL)
        } else {
            self.interval
        }
    }
}

/// Runs `probe` whenever one of `roles` is due and feeds the result to each
/// role due at that moment, until the receiver is dropped.
async fn probe_loop(context: &Context, probe: &Probe, mut roles: Vec<Role>) {
    loop {
        let Some(due) = roles.iter().map(|role| role.next_due).min() else { return };
        tokio::time::sleep_until(due).await;

        let checked_at = Instant::now();
        let result = run_check(&probe.check, probe.timeout, &context.cwd, &context.env).await;
        if let Err(error) = &result {
            tracing::debug!(component = %context.component, check = %describe_check(&probe.check),
                %error, "probe check failed");
        }
        for role in roles.iter_mut().filter(|role| role.next_due <= checked_at) {
            if record(context, role, &result, checked_at).await.is_err() {
                return;
            }
            role.next_due = checked_at + role.gap();
        }
        align_shared_schedule(&mut roles);
    }
}

/// Once readiness of a shared probe has passed, both roles check on the same
/// ticks, so the probe runs once per `interval` rather than twice.
fn align_shared_schedule(roles: &mut [Role]) {
    let Some(liveness_due) =
        roles.iter().find(|role| role.role == ProbeRole::Liveness).map(|role| role.next_due)
    else {
        return;
    };
    for role in roles.iter_mut() {
        if role.role == ProbeRole::Readiness && role.has_passed {
            role.next_due = liveness_due;
        }
    }
}

/// Feeds one result to a role and sends `Checked` and any verdict change.
async fn record(
    context: &Context,
    role: &mut Role,
    result: &Result<(), String>,
    checked_at: Instant,
) -> Result<(), Closed> {
    let within_start_period = checked_at.duration_since(context.started) < role.start_period;
    let transition = role.counter.record(result.is_ok(), within_start_period);
    if matches!(transition, Some(Transition::Passing { .. })) {
        role.has_passed = true;
    }
    let error = result.as_ref().err().cloned();

    let checked = ProbeEventKind::Checked {
        role: role.role,
        ok: result.is_ok(),
        error: error.clone(),
        status: role.counter.status(),
        failures: role.counter.failures(),
    };
    send(context, checked).await?;

    let Some(verdict) = transition.and_then(|t| verdict(context, role.role, t, error)) else {
        return Ok(());
    };
    send(context, verdict).await
}

/// Maps a counter transition to the event the supervisor acts on, logging it.
fn verdict(
    context: &Context,
    role: ProbeRole,
    transition: Transition,
    error: Option<String>,
) -> Option<ProbeEventKind> {
    let component = context.component.as_str();
    let error = error.unwrap_or_default();
    match (role, transition) {
        (ProbeRole::Readiness, Transition::Passing { .. }) => {
            tracing::info!(component, run_id = context.run_id, "readiness probe passing");
            Some(ProbeEventKind::Ready)
        }
        (ProbeRole::Readiness, Transition::Failing { failures, .. }) => {
            tracing::warn!(component, failures, %error, "readiness probe failing");
            Some(ProbeEventKind::NotReady { error, failures })
        }
        (ProbeRole::Liveness, Transition::Failing { failures, .. }) => {
            tracing::warn!(component, failures, %error, "liveness probe failing");
            Some(ProbeEventKind::LivenessFailed { error, failures })
        }
        (ProbeRole::Liveness, Transition::Passing { from: ProbeStatus::Failing }) => {
            tracing::info!(component, "liveness probe recovered");
            Some(ProbeEventKind::LivenessRecovered)
        }
        // The first liveness pass is the expected state, not news.
        (ProbeRole::Liveness, Transition::Passing { .. }) => None,
    }
}

async fn send(context: &Context, kind: ProbeEventKind) -> Result<(), Closed> {
    let event = ProbeEvent { component: context.component.clone(), run_id: context.run_id, kind };
    context.tx.send(event).await.map_err(|_| Closed)
}
