//! The demo stack of `make run`, headless: a copy of `examples/demo` in a
//! temporary folder with free ports, checked for each component's final
//! state and diagnosis kind.

mod stack;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tend::diagnose::DiagnosisKind;
use tend::event::Snapshot;
use tend::notify::{
    Notification, NotificationKind, NotificationPolicy, NotificationSink, PolicySettings,
};
use tend::state::StateName;

use stack::{Stack, component, copy_example, describe, free_port, load_config};

/// Time for every component but flaky-worker to reach its final state.
const SETTLE_DEADLINE: Duration = Duration::from_secs(40);
/// flaky-worker crashes after 20 to 40 s, so its crash and recovery need longer.
const FLAKY_DEADLINE: Duration = Duration::from_secs(50);
/// After flaky-worker runs again, "recovered" follows once the run has lasted
/// the policy's settle time.
const RECOVERY_DEADLINE: Duration = Duration::from_secs(30);

/// The final state of each component and the diagnosis kind it shows there.
const EXPECTED: &[(&str, StateName, Option<DiagnosisKind>)] = &[
    ("patch-runner", StateName::Healthy, None),
    ("braun-daemon", StateName::Fatal, Some(DiagnosisKind::MissingModule)),
    ("health-monitor", StateName::Blocked, Some(DiagnosisKind::FileNotFound)),
    ("dashboard-uplink", StateName::Fatal, Some(DiagnosisKind::ExitedImmediately)),
    ("telemetry-orchestrator", StateName::Fatal, Some(DiagnosisKind::ExitedImmediately)),
    ("metrics-aggregator", StateName::Fatal, Some(DiagnosisKind::ExitedImmediately)),
    ("alert-engine", StateName::Fatal, Some(DiagnosisKind::ExitedImmediately)),
    ("dashboard-daemon", StateName::Healthy, None),
    ("summary-watcher", StateName::Healthy, None),
    ("ghost-bridge", StateName::Healthy, None),
    ("ghost-runner", StateName::Running, None),
    ("dual-monitor", StateName::Fatal, Some(DiagnosisKind::AddressInUse)),
];

fn settled(snapshot: &Snapshot) -> bool {
    let states_reached =
        EXPECTED.iter().all(|(name, state, _)| component(snapshot, name).state == *state);
    states_reached && component(snapshot, "tunnel").state == StateName::Blocked
}

fn diagnosis_kind(snapshot: &Snapshot, name: &str) -> Option<DiagnosisKind> {
    component(snapshot, name).diagnosis.as_ref().map(|diagnosis| diagnosis.kind)
}

/// Text of a component's diagnosis: summary, hint and the failed check.
fn diagnosis_text(snapshot: &Snapshot, name: &str) -> String {
    let Some(diagnosis) = &component(snapshot, name).diagnosis else { return String::new() };
    let check = diagnosis.evidence.check.clone().unwrap_or_default();
    format!("{} {check}", diagnosis.one_line())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_components_reach_their_states() {
    let root = tempfile::tempdir().expect("temporary folder");
    let demo = copy_example("demo", root.path());
    let overrides = BTreeMap::from([
        ("DASHBOARD_PORT", free_port().to_string()),
        ("GHOST_PORT", free_port().to_string()),
    ]);
    let config = load_config(&demo, &overrides);
    let settings = PolicySettings::from_config(&config.notifications);
    let stack = Stack::start(config, root.path());
    let notes = Arc::new(Recorder::default());
    let subscription = stack.handle.subscribe().await.expect("supervisor is running");
    let policy = NotificationPolicy::new(settings, tokio::time::Instant::now());
    let (_pause, paused) = tokio::sync::watch::channel(false);
    let notifier =
        tokio::spawn(tend::notify::run(policy, subscription.events, paused, notes.clone()));

    // Collect the final states first, then check each one apart, so that a
    // missing diagnosis kind does not hide the states of the others.
    let end = tokio::time::Instant::now() + SETTLE_DEADLINE;
    let mut snapshot = stack.snapshot().await;
    while !settled(&snapshot) && tokio::time::Instant::now() < end {
        tokio::time::sleep(Duration::from_millis(200)).await;
        snapshot = stack.snapshot().await;
    }
    let states = describe(&snapshot);
    for (name, state, kind) in EXPECTED {
        assert_eq!(component(&snapshot, name).state, *state, "{name}:\n{states}");
        if let Some(kind) = kind {
            assert_eq!(diagnosis_kind(&snapshot, name), Some(*kind), "{name}:\n{states}");
        }
    }

    let did_you_mean = diagnosis_text(&snapshot, "health-monitor");
    assert!(did_you_mean.contains("patch_runner.py"), "did-you-mean: {did_you_mean}");
    let holder = diagnosis_text(&snapshot, "dual-monitor");
    assert!(holder.contains("ghost-bridge"), "port holder named: {holder}");

    // NOTE: assumes neither ngrok nor NGROK_AUTHTOKEN exists where the tests run.
    assert_eq!(component(&snapshot, "tunnel").state, StateName::Blocked, "tunnel:\n{states}");
    let tunnel = diagnosis_text(&snapshot, "tunnel");
    assert!(tunnel.contains("NGROK_AUTHTOKEN"), "missing variable named: {tunnel}");
    assert!(tunnel.contains("ngrok"), "missing command named: {tunnel}");
    let tunnel_kind = diagnosis_kind(&snapshot, "tunnel");
    assert!(
        matches!(tunnel_kind, Some(DiagnosisKind::MissingEnv | DiagnosisKind::CommandNotFound)),
        "tunnel diagnosis kind {tunnel_kind:?}"
    );

    check_flaky_worker(&stack).await;
    check_flaky_notifications(&notes).await;
    stack.shutdown().await;
    notifier.abort();
}

/// flaky-worker crashes with exit code 3, is diagnosed as a crash and runs again.
async fn check_flaky_worker(stack: &Stack) {
    let snapshot = stack
        .wait_until("flaky-worker to crash and run again", FLAKY_DEADLINE, |snapshot| {
            let worker = component(snapshot, "flaky-worker");
            worker.restarts >= 1 && worker.state == StateName::Running
        })
        .await;
    let worker = component(&snapshot, "flaky-worker");
    let exit_code = worker.last_exit.as_ref().and_then(|exit| exit.code);
    assert_eq!(exit_code, Some(3), "flaky-worker's last exit: {:?}", worker.last_exit);

    let history = stack.handle.history("flaky-worker").await.expect("flaky-worker exists");
    let crash = history.iter().find_map(|entry| entry.diagnosis.as_ref());
    let crash_kind = crash.map(|diagnosis| diagnosis.kind);
    assert_eq!(crash_kind, Some(DiagnosisKind::Crashed), "flaky-worker history: {history:#?}");
}

/// Collects what the notification policy sends, as a desktop sink would show it.
#[derive(Default)]
struct Recorder(Mutex<Vec<Notification>>);

impl NotificationSink for Recorder {
    fn send(&self, note: Notification) {
        self.0.lock().expect("no panic while holding the lock").push(note);
    }
}

impl Recorder {
    fn for_component(&self, name: &str, kind: NotificationKind) -> Vec<Notification> {
        let notes = self.0.lock().expect("no panic while holding the lock");
        let matching = notes.iter().filter(|note| note.kind == kind);
        matching.filter(|note| note.component.as_deref() == Some(name)).cloned().collect()
    }
}

/// flaky-worker's crash is one "failed" notification with its diagnosis, and
/// its next stable run one "recovered".
async fn check_flaky_notifications(notes: &Recorder) {
    let end = tokio::time::Instant::now() + RECOVERY_DEADLINE;
    while notes.for_component("flaky-worker", NotificationKind::Recovered).is_empty() {
        assert!(tokio::time::Instant::now() < end, "no recovery notification for flaky-worker");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let failed = notes.for_component("flaky-worker", NotificationKind::Failed);
    assert_eq!(failed.len(), 1, "one failure notification: {failed:#?}");
    assert!(failed[0].body.contains("exit code 3"), "names the crash: {}", failed[0].body);
    let recovered = notes.for_component("flaky-worker", NotificationKind::Recovered);
    assert_eq!(recovered.len(), 1, "one recovery notification: {recovered:#?}");
}
