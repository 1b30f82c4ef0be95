//! The allowed state transitions of a component. Every state change in the
//! actor goes through [`check`], so a transition the design does not allow
//! is caught in one place.

use crate::state::StateName;

/// Returns whether a component may move from `from` to `to`.
pub fn allowed(from: StateName, to: StateName) -> bool {
    use StateName::*;
    match (from, to) {
        // Starting a run, from every resting state.
        (Stopped | Exited | Backoff | Fatal | Blocked | Waiting | Completed, Starting) => true,
        // Dependencies and preflight gate a start.
        (Stopped | Exited | Backoff | Fatal | Blocked | Waiting | Completed, Waiting | Blocked) => {
            true
        }
        (Starting, Running | Exited | Blocked | Stopping) => true,
        (Running, Healthy | Unhealthy | Exited | Stopping) => true,
        (Healthy, Running | Unhealthy | Exited | Stopping) => true,
        (Unhealthy, Running | Healthy | Exited | Stopping) => true,
        (Exited, Backoff | Fatal | Completed | Stopped | Stopping) => true,
        (Stopping, Stopped) => true,
        // A run Tend stopped because it failed its liveness probe or a
        // resource limit ends as an exit, and the restart policy follows.
        (Stopping, Exited) => true,
        // A stop request on a resting component.
        (Backoff | Fatal | Blocked | Waiting | Completed, Stopped) => true,
        // A component whose leader exited while others of its processes live on.
        (Exited, Exited) => true,
        _ => false,
    }
}

/// A transition [`allowed`] rejects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("transition from {from} to {to} is not allowed")]
pub struct Rejected {
    pub from: StateName,
    pub to: StateName,
}

pub fn check(from: StateName, to: StateName) -> Result<(), Rejected> {
    if allowed(from, to) { Ok(()) } else { Err(Rejected { from, to }) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use StateName::*;

    #[test]
    fn allowed_transitions_table() {
        let allowed_cases = [
            (Stopped, Starting),
            (Stopped, Waiting),
            (Stopped, Blocked),
            (Waiting, Starting),
            (Waiting, Blocked),
            (Waiting, Stopped),
            (Blocked, Starting),
            (Blocked, Blocked),
            (Starting, Running),
            (Starting, Exited),
            (Running, Healthy),
            (Running, Exited),
            (Healthy, Unhealthy),
            (Unhealthy, Healthy),
            (Unhealthy, Stopping),
            (Exited, Backoff),
            (Exited, Fatal),
            (Exited, Completed),
            (Backoff, Starting),
            (Backoff, Stopped),
            (Fatal, Starting),
            (Fatal, Stopped),
            (Completed, Starting),
            (Stopping, Stopped),
            (Stopping, Exited),
            (Running, Stopping),
        ];
        for (from, to) in allowed_cases {
            assert!(allowed(from, to), "{from} -> {to} should be allowed");
        }
    }

    #[test]
    fn rejected_transitions_table() {
        let rejected_cases = [
            (Stopped, Running),
            (Stopped, Healthy),
            (Stopped, Fatal),
            (Running, Starting),
            (Running, Backoff),
            (Healthy, Starting),
            (Stopping, Starting),
            (Stopping, Running),
            (Completed, Running),
            (Fatal, Running),
            (Backoff, Running),
            (Waiting, Running),
            (Exited, Running),
            (Stopped, Stopping),
        ];
        for (from, to) in rejected_cases {
            assert_eq!(check(from, to), Err(Rejected { from, to }), "{from} -> {to}");
        }
    }

    #[test]
    fn every_state_can_reach_stopped() {
        for state in StateName::ALL {
            let direct = state == Stopped || allowed(state, Stopped);
            let via_stopping = allowed(state, Stopping) && allowed(Stopping, Stopped);
            assert!(direct || via_stopping, "{state} cannot be stopped");
        }
    }
}
