//! The actor's answers to client commands: actions on components, signals
//! and the detailed view.

use std::collections::BTreeMap;

use tokio::sync::oneshot;

use crate::event::Desired;
use crate::state::StateName;

use super::actor::Actor;
use super::component::AfterStop;
use super::handle::{ActionResult, ComponentDetail, SupervisorError, Target, Verb};

/// What masked env values show.
const MASK: &str = "****";

impl Actor {
    fn resolve_target(&self, target: &Target) -> Result<Vec<String>, SupervisorError> {
        match target {
            Target::All => Ok(self.components.keys().cloned().collect()),
            Target::Failed => Ok(self
                .components
                .values()
                .filter(|component| component.snapshot().failed)
                .map(|component| component.name().to_string())
                .collect()),
            Target::Names(names) => {
                for name in names {
                    self.lookup(name)?;
                }
                Ok(names.clone())
            }
        }
    }

    pub fn act(
        &mut self,
        verb: Verb,
        target: Target,
        reply: oneshot::Sender<Result<Vec<ActionResult>, SupervisorError>>,
    ) {
        let names = match self.resolve_target(&target) {
            Ok(names) => names,
            Err(error) => {
                let _ = reply.send(Err(error));
                return;
            }
        };
        tracing::info!(verb = verb.as_str(), components = %names.join(", "), "action requested");
        match verb {
            Verb::Start => {
                let results = names.iter().map(|name| self.start_by_request(name)).collect();
                let _ = reply.send(Ok(results));
            }
            Verb::Stop => self.stop_by_request(names, reply),
            Verb::Restart => self.restart_by_request(names, reply),
        }
    }

    /// A manual start: clears `fatal` and the restart count, and also starts
    /// the component's stopped dependencies.
    fn start_by_request(&mut self, name: &str) -> ActionResult {
        let mut names = super::deps::dependencies_of(&self.components, name);
        names.push(name.to_string());
        for current in &names {
            let component = self.components.get_mut(current).expect("resolved names exist");
            let is_target = current == name;
            if !is_target && component.desired == Desired::Running {
                continue;
            }
            component.desired = Desired::Running;
            if component.state == StateName::Stopping {
                // The stop in progress ends in a start instead of a rest.
                component.after_stop = super::component::AfterStop::Start;
                continue;
            }
            if component.run.is_some() {
                continue;
            }
            component.tracker.reset();
            component.in_fatal_retry = false;
            component.diagnosis = None;
            self.persist.mark_dirty();
            self.try_start(current);
        }
        let component = &self.components[name];
        let already = component.run.is_some() && component.state != StateName::Starting;
        let message = if component.state == StateName::Stopping {
            "starting once the stop in progress completes".to_string()
        } else if already {
            "already running".to_string()
        } else {
            component.state.to_string()
        };
        ActionResult { name: name.to_string(), ok: true, message, state: component.state }
    }

    fn stop_by_request(
        &mut self,
        names: Vec<String>,
        reply: oneshot::Sender<Result<Vec<ActionResult>, SupervisorError>>,
    ) {
        for name in &names {
            let component = self.components.get_mut(name).expect("resolved names exist");
            component.desired = Desired::Stopped;
        }
        self.persist.mark_dirty();
        let levels = super::deps::stop_levels(&self.components, &names);
        let internal = self.internal.clone();
        tokio::spawn(async move {
            let results = super::deps::stop_in_levels(&internal, levels).await;
            let results = results
                .into_iter()
                .map(|(name, message)| ActionResult {
                    name,
                    ok: message == "stopped",
                    message,
                    state: StateName::Stopped,
                })
                .collect();
            let _ = reply.send(Ok(results));
        });
    }

    fn restart_by_request(
        &mut self,
        names: Vec<String>,
        reply: oneshot::Sender<Result<Vec<ActionResult>, SupervisorError>>,
    ) {
        let mut pending = Vec::new();
        for name in &names {
            let component = self.components.get_mut(name).expect("resolved names exist");
            component.desired = Desired::Running;
            component.tracker.reset();
            component.in_fatal_retry = false;
            let (done, response) = oneshot::channel();
            self.begin_stop(name, AfterStop::Start, Some(done));
            pending.push((name.clone(), response));
        }
        self.persist.mark_dirty();
        tokio::spawn(async move {
            let mut results = Vec::new();
            for (name, response) in pending {
                let message =
                    response.await.unwrap_or_else(|_| "supervisor shutting down".to_string());
                let ok = message == "stopped";
                let message = if ok { "restarted".to_string() } else { message };
                results.push(ActionResult { name, ok, message, state: StateName::Starting });
            }
            let _ = reply.send(Ok(results));
        });
    }

    pub fn signal(&mut self, name: &str, signal: i32) -> Result<usize, SupervisorError> {
        self.lookup(name)?;
        let component = self.components.get_mut(name).expect("looked up above");
        let Some(run) = component.run.as_mut() else {
            return Err(SupervisorError::Invalid(format!(
                "{name} has no running process to signal"
            )));
        };
        let Some(tree) = run.tree.as_mut() else {
            return Err(SupervisorError::Invalid(format!(
                "{name} is stopping; it cannot be signalled"
            )));
        };
        if !run.sent_signals.contains(&signal) {
            run.sent_signals.push(signal);
        }
        let sent = tree
            .signal(signal)
            .map_err(|error| SupervisorError::Invalid(format!("cannot signal {name}: {error}")))?;
        tracing::info!(component = name, signal = %crate::process::signal_name(signal), processes = sent, "sent a signal");
        Ok(sent)
    }

    pub fn detail(&self, name: &str) -> Result<ComponentDetail, SupervisorError> {
        let component = self.lookup(name)?;
        let config = &component.config;
        let env: BTreeMap<String, String> = config
            .env
            .iter()
            .map(|(key, value)| {
                let shown = if config.is_secret(key) { MASK.to_string() } else { value.clone() };
                (key.clone(), shown)
            })
            .collect();
        let depends_on = config
            .depends_on
            .iter()
            .map(|(name, condition)| {
                let condition = match condition {
                    crate::config::DependCondition::Started => "started",
                    crate::config::DependCondition::Healthy => "healthy",
                    crate::config::DependCondition::Completed => "completed",
                };
                (name.clone(), condition.to_string())
            })
            .collect();
        Ok(ComponentDetail {
            snapshot: component.snapshot(),
            command: masked_command(config),
            shell: config.shell,
            cwd: config.cwd.display().to_string(),
            env,
            depends_on,
            history: component.history.iter().cloned().collect(),
        })
    }
}

/// Shortest secret value that is masked inside command arguments; shorter
/// ones ("1", "on") would mask unrelated text.
const MIN_MASKED_LEN: usize = 4;

/// Returns the resolved command with every secret value masked, because `${VAR}`
/// may have expanded a secret from `env`, `env_file` or the supervisor's
/// own environment into an argument.
fn masked_command(config: &crate::config::ComponentConfig) -> Vec<String> {
    let from_config = config.env.iter().filter(|(name, _)| config.is_secret(name));
    let from_environment = std::env::vars().filter(|(name, _)| config.is_secret(name));
    let mut secrets: Vec<String> = from_config
        .map(|(_, value)| value.clone())
        .chain(from_environment.map(|(_, value)| value))
        .filter(|value| value.len() >= MIN_MASKED_LEN)
        .collect();
    // Longer values first, so a secret that contains another is masked whole.
    secrets.sort_by_key(|value| std::cmp::Reverse(value.len()));
    config
        .command
        .iter()
        .map(|argument| {
            secrets.iter().fold(argument.clone(), |shown, secret| shown.replace(secret, MASK))
        })
        .collect()
}
