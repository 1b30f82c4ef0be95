//! CPU and memory per component, summed over its process tree, and the
//! resource rules (`max_memory`, `cpu_alert`) the supervisor applies to them.
//!
//! Only Tend's own trees are read: the walk starts at each component's leader
//! and follows the kernel's children lists, so the cost grows with the number
//! of supervised processes, not with the number of processes on the machine.

#[cfg(target_os = "linux")]
#[path = "linux.rs"]
mod platform;
#[cfg(not(target_os = "linux"))]
#[path = "other.rs"]
mod platform;
mod rules;
mod sampler;

use std::time::Duration;

pub use rules::{CpuAlertChange, CpuAlertTracker, memory_exceeded, memory_limit_diagnosis};
pub use sampler::{ComponentUsage, Sampler};

/// Time between samples while no client watches.
pub const SAMPLE_INTERVAL: Duration = Duration::from_secs(5);

/// Time between samples while a client (the window, `tend status --watch`) watches.
pub const WATCHED_SAMPLE_INTERVAL: Duration = Duration::from_secs(1);

/// The supervisor's own resource use, for `/metrics`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SelfUsage {
    /// User plus system CPU time since the process started, in seconds.
    pub cpu_seconds: f64,
    /// Resident set size in bytes.
    pub memory_bytes: u64,
}

/// Reads the supervisor's own CPU time and RSS; `None` where the platform
/// has no reader or `/proc/self` could not be read.
pub fn self_usage() -> Option<SelfUsage> {
    let ticks_per_second = platform::ticks_per_second();
    let process = platform::read_process(std::process::id())?;
    Some(SelfUsage {
        cpu_seconds: process.cpu_ticks as f64 / ticks_per_second as f64,
        memory_bytes: process.rss_bytes,
    })
}
