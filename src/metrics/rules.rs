//! Resource rules applied to each sample: `max_memory` (exceeding it requires
//! a restart) and `cpu_alert` (staying above it raises one warning, cleared
//! when usage drops; no restart).

use std::time::{Duration, Instant};

use crate::config::CpuAlert;
use crate::diagnose::{Diagnosis, DiagnosisKind, Evidence};

/// Whether `memory_bytes` is above the component's `max_memory`, if it has one.
pub fn memory_exceeded(memory_bytes: u64, max_memory: Option<u64>) -> bool {
    max_memory.is_some_and(|limit| memory_bytes > limit)
}

/// The diagnosis for a component restarted because its tree used more than `max_memory`.
pub fn memory_limit_diagnosis(memory_bytes: u64, max_memory: u64) -> Diagnosis {
    let summary = format!(
        "memory {} above max_memory {}",
        format_bytes(memory_bytes),
        format_bytes(max_memory)
    );
    let evidence = Evidence {
        check: Some(format!("max_memory = {}", format_bytes(max_memory))),
        ..Evidence::default()
    };
    Diagnosis::new(
        DiagnosisKind::MemoryLimit,
        summary,
        "restarted; look for a leak or raise max_memory",
    )
    .with_evidence(evidence)
}

/// A change of a component's CPU alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CpuAlertChange {
    /// Usage stayed above `above` for `for_duration`: show this warning.
    Raised(Diagnosis),
    /// Usage dropped to or below `above` after the alert was raised.
    Cleared,
}

/// Tracks one component's CPU usage against its `cpu_alert`, raising the
/// alert once per continuous stretch above the limit.
#[derive(Debug, Clone)]
pub struct CpuAlertTracker {
    alert: CpuAlert,
    above_since: Option<Instant>,
    raised: bool,
}

impl CpuAlertTracker {
    pub fn new(alert: CpuAlert) -> CpuAlertTracker {
        CpuAlertTracker { alert, above_since: None, raised: false }
    }

    /// Records one sample taken at `now`. A sample without a CPU figure (the
    /// first of a run) changes nothing.
    pub fn observe(&mut self, cpu_percent: Option<f64>, now: Instant) -> Option<CpuAlertChange> {
        let percent = cpu_percent?;
        if percent <= self.alert.above {
            self.above_since = None;
            return std::mem::take(&mut self.raised).then_some(CpuAlertChange::Cleared);
        }

        let since = *self.above_since.get_or_insert(now);
        let lasted = now.saturating_duration_since(since);
        if self.raised || lasted < self.alert.for_duration {
            return None;
        }
        self.raised = true;
        Some(CpuAlertChange::Raised(self.diagnosis(percent, lasted)))
    }

    /// Whether the alert is currently raised.
    pub fn is_raised(&self) -> bool {
        self.raised
    }

    fn diagnosis(&self, percent: f64, lasted: Duration) -> Diagnosis {
        let summary = format!(
            "CPU at {percent:.0}% of one core for {}, above cpu_alert {:.0}%",
            humantime::format_duration(Duration::from_secs(lasted.as_secs())),
            self.alert.above
        );
        let evidence = Evidence {
            check: Some(format!(
                "cpu_alert = {{ above = \"{:.0}%\", for = \"{}\" }}",
                self.alert.above,
                humantime::format_duration(self.alert.for_duration)
            )),
            ..Evidence::default()
        };
        Diagnosis::new(
            DiagnosisKind::CpuHigh,
            summary,
            "not restarted; check what it is busy with, or raise cpu_alert",
        )
        .with_evidence(evidence)
        .warning()
    }
}

/// Formats a byte count in binary units, e.g. "512.0 MiB".
fn format_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 { format!("{bytes} B") } else { format!("{value:.1} {}", UNITS[unit]) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::Severity;

    const MIB: u64 = 1024 * 1024;

    #[rstest::rstest]
    #[case::no_limit(900 * MIB, None, false)]
    #[case::below(100 * MIB, Some(512 * MIB), false)]
    #[case::at_limit(512 * MIB, Some(512 * MIB), false)]
    #[case::above(512 * MIB + 1, Some(512 * MIB), true)]
    fn memory_exceeded_cases(#[case] used: u64, #[case] limit: Option<u64>, #[case] hit: bool) {
        assert_eq!(memory_exceeded(used, limit), hit);
    }

    #[test]
    fn memory_diagnosis_names_both_sizes() {
        let diagnosis = memory_limit_diagnosis(612 * MIB, 512 * MIB);
        assert_eq!(diagnosis.kind, DiagnosisKind::MemoryLimit);
        assert_eq!(diagnosis.severity, Severity::Error);
        assert_eq!(diagnosis.summary, "memory 612.0 MiB above max_memory 512.0 MiB");
    }

    #[rstest::rstest]
    #[case::bytes(1000, "1000 B")]
    #[case::kibibytes(1536, "1.5 KiB")]
    #[case::gibibytes(3 * 1024 * MIB, "3.0 GiB")]
    fn format_bytes_cases(#[case] bytes: u64, #[case] expected: &str) {
        assert_eq!(format_bytes(bytes), expected);
    }

    /// What one sample should produce.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Expect {
        Nothing,
        Raised,
        Cleared,
    }
    use Expect::{Cleared, Nothing, Raised};

    /// Samples as (seconds since the first, CPU percent) against an alert of
    /// 90% for 60 s, with the change each one should produce.
    #[rstest::rstest]
    #[case::brief_spike(&[(0, Some(99.0), Nothing), (30, Some(99.0), Nothing), (35, Some(10.0), Nothing)])]
    #[case::raised_after_duration(&[(0, Some(95.0), Nothing), (30, Some(95.0), Nothing), (60, Some(95.0), Raised)])]
    #[case::raised_once(&[(0, Some(95.0), Nothing), (60, Some(95.0), Raised), (120, Some(95.0), Nothing)])]
    #[case::cleared_when_dropping(&[(0, Some(95.0), Nothing), (60, Some(95.0), Raised), (65, Some(50.0), Cleared), (70, Some(50.0), Nothing)])]
    #[case::dip_restarts_clock(&[(0, Some(95.0), Nothing), (50, Some(80.0), Nothing), (55, Some(95.0), Nothing), (100, Some(95.0), Nothing), (115, Some(95.0), Raised)])]
    #[case::at_threshold_is_not_above(&[(0, Some(90.0), Nothing), (60, Some(90.0), Nothing)])]
    #[case::unknown_sample_keeps_state(&[(0, Some(95.0), Nothing), (30, None, Nothing), (60, Some(95.0), Raised)])]
    #[case::raised_again_after_clearing(&[(0, Some(95.0), Nothing), (60, Some(95.0), Raised), (65, Some(5.0), Cleared), (70, Some(95.0), Nothing), (130, Some(95.0), Raised)])]
    fn cpu_alert_sequences(#[case] samples: &[(u64, Option<f64>, Expect)]) {
        let alert = CpuAlert { above: 90.0, for_duration: Duration::from_secs(60) };
        let mut tracker = CpuAlertTracker::new(alert);
        let start = Instant::now();
        for (index, (seconds, percent, expected)) in samples.iter().enumerate() {
            let change = tracker.observe(*percent, start + Duration::from_secs(*seconds));
            let got = match change {
                None => Nothing,
                Some(CpuAlertChange::Raised(_)) => Raised,
                Some(CpuAlertChange::Cleared) => Cleared,
            };
            assert_eq!(got, *expected, "sample {index} at {seconds}s");
        }
    }

    #[test]
    fn cpu_alert_diagnosis_is_warning() {
        let alert = CpuAlert { above: 90.0, for_duration: Duration::from_secs(60) };
        let mut tracker = CpuAlertTracker::new(alert);
        let start = Instant::now();
        tracker.observe(Some(97.0), start);
        let change = tracker.observe(Some(97.4), start + Duration::from_secs(60));

        let Some(CpuAlertChange::Raised(diagnosis)) = change else {
            panic!("expected a raised alert, got {change:?}");
        };
        assert_eq!(diagnosis.kind, DiagnosisKind::CpuHigh);
        assert_eq!(diagnosis.severity, Severity::Warning);
        assert_eq!(diagnosis.summary, "CPU at 97% of one core for 1m, above cpu_alert 90%");
        assert!(tracker.is_raised());
    }
}
