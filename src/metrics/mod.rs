//! CPU and memory per component, sampled from its own process tree only.
//!
//! NOTE: a placeholder with the interface the supervisor calls; the sampler
//! replaces it.

use crate::config::CpuAlert;

pub struct ComponentUsage {
    pub component: String,
    pub cpu_percent: Option<f64>,
    pub memory_bytes: u64,
    pub pids: Vec<u32>,
}

#[derive(Default)]
pub struct Sampler {
    _private: (),
}

impl Sampler {
    pub fn sample(&mut self, roots: &[(String, Vec<u32>)]) -> Vec<ComponentUsage> {
        let _ = roots;
        Vec::new()
    }
}

/// Tracks how long a component has been above its `cpu_alert` threshold.
#[derive(Debug, Clone)]
pub struct CpuAlertTracker {
    alert: Option<CpuAlert>,
}

impl CpuAlertTracker {
    pub fn new(alert: Option<CpuAlert>) -> CpuAlertTracker {
        CpuAlertTracker { alert }
    }

    pub fn alert(&self) -> Option<CpuAlert> {
        self.alert
    }
}
