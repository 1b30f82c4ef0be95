//! The web-stack example end to end: redis, the Python app and nginx on free
//! ports under the in-process supervisor. Redis is killed and comes back, the
//! app's readiness follows it, and shutdown leaves no process behind.

mod stack;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::time::Duration;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use tend::event::{ProbeStatus, Snapshot};
use tend::state::StateName;

use stack::{Stack, component, copy_example, free_port, load_config, pid_alive};

/// Time for the whole stack to become healthy, from start or after redis returns.
const HEALTHY_DEADLINE: Duration = Duration::from_secs(30);
/// How long redis stays down after the kill. The app's readiness probe
/// (1 s interval, 2 failures) must notice within it.
const REDIS_RESTART_DELAY: Duration = Duration::from_secs(4);

const COMPONENTS: [&str; 3] = ["redis", "app", "nginx"];

fn all_healthy(snapshot: &Snapshot) -> bool {
    COMPONENTS.iter().all(|name| component(snapshot, name).state == StateName::Healthy)
}

/// Returns whether `program` is an executable file in a folder of PATH.
fn on_path(program: &str) -> bool {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path).any(|dir| dir.join(program).is_file())
}

/// Sends `GET path` to a loopback port and returns the status line and body.
fn http_get(port: u16, path: &str) -> (String, String) {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(5))).expect("set read timeout");
    let request = format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
    stream.write_all(request.as_bytes()).expect("send request");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read response");
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status = head.lines().next().unwrap_or_default().to_owned();
    (status, body.to_owned())
}

/// Returns the pids of every descendant of `pid`, from the /proc children files.
fn descendants(pid: u32) -> Vec<u32> {
    let mut found = Vec::new();
    let mut pending = vec![pid];
    while let Some(parent) = pending.pop() {
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{parent}/task")) else { continue };
        for task in tasks.flatten() {
            let children =
                std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
            for child in children.split_whitespace().filter_map(|text| text.parse().ok()) {
                found.push(child);
                pending.push(child);
            }
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_stack_survives_redis_kill() {
    let missing: Vec<&str> =
        ["redis-server", "nginx"].into_iter().filter(|program| !on_path(program)).collect();
    if !missing.is_empty() {
        assert!(
            std::env::var_os("TEND_REQUIRE_TOOLS").is_none(),
            "{} not on PATH; `make deps` installs redis-server and nginx",
            missing.join(" and ")
        );
        eprintln!(
            "\n\n*** SKIPPED web_stack_survives_redis_kill: {} not on PATH; \
             `make deps` installs redis-server and nginx ***\n",
            missing.join(" and ")
        );
        return;
    }

    let root = tempfile::tempdir().expect("temporary folder");
    let example = copy_example("web-stack", root.path());
    let nginx_port = free_port();
    let overrides = BTreeMap::from([
        ("REDIS_PORT", free_port().to_string()),
        ("APP_PORT", free_port().to_string()),
        ("NGINX_PORT", nginx_port.to_string()),
    ]);
    let mut config = load_config(&example, &overrides);
    let redis = config.components.get_mut("redis").expect("the example has redis");
    redis.backoff.initial = REDIS_RESTART_DELAY;
    redis.backoff.jitter = 0.0;
    let stack = Stack::start(config, root.path());

    let snapshot = stack.wait_until("the stack to be healthy", HEALTHY_DEADLINE, all_healthy).await;
    let (status, body) = http_get(nginx_port, "/");
    assert!(status.contains(" 200 "), "GET / through nginx: {status} {body}");
    assert!(body.contains("\"visits\": 1"), "the first visit is counted in redis: {body}");
    let nginx_pid = component(&snapshot, "nginx").pid.expect("healthy nginx has a pid");
    let nginx_workers = descendants(nginx_pid);
    assert!(!nginx_workers.is_empty(), "nginx {nginx_pid} runs a worker process");

    let redis_pid = component(&snapshot, "redis").pid.expect("healthy redis has a pid");
    kill(Pid::from_raw(redis_pid as i32), Signal::SIGKILL).expect("kill redis");

    let deadline = REDIS_RESTART_DELAY + Duration::from_secs(5);
    let snapshot = stack
        .wait_until("the app to lose readiness", deadline, |snapshot| {
            component(snapshot, "app").state != StateName::Healthy
        })
        .await;
    let app = component(&snapshot, "app");
    assert_eq!(app.state, StateName::Running, "the app keeps running without redis: {app:?}");
    let readiness = app.health.as_ref().and_then(|health| health.readiness);
    assert_eq!(readiness, Some(ProbeStatus::Failing), "its readiness probe fails: {app:?}");

    let snapshot = stack
        .wait_until("redis to restart and the stack to recover", HEALTHY_DEADLINE, |snapshot| {
            let redis = component(snapshot, "redis");
            redis.restarts >= 1 && redis.pid != Some(redis_pid) && all_healthy(snapshot)
        })
        .await;
    let app = component(&snapshot, "app");
    assert_eq!(app.restarts, 0, "losing redis is no reason to restart the app: {app:?}");
    let (status, body) = http_get(nginx_port, "/health");
    assert!(status.contains(" 200 "), "GET /health after recovery: {status} {body}");

    stack.shutdown().await;
    let workers_alive: Vec<u32> = nginx_workers.into_iter().filter(|pid| pid_alive(*pid)).collect();
    assert!(workers_alive.is_empty(), "nginx workers alive after shutdown: {workers_alive:?}");
}
