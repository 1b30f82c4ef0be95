//! The actor loop: receives commands from handles and internal messages
//! (exits, timers, stop completions, probe results, metrics ticks) and is
//! the only code that changes component state.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tokio::time::Instant;

use crate::config::Config;
use crate::event::{Desired, Event, EventBody, ReloadError, Snapshot};
use crate::health::ProbeEvent;
use crate::process::StopReport;
use crate::state::StateName;

use super::component::Component;
use super::handle::{Command, Subscription};
use super::persist::Persist;
use super::transitions;

/// Capacity of the event broadcast; a client that falls further behind gets a resync.
pub(super) const EVENT_CAPACITY: usize = 4096;
/// How often metrics are sampled while nobody watches, and while a client does.
const METRICS_IDLE: Duration = Duration::from_secs(5);
const METRICS_WATCHED: Duration = Duration::from_secs(1);
/// The longest the exit watcher waits for a run's output to drain before reporting the exit.
pub(super) const OUTPUT_DRAIN: Duration = Duration::from_millis(300);

/// Messages from tasks the actor started.
pub(super) enum Internal {
    Exited {
        name: String,
        run_id: u64,
        status: std::io::Result<std::process::ExitStatus>,
    },
    Timer {
        name: String,
        generation: u64,
    },
    StopDone {
        name: String,
        run_id: u64,
        report: StopReport,
    },
    /// A run has lasted `min_uptime`: a diagnosis carried over from before it is stale.
    Stable {
        name: String,
        run_id: u64,
    },
    /// Stop one component as a step of a multi-component stop; replies when stopped.
    StopStep {
        name: String,
        reply: oneshot::Sender<String>,
    },
    /// Every process that outlived a run's leader has exited.
    LeftoversGone {
        name: String,
        run_id: u64,
    },
    /// The config file changed and `watch_config` is on.
    ConfigChanged,
    /// The ordered shutdown has stopped everything.
    ShutdownDone,
}

pub(super) struct Actor {
    pub config: Config,
    pub state_dir: PathBuf,
    pub components: BTreeMap<String, Component>,
    pub events: broadcast::Sender<Event>,
    pub seq: u64,
    pub internal: mpsc::UnboundedSender<Internal>,
    pub probes: mpsc::Sender<ProbeEvent>,
    pub next_run_id: u64,
    pub last_reload_error: Option<ReloadError>,
    pub watchers: usize,
    pub shutting_down: bool,
    pub shutdown_replies: Vec<oneshot::Sender<()>>,
    pub persist: Persist,
    pub sampler: crate::metrics::Sampler,
}

impl Actor {
    pub async fn run(
        mut self,
        mut commands: mpsc::Receiver<Command>,
        mut internal: mpsc::UnboundedReceiver<Internal>,
        mut probes: mpsc::Receiver<ProbeEvent>,
        done: watch::Sender<bool>,
    ) {
        self.persist.recover(&self.config).await;
        let desired = self.persist.desired();
        self.create_components(desired);
        self.start_autostart();
        self.settle();
        if let (true, Some(path)) = (self.config.supervisor.watch_config, self.config.path.clone())
        {
            super::config_watch::spawn(path, self.internal.clone());
        }
        let mut metrics = tokio::time::interval(METRICS_IDLE);
        metrics.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut watched = false;
        loop {
            tokio::select! {
                command = commands.recv() => match command {
                    Some(command) => self.handle_command(command),
                    None => self.begin_shutdown(None),
                },
                Some(message) = internal.recv() => {
                    if self.handle_internal(message) {
                        break;
                    }
                }
                Some(event) = probes.recv() => self.handle_probe(event),
                _ = metrics.tick() => self.sample_metrics(),
            }
            if watched != (self.watchers > 0) {
                watched = self.watchers > 0;
                let period = if watched { METRICS_WATCHED } else { METRICS_IDLE };
                metrics = tokio::time::interval(period);
                metrics.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            }
            self.settle();
            self.persist.save_if_dirty(&self.components);
        }
        self.persist.save(&self.components);
        self.emit(EventBody::Shutdown);
        for reply in self.shutdown_replies.drain(..) {
            let _ = reply.send(());
        }
        let _ = done.send(true);
    }

    fn create_components(&mut self, desired: BTreeMap<String, Desired>) {
        let configs: Vec<_> = self.config.components.values().cloned().collect();
        for config in configs {
            let wanted = desired.get(&config.name).copied().unwrap_or(if config.autostart {
                Desired::Running
            } else {
                Desired::Stopped
            });
            self.add_component(config, wanted);
        }
    }

    pub fn add_component(&mut self, config: crate::config::ComponentConfig, desired: Desired) {
        let logs_dir = self.state_dir.join(crate::paths::LOGS_DIR);
        let log = match crate::logs::ComponentLog::open(&config.name, &logs_dir, config.logs) {
            Ok(log) => log,
            Err(error) => {
                tracing::error!(component = %config.name, %error, "cannot open the log file; output goes to the in-memory tail only");
                crate::logs::ComponentLog::open(&config.name, &std::env::temp_dir(), config.logs)
                    .expect("the temporary directory is writable")
            }
        };
        let name = config.name.clone();
        self.components.insert(name, Component::new(config, log, desired));
    }

    fn start_autostart(&mut self) {
        let names: Vec<String> = self
            .components
            .values()
            .filter(|component| component.desired == Desired::Running)
            .map(|component| component.name().to_string())
            .collect();
        for name in names {
            self.try_start(&name);
        }
    }

    fn handle_command(&mut self, command: Command) {
        if self.shutting_down {
            // Dropping the reply tells the client the supervisor is shutting down.
            if let Command::Shutdown(reply) = command {
                self.shutdown_replies.push(reply);
            }
            return;
        }
        match command {
            Command::Snapshot(reply) => {
                let _ = reply.send(self.snapshot());
            }
            Command::Detail(name, reply) => {
                let _ = reply.send(self.detail(&name));
            }
            Command::Act(verb, target, reply) => self.act(verb, target, reply),
            Command::Signal(name, signal, reply) => {
                let _ = reply.send(self.signal(&name, signal));
            }
            Command::Reload(reply) => {
                let outcome = self.reload();
                let _ = reply.send(outcome);
            }
            Command::Logs(name, n, reply) => {
                let _ = reply.send(self.lookup(&name).map(|component| component.log.tail(n)));
            }
            Command::SubscribeLogs(name, reply) => {
                let _ = reply.send(self.lookup(&name).map(|component| component.log.subscribe()));
            }
            Command::History(name, reply) => {
                let history =
                    self.lookup(&name).map(|component| component.history.iter().cloned().collect());
                let _ = reply.send(history);
            }
            Command::Subscribe(reply) => {
                let events = self.events.subscribe();
                let snapshot = Event {
                    seq: self.seq,
                    body: EventBody::Snapshot { snapshot: self.snapshot() },
                };
                let _ = reply.send(Subscription { snapshot, events });
            }
            Command::Watching(watching) => {
                if watching {
                    self.watchers += 1;
                } else {
                    self.watchers = self.watchers.saturating_sub(1);
                }
            }
            Command::Shutdown(reply) => self.begin_shutdown(Some(reply)),
        }
    }

    /// Handles a message from a task; returns true when the actor should end.
    fn handle_internal(&mut self, message: Internal) -> bool {
        match message {
            Internal::Exited { name, run_id, status } => self.on_exited(&name, run_id, status),
            Internal::Timer { name, generation } => self.on_timer(&name, generation),
            Internal::StopDone { name, run_id, report } => self.on_stop_done(&name, run_id, report),
            Internal::Stable { name, run_id } => self.on_stable(&name, run_id),
            Internal::LeftoversGone { name, run_id } => self.on_leftovers_gone(&name, run_id),
            Internal::ConfigChanged => {
                self.reload();
            }
            Internal::StopStep { name, reply } => {
                self.begin_stop(&name, super::component::AfterStop::Rest, Some(reply))
            }
            Internal::ShutdownDone => return true,
        }
        false
    }

    pub fn lookup(&self, name: &str) -> Result<&Component, super::SupervisorError> {
        self.components.get(name).ok_or_else(|| self.no_such(name))
    }

    pub fn no_such(&self, name: &str) -> super::SupervisorError {
        let suggestion = self
            .components
            .keys()
            .map(|candidate| (strsim::jaro_winkler(name, candidate), candidate))
            .filter(|(score, _)| *score > 0.8)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, candidate)| candidate.clone());
        super::SupervisorError::NoSuchComponent { name: name.to_string(), suggestion }
    }

    pub fn snapshot(&self) -> Snapshot {
        let components = self.components.values().map(Component::snapshot).collect();
        let path = self.config.path.as_ref().map(|path| path.display().to_string());
        Snapshot::new(path, components, self.last_reload_error.clone())
    }

    pub fn emit(&mut self, body: EventBody) {
        self.seq += 1;
        // No receiver is not an error: nobody is listening right now.
        let _ = self.events.send(Event { seq: self.seq, body });
    }

    /// Publishes a component's current snapshot.
    pub fn publish(&mut self, name: &str, previous: Option<StateName>) {
        if let Some(component) = self.components.get(name) {
            let snapshot = Box::new(component.snapshot());
            self.emit(EventBody::Component { component: snapshot, previous });
        }
    }

    /// Moves a component to a new state, checked against the transition table.
    pub fn set_state(&mut self, name: &str, to: StateName) {
        let Some(component) = self.components.get_mut(name) else { return };
        let from = component.state;
        if let Err(rejected) = transitions::check(from, to) {
            tracing::error!(component = name, %rejected, "internal error: state transition rejected");
            debug_assert!(false, "{name}: {rejected}");
            return;
        }
        component.state = to;
        component.since = SystemTime::now();
        if !matches!(to, StateName::Waiting | StateName::Blocked) {
            component.waiting_on.clear();
        }
        tracing::debug!(component = name, from = %from, to = %to, "state changed");
        self.persist.mark_dirty();
        self.publish(name, Some(from));
    }

    pub fn schedule_timer(&mut self, name: &str, delay: Duration) {
        let Some(component) = self.components.get_mut(name) else { return };
        component.timer_generation += 1;
        component.next_attempt = Some(Instant::now() + delay);
        let generation = component.timer_generation;
        let internal = self.internal.clone();
        let name = name.to_string();
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            let _ = internal.send(Internal::Timer { name, generation });
        });
    }

    pub fn cancel_timer(&mut self, name: &str) {
        if let Some(component) = self.components.get_mut(name) {
            component.timer_generation += 1;
            component.next_attempt = None;
        }
    }

    fn begin_shutdown(&mut self, reply: Option<oneshot::Sender<()>>) {
        if let Some(reply) = reply {
            self.shutdown_replies.push(reply);
        }
        if self.shutting_down {
            return;
        }
        self.shutting_down = true;
        tracing::info!("shutting down: stopping every component");
        let names: Vec<String> = self.components.keys().cloned().collect();
        for name in &names {
            self.cancel_timer(name);
        }
        let levels = super::deps::stop_levels(&self.components, &names);
        let internal = self.internal.clone();
        tokio::spawn(async move {
            super::deps::stop_in_levels(&internal, levels).await;
            let _ = internal.send(Internal::ShutdownDone);
        });
    }
}
