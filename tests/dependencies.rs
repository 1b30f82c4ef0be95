//! Dependency order through the supervisor actor with real processes. A
//! `healthy` dependency gates the start of its dependent, and a chain starts
//! in order and stops in reverse. A dependent waits on a restarting
//! dependency and is blocked by a fatal one. Neither shutdown nor a stop of a
//! dependency hangs on a waiter, and the components of one stop level stop in
//! parallel.

mod in_process;

use std::time::Duration;

use in_process::{Stack, free_port, pid_alive, read_numbers, state_of};
use tend::diagnose::DiagnosisKind;
use tend::event::EventBody;
use tend::state::StateName;
use tend::supervisor::{Target, Verb};

/// How long the db waits before it starts listening, so that "started" and
/// "healthy" are apart by at least this much.
const DB_DELAY: Duration = Duration::from_millis(1500);

#[tokio::test]
async fn healthy_dependency_gates_start() {
    let port = free_port();
    let delay = DB_DELAY.as_secs_f64();
    let toml = format!(
        r#"
[components.db]
command = ["sh", "-c", "date +%s%N > db.started; sleep {delay}; date +%s%N > db.listening; exec python3 -m http.server {port} --bind 127.0.0.1"]
health = {{ http = "http://127.0.0.1:{port}/", interval = "200ms", timeout = "1s", start_period = "5s" }}

[components.app]
command = ["sh", "-c", "date +%s%N > app.started; python3 -c 'import urllib.request, sys; urllib.request.urlopen(sys.argv[1], timeout=5)' http://127.0.0.1:{port}/ && echo reachable > app.saw-db; exec sleep 60"]
depends_on = {{ db = "healthy" }}
"#
    );
    let stack = Stack::start(&toml);

    let snapshot =
        stack.wait_until("app waiting on db", |s| state_of(s, "app") == StateName::Waiting).await;
    assert_eq!(snapshot.component("app").unwrap().waiting_on, vec!["db".to_string()]);
    assert_eq!(snapshot.component("app").unwrap().pid, None, "app has not started");

    stack.wait_for_state("db", StateName::Healthy).await;
    stack.wait_for_state("app", StateName::Running).await;
    stack.wait_until("app to reach db", |_| stack.path("app.saw-db").exists()).await;

    let db_started = read_numbers(&stack.path("db.started"))[0];
    let db_listening = read_numbers(&stack.path("db.listening"))[0];
    let app_started = read_numbers(&stack.path("app.started"))[0];
    assert!(app_started > db_listening, "app started after db began listening");
    let gap = Duration::from_nanos((app_started - db_started) as u64);
    assert!(gap >= DB_DELAY, "app started {gap:?} after db, not before it was healthy");
    stack.shutdown().await;
    assert!(stack.marked_processes().is_empty(), "{:?}", stack.marked_processes());
}

/// Writes the config of a component that appends its name to `stopped` when
/// it gets SIGTERM, and to `ready` once that trap is installed. It does not start by itself, so
/// that a test can subscribe to events before the first start.
fn trapping(name: &str, depends_on: Option<&str>) -> String {
    let depends = depends_on.map(|on| format!("depends_on = {{ {on} = \"started\" }}\n"));
    format!(
        r#"
[components.{name}]
command = ["sh", "-c", "trap 'echo {name} >> stopped; exit 0' TERM; echo {name} >> ready; while :; do sleep 0.05; done"]
autostart = false
stop_timeout = "5s"
{}"#,
        depends.unwrap_or_default()
    )
}

#[tokio::test]
async fn chain_starts_in_order_and_stops_in_reverse() {
    let toml = [trapping("c", Some("b")), trapping("b", Some("a")), trapping("a", None)].concat();
    let stack = Stack::start(&toml);
    let mut subscription = stack.handle.subscribe().await.unwrap();
    stack.handle.act(Verb::Start, Target::Names(vec!["c".into()])).await.unwrap();

    let mut started = Vec::new();
    while started.len() < 3 {
        let event = tokio::time::timeout(in_process::DEADLINE, subscription.events.recv())
            .await
            .expect("an event before the deadline")
            .expect("the stream is open");
        if let EventBody::Component { component, previous } = event.body
            && component.state == StateName::Running
            && previous == Some(StateName::Starting)
        {
            started.push(component.name.clone());
        }
    }
    assert_eq!(started, ["a", "b", "c"]);

    stack
        .wait_until("three traps installed", |_| {
            std::fs::read_to_string(stack.path("ready")).is_ok_and(|text| text.lines().count() == 3)
        })
        .await;
    let snapshot = stack.handle.snapshot().await.unwrap();
    let pids: Vec<u32> = snapshot.components.iter().filter_map(|c| c.pid).collect();
    assert_eq!(pids.len(), 3, "{snapshot:#?}");
    stack.shutdown().await;
    assert_eq!(std::fs::read_to_string(stack.path("stopped")).unwrap(), "c\nb\na\n");
    for pid in pids {
        assert!(!pid_alive(pid), "pid {pid} survived shutdown");
    }
}

#[tokio::test]
async fn dependent_waits_on_backoff_then_blocks_on_fatal() {
    // A run that fails its check still reached `running`, so app waits for
    // `healthy`, which db reaches only once it is fixed.
    let port = free_port();
    let toml = format!(
        r#"
[components.db]
command = ["sh", "-c", "test -f fixed || exit 1; exec python3 -m http.server {port} --bind 127.0.0.1"]
health = {{ tcp = "127.0.0.1:{port}", interval = "200ms", start_period = "5s" }}
max_restarts = 2
fatal_retry = "0s"
backoff = {{ initial = "400ms", jitter = 0.0 }}

[components.app]
command = ["sleep", "60"]
depends_on = {{ db = "healthy" }}
"#
    );
    let stack = Stack::start(&toml);

    let snapshot =
        stack.wait_until("db in backoff", |s| state_of(s, "db") == StateName::Backoff).await;
    let app = snapshot.component("app").unwrap();
    assert_eq!(app.state, StateName::Waiting, "{app:#?}");
    assert_eq!(app.waiting_on, vec!["db".to_string()]);
    assert!(!app.failed, "waiting is not a failure");

    let app = stack.wait_for_state("app", StateName::Blocked).await;
    let snapshot = stack.handle.snapshot().await.unwrap();
    assert_eq!(state_of(&snapshot, "db"), StateName::Fatal);
    let diagnosis = app.diagnosis.as_ref().expect("blocked carries a diagnosis");
    assert_eq!(diagnosis.kind, DiagnosisKind::DependencyFailed);
    assert!(diagnosis.summary.contains("db"), "names the dependency: {}", diagnosis.summary);
    assert_eq!(app.waiting_on, vec!["db".to_string()]);
    assert!(app.failed, "blocked counts as failed");
    assert_eq!(app.pid, None);

    std::fs::write(stack.path("fixed"), "").unwrap();
    let results = stack.handle.act(Verb::Start, Target::Names(vec!["db".into()])).await.unwrap();
    assert!(results.iter().all(|result| result.ok), "{results:?}");
    let app = stack.wait_for_state("app", StateName::Running).await;
    assert!(app.diagnosis.is_none(), "the dependency diagnosis is cleared: {app:#?}");
    assert!(app.pid.is_some());
    stack.shutdown().await;
    assert!(stack.marked_processes().is_empty(), "{:?}", stack.marked_processes());
}

/// Returns the config of two dependents that wait on dependencies that never
/// become healthy: app on db, which runs but never listens on `port`, and
/// worker on crasher, which fails at once and stays in a 30 s backoff.
fn two_waiters(port: u16) -> String {
    format!(
        r#"
[components.db]
command = ["sleep", "60"]
health = {{ tcp = "127.0.0.1:{port}", interval = "200ms", timeout = "200ms", start_period = "60s" }}

[components.app]
command = ["sleep", "60"]
depends_on = {{ db = "healthy" }}

[components.crasher]
command = ["sh", "-c", "exit 1"]
backoff = {{ initial = "30s", jitter = 0.0 }}
health = {{ tcp = "127.0.0.1:{port}", start_period = "60s" }}

[components.worker]
command = ["sleep", "60"]
depends_on = {{ crasher = "healthy" }}
"#
    )
}

/// Waits until app and worker of [`two_waiters`] wait on their dependencies.
async fn wait_for_waiters(stack: &Stack) -> tend::event::Snapshot {
    stack
        .wait_until("app and worker waiting", |s| {
            state_of(s, "app") == StateName::Waiting
                && state_of(s, "worker") == StateName::Waiting
                && state_of(s, "crasher") == StateName::Backoff
                && state_of(s, "db") == StateName::Running
        })
        .await
}

#[tokio::test]
async fn shutdown_while_waiting_never_hangs() {
    let stack = Stack::start(&two_waiters(free_port()));
    let snapshot = wait_for_waiters(&stack).await;
    let db = snapshot.component("db").unwrap().pid.expect("db runs");
    assert!(!stack.marked_processes().is_empty());

    stack.shutdown().await;
    assert!(!pid_alive(db), "db pid {db} survived shutdown");
    assert!(stack.marked_processes().is_empty(), "{:?}", stack.marked_processes());
}

#[tokio::test]
async fn waiting_says_on_what() {
    // Two dependencies, one stopped and one running: only the stopped one is named.
    let toml = r#"
[components.cache]
command = ["sleep", "60"]
autostart = false

[components.db]
command = ["sleep", "60"]

[components.app]
command = ["sleep", "60"]
depends_on = { db = "started", cache = "started" }
"#;
    let stack = Stack::start(toml);
    stack
        .wait_until("app waiting on cache only", |s| {
            let app = s.component("app").unwrap();
            state_of(s, "db") == StateName::Running
                && app.state == StateName::Waiting
                && app.waiting_on == ["cache"]
        })
        .await;
    stack.handle.act(Verb::Start, Target::Names(vec!["cache".into()])).await.unwrap();
    let app = stack.wait_for_state("app", StateName::Running).await;
    assert!(app.waiting_on.is_empty(), "{app:#?}");
    stack.shutdown().await;
}

#[tokio::test]
async fn stop_dependency_of_waiter_never_hangs() {
    let stack = Stack::start(&two_waiters(free_port()));
    let snapshot = wait_for_waiters(&stack).await;
    let db = snapshot.component("db").unwrap().pid.expect("db runs");

    for dependency in ["db", "crasher"] {
        let stop = stack.handle.act(Verb::Stop, Target::Names(vec![dependency.into()]));
        let results = tokio::time::timeout(in_process::DEADLINE, stop)
            .await
            .unwrap_or_else(|_| panic!("stopping {dependency} timed out"))
            .expect("the supervisor is running");
        assert!(results.iter().all(|result| result.ok), "stop {dependency}: {results:?}");
    }

    let snapshot = stack.handle.snapshot().await.unwrap();
    assert_eq!(state_of(&snapshot, "db"), StateName::Stopped, "db stopped");
    assert_eq!(state_of(&snapshot, "crasher"), StateName::Stopped, "crasher stopped");
    assert!(!pid_alive(db), "db pid {db} survived its stop");
    for dependent in ["app", "worker"] {
        let component = snapshot.component(dependent).unwrap();
        assert!(
            matches!(component.state, StateName::Waiting | StateName::Stopped),
            "{dependent} is waiting or stopped: {component:#?}"
        );
        assert_eq!(component.pid, None, "{dependent} has not started");
    }
    stack.shutdown().await;
    assert!(stack.marked_processes().is_empty(), "{:?}", stack.marked_processes());
}

/// How long each component of `stop_level_runs_in_parallel` takes to exit on SIGTERM.
const SLOW_STOP: Duration = Duration::from_secs(1);

#[tokio::test]
async fn stop_level_runs_in_parallel() {
    // Three independent components, so one stop level. Each sleeps in its
    // SIGTERM trap and appends its name to `ready` once the trap is installed.
    let slow = |name: &str| {
        format!(
            r#"
[components.{name}]
command = ["sh", "-c", "trap 'sleep {}; exit 0' TERM; echo {name} >> ready; while :; do sleep 0.05; done"]
stop_timeout = "10s"
"#,
            SLOW_STOP.as_secs()
        )
    };
    let stack = Stack::start(&[slow("a"), slow("b"), slow("c")].concat());
    stack
        .wait_until("three traps installed", |_| {
            std::fs::read_to_string(stack.path("ready")).is_ok_and(|text| text.lines().count() == 3)
        })
        .await;

    let started = std::time::Instant::now();
    let stop = stack.handle.act(Verb::Stop, Target::All);
    let results = tokio::time::timeout(in_process::DEADLINE, stop)
        .await
        .expect("the stop of three components timed out")
        .expect("the supervisor is running");
    let elapsed = started.elapsed();
    assert_eq!(results.len(), 3, "{results:?}");
    assert!(results.iter().all(|result| result.ok), "{results:?}");
    assert!(elapsed >= SLOW_STOP, "each trap sleeps {SLOW_STOP:?}, but the stop took {elapsed:?}");
    // Three stops in a row would take at least 3 s, so this bound leaves room
    // for a slow machine and still fails a serial stop.
    assert!(
        elapsed < Duration::from_millis(2500),
        "three parallel stops take about {SLOW_STOP:?}, but the stop took {elapsed:?}"
    );
    assert!(stack.marked_processes().is_empty(), "{:?}", stack.marked_processes());
    stack.shutdown().await;
}
