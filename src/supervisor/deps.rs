//! Dependency gating (`waiting` and `blocked` dependents) and the reverse
//! topological stop order.

use std::collections::{BTreeMap, BTreeSet};

use tokio::sync::{mpsc, oneshot};

use crate::config::DependCondition;
use crate::diagnose::{DiagnosisKind, PortOwners};
use crate::event::Desired;
use crate::state::StateName;

use super::actor::{Actor, Internal};
use super::component::Component;

/// Whether a component's dependencies let it start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gate {
    Ready,
    /// Dependencies that are starting, in backoff or stopped.
    Wait(Vec<String>),
    /// Dependencies that are `fatal` or `blocked`.
    Blocked(Vec<String>),
}

/// Whether `state` satisfies `condition`.
pub fn satisfied(condition: DependCondition, state: StateName) -> bool {
    match condition {
        DependCondition::Started => matches!(
            state,
            StateName::Running | StateName::Healthy | StateName::Unhealthy | StateName::Completed
        ),
        DependCondition::Healthy => state == StateName::Healthy,
        DependCondition::Completed => state == StateName::Completed,
    }
}

/// The gate for a component, from the states of its dependencies.
pub fn gate(components: &BTreeMap<String, Component>, name: &str) -> Gate {
    let Some(component) = components.get(name) else { return Gate::Ready };
    let mut waiting = Vec::new();
    let mut blocked = Vec::new();
    for (dependency, condition) in &component.config.depends_on {
        let Some(state) = components.get(dependency).map(|dep| dep.state) else {
            // Config validation rejects unknown names, so this only happens mid-reload.
            waiting.push(dependency.clone());
            continue;
        };
        if satisfied(*condition, state) {
            continue;
        }
        match state {
            StateName::Fatal | StateName::Blocked => blocked.push(dependency.clone()),
            // A task that completed can never become healthy or running again by itself.
            StateName::Completed => blocked.push(dependency.clone()),
            StateName::Exited if !components[dependency].restart_pending => {
                blocked.push(dependency.clone())
            }
            _ => waiting.push(dependency.clone()),
        }
    }
    if !blocked.is_empty() {
        Gate::Blocked(blocked)
    } else if !waiting.is_empty() {
        Gate::Wait(waiting)
    } else {
        Gate::Ready
    }
}

/// Groups `names` into levels to stop in order: a component is stopped only
/// after every component that depends on it. Components within a level stop
/// in parallel.
pub fn stop_levels(components: &BTreeMap<String, Component>, names: &[String]) -> Vec<Vec<String>> {
    let mut remaining: BTreeSet<String> = names.iter().cloned().collect();
    let mut levels = Vec::new();
    while !remaining.is_empty() {
        let level: Vec<String> = remaining
            .iter()
            .filter(|name| {
                !remaining.iter().any(|other| {
                    components
                        .get(other)
                        .is_some_and(|component| component.config.depends_on.contains_key(*name))
                })
            })
            .cloned()
            .collect();
        // A cycle cannot pass config validation; stop whatever is left together.
        let level = if level.is_empty() { remaining.iter().cloned().collect() } else { level };
        for name in &level {
            remaining.remove(name);
        }
        levels.push(level);
    }
    levels
}

/// Stops each level in turn, waiting for every component of a level before the next.
pub async fn stop_in_levels(
    internal: &mpsc::UnboundedSender<Internal>,
    levels: Vec<Vec<String>>,
) -> Vec<(String, String)> {
    let mut results = Vec::new();
    for level in levels {
        let mut replies = Vec::new();
        for name in level {
            let (reply, response) = oneshot::channel();
            if internal.send(Internal::StopStep { name: name.clone(), reply }).is_err() {
                return results;
            }
            replies.push((name, response));
        }
        for (name, response) in replies {
            let message = response.await.unwrap_or_else(|_| "stopped".to_string());
            results.push((name, message));
        }
    }
    results
}

/// The dependencies of `name`, transitively.
pub fn dependencies_of(components: &BTreeMap<String, Component>, name: &str) -> Vec<String> {
    let mut found = BTreeSet::new();
    let mut stack = vec![name.to_string()];
    while let Some(current) = stack.pop() {
        let Some(component) = components.get(&current) else { continue };
        for dependency in component.config.depends_on.keys() {
            if found.insert(dependency.clone()) {
                stack.push(dependency.clone());
            }
        }
    }
    found.into_iter().collect()
}

/// Maps pids to the components whose runs own them.
pub struct Owners<'a> {
    pub components: &'a BTreeMap<String, Component>,
}

impl PortOwners for Owners<'_> {
    fn component_of_pid(&self, pid: u32) -> Option<String> {
        self.components.values().find_map(|component| {
            let run = component.run.as_ref()?;
            let owns =
                run.pid == pid || run.pgid == pid || crate::process::pid_in_group(pid, run.pgid);
            owns.then(|| component.name().to_string())
        })
    }
}

impl Actor {
    pub fn dependency_gate(&self, name: &str) -> Gate {
        gate(&self.components, name)
    }

    /// Re-evaluates every component that waits on or is blocked by a
    /// dependency, until nothing changes.
    pub fn settle(&mut self) {
        if self.shutting_down {
            return;
        }
        for _ in 0..=self.components.len() {
            let candidates: Vec<String> = self
                .components
                .values()
                .filter(|component| {
                    component.desired == Desired::Running && component.run.is_none()
                })
                .filter(|component| match component.state {
                    StateName::Waiting => true,
                    StateName::Blocked => component
                        .diagnosis
                        .as_ref()
                        .is_some_and(|diagnosis| diagnosis.kind == DiagnosisKind::DependencyFailed),
                    _ => false,
                })
                .map(|component| component.name().to_string())
                .collect();
            let mut changed = false;
            for name in candidates {
                let before =
                    (self.components[&name].state, self.components[&name].waiting_on.clone());
                self.try_start(&name);
                let after =
                    (self.components[&name].state, self.components[&name].waiting_on.clone());
                changed |= before != after;
            }
            if !changed {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn satisfied_table() {
        use DependCondition as C;
        use StateName as S;
        let cases = [
            (C::Started, S::Running, true),
            (C::Started, S::Healthy, true),
            (C::Started, S::Starting, false),
            (C::Started, S::Backoff, false),
            (C::Healthy, S::Running, false),
            (C::Healthy, S::Healthy, true),
            (C::Completed, S::Completed, true),
            (C::Completed, S::Running, false),
        ];
        for (condition, state, expected) in cases {
            assert_eq!(satisfied(condition, state), expected, "{condition:?} {state}");
        }
    }
}
