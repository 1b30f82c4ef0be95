//! The restart policy: what follows an exit, the backoff delay with jitter,
//! and the restart limit that ends in `fatal`.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::time::Instant;

use crate::config::{Backoff, ComponentConfig, Kind, RestartPolicy};

/// How a run ended, as the policy sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunEnd {
    pub code: Option<i32>,
    /// The run ended by a signal (not sent by Tend).
    pub signaled: bool,
    pub uptime: Duration,
}

/// What the supervisor does after an exit it did not ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// A task ended with a success code.
    Completed,
    /// Start again after the delay.
    Restart(Duration),
    /// The restart limit was reached.
    GiveUp,
    /// The policy does not restart this exit; the component stays `exited`.
    Stay,
}

/// Whether an exit counts as a success for the policy.
pub fn is_success(config: &ComponentConfig, end: RunEnd) -> bool {
    if end.signaled {
        return false;
    }
    let Some(code) = end.code else { return false };
    let codes_ok = config.success_codes.contains(&code);
    match config.kind {
        Kind::Task => codes_ok,
        // A daemon that exits 0 before `min_uptime` is a failed start.
        Kind::Daemon => codes_ok && end.uptime >= config.min_uptime,
    }
}

/// Restart bookkeeping for one component: the current delay and the starts
/// within the restart window.
#[derive(Debug, Clone, Default)]
pub struct RestartTracker {
    delay: Option<Duration>,
    starts: VecDeque<Instant>,
    /// Restarts since the count was last reset, for the snapshot.
    pub restarts: u32,
}

impl RestartTracker {
    /// Records that a run started at `now`.
    pub fn record_start(&mut self, now: Instant) {
        self.starts.push_back(now);
    }

    /// Forgets the delay and the count, after a long run or a manual start.
    pub fn reset(&mut self) {
        self.delay = None;
        self.starts.clear();
        self.restarts = 0;
    }

    /// Decides what follows an exit at `now`.
    pub fn decide(&mut self, config: &ComponentConfig, end: RunEnd, now: Instant) -> Decision {
        let success = is_success(config, end);
        if config.kind == Kind::Task && success {
            return Decision::Completed;
        }
        let restart = match config.restart {
            RestartPolicy::Never => false,
            RestartPolicy::OnFailure => !success,
            RestartPolicy::Always => true,
        };
        if !restart {
            return Decision::Stay;
        }
        if end.uptime >= config.backoff.reset_after {
            self.reset();
        }
        self.forget_before(now.checked_sub(config.restart_window));
        if self.starts.len() > config.max_restarts as usize {
            return Decision::GiveUp;
        }
        let delay = self.next_delay(&config.backoff);
        self.restarts += 1;
        Decision::Restart(jittered(delay, config.backoff.jitter))
    }

    fn forget_before(&mut self, cutoff: Option<Instant>) {
        let Some(cutoff) = cutoff else { return };
        while self.starts.front().is_some_and(|start| *start < cutoff) {
            self.starts.pop_front();
        }
    }

    /// The delay before the next start, growing by the multiplier up to the maximum.
    fn next_delay(&mut self, backoff: &Backoff) -> Duration {
        let delay = match self.delay {
            None => backoff.initial,
            Some(previous) => previous.mul_f64(backoff.multiplier.max(1.0)).min(backoff.max),
        };
        self.delay = Some(delay);
        delay
    }

    /// The capped delay used for retrying a `blocked` component's checks.
    pub fn blocked_delay(&mut self, backoff: &Backoff) -> Duration {
        jittered(self.next_delay(backoff), backoff.jitter)
    }
}

/// Adds or removes up to `jitter` (a fraction) of `delay` at random.
pub fn jittered(delay: Duration, jitter: f64) -> Duration {
    if jitter <= 0.0 || delay.is_zero() {
        return delay;
    }
    let spread = jitter.min(1.0);
    let factor = 1.0 + spread * (fastrand::f64() * 2.0 - 1.0);
    delay.mul_f64(factor.max(0.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ComponentConfig;

    fn config(kind: Kind, restart: RestartPolicy) -> ComponentConfig {
        let mut config = crate::supervisor::test_support::component("test", &["true"]);
        config.kind = kind;
        config.restart = restart;
        config.backoff.jitter = 0.0;
        config
    }

    fn end(code: i32, uptime_ms: u64) -> RunEnd {
        RunEnd { code: Some(code), signaled: false, uptime: Duration::from_millis(uptime_ms) }
    }

    #[test]
    fn decision_table() {
        use Kind::*;
        use RestartPolicy::*;
        let long = 5_000;
        let cases = [
            (Task, OnFailure, end(0, 10), "completed"),
            (Task, OnFailure, end(1, 10), "restart"),
            (Task, Never, end(1, 10), "stay"),
            (Daemon, Always, end(0, long), "restart"),
            (Daemon, OnFailure, end(0, long), "stay"),
            // A daemon that exits 0 at once is a failed start under on-failure too.
            (Daemon, OnFailure, end(0, 10), "restart"),
            (Daemon, Never, end(0, 10), "stay"),
            (Daemon, OnFailure, end(3, long), "restart"),
        ];
        for (kind, policy, run_end, expected) in cases {
            let mut tracker = RestartTracker::default();
            let decision = tracker.decide(&config(kind, policy), run_end, Instant::now());
            let got = match decision {
                Decision::Completed => "completed",
                Decision::Restart(_) => "restart",
                Decision::GiveUp => "give-up",
                Decision::Stay => "stay",
            };
            assert_eq!(got, expected, "{kind:?} {policy:?} {run_end:?}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn delays_grow_then_give_up() {
        let config = config(Kind::Daemon, RestartPolicy::Always);
        let mut tracker = RestartTracker::default();
        let mut delays = Vec::new();
        loop {
            tracker.record_start(Instant::now());
            match tracker.decide(&config, end(1, 10), Instant::now()) {
                Decision::Restart(delay) => {
                    delays.push(delay);
                    tokio::time::advance(delay).await;
                }
                Decision::GiveUp => break,
                other => panic!("unexpected decision {other:?}"),
            }
            assert!(delays.len() <= 20, "never gave up: {delays:?}");
        }
        let initial = config.backoff.initial;
        assert_eq!(delays.len(), config.max_restarts as usize);
        assert_eq!(delays[0], initial);
        assert_eq!(delays[1], initial.mul_f64(config.backoff.multiplier));
        assert!(delays.windows(2).all(|pair| pair[1] >= pair[0]), "{delays:?}");
        assert!(delays.iter().all(|delay| *delay <= config.backoff.max), "{delays:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn starts_outside_window_are_forgotten() {
        let mut config = config(Kind::Daemon, RestartPolicy::Always);
        config.max_restarts = 2;
        config.restart_window = Duration::from_secs(10);
        let mut tracker = RestartTracker::default();
        for _ in 0..6 {
            tracker.record_start(Instant::now());
            let decision = tracker.decide(&config, end(1, 10), Instant::now());
            assert!(matches!(decision, Decision::Restart(_)), "{decision:?}");
            tokio::time::advance(Duration::from_secs(11)).await;
        }
    }

    #[tokio::test(start_paused = true)]
    async fn long_run_resets_delay() {
        let config = config(Kind::Daemon, RestartPolicy::Always);
        let mut tracker = RestartTracker::default();
        for _ in 0..3 {
            tracker.record_start(Instant::now());
            tracker.decide(&config, end(1, 10), Instant::now());
        }
        tracker.record_start(Instant::now());
        let long_run = config.backoff.reset_after.as_millis() as u64 + 1;
        let decision = tracker.decide(&config, end(1, long_run), Instant::now());
        assert_eq!(decision, Decision::Restart(config.backoff.initial));
        assert_eq!(tracker.restarts, 1);
    }

    #[test]
    fn jitter_stays_within_fraction() {
        let delay = Duration::from_millis(1000);
        for _ in 0..200 {
            let got = jittered(delay, 0.2);
            assert!(
                got >= Duration::from_millis(800) && got <= Duration::from_millis(1200),
                "{got:?}"
            );
        }
        assert_eq!(jittered(delay, 0.0), delay);
    }
}
