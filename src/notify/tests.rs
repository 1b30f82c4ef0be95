use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use super::*;
use crate::diagnose::{Diagnosis, DiagnosisKind};
use crate::event::{Event, EventBody};
use crate::state::StateName::*;
use crate::test_support::{changed, component, crashed, snapshot};

const RATE_LIMIT: Duration = Duration::from_secs(30);
const SETTLE: Duration = Duration::from_secs(10);

fn settings(startup_grace: Duration) -> PolicySettings {
    PolicySettings { enabled: true, rate_limit: RATE_LIMIT, startup_grace, recovery_settle: SETTLE }
}

fn crash(name: &str) -> Event {
    changed(crashed(name, Backoff, 1, "crashed with exit code 1"))
}

fn state(name: &str, state: crate::state::StateName) -> Event {
    changed(component(name, state))
}

fn fatal(name: &str) -> Event {
    let mut gave_up = crashed(name, Fatal, 1, "crashed with exit code 1");
    gave_up.restarts = 5;
    changed(gave_up)
}

/// One step of a scenario: at `at` seconds after start, an event arrives.
struct Step {
    at: f64,
    event: Event,
}

fn at(at: f64, event: Event) -> Step {
    Step { at, event }
}

/// What a scenario sent: (seconds after start, kind, component).
type Sent = Vec<(u64, NotificationKind, Option<String>)>;

/// Drives the policy as `run` does: events at their times, and `flush_due`
/// at every deadline in between, up to `until` seconds.
fn play(settings: PolicySettings, steps: Vec<Step>, until: f64) -> (Sent, Vec<Notification>) {
    let start = Instant::now();
    let mut policy = NotificationPolicy::new(settings, start);
    let mut sent = Vec::new();
    let mut notes = Vec::new();
    let mut record = |now: Instant, batch: Vec<Notification>| {
        for note in batch {
            sent.push(((now - start).as_secs(), note.kind, note.component.clone()));
            notes.push(note);
        }
    };
    let time = |seconds: f64| start + Duration::from_secs_f64(seconds);
    let flush_until = |policy: &mut NotificationPolicy,
                       record: &mut dyn FnMut(Instant, Vec<Notification>),
                       end: Instant| {
        while let Some(deadline) = policy.next_deadline().filter(|deadline| *deadline <= end) {
            record(deadline, policy.flush_due(deadline));
        }
    };
    for step in steps {
        let now = time(step.at);
        flush_until(&mut policy, &mut record, now);
        let batch = policy.observe(&step.event, now);
        record(now, batch);
    }
    flush_until(&mut policy, &mut record, time(until));
    (sent, notes)
}

fn one(kind: NotificationKind, name: &str, at: u64) -> (u64, NotificationKind, Option<String>) {
    (at, kind, Some(name.to_string()))
}

use NotificationKind::{Failed, GaveUp, Recovered, StartupSummary, Warning};

#[test]
fn crash_loop_sends_one_failed_and_one_gave_up() {
    let mut steps = Vec::new();
    for round in 0..5 {
        let base = 1.0 + f64::from(round) * 2.0;
        steps.push(at(base, state("web", Running)));
        steps.push(at(base + 0.5, crash("web")));
    }
    steps.push(at(12.0, fatal("web")));
    let (sent, notes) = play(settings(Duration::ZERO), steps, 100.0);
    // The gave-up waits for the rate limit window that the failure opened.
    assert_eq!(sent, vec![one(Failed, "web", 1), one(GaveUp, "web", 31)]);
    assert_eq!(notes[1].summary, "web gave up after 5 restarts");
    assert_eq!(notes[1].urgency, Urgency::Critical);
}

#[test]
fn failure_names_component_and_diagnosis() {
    let (_, notes) = play(settings(Duration::ZERO), vec![at(1.0, crash("web"))], 5.0);
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0].summary, "web failed");
    assert_eq!(notes[0].body, "crashed with exit code 1: see the log");
    assert_eq!(notes[0].actions, vec![NotificationAction::Restart, NotificationAction::ShowLogs]);
}

#[test]
fn recovery_names_what_failed_and_downtime() {
    let steps = vec![at(1.0, crash("web")), at(43.0, state("web", Running))];
    let (sent, notes) = play(settings(Duration::ZERO), steps, 100.0);
    assert_eq!(sent, vec![one(Failed, "web", 1), one(Recovered, "web", 53)]);
    assert_eq!(notes[1].summary, "web recovered");
    assert_eq!(
        notes[1].body,
        "running again after 42s down; it had failed: crashed with exit code 1: see the log"
    );
}

#[test]
fn short_run_between_crashes_is_no_recovery() {
    let steps = vec![
        at(1.0, crash("web")),
        at(3.0, state("web", Running)),
        at(8.0, crash("web")),
        at(10.0, state("web", Running)),
        at(15.0, crash("web")),
    ];
    let (sent, _) = play(settings(Duration::ZERO), steps, 100.0);
    assert_eq!(sent, vec![one(Failed, "web", 1)]);
}

#[test]
fn stop_on_purpose_ends_episode_silently() {
    let steps = vec![
        at(1.0, crash("web")),
        at(2.0, state("web", Stopping)),
        at(3.0, state("web", Stopped)),
        at(40.0, state("web", Running)),
    ];
    let (sent, _) = play(settings(Duration::ZERO), steps, 100.0);
    assert_eq!(sent, vec![one(Failed, "web", 1)]);
}

#[test]
fn startup_burst_is_one_summary() {
    let steps = vec![
        at(0.5, crash("web")),
        at(0.6, crash("db")),
        at(0.7, state("cache", Blocked)),
        at(1.0, fatal("web")),
    ];
    let (sent, notes) = play(settings(Duration::from_secs(5)), steps, 20.0);
    assert_eq!(sent, vec![(5, StartupSummary, None)]);
    assert_eq!(notes[0].summary, "3 components failed at start-up");
    assert!(notes[0].body.contains("web: crashed with exit code 1"), "{}", notes[0].body);
    assert!(notes[0].body.contains("cache: blocked"), "{}", notes[0].body);
    assert_eq!(notes[0].urgency, Urgency::Critical);
}

#[test]
fn single_startup_failure_is_sent_as_itself() {
    let (sent, _) = play(settings(Duration::from_secs(5)), vec![at(1.0, crash("web"))], 20.0);
    assert_eq!(sent, vec![one(Failed, "web", 5)]);
}

#[test]
fn startup_failure_that_recovers_in_grace_is_not_sent() {
    let steps = vec![at(0.5, crash("web")), at(1.0, state("web", Running))];
    let (sent, _) = play(settings(Duration::from_secs(30)), steps, 100.0);
    assert_eq!(sent, Vec::new());
}

#[test]
fn failure_after_grace_is_sent_at_once() {
    let steps = vec![at(0.5, state("web", Running)), at(6.0, crash("web"))];
    let (sent, _) = play(settings(Duration::from_secs(5)), steps, 20.0);
    assert_eq!(sent, vec![one(Failed, "web", 6)]);
}

#[test]
fn rate_limit_drops_failures_of_a_flapping_component() {
    let steps = vec![
        at(1.0, crash("web")),
        at(2.0, state("web", Running)),
        at(13.0, crash("web")),
        at(14.0, state("web", Running)),
    ];
    let (sent, _) = play(settings(Duration::ZERO), steps, 100.0);
    // The first recovery (at 12) is held until 31, then superseded by the
    // second failure, which opens a new episode within the window.
    assert_eq!(sent[0], one(Failed, "web", 1));
    assert!(sent.len() <= 2, "{sent:?}");
    for pair in sent.windows(2) {
        assert!(pair[1].0 - pair[0].0 >= RATE_LIMIT.as_secs(), "{sent:?}");
    }
}

#[test]
fn rate_limit_is_per_component() {
    let steps = vec![at(1.0, crash("web")), at(2.0, crash("db"))];
    let (sent, _) = play(settings(Duration::ZERO), steps, 10.0);
    assert_eq!(sent, vec![one(Failed, "web", 1), one(Failed, "db", 2)]);
}

#[test]
fn unhealthy_and_blocked_notify() {
    let steps = vec![at(1.0, state("web", Unhealthy)), at(2.0, state("db", Blocked))];
    let (sent, notes) = play(settings(Duration::ZERO), steps, 10.0);
    assert_eq!(
        sent,
        vec![one(NotificationKind::Unhealthy, "web", 1), one(NotificationKind::Blocked, "db", 2)]
    );
    assert_eq!(notes[0].summary, "web is unhealthy");
    assert_eq!(notes[1].summary, "db is blocked");
}

#[test]
fn warning_is_sent_once_until_it_clears() {
    let warned = || {
        let mut web = component("web", Running);
        web.diagnosis = Some(
            Diagnosis::new(DiagnosisKind::MemoryLimit, "memory above 512MiB", "look for a leak")
                .warning(),
        );
        changed(web)
    };
    let steps = vec![
        at(1.0, warned()),
        at(2.0, warned()),
        at(40.0, state("web", Running)),
        at(80.0, warned()),
    ];
    let (sent, notes) = play(settings(Duration::ZERO), steps, 100.0);
    assert_eq!(sent, vec![one(Warning, "web", 1), one(Warning, "web", 80)]);
    assert_eq!(notes[0].summary, "web: memory above 512MiB");
}

#[test]
fn pause_sends_nothing() {
    let start = Instant::now();
    let mut policy = NotificationPolicy::new(settings(Duration::ZERO), start);
    policy.set_paused(true);
    let later = |seconds| start + Duration::from_secs(seconds);
    assert_eq!(policy.observe(&crash("web"), later(1)), Vec::new());
    assert_eq!(policy.observe(&fatal("web"), later(2)), Vec::new());
    assert_eq!(policy.observe(&state("db", Unhealthy), later(3)), Vec::new());

    policy.set_paused(false);
    // What failed while paused is not replayed, and the next new failure is sent.
    assert_eq!(policy.observe(&fatal("web"), later(4)), Vec::new());
    let notes = policy.observe(&crash("api"), later(5));
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0].component.as_deref(), Some("api"));
}

#[test]
fn disabled_policy_sends_nothing() {
    let mut disabled = settings(Duration::ZERO);
    disabled.enabled = false;
    let (sent, _) = play(disabled, vec![at(1.0, crash("web")), at(2.0, fatal("db"))], 10.0);
    assert_eq!(sent, Vec::new());
}

#[test]
fn snapshot_with_failed_component_counts_as_failure() {
    let event = Event {
        seq: 0,
        body: EventBody::Snapshot { snapshot: snapshot(vec![component("web", Fatal)]) },
    };
    let (sent, _) = play(settings(Duration::ZERO), vec![at(1.0, event)], 10.0);
    assert_eq!(sent, vec![one(GaveUp, "web", 1)]);
}

/// A sink that records what it was given.
#[derive(Default)]
struct Recorder(Mutex<Vec<Notification>>);

impl NotificationSink for Recorder {
    fn send(&self, note: Notification) {
        self.0.lock().unwrap().push(note);
    }
}

#[tokio::test(start_paused = true)]
async fn run_loop_sends_startup_summary_and_pause_switch() {
    let (events, receiver) = tokio::sync::broadcast::channel(16);
    let (pause, paused) = tokio::sync::watch::channel(false);
    let recorder = Arc::new(Recorder::default());
    let policy = NotificationPolicy::new(settings(Duration::from_secs(2)), Instant::now());
    let task = tokio::spawn(run(policy, receiver, paused, recorder.clone()));

    events.send(crash("web")).unwrap();
    events.send(crash("db")).unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    {
        let sent = recorder.0.lock().unwrap();
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].kind, StartupSummary);
    }

    pause.send(true).unwrap();
    tokio::task::yield_now().await;
    events.send(crash("api")).unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(recorder.0.lock().unwrap().len(), 1, "sent while paused");

    events.send(Event { seq: 9, body: EventBody::Shutdown }).unwrap();
    task.await.unwrap();
}
