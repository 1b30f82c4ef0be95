//! One check of each probe kind, passing and failing.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use tend::config::ProbeCheck;
use tend::health::run_check;

use crate::support;

const TIMEOUT: Duration = Duration::from_secs(5);

fn http(url: String) -> ProbeCheck {
    ProbeCheck::Http { url, status_min: 200, status_max: 399 }
}

fn exec(argv: &[&str]) -> ProbeCheck {
    ProbeCheck::Exec { command: argv.iter().map(|arg| arg.to_string()).collect() }
}

async fn check(check: &ProbeCheck) -> Result<(), String> {
    run_check(check, TIMEOUT, Path::new("/"), &BTreeMap::new()).await
}

#[tokio::test]
async fn http_passes_against_python_server() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, port) = support::python_http_server(dir.path());

    let result = check(&http(format!("http://127.0.0.1:{port}/"))).await;
    assert_eq!(result, Ok(()));
}

#[tokio::test]
async fn http_reports_status_outside_range() {
    let (_server, port) = support::python_status_server(503);
    let url = format!("http://127.0.0.1:{port}/health");

    let result = check(&http(url.clone())).await;
    assert_eq!(result, Err(format!("GET {url} returned 503")));
}

#[tokio::test]
async fn http_accepts_configured_status_range() {
    let (_server, port) = support::python_status_server(503);
    let probe = ProbeCheck::Http {
        url: format!("http://127.0.0.1:{port}/"),
        status_min: 500,
        status_max: 503,
    };
    assert_eq!(check(&probe).await, Ok(()));
}

#[tokio::test]
async fn http_reports_connection_refused() {
    let port = support::closed_port();
    let url = format!("http://127.0.0.1:{port}/");

    let result = check(&http(url.clone())).await;
    let expected = format!("GET {url}: connect 127.0.0.1:{port}: connection refused");
    assert_eq!(result, Err(expected));
}

#[tokio::test]
async fn http_times_out_on_silent_server() {
    // The kernel completes the handshake from the backlog, but nothing answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let url = format!("http://127.0.0.1:{port}/");
    let timeout = Duration::from_millis(300);

    let started = Instant::now();
    let result = run_check(&http(url.clone()), timeout, Path::new("/"), &BTreeMap::new()).await;
    assert_eq!(result, Err(format!("GET {url} timed out after 300ms")));
    assert!(started.elapsed() < Duration::from_secs(3), "took {:?}", started.elapsed());
}

#[tokio::test]
async fn http_rejects_https() {
    let result = check(&http("https://127.0.0.1:8443/".to_owned())).await;
    let error = result.unwrap_err();
    assert!(error.contains("https is not supported"), "{error}");
}

#[tokio::test]
async fn tcp_passes_against_listener() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();

    assert_eq!(check(&ProbeCheck::Tcp { address }).await, Ok(()));
}

#[tokio::test]
async fn tcp_reports_connection_refused() {
    let address = format!("127.0.0.1:{}", support::closed_port());

    let result = check(&ProbeCheck::Tcp { address: address.clone() }).await;
    assert_eq!(result, Err(format!("connect {address}: connection refused")));
}

#[tokio::test]
async fn exec_passes_on_exit_zero() {
    assert_eq!(check(&exec(&["sh", "-c", "exit 0"])).await, Ok(()));
}

#[tokio::test]
async fn exec_reports_exit_code() {
    let result = check(&exec(&["sh", "-c", "exit 3"])).await;
    assert_eq!(result, Err("exec `sh -c exit 3` exited 3".to_owned()));
}

#[tokio::test]
async fn exec_quotes_last_output_line() {
    let result = check(&exec(&["sh", "-c", "echo checking; echo no response >&2; exit 2"])).await;
    let error = result.unwrap_err();
    assert!(error.ends_with("exited 2: no response"), "{error}");
}

#[tokio::test]
async fn exec_uses_cwd_and_env() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("marker"), "").unwrap();
    let env = BTreeMap::from([("PROBE_VAR".to_owned(), "yes".to_owned())]);
    let probe = exec(&["sh", "-c", r#"test "$PROBE_VAR" = yes && test -f marker"#]);

    assert_eq!(run_check(&probe, TIMEOUT, dir.path(), &env).await, Ok(()));
    let other_dir = tempfile::tempdir().unwrap();
    assert!(run_check(&probe, TIMEOUT, other_dir.path(), &env).await.is_err());
}

#[tokio::test]
async fn exec_reports_missing_command() {
    let result = check(&exec(&["tend-no-such-probe-command"])).await;
    let error = result.unwrap_err();
    assert!(error.contains("failed to start"), "{error}");
    assert!(error.contains("no such file or directory"), "{error}");
}

#[tokio::test]
async fn exec_timeout_kills_process_group() {
    let dir = tempfile::tempdir().unwrap();
    let pids = dir.path().join("pids");
    let script = format!("sleep 10 & echo $$ $! > {}; wait", pids.display());
    let timeout = Duration::from_millis(500);

    let probe = exec(&["sh", "-c", &script]);
    let env = BTreeMap::new();
    let started = Instant::now();
    let result = run_check(&probe, timeout, dir.path(), &env).await;
    let elapsed = started.elapsed();

    let error = result.unwrap_err();
    assert!(error.ends_with("timed out after 500ms (killed)"), "{error}");
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
    let written = std::fs::read_to_string(&pids).unwrap();
    for pid in written.split_whitespace().map(|pid| pid.parse::<u32>().unwrap()) {
        support::poll_until(&format!("pid {pid} to end"), || {
            support::process_gone(pid).then_some(())
        });
    }
}

#[tokio::test]
async fn heartbeat_passes_when_fresh() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("beat");
    std::fs::write(&path, "").unwrap();
    let probe = ProbeCheck::Heartbeat { path, max_age: Duration::from_secs(30) };

    assert_eq!(check(&probe).await, Ok(()));
}

#[tokio::test]
async fn heartbeat_reports_stale_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("beat");
    let file = std::fs::File::create(&path).unwrap();
    file.set_modified(SystemTime::now() - Duration::from_secs(42)).unwrap();
    let probe = ProbeCheck::Heartbeat { path: path.clone(), max_age: Duration::from_secs(30) };

    let result = check(&probe).await;
    let expected = format!("heartbeat {} touched 42s ago, max 30s", path.display());
    assert_eq!(result, Err(expected));
}

#[tokio::test]
async fn heartbeat_reports_missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("never-written");
    let probe = ProbeCheck::Heartbeat { path, max_age: Duration::from_secs(30) };

    let error = check(&probe).await.unwrap_err();
    assert!(error.contains("not found"), "{error}");
}
