//! Health probes and resource rules through the supervisor actor with real
//! processes. Probes of each kind make a component healthy, and a failing
//! liveness probe restarts it while a flapping one below the threshold does
//! not. `max_memory` restarts a component, `cpu_alert` warns without a
//! restart, and the reported CPU percent matches the kernel's counters.

mod in_process;

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use in_process::{DEADLINE, Stack, free_port, next_component_event, pid_of, state_of};
use tend::diagnose::{DiagnosisKind, Severity};
use tend::event::{EventBody, ProbeStatus};
use tend::state::StateName;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn http_readiness_makes_healthy() {
    let port = free_port();
    let toml = format!(
        r#"
[components.web]
command = ["python3", "-m", "http.server", "{port}", "--bind", "127.0.0.1"]
health = {{ http = "http://127.0.0.1:{port}/", interval = "200ms", start_period = "10s" }}
"#
    );
    let stack = Stack::start(&toml);
    let web = stack.wait_for_state("web", StateName::Healthy).await;
    let health = web.health.expect("a healthy component has probe results");
    assert_eq!(health.readiness, Some(ProbeStatus::Passing));
    assert!(web.diagnosis.is_none(), "{:?}", web.diagnosis);
    stack.shutdown().await;
}

#[tokio::test]
async fn tcp_readiness_makes_healthy() {
    let port = free_port();
    let toml = format!(
        r#"
[components.web]
command = ["python3", "-m", "http.server", "{port}", "--bind", "127.0.0.1"]
health = {{ tcp = "127.0.0.1:{port}", interval = "200ms", start_period = "10s" }}
"#
    );
    let stack = Stack::start(&toml);
    stack.wait_for_state("web", StateName::Healthy).await;
    stack.shutdown().await;
}

#[tokio::test]
async fn exec_readiness_makes_healthy() {
    let toml = r#"
[components.worker]
command = ["sleep", "60"]
health = { exec = ["test", "-f", "ready"], interval = "100ms", start_period = "30s" }
"#;
    let stack = Stack::start(toml);
    let snapshot = stack
        .wait_until("a failing readiness check", |s| {
            let health = s.component("worker").unwrap().health.as_ref();
            health.is_some_and(|health| health.last_error.is_some())
        })
        .await;
    assert_eq!(state_of(&snapshot, "worker"), StateName::Running, "not ready without the file");

    std::fs::write(stack.path("ready"), "").unwrap();
    stack.wait_for_state("worker", StateName::Healthy).await;
    stack.shutdown().await;
}

#[tokio::test]
async fn stale_heartbeat_restarts() {
    // Five touches a fifth of a second apart, then the program stays up silently.
    let toml = r#"
[components.beater]
command = ["sh", "-c", "i=0; while [ $i -lt 5 ]; do touch beat; i=$((i+1)); sleep 0.2; done; exec sleep 60"]
health = { heartbeat = { path = "beat", max_age = "1s" }, interval = "300ms", failure_threshold = 2 }
"#;
    let stack = Stack::start(toml);
    let mut subscription = stack.handle.subscribe().await.unwrap();

    let healthy = next_component_event(&mut subscription, "beater", "healthy", |beater| {
        beater.state == StateName::Healthy
    })
    .await;
    let first_pid = healthy.pid.expect("a healthy component has a pid");

    let unhealthy = next_component_event(&mut subscription, "beater", "unhealthy", |beater| {
        beater.state == StateName::Unhealthy
    })
    .await;
    assert_eq!(unhealthy.pid, Some(first_pid));
    let diagnosis = unhealthy.diagnosis.expect("unhealthy carries a diagnosis");
    assert_eq!(diagnosis.kind, DiagnosisKind::HealthCheckFailing);
    let check = diagnosis.evidence.check.unwrap_or_default();
    assert!(check.contains("heartbeat"), "names the probe: {check}");
    assert!(check.contains("liveness"), "names the role: {check}");
    assert!(diagnosis.summary.contains("liveness probe failed"), "{}", diagnosis.summary);

    let restarted = next_component_event(&mut subscription, "beater", "a new run", |beater| {
        beater.pid.is_some_and(|pid| pid != first_pid)
    })
    .await;
    assert!(restarted.restarts >= 1, "{restarted:#?}");
    assert!(!in_process::pid_alive(first_pid), "the old run {first_pid} is gone");
    stack.shutdown().await;
}

/// The status codes the test's HTTP server returns.
#[derive(Clone, Copy)]
#[repr(u8)]
enum Mode {
    Ok = 0,
    Unavailable = 1,
    /// 200 for every third request, 503 for the others: never three failures in a row.
    Flapping = 2,
}

/// An HTTP server on a loopback port whose response status the test switches.
struct StatusServer {
    port: u16,
    mode: Arc<AtomicU8>,
    requests: Arc<AtomicU64>,
    failures: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl StatusServer {
    async fn start(mode: Mode) -> StatusServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let mode = Arc::new(AtomicU8::new(mode as u8));
        let requests = Arc::new(AtomicU64::new(0));
        let failures = Arc::new(AtomicU64::new(0));
        let (shared_mode, counted, failed) = (mode.clone(), requests.clone(), failures.clone());
        let task = tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let number = counted.fetch_add(1, Ordering::SeqCst) + 1;
                let ok = match shared_mode.load(Ordering::SeqCst) {
                    0 => true,
                    1 => false,
                    _ => number % 3 == 0,
                };
                if !ok {
                    failed.fetch_add(1, Ordering::SeqCst);
                }
                tokio::spawn(async move { respond(&mut stream, ok).await });
            }
        });
        StatusServer { port, mode, requests, failures, task }
    }

    fn set(&self, mode: Mode) {
        self.mode.store(mode as u8, Ordering::SeqCst);
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/health", self.port)
    }
}

impl Drop for StatusServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Reads one request head and responds 200 or 503, closing the connection.
async fn respond(stream: &mut tokio::net::TcpStream, ok: bool) {
    let mut head = Vec::new();
    let mut buffer = [0u8; 1024];
    while !head.windows(4).any(|window| window == b"\r\n\r\n") && head.len() < 16 * 1024 {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(read) => head.extend_from_slice(&buffer[..read]),
        }
    }
    let status = if ok { "200 OK" } else { "503 Service Unavailable" };
    let response = format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    // The probe may have timed out and closed already; its next check counts.
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

fn probed_sleeper(url: &str) -> String {
    format!(
        r#"
[components.api]
command = ["sleep", "60"]
health = {{ http = "{url}", interval = "100ms", timeout = "1s", failure_threshold = 3 }}
"#
    )
}

#[tokio::test]
async fn liveness_failure_restarts() {
    let server = StatusServer::start(Mode::Ok).await;
    let stack = Stack::start(&probed_sleeper(&server.url()));
    let api = stack.wait_for_state("api", StateName::Healthy).await;
    let first_pid = api.pid.expect("healthy has a pid");
    assert_eq!(api.restarts, 0);

    let mut subscription = stack.handle.subscribe().await.unwrap();
    server.set(Mode::Unavailable);
    let unhealthy = next_component_event(&mut subscription, "api", "unhealthy", |api| {
        api.state == StateName::Unhealthy
    })
    .await;
    let diagnosis = unhealthy.diagnosis.expect("unhealthy carries a diagnosis");
    assert_eq!(diagnosis.kind, DiagnosisKind::HealthCheckFailing);
    assert!(diagnosis.summary.contains("503"), "{}", diagnosis.summary);

    server.set(Mode::Ok);
    let snapshot = stack
        .wait_until("a new healthy run", |s| {
            pid_of(s, "api").is_some_and(|pid| pid != first_pid)
                && state_of(s, "api") == StateName::Healthy
        })
        .await;
    assert!(snapshot.component("api").unwrap().restarts >= 1);
    assert!(!in_process::pid_alive(first_pid), "the old run {first_pid} is gone");
    stack.shutdown().await;
}

#[tokio::test]
async fn failing_liveness_gives_up_at_restart_limit() {
    // Every run fails its liveness probe (given alone, so failures count from
    // the start), so the restart limit must end the loop.
    let server = StatusServer::start(Mode::Unavailable).await;
    let toml = format!(
        r#"
[components.api]
command = ["sleep", "60"]
max_restarts = 2
backoff = {{ initial = "50ms", jitter = 0.0 }}

[components.api.health.liveness]
http = "{}"
interval = "50ms"
timeout = "1s"
failure_threshold = 2
"#,
        server.url()
    );
    let stack = Stack::start(&toml);
    let api = stack.wait_for_state("api", StateName::Fatal).await;
    assert_eq!(api.restarts, 2, "{api:#?}");
    assert_eq!(api.pid, None, "no run is left after giving up");
    let diagnosis = api.diagnosis.as_ref().expect("fatal keeps the probe diagnosis");
    assert_eq!(diagnosis.kind, DiagnosisKind::HealthCheckFailing);
    stack.shutdown().await;
}

/// Lists this process's zombie children whose command is `name`.
fn own_zombies_named(name: &str) -> Vec<u32> {
    let me = std::process::id().to_string();
    let mut zombies = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
        let Some(open) = stat.find('(') else { continue };
        let Some(close) = stat.rfind(')') else { continue };
        let fields: Vec<&str> = stat[close + 2..].split_whitespace().collect();
        let zombie = fields.first() == Some(&"Z") && fields.get(1) == Some(&me.as_str());
        if zombie && &stat[open + 1..close] == name {
            zombies.push(pid);
        }
    }
    zombies
}

#[tokio::test]
async fn exec_probe_leftovers_are_reaped() {
    // As subreaper, this process inherits what each probe leaves behind.
    tend::process::init_supervisor().unwrap();
    let toml = r#"
[components.api]
command = ["sleep", "60"]
health = { exec = ["sh", "-c", "sleep 30 & exit 0"], interval = "100ms" }
"#;
    let stack = Stack::start(toml);
    stack.wait_for_state("api", StateName::Healthy).await;
    let mut subscription = stack.handle.subscribe().await.unwrap();
    for round in 0..5 {
        let what = format!("probe round {round}");
        next_component_event(&mut subscription, "api", &what, |api| {
            api.health.as_ref().is_some_and(|health| health.readiness.is_some())
        })
        .await;
    }
    stack.shutdown().await;

    let deadline = Instant::now() + DEADLINE;
    while !own_zombies_named("sleep").is_empty() {
        let zombies = own_zombies_named("sleep");
        assert!(Instant::now() < deadline, "probe leftovers never reaped: {zombies:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn flapping_below_threshold_never_restarts() {
    let server = StatusServer::start(Mode::Ok).await;
    let stack = Stack::start(&probed_sleeper(&server.url()));
    let api = stack.wait_for_state("api", StateName::Healthy).await;
    let first_pid = api.pid.expect("healthy has a pid");

    let mut subscription = stack.handle.subscribe().await.unwrap();
    server.set(Mode::Flapping);
    let flapped_from = server.requests.load(Ordering::SeqCst);
    stack
        .wait_until("thirty flapping checks", |_| {
            server.requests.load(Ordering::SeqCst) >= flapped_from + 30
        })
        .await;

    assert!(server.failures.load(Ordering::SeqCst) >= 15, "the probe saw failures");
    let snapshot = stack.handle.snapshot().await.unwrap();
    let api = snapshot.component("api").unwrap();
    assert_eq!(api.pid, Some(first_pid), "never restarted");
    assert_eq!(api.restarts, 0);
    assert_eq!(api.state, StateName::Healthy);
    while let Ok(event) = subscription.events.try_recv() {
        if let EventBody::Component { component, .. } = event.body {
            assert_ne!(component.state, StateName::Unhealthy, "{component:#?}");
            assert_ne!(component.state, StateName::Stopping, "{component:#?}");
        }
    }
    stack.shutdown().await;
}

#[tokio::test]
async fn memory_limit_restarts() {
    // `b"x" * n` writes every byte, so the memory is resident, unlike a zeroed bytearray.
    let toml = r#"
[components.hog]
command = ["python3", "-c", "import time; data = b'x' * (64 * 1024 * 1024); time.sleep(60)"]
max_memory = "32MiB"
"#;
    let stack = Stack::start(toml);
    stack.handle.set_watching(true).await;
    let mut subscription = stack.handle.subscribe().await.unwrap();
    let first = stack.wait_until("hog running", |s| pid_of(s, "hog").is_some()).await;
    let first_pid = pid_of(&first, "hog").unwrap();

    let limited = next_component_event(&mut subscription, "hog", "memory-limit", |hog| {
        hog.diagnosis.as_ref().is_some_and(|diagnosis| diagnosis.kind == DiagnosisKind::MemoryLimit)
    })
    .await;
    let diagnosis = limited.diagnosis.unwrap();
    assert!(diagnosis.summary.contains("max_memory"), "{}", diagnosis.summary);
    let snapshot = stack
        .wait_until("a new run", |s| pid_of(s, "hog").is_some_and(|pid| pid != first_pid))
        .await;
    assert!(snapshot.component("hog").unwrap().restarts >= 1);
    assert!(!in_process::pid_alive(first_pid), "the old run {first_pid} is gone");
    stack.shutdown().await;
}

const BUSY_LOOP: &str = r#"command = ["sh", "-c", "while :; do :; done"]"#;

#[tokio::test]
async fn cpu_alert_warns_without_restart() {
    // NOTE: the threshold is low because on a loaded 2-core machine, with
    // other tests spinning at the same time, a busy loop measured 36% of a core.
    let toml = format!(
        "[components.spin]\n{BUSY_LOOP}\ncpu_alert = {{ above = \"10%\", for = \"2s\" }}\n"
    );
    let stack = Stack::start(&toml);
    stack.handle.set_watching(true).await;
    let spin = stack.wait_until("spin running", |s| pid_of(s, "spin").is_some()).await;
    let first_pid = pid_of(&spin, "spin").unwrap();

    let snapshot = stack
        .wait_until("a cpu warning", |s| {
            s.component("spin")
                .unwrap()
                .diagnosis
                .as_ref()
                .is_some_and(|d| d.kind == DiagnosisKind::CpuHigh)
        })
        .await;
    let spin = snapshot.component("spin").unwrap();
    let diagnosis = spin.diagnosis.as_ref().unwrap();
    assert_eq!(diagnosis.severity, Severity::Warning);
    assert_eq!(spin.pid, Some(first_pid), "a cpu alert never restarts");
    assert_eq!(spin.restarts, 0);
    assert_eq!(spin.state, StateName::Running);
    assert!(!spin.failed, "a warning is not a failure");
    stack.shutdown().await;
}

/// Reads a process's user plus system CPU time in clock ticks from `/proc/PID/stat`.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("read the stat file");
    let after_name = &stat[stat.rfind(')').expect("a stat line") + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // Fields 14 and 15 of the line (utime, stime), counted from the state as 3.
    let utime: u64 = fields[11].parse().unwrap();
    let stime: u64 = fields[12].parse().unwrap();
    utime + stime
}

#[tokio::test]
async fn cpu_percent_matches_proc() {
    let stack = Stack::start(&format!("[components.spin]\n{BUSY_LOOP}\n"));
    stack.handle.set_watching(true).await;
    let snapshot = stack
        .wait_until("a cpu figure", |s| s.component("spin").unwrap().cpu_percent.is_some())
        .await;
    let pid = pid_of(&snapshot, "spin").unwrap();
    let ticks_per_second =
        nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK).unwrap().unwrap() as f64;

    let started = Instant::now();
    let ticks_before = cpu_ticks(pid);
    let mut readings = Vec::new();
    let mut last = snapshot.component("spin").unwrap().cpu_percent;
    // Compare over the window in which three new samples arrive.
    while readings.len() < 3 {
        assert!(started.elapsed() < DEADLINE, "samples every second while watched: {readings:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
        let current = stack.handle.snapshot().await.unwrap().component("spin").unwrap().cpu_percent;
        if current != last {
            readings.extend(current);
            last = current;
        }
    }
    let measured =
        (cpu_ticks(pid) - ticks_before) as f64 / ticks_per_second / started.elapsed().as_secs_f64()
            * 100.0;

    let reported = readings.iter().sum::<f64>() / readings.len() as f64;
    assert!(measured > 10.0, "the busy loop ran: {measured:.1}%");
    assert!(
        (reported - measured).abs() < 20.0,
        "reported {reported:.1}% ({readings:?}) vs /proc {measured:.1}%"
    );
    stack.shutdown().await;
}
