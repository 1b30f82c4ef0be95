//! Hot reload and desired state with real processes and a real config file.

use std::path::Path;
use std::time::Duration;

use tend::event::Snapshot;
use tend::state::StateName;
use tend::supervisor::{self, SupervisorHandle, Target, Verb};

const DEADLINE: Duration = Duration::from_secs(20);

fn write_config(path: &Path, components: &[(&str, &str)]) {
    let mut text = String::from("[supervisor]\nstate_dir = \"state\"\n");
    for (name, script) in components {
        text.push_str(&format!("\n[components.{name}]\ncommand = [\"sh\", \"-c\", {script:?}]\n"));
    }
    std::fs::write(path, text).unwrap();
}

fn start(path: &Path) -> SupervisorHandle {
    let config = tend::config::load(path).expect("valid config");
    let state_dir = config.supervisor.state_dir.clone().expect("state_dir is set");
    supervisor::start(config, supervisor::Options { state_dir })
}

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
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}: {snapshot:#?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn pid(snapshot: &Snapshot, name: &str) -> Option<u32> {
    snapshot.component(name).and_then(|component| component.pid)
}

fn all_running(names: &'static [&'static str]) -> impl Fn(&Snapshot) -> bool {
    move |snapshot| {
        names
            .iter()
            .all(|name| snapshot.component(name).is_some_and(|c| c.state == StateName::Running))
    }
}

async fn shutdown(handle: SupervisorHandle) {
    handle.shutdown().await.unwrap();
    tokio::time::timeout(DEADLINE, handle.finished()).await.unwrap();
}

#[tokio::test]
async fn reload_applies_the_difference() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tend.toml");
    write_config(
        &path,
        &[("keep", "exec sleep 60"), ("change", "exec sleep 60"), ("drop", "exec sleep 60")],
    );
    let handle = start(&path);
    let before =
        wait_until(&handle, "three running", all_running(&["keep", "change", "drop"])).await;

    write_config(
        &path,
        &[("keep", "exec sleep 60"), ("change", "exec sleep 61"), ("add", "exec sleep 60")],
    );
    let outcome = handle.reload().await.unwrap();
    assert!(outcome.ok, "{outcome:?}");
    assert_eq!(outcome.added, vec!["add".to_string()]);
    assert_eq!(outcome.removed, vec!["drop".to_string()]);
    assert_eq!(outcome.changed, vec!["change".to_string()]);

    let after = wait_until(&handle, "reloaded", |snapshot| {
        all_running(&["keep", "change", "add"])(snapshot)
            && snapshot.component("drop").is_none()
            && pid(snapshot, "change") != pid(&before, "change")
    })
    .await;
    assert_eq!(pid(&after, "keep"), pid(&before, "keep"), "unchanged component keeps its pid");
    shutdown(handle).await;
}

#[tokio::test]
async fn changed_probe_applies_without_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tend.toml");
    let config = |file: &str| {
        format!(
            "[supervisor]\nstate_dir = \"state\"\n\n[components.web]\ncommand = [\"sleep\", \"60\"]\n\n\
             [components.web.health.readiness]\nexec = [\"test\", \"-f\", \"{file}\"]\ninterval = \"100ms\"\n\
             failure_threshold = 1\n"
        )
    };
    std::fs::write(dir.path().join("first"), "").unwrap();
    std::fs::write(&path, config("first")).unwrap();
    let handle = start(&path);
    let healthy = |snapshot: &Snapshot| {
        snapshot.component("web").is_some_and(|web| web.state == StateName::Healthy)
    };
    let before = wait_until(&handle, "healthy on the first file", healthy).await;

    std::fs::write(&path, config("second")).unwrap();
    let outcome = handle.reload().await.unwrap();
    assert!(outcome.ok, "{outcome:?}");
    assert!(outcome.changed.is_empty(), "a probe change restarts nothing: {outcome:?}");
    let not_ready = wait_until(&handle, "not ready without the second file", |snapshot| {
        snapshot.component("web").is_some_and(|web| web.state == StateName::Running)
    })
    .await;
    assert_eq!(pid(&not_ready, "web"), pid(&before, "web"), "the process kept running");

    std::fs::write(dir.path().join("second"), "").unwrap();
    let after = wait_until(&handle, "healthy on the second file", healthy).await;
    assert_eq!(pid(&after, "web"), pid(&before, "web"));
    shutdown(handle).await;
}

#[tokio::test]
async fn invalid_reload_touches_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tend.toml");
    write_config(&path, &[("web", "exec sleep 60")]);
    let handle = start(&path);
    let before = wait_until(&handle, "running", all_running(&["web"])).await;

    std::fs::write(
        &path,
        "[components.web]\ncommand = [\"sleep\", \"60\"]\nrestart = \"sometimes\"\n",
    )
    .unwrap();
    let outcome = handle.reload().await.unwrap();
    assert!(!outcome.ok);
    assert!(outcome.errors.iter().any(|error| error.contains("sometimes")), "{:?}", outcome.errors);
    let after = handle.snapshot().await.unwrap();
    assert_eq!(pid(&after, "web"), pid(&before, "web"));
    let banner = after.last_reload_error.expect("the rejection is kept for clients");
    assert_eq!(banner.errors, outcome.errors);
    shutdown(handle).await;
}

#[tokio::test]
async fn reload_refuses_supervisor_changes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tend.toml");
    write_config(&path, &[("web", "exec sleep 60")]);
    let handle = start(&path);
    wait_until(&handle, "running", all_running(&["web"])).await;
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("state_dir = \"state\"", "state_dir = \"elsewhere\"");
    std::fs::write(&path, text).unwrap();
    let outcome = handle.reload().await.unwrap();
    assert!(!outcome.ok);
    assert!(outcome.errors[0].contains("restart of the supervisor"), "{:?}", outcome.errors);
    shutdown(handle).await;
}

#[tokio::test]
async fn stopped_component_stays_stopped_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tend.toml");
    write_config(&path, &[("web", "exec sleep 60"), ("worker", "exec sleep 60")]);
    let handle = start(&path);
    wait_until(&handle, "running", all_running(&["web", "worker"])).await;
    handle.act(Verb::Stop, Target::Names(vec!["worker".into()])).await.unwrap();
    shutdown(handle).await;

    let handle = start(&path);
    let snapshot = wait_until(&handle, "web running", all_running(&["web"])).await;
    assert_eq!(snapshot.component("worker").unwrap().state, StateName::Stopped);
    shutdown(handle).await;
}

#[tokio::test]
async fn watched_config_reloads_by_itself() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tend.toml");
    let header = "[supervisor]\nstate_dir = \"state\"\nwatch_config = true\n";
    let web = "\n[components.web]\ncommand = [\"sleep\", \"60\"]\n";
    std::fs::write(&path, format!("{header}{web}")).unwrap();
    let handle = start(&path);
    wait_until(&handle, "web running", all_running(&["web"])).await;

    let worker = "\n[components.worker]\ncommand = [\"sleep\", \"60\"]\n";
    std::fs::write(&path, format!("{header}{web}{worker}")).unwrap();
    wait_until(&handle, "worker added by the watcher", all_running(&["web", "worker"])).await;
    shutdown(handle).await;
}

#[tokio::test]
async fn blocked_component_starts_once_its_file_appears() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tend.toml");
    let config = "[supervisor]\nstate_dir = \"state\"\n\n[components.reader]\n\
                  command = [\"sh\", \"-c\", \"exec sleep 60\"]\n\
                  requires = { files = [\"settings.ini\"] }\nbackoff = { initial = \"100ms\", max = \"200ms\" }\n";
    std::fs::write(&path, config).unwrap();
    let handle = start(&path);
    let snapshot = wait_until(&handle, "blocked", |s| {
        s.component("reader").is_some_and(|c| c.state == StateName::Blocked)
    })
    .await;
    let diagnosis = snapshot.component("reader").unwrap().diagnosis.clone().unwrap();
    assert!(diagnosis.summary.contains("settings.ini"), "{}", diagnosis.summary);
    assert!(snapshot.component("reader").unwrap().pid.is_none(), "nothing spawned while blocked");

    std::fs::write(dir.path().join("settings.ini"), "").unwrap();
    let snapshot =
        wait_until(&handle, "running once the file exists", all_running(&["reader"])).await;
    assert!(snapshot.component("reader").unwrap().diagnosis.is_none());
    shutdown(handle).await;
}
