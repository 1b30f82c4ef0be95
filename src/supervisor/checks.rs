//! Where the actor meets preflight checks, health probes and resource metrics.

use crate::diagnose::{Diagnosis, DiagnosisKind, Evidence};
use crate::event::{HealthSnapshot, ProbeStatus};
use crate::health::{ProbeEvent, ProbeEventKind, ProbeRunner};
use crate::state::StateName;

use super::actor::Actor;
use super::component::AfterStop;

impl Actor {
    /// Runs the preflight checks; returns one diagnosis naming every problem, if any.
    pub fn preflight(&self, name: &str) -> Option<Diagnosis> {
        let component = &self.components[name];
        let owners = super::deps::Owners { components: &self.components };
        let lookup = |key: &str| std::env::var(key).ok();
        let problems = crate::preflight::check(&component.config, &lookup, &owners);
        merge_problems(problems)
    }

    pub fn start_probes(&self, name: &str, run_id: u64) -> Option<ProbeRunner> {
        let config = &self.components[name].config;
        if config.health.readiness.is_none() && config.health.liveness.is_none() {
            return None;
        }
        Some(ProbeRunner::spawn(
            name.to_string(),
            run_id,
            config.health.clone(),
            config.cwd.clone(),
            config.env.clone(),
            self.probes.clone(),
        ))
    }

    pub fn handle_probe(&mut self, event: ProbeEvent) {
        let Some(component) = self.components.get_mut(&event.component) else { return };
        let current_run =
            component.run.as_ref().is_some_and(|run| run.id == event.run_id && !run.leader_exited);
        if !current_run {
            return;
        }
        let name = event.component.clone();
        let health = component.health.get_or_insert(HealthSnapshot {
            readiness: component.config.health.readiness.as_ref().map(|_| ProbeStatus::Unknown),
            liveness: component.config.health.liveness.as_ref().map(|_| ProbeStatus::Unknown),
            consecutive_failures: 0,
            last_error: None,
        });
        let state = component.state;
        match event.kind {
            ProbeEventKind::Ready => {
                health.readiness = Some(ProbeStatus::Passing);
                health.consecutive_failures = 0;
                if state == StateName::Running {
                    self.set_state(&name, StateName::Healthy);
                } else {
                    self.publish(&name, None);
                }
            }
            ProbeEventKind::NotReady { error, failures } => {
                health.readiness = Some(ProbeStatus::Failing);
                health.consecutive_failures = failures;
                health.last_error = Some(error);
                if state == StateName::Healthy {
                    self.set_state(&name, StateName::Running);
                } else {
                    self.publish(&name, None);
                }
            }
            ProbeEventKind::LivenessFailed { error, failures } => {
                health.liveness = Some(ProbeStatus::Failing);
                health.consecutive_failures = failures;
                health.last_error = Some(error.clone());
                self.on_liveness_failed(&name, error, failures);
            }
            ProbeEventKind::LivenessRecovered => {
                health.liveness = Some(ProbeStatus::Passing);
                health.consecutive_failures = 0;
                if state == StateName::Unhealthy {
                    component.diagnosis = None;
                    self.set_state(&name, StateName::Running);
                } else {
                    self.publish(&name, None);
                }
            }
        }
    }

    fn on_liveness_failed(&mut self, name: &str, error: String, failures: u32) {
        let component = self.components.get_mut(name).expect("caller checked the name");
        let summary = format!("health check failing: {error}");
        let hint =
            format!("the liveness probe failed {failures} times in a row; see the component's log");
        let evidence = Evidence { check: Some(error), ..Default::default() };
        component.diagnosis = Some(
            Diagnosis::new(DiagnosisKind::HealthCheckFailing, summary, hint)
                .with_evidence(evidence),
        );
        tracing::warn!(component = name, failures, "liveness probe failing");
        let restart = component.config.restart != crate::config::RestartPolicy::Never;
        if component.state != StateName::Unhealthy {
            self.set_state(name, StateName::Unhealthy);
        }
        if restart {
            self.restart_for(name);
        }
    }

    /// Restarts a live component because of a failing probe or a resource limit.
    fn restart_for(&mut self, name: &str) {
        let component = self.components.get_mut(name).expect("caller checked the name");
        component.tracker.restarts += 1;
        component.push_history(None);
        self.begin_stop(name, AfterStop::Start, None);
    }

    pub fn sample_metrics(&mut self) {
        let roots: Vec<(String, Vec<u32>)> = self
            .components
            .values_mut()
            .filter_map(|component| {
                let run = component.run.as_mut()?;
                let pids = match run.tree.as_mut() {
                    Some(tree) if run.leader_exited => tree.members(),
                    _ => vec![run.pid],
                };
                Some((component.config.name.clone(), pids))
            })
            .collect();
        if roots.is_empty() {
            return;
        }
        for usage in self.sampler.sample(&roots) {
            let Some(component) = self.components.get_mut(&usage.component) else { continue };
            let changed = component.cpu_percent != usage.cpu_percent
                || component.memory_bytes != Some(usage.memory_bytes);
            component.cpu_percent = usage.cpu_percent;
            component.memory_bytes = Some(usage.memory_bytes);
            let over_memory =
                component.config.max_memory.is_some_and(|limit| usage.memory_bytes > limit);
            let name = usage.component.clone();
            if over_memory && component.state != StateName::Stopping {
                self.on_memory_limit(&name, usage.memory_bytes);
            } else if changed {
                self.publish(&name, None);
            }
        }
    }

    fn on_memory_limit(&mut self, name: &str, used: u64) {
        let component = self.components.get_mut(name).expect("caller checked the name");
        let limit = component.config.max_memory.unwrap_or_default();
        let summary =
            format!("memory {} above max_memory {}", format_bytes(used), format_bytes(limit));
        let hint = "restarted; raise max_memory if this use is expected, or look for a leak";
        component.diagnosis = Some(Diagnosis::new(DiagnosisKind::MemoryLimit, summary, hint));
        tracing::warn!(
            component = name,
            memory_bytes = used,
            limit_bytes = limit,
            "memory limit exceeded; restarting"
        );
        self.restart_for(name);
    }
}

fn merge_problems(problems: Vec<crate::preflight::Problem>) -> Option<Diagnosis> {
    let mut problems = problems.into_iter();
    let first = problems.next()?;
    let mut diagnosis = first.diagnosis;
    let mut checks = vec![first.check];
    for problem in problems {
        diagnosis.summary = format!("{}; {}", diagnosis.summary, problem.diagnosis.summary);
        diagnosis.hint = format!("{}; {}", diagnosis.hint, problem.diagnosis.hint);
        checks.push(problem.check);
    }
    diagnosis.evidence.check = Some(checks.join(", "));
    Some(diagnosis)
}

pub fn format_bytes(bytes: u64) -> String {
    const MIB: f64 = 1024.0 * 1024.0;
    format!("{:.1} MiB", bytes as f64 / MIB)
}
