//! The probe runner: thresholds, start period and schedules, in real time
//! against real servers and in paused tokio time against heartbeat files.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use tend::config::{Health, Probe, ProbeCheck};
use tend::event::ProbeStatus;
use tend::health::{ProbeEvent, ProbeEventKind, ProbeRole, ProbeRunner};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::support;

fn probe(check: ProbeCheck, interval: Duration, failures: u32, successes: u32) -> Probe {
    Probe {
        check,
        interval,
        timeout: Duration::from_secs(2),
        start_period: Duration::ZERO,
        failure_threshold: failures,
        success_threshold: successes,
    }
}

fn spawn(health: Health) -> (ProbeRunner, mpsc::Receiver<ProbeEvent>) {
    let (tx, rx) = mpsc::channel(64);
    let runner =
        ProbeRunner::spawn("web".to_owned(), 7, health, PathBuf::from("/"), BTreeMap::new(), tx);
    (runner, rx)
}

async fn next(rx: &mut mpsc::Receiver<ProbeEvent>) -> ProbeEvent {
    let event = tokio::time::timeout(support::DEADLINE, rx.recv()).await;
    let event = event.expect("no probe event before the deadline");
    event.expect("probe runner ended")
}

/// Receives events until one that is not `Checked`, returning it and the
/// `Checked` results (ok or not) that came before it.
async fn next_verdict(rx: &mut mpsc::Receiver<ProbeEvent>) -> (ProbeEventKind, Vec<bool>) {
    let mut checks = Vec::new();
    loop {
        let event = next(rx).await;
        assert_eq!(event.component, "web");
        assert_eq!(event.run_id, 7);
        match event.kind {
            ProbeEventKind::Checked { ok, .. } => checks.push(ok),
            verdict => return (verdict, checks),
        }
    }
}

#[tokio::test]
async fn readiness_ready_after_success_threshold() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, port) = support::python_http_server(dir.path());
    let check = ProbeCheck::Http {
        url: format!("http://127.0.0.1:{port}/"),
        status_min: 200,
        status_max: 399,
    };
    let readiness = probe(check, Duration::from_millis(50), 3, 3);
    let (_runner, mut rx) = spawn(Health { readiness: Some(readiness), liveness: None });

    let (verdict, checks) = next_verdict(&mut rx).await;
    assert_eq!(verdict, ProbeEventKind::Ready);
    assert_eq!(checks, vec![true, true, true]);
}

#[tokio::test]
async fn liveness_fails_past_threshold() {
    let address = format!("127.0.0.1:{}", support::closed_port());
    let liveness =
        probe(ProbeCheck::Tcp { address: address.clone() }, Duration::from_millis(30), 3, 1);
    let (_runner, mut rx) = spawn(Health { readiness: None, liveness: Some(liveness) });

    let (verdict, checks) = next_verdict(&mut rx).await;
    let error = format!("connect {address}: connection refused");
    assert_eq!(verdict, ProbeEventKind::LivenessFailed { error, failures: 3 });
    assert_eq!(checks, vec![false, false, false]);
}

/// Serves HTTP on loopback, responding 200 and 503 in turn, and counts requests.
async fn flapping_server() -> (u16, Arc<AtomicU32>, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let served = Arc::new(AtomicU32::new(0));
    let counter = served.clone();
    let task = tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut request = [0u8; 1024];
            let _ = stream.read(&mut request).await;
            let count = counter.fetch_add(1, Ordering::SeqCst);
            let status = if count % 2 == 0 { "200 OK" } else { "503 Service Unavailable" };
            let response =
                format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
            let _ = stream.write_all(response.as_bytes()).await;
        }
    });
    (port, served, task)
}

#[tokio::test]
async fn flapping_below_threshold_never_fails() {
    let (port, served, server) = flapping_server().await;
    let check = ProbeCheck::Http {
        url: format!("http://127.0.0.1:{port}/"),
        status_min: 200,
        status_max: 399,
    };
    let liveness = probe(check, Duration::from_millis(20), 2, 1);
    let (runner, mut rx) = spawn(Health { readiness: None, liveness: Some(liveness) });

    let mut results = Vec::new();
    while results.len() < 12 {
        match next(&mut rx).await.kind {
            ProbeEventKind::Checked { role, ok, failures, .. } => {
                assert_eq!(role, ProbeRole::Liveness);
                assert!(failures < 2, "failures reached {failures}");
                results.push(ok);
            }
            other => panic!("unexpected verdict while flapping: {other:?}"),
        }
    }
    runner.stop();
    server.abort();

    assert!(served.load(Ordering::SeqCst) >= 12);
    assert_eq!(results.iter().filter(|ok| **ok).count(), 6);
    assert_eq!(results.iter().filter(|ok| !**ok).count(), 6);
}

fn heartbeat(path: PathBuf) -> ProbeCheck {
    ProbeCheck::Heartbeat { path, max_age: Duration::from_secs(3600) }
}

#[tokio::test(start_paused = true)]
async fn start_period_ignores_failures() {
    let dir = tempfile::tempdir().unwrap();
    let mut liveness = probe(heartbeat(dir.path().join("missing")), Duration::from_secs(10), 2, 1);
    liveness.start_period = Duration::from_secs(20);
    let started = Instant::now();
    let (_runner, mut rx) = spawn(Health { readiness: None, liveness: Some(liveness) });

    // Checks at 10 s (inside the start period, ignored), then 20 s and 30 s.
    let mut counted = Vec::new();
    let verdict = loop {
        match next(&mut rx).await.kind {
            ProbeEventKind::Checked { failures, .. } => counted.push(failures),
            verdict => break verdict,
        }
    };
    assert!(matches!(verdict, ProbeEventKind::LivenessFailed { failures: 2, .. }), "{verdict:?}");
    assert_eq!(counted, vec![0, 1, 2]);
    assert_eq!(started.elapsed().as_secs(), 30);
}

#[tokio::test(start_paused = true)]
async fn readiness_checks_fast_until_ready() {
    let dir = tempfile::tempdir().unwrap();
    let beat = dir.path().join("beat");
    std::fs::write(&beat, "").unwrap();
    let readiness = probe(heartbeat(beat), Duration::from_secs(10), 3, 2);
    let started = Instant::now();
    let (_runner, mut rx) = spawn(Health { readiness: Some(readiness), liveness: None });

    let (verdict, checks) = next_verdict(&mut rx).await;
    assert_eq!(verdict, ProbeEventKind::Ready);
    assert_eq!(checks, vec![true, true]);
    assert_eq!(started.elapsed(), 2 * tend::health::READINESS_PENDING_INTERVAL);

    // After the first pass the probe interval applies.
    let event = next(&mut rx).await;
    assert!(matches!(event.kind, ProbeEventKind::Checked { ok: true, .. }), "{event:?}");
    let expected = 2 * tend::health::READINESS_PENDING_INTERVAL + Duration::from_secs(10);
    assert_eq!(started.elapsed(), expected);
}

#[tokio::test(start_paused = true)]
async fn shared_probe_runs_once_per_tick() {
    let dir = tempfile::tempdir().unwrap();
    let beat = dir.path().join("beat");
    std::fs::write(&beat, "").unwrap();
    let shared = probe(heartbeat(beat), Duration::from_secs(10), 3, 1);
    let started = Instant::now();
    let health = Health { readiness: Some(shared.clone()), liveness: Some(shared) };
    let (_runner, mut rx) = spawn(health);

    let mut readiness_at = Vec::new();
    let mut liveness_at = Vec::new();
    while liveness_at.len() < 5 {
        let event = next(&mut rx).await;
        let ProbeEventKind::Checked { role, status, .. } = event.kind else { continue };
        assert_eq!(status, ProbeStatus::Passing);
        let at = started.elapsed().as_millis();
        match role {
            ProbeRole::Readiness => readiness_at.push(at),
            ProbeRole::Liveness => liveness_at.push(at),
        }
    }

    // One early readiness check, then both roles on the same ticks.
    assert_eq!(liveness_at, vec![10_000, 20_000, 30_000, 40_000, 50_000]);
    assert_eq!(readiness_at, vec![250, 10_000, 20_000, 30_000, 40_000, 50_000]);
}

#[tokio::test(start_paused = true)]
async fn liveness_recovers_after_failing() {
    let dir = tempfile::tempdir().unwrap();
    let beat = dir.path().join("beat");
    let liveness = probe(heartbeat(beat.clone()), Duration::from_secs(10), 1, 1);
    let (_runner, mut rx) = spawn(Health { readiness: None, liveness: Some(liveness) });

    let (verdict, _) = next_verdict(&mut rx).await;
    assert!(matches!(verdict, ProbeEventKind::LivenessFailed { failures: 1, .. }), "{verdict:?}");

    std::fs::write(&beat, "").unwrap();
    let (verdict, checks) = next_verdict(&mut rx).await;
    assert_eq!(verdict, ProbeEventKind::LivenessRecovered);
    assert_eq!(checks, vec![true]);
}

#[tokio::test(start_paused = true)]
async fn dropped_runner_sends_nothing_more() {
    let dir = tempfile::tempdir().unwrap();
    let readiness = probe(heartbeat(dir.path().join("beat")), Duration::from_secs(1), 3, 1);
    let (runner, mut rx) = spawn(Health { readiness: Some(readiness), liveness: None });

    next(&mut rx).await;
    drop(runner);
    // The aborted task drops its sender, which closes the channel.
    let closed =
        tokio::time::timeout(support::DEADLINE, async { while rx.recv().await.is_some() {} });
    assert!(closed.await.is_ok(), "probe events kept coming after drop");
}

#[tokio::test]
async fn empty_health_ends_at_once() {
    let (runner, mut rx) = spawn(Health::default());
    assert!(tokio::time::timeout(support::DEADLINE, rx.recv()).await.unwrap().is_none());
    assert!(runner.is_finished());
}

// Multi-threaded, so the probe task runs while the test thread blocks polling.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_runner_kills_exec_probe() {
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("pid");
    // The pid is of a member of the probe's group, not of its leader.
    let script = format!("sleep 30 & echo $! > {}.tmp && mv {0}.tmp {0}; wait", pid_file.display());
    let check = ProbeCheck::Exec { command: vec!["sh".into(), "-c".into(), script] };
    let mut liveness = probe(check, Duration::from_millis(10), 3, 1);
    liveness.timeout = Duration::from_secs(60);
    let (runner, _rx) = spawn(Health { readiness: None, liveness: Some(liveness) });

    let pid: u32 = support::poll_until("the probe to write its pid", || {
        std::fs::read_to_string(&pid_file).ok()?.trim().parse().ok()
    });
    assert!(!support::process_gone(pid), "probe {pid} ended before the drop");
    drop(runner);

    support::poll_until(&format!("probe {pid} to be killed"), || {
        support::process_gone(pid).then_some(())
    });
}
