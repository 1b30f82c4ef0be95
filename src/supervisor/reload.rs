//! Hot reload: an invalid config is rejected whole and the running one keeps
//! going; otherwise added components start, removed ones stop, changed ones
//! restart and unchanged ones are not touched.

use std::time::SystemTime;

use crate::config::Config;
use crate::event::{Desired, EventBody, ReloadError};

use super::actor::Actor;
use super::component::{AfterStop, rfc3339};
use super::handle::ReloadOutcome;

impl Actor {
    pub fn reload(&mut self) -> ReloadOutcome {
        let Some(path) = self.config.path.clone() else {
            return self.reject(vec![
                "no config file to reload: start Tend with --config PATH".to_string(),
            ]);
        };
        match crate::config::load(&path) {
            Ok(config) => self.apply(config),
            Err(errors) => self.reject(errors.iter().map(ToString::to_string).collect()),
        }
    }

    fn reject(&mut self, errors: Vec<String>) -> ReloadOutcome {
        tracing::warn!(errors = %errors.join("; "), "reload rejected; the running config keeps going");
        self.last_reload_error =
            Some(ReloadError { at: rfc3339(SystemTime::now()), errors: errors.clone() });
        let outcome = ReloadOutcome { ok: false, errors, ..Default::default() };
        self.emit_reload(&outcome);
        outcome
    }

    fn emit_reload(&mut self, outcome: &ReloadOutcome) {
        self.emit(EventBody::Reload {
            ok: outcome.ok,
            errors: outcome.errors.clone(),
            added: outcome.added.clone(),
            removed: outcome.removed.clone(),
            changed: outcome.changed.clone(),
        });
    }

    fn apply(&mut self, new: Config) -> ReloadOutcome {
        if new.supervisor != self.config.supervisor || new.api != self.config.api {
            return self.reject(vec![
                "changes to [supervisor] or [api] need a restart of the supervisor: run `tend quit`, then start it again"
                    .to_string(),
            ]);
        }
        let mut outcome = ReloadOutcome { ok: true, ..Default::default() };
        let removed: Vec<String> = self
            .components
            .keys()
            .filter(|name| !new.components.contains_key(*name))
            .cloned()
            .collect();
        for name in &removed {
            self.begin_stop(name, AfterStop::Rest, None);
            outcome.removed.push(name.clone());
        }
        let mut probes_changed = Vec::new();
        for (name, config) in &new.components {
            match self.components.get_mut(name) {
                None => outcome.added.push(name.clone()),
                Some(component) if config.needs_restart_from(&component.config) => {
                    component.config = config.clone();
                    outcome.changed.push(name.clone());
                }
                Some(component) => {
                    component.log.set_settings(config.logs);
                    component.cpu_alert =
                        config.cpu_alert.map(crate::metrics::CpuAlertTracker::new);
                    if component.config.health != config.health {
                        probes_changed.push(name.clone());
                    }
                    component.config = config.clone();
                }
            }
        }
        for name in &probes_changed {
            self.restart_probes(name);
        }
        for name in &outcome.changed {
            if self.components[name].run.is_some() {
                self.begin_stop(name, AfterStop::Start, None);
            }
        }
        for name in &outcome.added {
            let config = new.components[name].clone();
            let desired = if config.autostart { Desired::Running } else { Desired::Stopped };
            self.add_component(config, desired);
            self.publish(name, None);
            if desired == Desired::Running {
                self.try_start(name);
            }
        }
        self.config = new;
        self.finish_removals(&removed);
        self.last_reload_error = None;
        tracing::info!(added = ?outcome.added, removed = ?outcome.removed, changed = ?outcome.changed, "config reloaded");
        self.emit_reload(&outcome);
        outcome
    }

    /// Replaces a live run's probes with ones built from the current config,
    /// so changed probe settings apply without restarting the process.
    fn restart_probes(&mut self, name: &str) {
        let component = &self.components[name];
        let Some(run) = component.run.as_ref() else { return };
        if run.leader_exited || run.tree.is_none() {
            return;
        }
        let run_id = run.id;
        let probes = self.start_probes(name, run_id);
        let component = self.components.get_mut(name).expect("present");
        if let Some(run) = component.run.as_mut() {
            // Dropping the old runner aborts its checks.
            run.probes = probes;
        }
        tracing::info!(component = name, "probe settings changed; probes restarted");
    }

    /// Drops removed components that have no process left; the rest are
    /// dropped when their stop completes.
    fn finish_removals(&mut self, removed: &[String]) {
        for name in removed {
            if self.components.get(name).is_some_and(|component| component.run.is_none()) {
                self.components.remove(name);
                self.emit(EventBody::Removed { name: name.clone() });
            }
        }
    }

    /// Called after a stop completes: drops the component if a reload removed it.
    pub fn drop_if_removed(&mut self, name: &str) {
        if !self.config.components.contains_key(name) && self.components.contains_key(name) {
            self.components.remove(name);
            self.emit(EventBody::Removed { name: name.to_string() });
        }
    }
}
