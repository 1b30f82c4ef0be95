//! Health probes: one check of each kind (http, tcp, exec, heartbeat file),
//! the threshold counting that turns check results into readiness and
//! liveness verdicts, and the per-run task that schedules the checks.

mod check;
mod counter;
mod diagnosis;
mod exec;
mod http;
mod runner;

pub use check::{describe_check, run_check};
pub use counter::{Counter, Transition};
pub use diagnosis::probe_diagnosis;
pub use runner::{ProbeEvent, ProbeEventKind, ProbeRole, ProbeRunner, READINESS_PENDING_INTERVAL};
