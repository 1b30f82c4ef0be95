//! Which supervisor events become notifications. A failure starts an
//! episode that lasts until the component has run again for a settle time
//! (a recovery) or is stopped on purpose, so a crash loop sends one "failed"
//! and at most one "gave up". Failures during the start-up grace period are
//! sent together, and each component gets at most one notification per rate
//! limit window (a rate-limited "gave up" or "recovered" waits for the window
//! to end instead of being lost).

use std::collections::HashMap;
use std::time::Duration;

use tokio::time::Instant;

use super::{Notification, NotificationAction, NotificationKind, Urgency};
use crate::config::NotificationsConfig;
use crate::diagnose::{DiagnosisKind, Severity};
use crate::event::{ComponentSnapshot, Event, EventBody};
use crate::state::StateName;

/// Components listed by name in the start-up summary before "and N more".
const SUMMARY_MAX_LINES: usize = 5;

/// The policy's knobs, from `[notifications]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PolicySettings {
    pub enabled: bool,
    /// At most one notification per component within this time.
    pub rate_limit: Duration,
    /// Failures within this time after the policy starts are sent as one summary.
    pub startup_grace: Duration,
    /// How long a component must keep running after a failure to count as recovered.
    pub recovery_settle: Duration,
}

impl PolicySettings {
    /// Default time a component must run after a failure before "recovered" is sent.
    // NOTE: a guess at "long enough that a crash loop is not mistaken for a
    // recovery"; a per-component value (min_uptime) may fit better.
    pub const DEFAULT_RECOVERY_SETTLE: Duration = Duration::from_secs(10);

    pub fn from_config(config: &NotificationsConfig) -> PolicySettings {
        PolicySettings {
            enabled: config.enabled,
            rate_limit: config.rate_limit,
            startup_grace: config.startup_grace,
            recovery_settle: Self::DEFAULT_RECOVERY_SETTLE,
        }
    }
}

/// What the policy remembers about one component.
#[derive(Debug, Default)]
struct Memory {
    episode: Option<Episode>,
    last_sent: Option<Instant>,
    /// A "gave up" or "recovered" held back by the rate limit.
    deferred: Option<Notification>,
    /// The warning kind last notified, until the warning clears.
    warning: Option<DiagnosisKind>,
}

/// One stretch of failure, from the first failure to the recovery.
#[derive(Debug)]
struct Episode {
    since: Instant,
    /// The diagnosis line of the first failure.
    what: String,
    told_failure: bool,
    told_gave_up: bool,
    /// Running again since then; a recovery once it lasts the settle time.
    up_since: Option<Instant>,
}

/// How a component's snapshot looks to the policy.
enum Condition {
    Failing(NotificationKind),
    GaveUp,
    Up,
    Stopped,
    Other,
}

/// What became of a notification the policy wanted to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Delivery {
    Sent,
    /// Collected into the start-up summary.
    Batched,
    /// Held until the rate limit window ends.
    Deferred,
    /// Not sent because notifications are paused: what happens while paused is not replayed.
    Muted,
    /// Not sent because of the rate limit or because notifications are off.
    Dropped,
}

impl Delivery {
    /// Whether the policy is done with this notification, so that it is not tried again.
    fn settled(self) -> bool {
        self != Delivery::Dropped
    }
}

/// The notification policy. Feed it events with [`observe`](Self::observe) and
/// call [`flush_due`](Self::flush_due) at [`next_deadline`](Self::next_deadline).
#[derive(Debug)]
pub struct NotificationPolicy {
    settings: PolicySettings,
    grace_ends: Instant,
    paused: bool,
    components: HashMap<String, Memory>,
    /// Failures collected during the start-up grace period, one per component.
    startup: Option<Vec<Notification>>,
    /// Notifications decided and not yet returned.
    out: Vec<Notification>,
}

impl NotificationPolicy {
    /// A policy whose start-up grace period begins at `now`.
    pub fn new(settings: PolicySettings, now: Instant) -> NotificationPolicy {
        NotificationPolicy {
            settings,
            grace_ends: now + settings.startup_grace,
            paused: false,
            components: HashMap::new(),
            startup: (!settings.startup_grace.is_zero()).then(Vec::new),
            out: Vec::new(),
        }
    }

    /// While paused, the policy keeps track of every component but sends nothing.
    pub fn set_paused(&mut self, paused: bool) {
        self.paused = paused;
    }

    /// Takes one event and returns the notifications it causes now.
    pub fn observe(&mut self, event: &Event, now: Instant) -> Vec<Notification> {
        match &event.body {
            EventBody::Snapshot { snapshot } => {
                self.components.retain(|name, _| snapshot.component(name).is_some());
                for component in &snapshot.components {
                    self.observe_component(component, now);
                }
            }
            EventBody::Component { component, .. } => self.observe_component(component, now),
            EventBody::Removed { name } => {
                self.components.remove(name);
                self.forget_batched(name);
            }
            _ => {}
        }
        std::mem::take(&mut self.out)
    }

    /// The next time [`flush_due`](Self::flush_due) has something to do.
    pub fn next_deadline(&self) -> Option<Instant> {
        let grace = self.startup.as_ref().map(|_| self.grace_ends);
        let per_component = self.components.values().filter_map(|memory| {
            let recovery = memory
                .episode
                .as_ref()
                .and_then(|episode| episode.up_since)
                .map(|up| up + self.settings.recovery_settle);
            let deferred = memory
                .deferred
                .as_ref()
                .and(memory.last_sent)
                .map(|sent| sent + self.settings.rate_limit);
            recovery.into_iter().chain(deferred).min()
        });
        grace.into_iter().chain(per_component).min()
    }

    /// Sends what has come due by `now`: the start-up summary, confirmed
    /// recoveries and notifications held back by the rate limit.
    pub fn flush_due(&mut self, now: Instant) -> Vec<Notification> {
        if now >= self.grace_ends
            && let Some(batch) = self.startup.take()
        {
            self.send_startup_batch(batch, now);
        }

        let names: Vec<String> = self.components.keys().cloned().collect();
        for name in names {
            self.confirm_recovery(&name, now);
            self.send_deferred(&name, now);
        }
        std::mem::take(&mut self.out)
    }

    fn observe_component(&mut self, component: &ComponentSnapshot, now: Instant) {
        let name = component.name.as_str();
        self.update_warning(component, now);
        match condition(component) {
            Condition::Failing(kind) => {
                let episode = self.episode(component, now);
                episode.up_since = None;
                if !episode.told_failure {
                    let note = failure_note(kind, component);
                    let told = self.emit(note, now).settled();
                    self.episode(component, now).told_failure = told;
                }
                self.drop_deferred_recovery(name);
            }
            Condition::GaveUp => {
                let episode = self.episode(component, now);
                episode.up_since = None;
                if !episode.told_gave_up {
                    let told = self.emit(failure_note(NotificationKind::GaveUp, component), now);
                    self.episode(component, now).told_gave_up = told.settled();
                }
                self.drop_deferred_recovery(name);
            }
            Condition::Up => {
                let memory = self.components.entry(name.to_string()).or_default();
                if let Some(episode) = memory.episode.as_mut() {
                    episode.up_since.get_or_insert(now);
                }
            }
            Condition::Stopped => {
                // A stop on purpose ends the episode without a recovery.
                let memory = self.components.entry(name.to_string()).or_default();
                memory.episode = None;
                memory.deferred = None;
                self.forget_batched(name);
            }
            Condition::Other => {}
        }
    }

    /// The component's current episode, started now when there is none.
    fn episode(&mut self, component: &ComponentSnapshot, now: Instant) -> &mut Episode {
        let memory = self.components.entry(component.name.clone()).or_default();
        memory.episode.get_or_insert_with(|| Episode {
            since: now,
            what: problem_line(component),
            told_failure: false,
            told_gave_up: false,
            up_since: None,
        })
    }

    fn update_warning(&mut self, component: &ComponentSnapshot, now: Instant) {
        let warning = component
            .diagnosis
            .as_ref()
            .filter(|diagnosis| diagnosis.severity == Severity::Warning);
        let memory = self.components.entry(component.name.clone()).or_default();
        let Some(diagnosis) = warning else {
            memory.warning = None;
            return;
        };
        if memory.warning == Some(diagnosis.kind) {
            return;
        }
        memory.warning = Some(diagnosis.kind);
        let note = Notification {
            kind: NotificationKind::Warning,
            component: Some(component.name.clone()),
            summary: format!("{}: {}", component.name, diagnosis.summary),
            body: diagnosis.hint.clone(),
            urgency: Urgency::Normal,
            actions: vec![NotificationAction::Restart, NotificationAction::ShowLogs],
        };
        self.emit(note, now);
    }

    fn confirm_recovery(&mut self, name: &str, now: Instant) {
        let settle = self.settings.recovery_settle;
        let Some(memory) = self.components.get_mut(name) else { return };
        let Some(episode) = memory.episode.as_ref() else { return };
        let Some(up_since) = episode.up_since.filter(|up| now >= *up + settle) else { return };
        let episode = memory.episode.take().expect("checked above");
        if !(episode.told_failure || episode.told_gave_up) {
            return;
        }
        if self.forget_batched(name) {
            // The failure was only in the unsent start-up batch, so there is nothing to take back.
            return;
        }
        let down = up_since.saturating_duration_since(episode.since);
        let note = Notification {
            kind: NotificationKind::Recovered,
            component: Some(name.to_string()),
            summary: format!("{name} recovered"),
            body: format!(
                "running again after {} down; it had failed: {}",
                short(down),
                episode.what
            ),
            urgency: Urgency::Normal,
            actions: vec![NotificationAction::ShowLogs],
        };
        self.emit(note, now);
    }

    fn send_deferred(&mut self, name: &str, now: Instant) {
        let rate_limit = self.settings.rate_limit;
        let Some(memory) = self.components.get_mut(name) else { return };
        let open = memory.last_sent.is_none_or(|sent| now >= sent + rate_limit);
        if !open {
            return;
        }
        if let Some(note) = memory.deferred.take() {
            self.emit(note, now);
        }
    }

    fn drop_deferred_recovery(&mut self, name: &str) {
        if let Some(memory) = self.components.get_mut(name)
            && memory.deferred.as_ref().is_some_and(|note| note.kind == NotificationKind::Recovered)
        {
            memory.deferred = None;
        }
    }

    /// Removes a component from the start-up batch; returns whether it was there.
    fn forget_batched(&mut self, name: &str) -> bool {
        let Some(batch) = self.startup.as_mut() else { return false };
        let before = batch.len();
        batch.retain(|note| note.component.as_deref() != Some(name));
        batch.len() != before
    }

    /// Routes one notification through the grace period, pause and rate limit.
    fn emit(&mut self, note: Notification, now: Instant) -> Delivery {
        if !self.settings.enabled {
            return Delivery::Dropped;
        }
        if let Some(batch) = self.startup.as_mut()
            && now < self.grace_ends
            && is_failure(note.kind)
        {
            // A later failure of the same component (gave up after failed) replaces the earlier.
            batch.retain(|queued| queued.component != note.component);
            batch.push(note);
            return Delivery::Batched;
        }
        if self.paused {
            return Delivery::Muted;
        }
        let Some(name) = note.component.clone() else {
            self.out.push(note);
            return Delivery::Sent;
        };
        let memory = self.components.entry(name).or_default();
        let limited = memory.last_sent.is_some_and(|sent| now < sent + self.settings.rate_limit);
        if limited {
            if matches!(note.kind, NotificationKind::GaveUp | NotificationKind::Recovered) {
                memory.deferred = Some(note);
                return Delivery::Deferred;
            }
            return Delivery::Dropped;
        }
        memory.last_sent = Some(now);
        memory.deferred = None;
        self.out.push(note);
        Delivery::Sent
    }

    fn send_startup_batch(&mut self, mut batch: Vec<Notification>, now: Instant) {
        if self.paused || batch.is_empty() {
            return;
        }
        for note in &batch {
            if let Some(name) = &note.component {
                self.components.entry(name.clone()).or_default().last_sent = Some(now);
            }
        }
        if batch.len() == 1 {
            self.out.append(&mut batch);
            return;
        }
        self.out.push(startup_summary(&batch));
    }
}

fn is_failure(kind: NotificationKind) -> bool {
    matches!(
        kind,
        NotificationKind::Failed
            | NotificationKind::GaveUp
            | NotificationKind::Unhealthy
            | NotificationKind::Blocked
    )
}

fn condition(component: &ComponentSnapshot) -> Condition {
    let error_diagnosis =
        component.diagnosis.as_ref().is_some_and(|diagnosis| diagnosis.severity == Severity::Error);
    let bad_exit = component
        .last_exit
        .as_ref()
        .is_some_and(|exit| exit.code.is_some_and(|code| code != 0) || exit.signal.is_some());
    match component.state {
        StateName::Fatal => Condition::GaveUp,
        StateName::Blocked => Condition::Failing(NotificationKind::Blocked),
        StateName::Unhealthy => Condition::Failing(NotificationKind::Unhealthy),
        StateName::Exited | StateName::Backoff
            if error_diagnosis || bad_exit || component.failed =>
        {
            Condition::Failing(NotificationKind::Failed)
        }
        StateName::Running | StateName::Healthy | StateName::Completed => Condition::Up,
        StateName::Stopped => Condition::Stopped,
        _ => Condition::Other,
    }
}

/// The diagnosis line, or the best fact there is without one.
fn problem_line(component: &ComponentSnapshot) -> String {
    if let Some(diagnosis) = &component.diagnosis {
        return diagnosis.one_line();
    }
    if let Some(error) = component.health.as_ref().and_then(|health| health.last_error.as_ref()) {
        return format!("health check failing: {error}");
    }
    match &component.last_exit {
        Some(exit) if exit.signal.is_some() => {
            format!("killed by {}", exit.signal.as_deref().unwrap_or("a signal"))
        }
        Some(exit) if exit.code.is_some() => {
            format!("exited with code {}", exit.code.unwrap_or_default())
        }
        _ => component.state.to_string(),
    }
}

fn failure_note(kind: NotificationKind, component: &ComponentSnapshot) -> Notification {
    let name = &component.name;
    let summary = match kind {
        NotificationKind::GaveUp => {
            format!("{name} gave up after {} restarts", component.restarts)
        }
        NotificationKind::Unhealthy => format!("{name} is unhealthy"),
        NotificationKind::Blocked => format!("{name} is blocked"),
        _ => format!("{name} failed"),
    };
    let urgency =
        if kind == NotificationKind::GaveUp { Urgency::Critical } else { Urgency::Normal };
    Notification {
        kind,
        component: Some(name.clone()),
        summary,
        body: problem_line(component),
        urgency,
        actions: vec![NotificationAction::Restart, NotificationAction::ShowLogs],
    }
}

fn startup_summary(batch: &[Notification]) -> Notification {
    let mut lines: Vec<String> = batch
        .iter()
        .take(SUMMARY_MAX_LINES)
        .map(|note| format!("{}: {}", note.component.as_deref().unwrap_or("?"), note.body))
        .collect();
    if batch.len() > SUMMARY_MAX_LINES {
        lines.push(format!("and {} more", batch.len() - SUMMARY_MAX_LINES));
    }
    let urgency = if batch.iter().any(|note| note.urgency == Urgency::Critical) {
        Urgency::Critical
    } else {
        Urgency::Normal
    };
    Notification {
        kind: NotificationKind::StartupSummary,
        component: None,
        summary: format!("{} components failed at start-up", batch.len()),
        body: lines.join("\n"),
        urgency,
        actions: vec![NotificationAction::OpenWindow],
    }
}

/// A duration in whole seconds, e.g. "1m 5s".
fn short(duration: Duration) -> String {
    humantime::format_duration(Duration::from_secs(duration.as_secs().max(1))).to_string()
}
