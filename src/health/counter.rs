//! Threshold counting for one probe role: consecutive successes and failures
//! turn single check results into a passing or failing verdict, with a start
//! period during which failures do not count.

use crate::event::ProbeStatus;

/// A change of verdict produced by [`Counter::record`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// `success_threshold` consecutive successes reached from unknown or failing.
    Passing { from: ProbeStatus },
    /// `failure_threshold` consecutive counted failures reached from unknown or passing.
    Failing { from: ProbeStatus, failures: u32 },
}

/// Consecutive-result counter for one probe role (readiness or liveness).
///
/// The status starts unknown. Failures are ignored while `within_start_period`
/// is true and no check has passed yet, so a slow start does not count against
/// the component. The first success ends that grace period, as a success
/// during Docker's `HEALTHCHECK --start-period` does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counter {
    failure_threshold: u32,
    success_threshold: u32,
    status: ProbeStatus,
    failures: u32,
    successes: u32,
    ever_passed: bool,
}

impl Counter {
    /// Creates a counter; thresholds below 1 are treated as 1.
    pub fn new(failure_threshold: u32, success_threshold: u32) -> Counter {
        Counter {
            failure_threshold: failure_threshold.max(1),
            success_threshold: success_threshold.max(1),
            status: ProbeStatus::Unknown,
            failures: 0,
            successes: 0,
            ever_passed: false,
        }
    }

    /// Records one check result and returns the verdict change it causes, if any.
    pub fn record(&mut self, ok: bool, within_start_period: bool) -> Option<Transition> {
        let from = self.status;
        if ok {
            self.ever_passed = true;
            self.failures = 0;
            self.successes = self.successes.saturating_add(1);
            if from != ProbeStatus::Passing && self.successes >= self.success_threshold {
                self.status = ProbeStatus::Passing;
                return Some(Transition::Passing { from });
            }
            return None;
        }

        self.successes = 0;
        if within_start_period && !self.ever_passed {
            return None;
        }
        self.failures = self.failures.saturating_add(1);
        if from != ProbeStatus::Failing && self.failures >= self.failure_threshold {
            self.status = ProbeStatus::Failing;
            return Some(Transition::Failing { from, failures: self.failures });
        }
        None
    }

    /// The current verdict.
    pub fn status(&self) -> ProbeStatus {
        self.status
    }

    /// Consecutive failures counted so far (ignored start-period failures excluded).
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// Whether any check has passed since the counter was created.
    pub fn ever_passed(&self) -> bool {
        self.ever_passed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ProbeStatus::{Failing, Passing, Unknown};

    /// One check: the result and whether it falls in the start period.
    #[derive(Clone, Copy)]
    struct Check(bool, bool);
    const OK: Check = Check(true, false);
    const FAIL: Check = Check(false, false);
    const EARLY_FAIL: Check = Check(false, true);
    const EARLY_OK: Check = Check(true, true);

    fn run(failure_threshold: u32, success_threshold: u32, checks: &[Check]) -> Vec<Transition> {
        let mut counter = Counter::new(failure_threshold, success_threshold);
        checks.iter().filter_map(|check| counter.record(check.0, check.1)).collect()
    }

    #[rstest::rstest]
    #[case::one_success_passes(3, 1, &[OK], &[Transition::Passing { from: Unknown }])]
    #[case::needs_success_threshold(3, 2, &[OK], &[])]
    #[case::two_successes_pass(3, 2, &[OK, OK], &[Transition::Passing { from: Unknown }])]
    #[case::failure_breaks_success_run(3, 2, &[OK, FAIL, OK], &[])]
    #[case::passing_reported_once(3, 1, &[OK, OK, OK], &[Transition::Passing { from: Unknown }])]
    #[case::below_failure_threshold(3, 1, &[FAIL, FAIL], &[])]
    #[case::at_failure_threshold(3, 1, &[FAIL, FAIL, FAIL],
        &[Transition::Failing { from: Unknown, failures: 3 }])]
    #[case::failing_reported_once(2, 1, &[FAIL, FAIL, FAIL, FAIL],
        &[Transition::Failing { from: Unknown, failures: 2 }])]
    #[case::flapping_never_fails(2, 1, &[OK, FAIL, OK, FAIL, OK, FAIL, OK],
        &[Transition::Passing { from: Unknown }])]
    #[case::passing_then_failing(2, 1, &[OK, FAIL, FAIL], &[
        Transition::Passing { from: Unknown },
        Transition::Failing { from: Passing, failures: 2 },
    ])]
    #[case::recovers_after_failing(1, 2, &[FAIL, OK, OK], &[
        Transition::Failing { from: Unknown, failures: 1 },
        Transition::Passing { from: Failing },
    ])]
    #[case::start_period_failures_ignored(1, 1, &[EARLY_FAIL, EARLY_FAIL, EARLY_FAIL], &[])]
    #[case::counting_starts_after_start_period(2, 1, &[EARLY_FAIL, EARLY_FAIL, FAIL, FAIL],
        &[Transition::Failing { from: Unknown, failures: 2 }])]
    #[case::success_ends_start_period(1, 1, &[EARLY_OK, EARLY_FAIL], &[
        Transition::Passing { from: Unknown },
        Transition::Failing { from: Passing, failures: 1 },
    ])]
    #[case::zero_thresholds_act_as_one(0, 0, &[OK, FAIL], &[
        Transition::Passing { from: Unknown },
        Transition::Failing { from: Passing, failures: 1 },
    ])]
    fn counter_transitions(
        #[case] failure_threshold: u32,
        #[case] success_threshold: u32,
        #[case] checks: &[Check],
        #[case] expected: &[Transition],
    ) {
        assert_eq!(run(failure_threshold, success_threshold, checks), expected);
    }

    #[test]
    fn counter_reports_status_and_failures() {
        let mut counter = Counter::new(3, 1);
        assert_eq!(counter.status(), Unknown);

        counter.record(false, false);
        counter.record(false, false);
        assert_eq!(counter.failures(), 2);
        assert_eq!(counter.status(), Unknown);
        assert!(!counter.ever_passed());

        counter.record(true, false);
        assert_eq!(counter.failures(), 0);
        assert_eq!(counter.status(), Passing);
        assert!(counter.ever_passed());
    }
}
