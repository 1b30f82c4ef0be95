//! Component state names, the one "failed" predicate and the aggregate state
//! that the tray icon, the UI header and `tend status` all show.

use serde::{Deserialize, Serialize};

/// The lifecycle state of one component. The names are part of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum StateName {
    Stopped,
    Starting,
    Running,
    Healthy,
    Unhealthy,
    Exited,
    Backoff,
    Stopping,
    Fatal,
    Blocked,
    Waiting,
    Completed,
}

impl StateName {
    pub const ALL: [StateName; 12] = [
        StateName::Stopped,
        StateName::Starting,
        StateName::Running,
        StateName::Healthy,
        StateName::Unhealthy,
        StateName::Exited,
        StateName::Backoff,
        StateName::Stopping,
        StateName::Fatal,
        StateName::Blocked,
        StateName::Waiting,
        StateName::Completed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StateName::Stopped => "stopped",
            StateName::Starting => "starting",
            StateName::Running => "running",
            StateName::Healthy => "healthy",
            StateName::Unhealthy => "unhealthy",
            StateName::Exited => "exited",
            StateName::Backoff => "backoff",
            StateName::Stopping => "stopping",
            StateName::Fatal => "fatal",
            StateName::Blocked => "blocked",
            StateName::Waiting => "waiting",
            StateName::Completed => "completed",
        }
    }

    /// True while the component has (or is about to have) a live process.
    pub fn is_live(self) -> bool {
        matches!(
            self,
            StateName::Starting
                | StateName::Running
                | StateName::Healthy
                | StateName::Unhealthy
                | StateName::Stopping
        )
    }
}

impl std::fmt::Display for StateName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The facts about one component that decide whether it counts as failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureFacts {
    pub state: StateName,
    /// Exit code of the last run, when it ended with one.
    pub last_exit_code: Option<i32>,
    /// The last run ended by a signal that Tend did not send.
    pub last_exit_signaled: bool,
    /// A restart is scheduled or will be scheduled.
    pub restart_pending: bool,
}

/// The one "failed" predicate: `fatal`, `blocked`, `unhealthy`, or exited
/// non-zero (or by a signal) with no restart coming. It drives `--failed`,
/// "Restart failed (N)" and the red tray icon.
pub fn is_failed(facts: FailureFacts) -> bool {
    match facts.state {
        StateName::Fatal | StateName::Blocked | StateName::Unhealthy => true,
        StateName::Exited => {
            let bad_exit =
                facts.last_exit_code.is_some_and(|code| code != 0) || facts.last_exit_signaled;
            bad_exit && !facts.restart_pending
        }
        _ => false,
    }
}

/// What the tray icon and the UI header show for the whole set of components.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Aggregate {
    /// Every wanted component is up (or completed) and none has failed.
    Healthy,
    /// Something is starting, restarting, waiting or in backoff.
    Degraded,
    /// At least one component has failed (see [`is_failed`]).
    Failed,
    /// Nothing is configured or everything is stopped.
    Idle,
}

impl Aggregate {
    pub fn as_str(self) -> &'static str {
        match self {
            Aggregate::Healthy => "healthy",
            Aggregate::Degraded => "degraded",
            Aggregate::Failed => "failed",
            Aggregate::Idle => "idle",
        }
    }
}

/// Maps the failure facts of every component to the aggregate state.
pub fn aggregate<I>(components: I) -> Aggregate
where
    I: IntoIterator<Item = FailureFacts>,
{
    let mut any_active = false;
    let mut any_degraded = false;
    for facts in components {
        if is_failed(facts) {
            return Aggregate::Failed;
        }
        match facts.state {
            StateName::Stopped | StateName::Completed => {}
            StateName::Running | StateName::Healthy => any_active = true,
            StateName::Starting
            | StateName::Exited
            | StateName::Backoff
            | StateName::Stopping
            | StateName::Waiting => {
                any_active = true;
                any_degraded = true;
            }
            StateName::Fatal | StateName::Blocked | StateName::Unhealthy => {
                unreachable!("failed states return above")
            }
        }
    }
    match (any_active, any_degraded) {
        (_, true) => Aggregate::Degraded,
        (true, false) => Aggregate::Healthy,
        (false, false) => Aggregate::Idle,
    }
}

/// Counts for the one-line summary ("7 running, 1 failing").
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct Counts {
    pub total: usize,
    pub running: usize,
    pub starting: usize,
    pub failed: usize,
    pub stopped: usize,
    pub completed: usize,
}

impl Counts {
    pub fn from_facts<I>(components: I) -> Counts
    where
        I: IntoIterator<Item = FailureFacts>,
    {
        let mut counts = Counts::default();
        for facts in components {
            counts.total += 1;
            if is_failed(facts) {
                counts.failed += 1;
                continue;
            }
            match facts.state {
                StateName::Running | StateName::Healthy => counts.running += 1,
                StateName::Stopped => counts.stopped += 1,
                StateName::Completed => counts.completed += 1,
                _ => counts.starting += 1,
            }
        }
        counts
    }

    /// A short human summary such as "7 running, 1 failing".
    pub fn summary(&self) -> String {
        if self.total == 0 {
            return "no components".to_string();
        }
        let mut parts = Vec::new();
        if self.running > 0 {
            parts.push(format!("{} running", self.running));
        }
        if self.starting > 0 {
            parts.push(format!("{} starting", self.starting));
        }
        if self.failed > 0 {
            parts.push(format!("{} failing", self.failed));
        }
        if self.completed > 0 {
            parts.push(format!("{} completed", self.completed));
        }
        if self.stopped > 0 {
            parts.push(format!("{} stopped", self.stopped));
        }
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(state: StateName) -> FailureFacts {
        FailureFacts {
            state,
            last_exit_code: None,
            last_exit_signaled: false,
            restart_pending: false,
        }
    }

    #[test]
    fn failed_predicate_table() {
        let exited = |code: i32, pending: bool| FailureFacts {
            state: StateName::Exited,
            last_exit_code: Some(code),
            last_exit_signaled: false,
            restart_pending: pending,
        };
        let cases = [
            (facts(StateName::Fatal), true),
            (facts(StateName::Blocked), true),
            (facts(StateName::Unhealthy), true),
            (facts(StateName::Running), false),
            (facts(StateName::Backoff), false),
            (facts(StateName::Stopped), false),
            (facts(StateName::Completed), false),
            (exited(1, false), true),
            (exited(1, true), false),
            (exited(0, false), false),
        ];
        for (input, expected) in cases {
            assert_eq!(is_failed(input), expected, "{input:?}");
        }
    }

    #[test]
    fn aggregate_table() {
        use StateName::*;
        let cases: &[(&[StateName], Aggregate)] = &[
            (&[], Aggregate::Idle),
            (&[Stopped, Stopped], Aggregate::Idle),
            (&[Completed], Aggregate::Idle),
            (&[Running, Healthy], Aggregate::Healthy),
            (&[Running, Completed, Stopped], Aggregate::Healthy),
            (&[Running, Backoff], Aggregate::Degraded),
            (&[Waiting], Aggregate::Degraded),
            (&[Running, Starting], Aggregate::Degraded),
            (&[Running, Fatal], Aggregate::Failed),
            (&[Backoff, Blocked], Aggregate::Failed),
            (&[Unhealthy], Aggregate::Failed),
        ];
        for (states, expected) in cases {
            let got = aggregate(states.iter().copied().map(facts));
            assert_eq!(got, *expected, "{states:?}");
        }
    }

    /// One case of the table the UI's header tests read as well, so the
    /// header, the tray and the CLI agree.
    #[derive(serde::Deserialize)]
    struct SharedCase {
        components: Vec<SharedComponent>,
        aggregate: Aggregate,
        summary: String,
    }

    #[derive(serde::Deserialize)]
    struct SharedComponent {
        state: StateName,
        last_exit_code: Option<i32>,
        restart_pending: bool,
        failed: bool,
    }

    #[test]
    fn shared_aggregate_cases() {
        let text = include_str!("../tests/fixtures/aggregate-cases.json");
        let cases: Vec<SharedCase> = serde_json::from_str(text).unwrap();
        assert!(!cases.is_empty());
        for case in cases {
            let facts: Vec<FailureFacts> = case
                .components
                .iter()
                .map(|component| FailureFacts {
                    state: component.state,
                    last_exit_code: component.last_exit_code,
                    last_exit_signaled: false,
                    restart_pending: component.restart_pending,
                })
                .collect();
            for (component, facts) in case.components.iter().zip(&facts) {
                assert_eq!(is_failed(*facts), component.failed, "{facts:?}");
            }
            let states: Vec<StateName> = facts.iter().map(|facts| facts.state).collect();
            assert_eq!(aggregate(facts.iter().copied()), case.aggregate, "{states:?}");
            assert_eq!(Counts::from_facts(facts).summary(), case.summary, "{states:?}");
        }
    }

    #[test]
    fn summary_names_running_and_failing() {
        use StateName::*;
        let states = [Running, Running, Healthy, Fatal, Stopped];
        let counts = Counts::from_facts(states.into_iter().map(facts));
        assert_eq!(counts.summary(), "3 running, 1 failing, 1 stopped");
    }
}
