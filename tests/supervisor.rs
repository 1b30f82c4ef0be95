//! The supervisor actor with real processes: restarts, backoff, fatal and
//! its slow retry, tasks, stops, dependencies and shutdown.

use std::path::Path;
use std::time::Duration;

use tend::config::{ComponentConfig, Config, DependCondition, Kind};
use tend::event::Snapshot;
use tend::state::StateName;
use tend::supervisor::{self, SupervisorHandle, Target, Verb};

const DEADLINE: Duration = Duration::from_secs(20);

fn component(name: &str, script: &str, dir: &Path) -> ComponentConfig {
    let argv = vec!["sh".to_string(), "-c".to_string(), script.to_string()];
    let mut config = ComponentConfig::with_defaults(name, argv, dir.to_path_buf());
    config.backoff.initial = Duration::from_millis(100);
    config.backoff.jitter = 0.0;
    config.stop_timeout = Duration::from_secs(2);
    config
}

fn start(dir: &Path, components: Vec<ComponentConfig>) -> SupervisorHandle {
    let mut config = Config::empty(dir);
    for component in components {
        config.components.insert(component.name.clone(), component);
    }
    let options = supervisor::Options { state_dir: dir.join("state") };
    supervisor::start(config, options)
}

/// Polls snapshots until `predicate` holds, or panics with the last snapshot.
async fn wait_until(
    handle: &SupervisorHandle,
    what: &str,
    predicate: impl Fn(&Snapshot) -> bool,
) -> Snapshot {
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        let snapshot = handle.snapshot().await.expect("supervisor is running");
        if predicate(&snapshot) {
            return snapshot;
        }
        if tokio::time::Instant::now() > deadline {
            panic!("timed out waiting for {what}: {snapshot:#?}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn state_of(snapshot: &Snapshot, name: &str) -> StateName {
    snapshot.component(name).expect("component exists").state
}

fn pid_alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
        && !std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .unwrap_or_default()
            .contains(") Z ")
}

async fn shutdown(handle: SupervisorHandle) {
    handle.shutdown().await.expect("shutdown succeeds");
    tokio::time::timeout(DEADLINE, handle.finished()).await.expect("supervisor finished");
}

#[tokio::test]
async fn crash_restarts_with_growing_delays() {
    let dir = tempfile::tempdir().unwrap();
    let starts = dir.path().join("starts");
    let script = format!("date +%s%N >> '{}'; exit 1", starts.display());
    let mut crasher = component("crasher", &script, dir.path());
    crasher.max_restarts = 10;
    let handle = start(dir.path(), vec![crasher]);

    let snapshot = wait_until(&handle, "four starts", |_| {
        std::fs::read_to_string(&starts).map(|text| text.lines().count() >= 4).unwrap_or(false)
    })
    .await;
    shutdown(handle).await;

    let times: Vec<u128> = std::fs::read_to_string(&starts)
        .unwrap()
        .lines()
        .map(|line| line.parse().unwrap())
        .collect();
    let gaps: Vec<u128> = times.windows(2).map(|pair| (pair[1] - pair[0]) / 1_000_000).collect();
    // With no jitter each gap is at least its delay: 100 ms, then doubling.
    for (index, gap) in gaps.iter().take(3).enumerate() {
        let delay = 100u128 << index;
        assert!(*gap >= delay - 5, "gap {index} is at least {delay} ms: {gaps:?}");
    }
    assert!(gaps[2] > gaps[0], "delays grow: {gaps:?}");
    let crasher = snapshot.component("crasher").unwrap();
    assert!(crasher.restarts >= 3, "{crasher:?}");
    assert!(crasher.diagnosis.is_some(), "a crash carries a diagnosis");
}

#[tokio::test]
async fn crash_loop_gives_up_then_slow_retry_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let fixed = dir.path().join("fixed");
    let script = format!("test -f '{}' || exit 1; exec sleep 60", fixed.display());
    let mut flaky = component("flaky", &script, dir.path());
    flaky.max_restarts = 2;
    flaky.fatal_retry = Some(Duration::from_millis(300));
    let handle = start(dir.path(), vec![flaky]);

    let snapshot = wait_until(&handle, "fatal", |s| state_of(s, "flaky") == StateName::Fatal).await;
    assert!(snapshot.component("flaky").unwrap().failed, "fatal counts as failed");
    std::fs::write(&fixed, "").unwrap();
    let snapshot =
        wait_until(&handle, "recovery", |s| state_of(s, "flaky") == StateName::Running).await;
    let pid = snapshot.component("flaky").unwrap().pid.expect("running has a pid");
    shutdown(handle).await;
    assert!(!pid_alive(pid), "shutdown stopped pid {pid}");
}

#[tokio::test]
async fn task_with_success_code_completes() {
    let dir = tempfile::tempdir().unwrap();
    let mut task = component("migrate", "echo done; exit 0", dir.path());
    task.kind = Kind::Task;
    task.restart = tend::config::RestartPolicy::OnFailure;
    let handle = start(dir.path(), vec![task]);
    let snapshot =
        wait_until(&handle, "completed", |s| state_of(s, "migrate") == StateName::Completed).await;
    assert!(!snapshot.component("migrate").unwrap().failed);
    shutdown(handle).await;
}

#[tokio::test]
async fn daemon_exiting_zero_at_once_is_a_failed_start() {
    let dir = tempfile::tempdir().unwrap();
    let mut library = component("library", "exit 0", dir.path());
    library.max_restarts = 1;
    library.fatal_retry = None;
    let handle = start(dir.path(), vec![library]);
    let snapshot =
        wait_until(&handle, "fatal", |s| state_of(s, "library") == StateName::Fatal).await;
    let library = snapshot.component("library").unwrap();
    assert!(library.diagnosis.is_some(), "{library:?}");
    shutdown(handle).await;
}

#[tokio::test]
async fn stop_and_restart_by_request() {
    let dir = tempfile::tempdir().unwrap();
    let handle = start(dir.path(), vec![component("web", "exec sleep 60", dir.path())]);
    let snapshot =
        wait_until(&handle, "running", |s| state_of(s, "web") == StateName::Running).await;
    let first_pid = snapshot.component("web").unwrap().pid.unwrap();

    let results = handle.act(Verb::Restart, Target::Names(vec!["web".into()])).await.unwrap();
    assert!(results[0].ok, "{results:?}");
    let snapshot = wait_until(&handle, "a new pid", |s| {
        s.component("web").unwrap().pid.is_some_and(|pid| pid != first_pid)
    })
    .await;
    assert!(!pid_alive(first_pid), "the old run is gone");
    let second_pid = snapshot.component("web").unwrap().pid.unwrap();

    // Two starts in a row never make a second instance.
    handle.act(Verb::Start, Target::Names(vec!["web".into()])).await.unwrap();
    handle.act(Verb::Start, Target::Names(vec!["web".into()])).await.unwrap();
    let snapshot = handle.snapshot().await.unwrap();
    assert_eq!(snapshot.component("web").unwrap().pid, Some(second_pid));

    let results = handle.act(Verb::Stop, Target::All).await.unwrap();
    assert!(results.iter().all(|result| result.ok), "{results:?}");
    let snapshot = handle.snapshot().await.unwrap();
    assert_eq!(state_of(&snapshot, "web"), StateName::Stopped);
    assert!(!pid_alive(second_pid), "stop returned after the process was gone");
    shutdown(handle).await;
}

#[tokio::test]
async fn stop_during_backoff_cancels_the_restart() {
    let dir = tempfile::tempdir().unwrap();
    let mut crasher = component("crasher", "exit 1", dir.path());
    crasher.backoff.initial = Duration::from_secs(5);
    let handle = start(dir.path(), vec![crasher]);
    wait_until(&handle, "backoff", |s| state_of(s, "crasher") == StateName::Backoff).await;
    handle.act(Verb::Stop, Target::Names(vec!["crasher".into()])).await.unwrap();
    let snapshot = handle.snapshot().await.unwrap();
    assert_eq!(state_of(&snapshot, "crasher"), StateName::Stopped);
    assert_eq!(snapshot.component("crasher").unwrap().next_attempt_ms, None);
    shutdown(handle).await;
}

#[tokio::test]
async fn dependent_waits_then_starts() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = component("db", "exec sleep 60", dir.path());
    db.autostart = false;
    let mut app = component("app", "exec sleep 60", dir.path());
    app.depends_on.insert("db".into(), DependCondition::Started);
    let handle = start(dir.path(), vec![db, app]);

    let snapshot =
        wait_until(&handle, "app waiting", |s| state_of(s, "app") == StateName::Waiting).await;
    assert_eq!(snapshot.component("app").unwrap().waiting_on, vec!["db".to_string()]);
    handle.act(Verb::Start, Target::Names(vec!["db".into()])).await.unwrap();
    wait_until(&handle, "app running", |s| state_of(s, "app") == StateName::Running).await;
    shutdown(handle).await;
}

#[tokio::test]
async fn dependent_of_fatal_is_blocked() {
    let dir = tempfile::tempdir().unwrap();
    let mut migrate = component("db", "exit 3", dir.path());
    migrate.kind = Kind::Task;
    migrate.max_restarts = 1;
    migrate.fatal_retry = None;
    let mut app = component("app", "exec sleep 60", dir.path());
    app.depends_on.insert("db".into(), DependCondition::Completed);
    let handle = start(dir.path(), vec![migrate, app]);
    let snapshot =
        wait_until(&handle, "app blocked", |s| state_of(s, "app") == StateName::Blocked).await;
    let app = snapshot.component("app").unwrap();
    assert_eq!(
        app.diagnosis.as_ref().unwrap().kind,
        tend::diagnose::DiagnosisKind::DependencyFailed
    );
    assert!(app.failed);
    shutdown(handle).await;
}

#[tokio::test]
async fn start_also_starts_stopped_dependencies() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = component("db", "exec sleep 60", dir.path());
    db.autostart = false;
    let mut app = component("app", "exec sleep 60", dir.path());
    app.autostart = false;
    app.depends_on.insert("db".into(), DependCondition::Started);
    let handle = start(dir.path(), vec![db, app]);
    handle.act(Verb::Start, Target::Names(vec!["app".into()])).await.unwrap();
    wait_until(&handle, "both running", |s| {
        state_of(s, "db") == StateName::Running && state_of(s, "app") == StateName::Running
    })
    .await;
    shutdown(handle).await;
}

#[tokio::test]
async fn shutdown_stops_dependents_first() {
    let dir = tempfile::tempdir().unwrap();
    let order = dir.path().join("order");
    let ready = dir.path().join("ready");
    let script = |name: &str| {
        format!(
            "trap 'echo {name} >> \"{}\"; exit 0' TERM; echo {name} >> \"{}\"; while :; do sleep 0.05; done",
            order.display(),
            ready.display()
        )
    };
    let db = component("db", &script("db"), dir.path());
    let mut app = component("app", &script("app"), dir.path());
    app.depends_on.insert("db".into(), DependCondition::Started);
    let handle = start(dir.path(), vec![db, app]);
    let snapshot = wait_until(&handle, "both running", |s| {
        state_of(s, "db") == StateName::Running && state_of(s, "app") == StateName::Running
    })
    .await;
    let pids: Vec<u32> = snapshot.components.iter().filter_map(|component| component.pid).collect();
    // Both traps are installed once both names are in the ready file.
    wait_until(&handle, "traps installed", |_| {
        std::fs::read_to_string(&ready).map(|text| text.lines().count() == 2).unwrap_or(false)
    })
    .await;
    shutdown(handle).await;
    assert_eq!(std::fs::read_to_string(&order).unwrap(), "app\ndb\n");
    for pid in pids {
        assert!(!pid_alive(pid), "pid {pid} survived shutdown");
    }
}

#[tokio::test]
async fn events_report_state_changes() {
    let dir = tempfile::tempdir().unwrap();
    let mut web = component("web", "exec sleep 60", dir.path());
    web.autostart = false;
    let handle = start(dir.path(), vec![web]);
    let mut subscription = handle.subscribe().await.unwrap();
    assert!(matches!(subscription.snapshot.body, tend::event::EventBody::Snapshot { .. }));
    handle.act(Verb::Start, Target::Names(vec!["web".into()])).await.unwrap();
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        let event = tokio::time::timeout_at(deadline, subscription.events.recv())
            .await
            .expect("an event")
            .unwrap();
        assert!(event.seq > subscription.snapshot.seq);
        if let tend::event::EventBody::Component { component, .. } = event.body
            && component.state == StateName::Running
        {
            break;
        }
    }
    shutdown(handle).await;
}

/// Lists zombie processes whose parent is this test process.
fn own_zombies() -> Vec<u32> {
    let me = std::process::id().to_string();
    let mut zombies = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
        let Some(rest) = stat.rfind(')').map(|index| &stat[index + 2..]) else { continue };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        if fields.first() == Some(&"Z") && fields.get(1) == Some(&me.as_str()) {
            zombies.push(pid);
        }
    }
    zombies
}

#[tokio::test]
async fn fifty_restarts_leave_no_zombies() {
    let dir = tempfile::tempdir().unwrap();
    let starts = dir.path().join("starts");
    // Each run also forks a short-lived child and waits for it.
    let script = format!("echo >> '{}'; sleep 0.01 & wait; exit 1", starts.display());
    let mut crasher = component("crasher", &script, dir.path());
    crasher.backoff.initial = Duration::from_millis(1);
    crasher.backoff.max = Duration::from_millis(1);
    crasher.max_restarts = 1000;
    crasher.min_uptime = Duration::ZERO;
    let handle = start(dir.path(), vec![crasher]);
    wait_until(&handle, "fifty starts", |_| {
        std::fs::read_to_string(&starts).map(|text| text.lines().count() >= 50).unwrap_or(false)
    })
    .await;
    handle.act(Verb::Stop, Target::All).await.unwrap();
    let deadline = tokio::time::Instant::now() + DEADLINE;
    while !own_zombies().is_empty() {
        assert!(tokio::time::Instant::now() < deadline, "zombies left: {:?}", own_zombies());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    shutdown(handle).await;
}

#[tokio::test]
async fn self_daemonizing_child_stays_tracked() {
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("daemon.pid");
    // The leader forks a long-lived child into its own session and exits at once.
    let script =
        format!("setsid sh -c 'echo $$ > \"{}\"; exec sleep 60' & exit 0", pid_file.display());
    let handle = start(dir.path(), vec![component("forker", &script, dir.path())]);
    let snapshot = wait_until(&handle, "exited with processes left", |s| {
        s.component("forker").unwrap().last_exit.as_ref().is_some_and(|exit| exit.orphans > 0)
    })
    .await;
    let forker = snapshot.component("forker").unwrap();
    assert_eq!(forker.state, StateName::Exited, "not restarted on top of itself");
    let diagnosis = forker.diagnosis.as_ref().expect("a diagnosis");
    assert_eq!(diagnosis.kind, tend::diagnose::DiagnosisKind::Daemonized);
    assert!(diagnosis.summary.contains("still running"), "{}", diagnosis.summary);
    let daemon: u32 = wait_for_file(&pid_file).await.trim().parse().unwrap();
    assert!(pid_alive(daemon));

    handle.act(Verb::Stop, Target::Names(vec!["forker".into()])).await.unwrap();
    assert!(!pid_alive(daemon), "stop killed the daemonized process {daemon}");
    shutdown(handle).await;
}

#[tokio::test]
async fn restarts_once_daemonized_processes_exit() {
    let dir = tempfile::tempdir().unwrap();
    let starts = dir.path().join("starts");
    // The leader leaves a child that lives for half a second, then exits at once.
    let script = format!("echo >> '{}'; setsid sleep 0.5 & exit 0", starts.display());
    let mut forker = component("forker", &script, dir.path());
    forker.max_restarts = 100;
    let handle = start(dir.path(), vec![forker]);
    let snapshot = wait_until(&handle, "exited with a process left", |s| {
        s.component("forker").unwrap().last_exit.as_ref().is_some_and(|exit| exit.orphans > 0)
    })
    .await;
    assert_eq!(state_of(&snapshot, "forker"), StateName::Exited);

    let snapshot = wait_until(&handle, "a second start", |_| {
        std::fs::read_to_string(&starts).map(|text| text.lines().count() >= 2).unwrap_or(false)
    })
    .await;
    assert!(snapshot.component("forker").unwrap().restarts >= 1);
    shutdown(handle).await;
}

#[tokio::test]
async fn start_during_stop_starts_again() {
    let dir = tempfile::tempdir().unwrap();
    // SIGTERM stays ignored across exec, so the stop lasts until the SIGKILL
    // after `stop_timeout` (2 s) and the start arrives while it is stopping.
    // The file marks the trap in place, since a stop before it would be quick.
    let ready = dir.path().join("ready");
    let script = format!("trap '' TERM; echo ready > '{}'; exec sleep 60", ready.display());
    let slow = component("slow", &script, dir.path());
    let handle = start(dir.path(), vec![slow]);
    wait_for_file(&ready).await;
    let running =
        wait_until(&handle, "running", |s| state_of(s, "slow") == StateName::Running).await;
    let first_pid = running.component("slow").unwrap().pid.unwrap();

    let stopper = handle.clone();
    let stop =
        tokio::spawn(
            async move { stopper.act(Verb::Stop, Target::Names(vec!["slow".into()])).await },
        );
    wait_until(&handle, "stopping", |s| state_of(s, "slow") == StateName::Stopping).await;
    handle.act(Verb::Start, Target::Names(vec!["slow".into()])).await.unwrap();
    stop.await.unwrap().unwrap();

    let snapshot = wait_until(&handle, "a new run", |s| {
        let slow = s.component("slow").unwrap();
        slow.state == StateName::Running && slow.pid.is_some_and(|pid| pid != first_pid)
    })
    .await;
    let slow = snapshot.component("slow").unwrap();
    assert_eq!(slow.desired, tend::event::Desired::Running);
    assert!(!pid_alive(first_pid), "the first run {first_pid} is gone");
    shutdown(handle).await;
}

#[tokio::test]
async fn kill_through_tend_not_blamed_on_oom() {
    let dir = tempfile::tempdir().unwrap();
    let mut sleeper = component("sleeper", "exec sleep 60", dir.path());
    sleeper.restart = tend::config::RestartPolicy::Never;
    let handle = start(dir.path(), vec![sleeper]);
    wait_until(&handle, "running", |s| state_of(s, "sleeper") == StateName::Running).await;

    handle.signal("sleeper", 9).await.unwrap();
    let snapshot =
        wait_until(&handle, "exited", |s| state_of(s, "sleeper") == StateName::Exited).await;
    let diagnosis = snapshot.component("sleeper").unwrap().diagnosis.clone().expect("a diagnosis");
    assert!(diagnosis.summary.contains("from Tend"), "{}", diagnosis.summary);
    assert!(!diagnosis.hint.contains("OOM"), "no OOM hint: {}", diagnosis.hint);
    shutdown(handle).await;
}

async fn wait_for_file(path: &Path) -> String {
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        if let Ok(text) = std::fs::read_to_string(path)
            && !text.is_empty()
        {
            return text;
        }
        assert!(tokio::time::Instant::now() < deadline, "{} never appeared", path.display());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn env_values_arrive_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("env.json");
    let program = "import json, os, sys; json.dump({k: os.environ.get(k) for k in sys.argv[2:]}, open(sys.argv[1], 'w')); import time; time.sleep(60)";
    let argv = [
        "python3",
        "-c",
        program,
        out.to_str().unwrap(),
        "QUOTES",
        "EQUALS",
        "SPACES",
        "EMPTY",
        "UNICODE",
    ];
    let mut reader = ComponentConfig::with_defaults(
        "reader",
        argv.iter().map(|arg| arg.to_string()).collect(),
        dir.path().join("a folder with spaces"),
    );
    std::fs::create_dir_all(&reader.cwd).unwrap();
    let values = [
        ("QUOTES", r#"say "hi" and 'bye'"#),
        ("EQUALS", "a=b=c"),
        ("SPACES", "  padded  "),
        ("EMPTY", ""),
        ("UNICODE", "grüße, 日本"),
    ];
    for (key, value) in values {
        reader.env.insert(key.to_string(), value.to_string());
    }
    let handle = start(dir.path(), vec![reader]);
    let written: serde_json::Value = serde_json::from_str(&wait_for_file(&out).await).unwrap();
    for (key, value) in values {
        assert_eq!(written[key], value, "{key}");
    }
    shutdown(handle).await;
}

#[tokio::test]
async fn diagnosis_clears_once_the_next_run_is_stable() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("crashed-once");
    let script = format!(
        "if [ ! -f '{0}' ]; then touch '{0}'; echo boom >&2; exit 2; fi; exec sleep 60",
        marker.display()
    );
    let mut worker = component("worker", &script, dir.path());
    worker.min_uptime = Duration::from_millis(300);
    let handle = start(dir.path(), vec![worker]);
    let snapshot = wait_until(&handle, "running after a crash", |s| {
        let worker = s.component("worker").unwrap();
        worker.state == StateName::Running && worker.restarts == 1
    })
    .await;
    let carried = snapshot.component("worker").unwrap().diagnosis.clone();
    assert!(carried.is_some_and(|d| d.summary.contains("exit code 2")), "the crash shows at first");
    wait_until(&handle, "diagnosis cleared", |s| {
        s.component("worker").unwrap().diagnosis.is_none()
    })
    .await;
    let history = handle.history("worker").await.unwrap();
    assert!(
        history.iter().any(|entry| entry.diagnosis.is_some()),
        "history keeps the crash: {history:?}"
    );
    shutdown(handle).await;
}
