//! Where the actor meets preflight checks, health probes and resource metrics.

use crate::diagnose::{Diagnosis, DiagnosisKind};
use crate::event::HealthSnapshot;
use crate::health::{ProbeEvent, ProbeEventKind, ProbeRole, ProbeRunner};
use crate::metrics::CpuAlertChange;
use crate::state::StateName;

use super::actor::Actor;
use super::component::AfterStop;
use super::policy::RunEnd;

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
        if !current_run || component.state == StateName::Stopping {
            return;
        }
        let name = event.component.clone();
        let state = component.state;
        match event.kind {
            ProbeEventKind::Checked { role, ok, error, status, failures } => {
                let health = component.health.get_or_insert(HealthSnapshot {
                    readiness: None,
                    liveness: None,
                    consecutive_failures: 0,
                    last_error: None,
                });
                match role {
                    ProbeRole::Readiness => health.readiness = Some(status),
                    ProbeRole::Liveness => health.liveness = Some(status),
                }
                health.consecutive_failures = failures;
                // A passing check makes an earlier error history, not news.
                health.last_error = if ok { None } else { error };
                self.publish(&name, None);
            }
            ProbeEventKind::Ready => {
                if state == StateName::Running {
                    component.diagnosis = None;
                    self.set_state(&name, StateName::Healthy);
                }
            }
            ProbeEventKind::NotReady { error, failures } => {
                let check =
                    component.config.health.readiness.as_ref().map(|probe| probe.check.clone());
                if let Some(check) = check {
                    let diagnosis = crate::health::probe_diagnosis(
                        ProbeRole::Readiness,
                        &check,
                        &error,
                        failures,
                    );
                    component.diagnosis = Some(diagnosis);
                }
                if state == StateName::Healthy {
                    self.set_state(&name, StateName::Running);
                } else {
                    self.publish(&name, None);
                }
            }
            ProbeEventKind::LivenessFailed { error, failures } => {
                self.on_liveness_failed(&name, &error, failures);
            }
            ProbeEventKind::LivenessRecovered => {
                if state == StateName::Unhealthy {
                    component.diagnosis = None;
                    self.set_state(&name, StateName::Running);
                }
            }
        }
    }

    fn on_liveness_failed(&mut self, name: &str, error: &str, failures: u32) {
        let component = self.components.get_mut(name).expect("caller checked the name");
        let Some(probe) = component.config.health.liveness.as_ref() else { return };
        let diagnosis =
            crate::health::probe_diagnosis(ProbeRole::Liveness, &probe.check, error, failures);
        component.diagnosis = Some(diagnosis);
        tracing::warn!(component = name, failures, error, "liveness probe failing");
        let restart = component.config.restart != crate::config::RestartPolicy::Never;
        if component.state != StateName::Unhealthy {
            self.set_state(name, StateName::Unhealthy);
        }
        if restart {
            self.restart_for(name);
        }
    }

    /// Stops a live component because of a failing probe or a resource limit,
    /// then restarts it through the restart policy, so the backoff delay and
    /// `max_restarts` apply as they do to an exit.
    fn restart_for(&mut self, name: &str) {
        let component = self.components.get_mut(name).expect("caller checked the name");
        let Some(started) = component.run.as_ref().map(|run| run.started) else { return };
        let now = tokio::time::Instant::now();
        let end =
            RunEnd { code: None, signaled: false, uptime: now.saturating_duration_since(started) };
        let decision = component.tracker.decide(&component.config, end, now);
        component.push_history(None);
        self.begin_stop(name, AfterStop::Policy(decision), None);
    }

    pub fn sample_metrics(&mut self) {
        // Processes that left the leader's descendants with `setsid` were
        // reparented to the supervisor; only the tree finds those. Refreshing
        // a tree reads the supervisor's children list, so it is done only
        // while such orphans exist, keeping a sample linear in the components.
        let orphans = crate::process::has_orphans();
        let roots: Vec<(String, Vec<u32>)> = self
            .components
            .values_mut()
            .filter_map(|component| {
                let run = component.run.as_mut()?;
                let pids = match run.tree.as_mut() {
                    Some(tree) if run.leader_exited || orphans => tree.members(),
                    _ => vec![run.pid],
                };
                Some((component.config.name.clone(), pids))
            })
            .collect();
        if roots.is_empty() {
            return;
        }
        let mut members_changed = false;
        for usage in self.sampler.sample(&roots) {
            let Some(component) = self.components.get_mut(&usage.component) else { continue };
            if let Some(run) = component.run.as_mut()
                && run.members != usage.pids
            {
                run.members = usage.pids.clone();
                members_changed = true;
            }
            let changed = component.cpu_percent != usage.cpu_percent
                || component.memory_bytes != Some(usage.memory_bytes);
            component.cpu_percent = usage.cpu_percent;
            component.memory_bytes = Some(usage.memory_bytes);
            let over_memory =
                crate::metrics::memory_exceeded(usage.memory_bytes, component.config.max_memory);
            let name = usage.component.clone();
            let alert_changed = self.observe_cpu(&name, usage.cpu_percent);
            if over_memory && self.components[&name].state != StateName::Stopping {
                self.on_memory_limit(&name, usage.memory_bytes);
            } else if changed || alert_changed {
                self.publish(&name, None);
            }
        }
        if members_changed {
            self.persist.mark_dirty();
        }
    }

    fn on_memory_limit(&mut self, name: &str, used: u64) {
        let component = self.components.get_mut(name).expect("caller checked the name");
        let limit = component.config.max_memory.unwrap_or_default();
        component.diagnosis = Some(crate::metrics::memory_limit_diagnosis(used, limit));
        tracing::warn!(
            component = name,
            memory_bytes = used,
            limit_bytes = limit,
            "memory limit exceeded; restarting"
        );
        self.restart_for(name);
    }

    fn observe_cpu(&mut self, name: &str, cpu_percent: Option<f64>) -> bool {
        let component = self.components.get_mut(name).expect("caller checked the name");
        let Some(tracker) = component.cpu_alert.as_mut() else { return false };
        match tracker.observe(cpu_percent, std::time::Instant::now()) {
            Some(CpuAlertChange::Raised(diagnosis)) => {
                tracing::warn!(component = name, cpu_percent = ?cpu_percent, "cpu alert raised");
                component.diagnosis = Some(diagnosis);
                true
            }
            Some(CpuAlertChange::Cleared) => {
                let showing_cpu = component
                    .diagnosis
                    .as_ref()
                    .is_some_and(|diagnosis| diagnosis.kind == DiagnosisKind::CpuHigh);
                if showing_cpu {
                    component.diagnosis = None;
                }
                true
            }
            None => false,
        }
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
