//! The control API over the real Unix socket and loopback TCP, against the
//! real supervisor running shell components.

mod common;

use std::os::unix::fs::PermissionsExt;

use common::{InProcess, Target, events, get, next_matching, post, send, ticker};
use hyper::{Method, StatusCode};
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn tcp_needs_token_and_loopback_host() {
    let supervisor = InProcess::start(Vec::new(), Some("127.0.0.1:0")).await;
    let tcp = Target::Tcp(supervisor.http_addr());
    let token = supervisor.token();
    let bearer = format!("Bearer {token}");

    let tokenless = get(&tcp, "/v1/components").await;
    assert_eq!(tokenless.status, StatusCode::UNAUTHORIZED);
    assert_eq!(tokenless.json()["kind"], "unauthorized");

    let wrong =
        send(&tcp, Method::GET, "/v1/components", &[("authorization", "Bearer nope")], None).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);

    let right =
        send(&tcp, Method::GET, "/v1/components", &[("authorization", &bearer)], None).await;
    assert_eq!(right.status, StatusCode::OK, "{}", right.text());

    let foreign = [("authorization", bearer.as_str()), ("host", "evil.example:7070")];
    let rebound = send(&tcp, Method::GET, "/v1/components", &foreign, None).await;
    assert_eq!(rebound.status, StatusCode::FORBIDDEN);
    assert_eq!(rebound.json()["kind"], "forbidden-host");

    // The dashboard loads without the token; the page sends it afterwards.
    let page = get(&tcp, "/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("<html"), "{}", page.text());
    assert!(page.headers.get("access-control-allow-origin").is_none());

    // The socket needs no token.
    let unix = get(&Target::Unix(supervisor.socket()), "/v1/components").await;
    assert_eq!(unix.status, StatusCode::OK);

    let token_mode = std::fs::metadata(supervisor.workspace.state_dir().join("api-token"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(token_mode & 0o777, 0o600);
    supervisor.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn socket_mode_0600_in_0700_folder() {
    let supervisor = InProcess::start(Vec::new(), None).await;
    let socket = supervisor.socket();
    let socket_mode = std::fs::metadata(&socket).unwrap().permissions().mode() & 0o777;
    let folder_mode =
        std::fs::metadata(socket.parent().unwrap()).unwrap().permissions().mode() & 0o777;
    assert_eq!(socket_mode, 0o600);
    assert_eq!(folder_mode, 0o700);

    let endpoint = supervisor.workspace.endpoint().expect("endpoint.json written");
    assert_eq!(endpoint.pid, std::process::id());
    assert_eq!(endpoint.socket, socket);
    assert_eq!(endpoint.http, None);

    supervisor.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn shutdown_removes_socket_and_endpoint() {
    let supervisor = InProcess::start(Vec::new(), None).await;
    let socket = supervisor.socket();
    let endpoint = supervisor.workspace.state_dir().join("endpoint.json");
    assert!(endpoint.exists());
    supervisor.shutdown().await;
    assert!(!socket.exists(), "socket left behind");
    assert!(!endpoint.exists(), "endpoint.json left behind");
}

#[tokio::test(flavor = "multi_thread")]
async fn stale_socket_replaced_live_one_refused() {
    let workspace = common::Workspace::new();
    let socket = workspace.runtime_dir().join("tend").join("test.sock");
    std::fs::create_dir_all(socket.parent().unwrap()).unwrap();

    // A socket file whose listener is gone is stale.
    drop(std::os::unix::net::UnixListener::bind(&socket).unwrap());
    let settings = tend::api::ServeSettings {
        state_dir: workspace.state_dir(),
        socket_path: socket.clone(),
        listen: None,
        allow_remote: false,
    };
    std::fs::create_dir_all(workspace.state_dir()).unwrap();
    let handle = tend::supervisor::start(
        tend::config::Config::empty(workspace.root.path()),
        tend::supervisor::Options { state_dir: workspace.state_dir() },
    );
    let server =
        tend::api::serve(handle.clone(), settings.clone()).await.expect("stale socket replaced");

    // A second server on the same live socket is refused, and leaves it alone.
    let error =
        tend::api::serve(handle.clone(), settings).await.err().expect("live socket refused");
    assert!(error.to_string().contains("accepts connections on"), "{error}");
    assert_eq!(get(&Target::Unix(socket.clone()), "/health").await.status, StatusCode::OK);

    server.shutdown().await;
    handle.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn component_routes_over_socket() {
    let dir = tempfile::tempdir().unwrap();
    let mut web = ticker("web", dir.path());
    web.env.insert("API_TOKEN".into(), "hunter2".into());
    web.env.insert("MODE".into(), "dev".into());
    // As if `${API_TOKEN}` had expanded into an argument; sh takes it as $0.
    web.command.push("--token=hunter2".into());
    let supervisor = InProcess::start(vec![web], None).await;
    let unix = Target::Unix(supervisor.socket());
    supervisor.wait_for_state("web", "running").await;

    let list = get(&unix, "/v1/components").await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.json()["components"][0]["name"], "web");

    let detail = get(&unix, "/v1/components/web").await;
    assert_eq!(detail.status, StatusCode::OK);
    let detail = detail.json();
    assert_eq!(detail["command"][0], "sh");
    assert_eq!(detail["env"]["API_TOKEN"], "****");
    assert_eq!(detail["env"]["MODE"], "dev");
    assert_eq!(detail["command"].as_array().unwrap().last().unwrap(), "--token=****");
    assert!(!detail.to_string().contains("hunter2"));

    let missing = get(&unix, "/v1/components/webb").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.json()["kind"], "no-such-component");
    let message = missing.json()["message"].as_str().unwrap().to_string();
    assert!(message.contains("did you mean \"web\""), "{message}");

    let lines = common::poll_until("two log lines", || async {
        let reply = get(&unix, "/v1/components/web/logs?n=2").await;
        let lines = reply.json().as_array().cloned()?;
        (lines.len() == 2).then_some(lines)
    })
    .await;
    assert!(lines[0]["text"].as_str().unwrap().starts_with("tick"), "{lines:?}");

    let history = get(&unix, "/v1/components/web/history").await;
    assert_eq!(history.status, StatusCode::OK);
    assert!(history.json().is_array());

    let signal = post(&unix, "/v1/components/web/signal", json!({"signal": "CONT"})).await;
    assert_eq!(signal.status, StatusCode::OK, "{}", signal.text());
    assert_eq!(signal.json()["signal"], "SIGCONT");
    let bad_signal = post(&unix, "/v1/components/web/signal", json!({"signal": "NOPE"})).await;
    assert_eq!(bad_signal.status, StatusCode::BAD_REQUEST);

    let stop = post(&unix, "/v1/components/web/stop", json!({})).await;
    assert_eq!(stop.status, StatusCode::OK, "{}", stop.text());
    assert_eq!(stop.json()["results"][0]["ok"], true);
    supervisor.wait_for_state("web", "stopped").await;

    let unsignalable = post(&unix, "/v1/components/web/signal", json!({"signal": "HUP"})).await;
    assert_eq!(unsignalable.status, StatusCode::CONFLICT, "{}", unsignalable.text());

    let start = post(&unix, "/v1/actions/start", json!({"names": ["web"]})).await;
    assert_eq!(start.status, StatusCode::OK, "{}", start.text());
    supervisor.wait_for_state("web", "running").await;

    let restart = post(&unix, "/v1/actions/restart", json!({"all": true})).await;
    assert_eq!(restart.status, StatusCode::OK, "{}", restart.text());
    assert_eq!(restart.json()["results"][0]["name"], "web");

    let failed = post(&unix, "/v1/actions/stop", json!({"failed": true})).await;
    assert_eq!(failed.status, StatusCode::OK);
    assert_eq!(failed.json()["results"], json!([]));

    let unknown_verb = post(&unix, "/v1/components/web/explode", json!({})).await;
    assert_eq!(unknown_verb.status, StatusCode::BAD_REQUEST);
    let both = post(&unix, "/v1/actions/stop", json!({"all": true, "failed": true})).await;
    assert_eq!(both.status, StatusCode::BAD_REQUEST);
    assert_eq!(both.json()["kind"], "bad-request");

    supervisor.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn system_routes_and_errors() {
    let supervisor = InProcess::start(Vec::new(), None).await;
    let unix = Target::Unix(supervisor.socket());

    let health = get(&unix, "/health").await;
    assert_eq!(health.status, StatusCode::OK);
    let health = health.json();
    assert_eq!(health["status"], "ok");
    assert_eq!(health["pid"], std::process::id());
    assert!(health["uptime_ms"].is_u64());

    // A supervisor started without a file has nothing to reload.
    let reload = post(&unix, "/v1/reload", json!({})).await;
    assert_eq!(reload.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reload.json()["kind"], "invalid-config");
    assert!(!reload.json()["errors"].as_array().unwrap().is_empty());

    let unknown = get(&unix, "/v2/nothing").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.json()["kind"], "not-found");

    let wrong_method = get(&unix, "/v1/reload").await;
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(wrong_method.json()["kind"], "method-not-allowed");

    let huge = format!("{{\"names\": [\"{}\"]}}", "x".repeat(tend::api::BODY_LIMIT));
    let too_large = send(&unix, Method::POST, "/v1/actions/stop", &[], Some(huge)).await;
    assert_eq!(too_large.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(too_large.json()["kind"], "body-too-large");

    let not_json = send(&unix, Method::POST, "/v1/actions/stop", &[], Some("{".into())).await;
    assert_eq!(not_json.status, StatusCode::BAD_REQUEST);

    let quit = post(&unix, "/v1/quit", json!({})).await;
    assert_eq!(quit.status, StatusCode::ACCEPTED);
    tokio::time::timeout(common::DEADLINE, supervisor.handle.finished())
        .await
        .expect("supervisor ends after quit");
    let after = get(&unix, "/v1/components").await;
    assert_eq!(after.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(after.json()["kind"], "shutting-down");

    let mut supervisor = supervisor;
    if let Some(server) = supervisor.server.take() {
        server.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_parse_as_prometheus_text() {
    let dir = tempfile::tempdir().unwrap();
    let supervisor = InProcess::start(vec![ticker("web", dir.path())], None).await;
    supervisor.wait_for_state("web", "running").await;
    let reply = get(&Target::Unix(supervisor.socket()), "/metrics").await;
    assert_eq!(reply.status, StatusCode::OK);
    let content_type = reply.headers.get("content-type").unwrap().to_str().unwrap();
    assert!(content_type.starts_with("application/openmetrics-text"), "{content_type}");

    let text = reply.text();
    let lines = text.lines().map(|line| Ok(line.to_string()));
    let scrape = prometheus_parse::Scrape::parse(lines).expect("parses");
    let value = |name: &str, labels: &[(&str, &str)]| {
        scrape
            .samples
            .iter()
            .find(|sample| {
                sample.metric == name
                    && labels.iter().all(|(key, value)| sample.labels.get(key) == Some(*value))
            })
            .map(|sample| match sample.value {
                prometheus_parse::Value::Gauge(value)
                | prometheus_parse::Value::Counter(value)
                | prometheus_parse::Value::Untyped(value) => value,
                _ => f64::NAN,
            })
    };
    assert_eq!(value("tend_up", &[]), Some(1.0), "{text}");
    assert_eq!(
        value("tend_component_state", &[("component", "web"), ("state", "running")]),
        Some(1.0)
    );
    assert_eq!(
        value("tend_component_state", &[("component", "web"), ("state", "fatal")]),
        Some(0.0)
    );
    assert_eq!(
        value("tend_component_restarts_total", &[("component", "web")]),
        Some(0.0),
        "{text}"
    );
    assert!(
        value("tend_supervisor_info", &[("version", env!("CARGO_PKG_VERSION"))]).is_some(),
        "{text}"
    );
    supervisor.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn events_start_with_snapshot_then_change() {
    let dir = tempfile::tempdir().unwrap();
    let supervisor = InProcess::start(vec![ticker("web", dir.path())], None).await;
    let unix = Target::Unix(supervisor.socket());
    supervisor.wait_for_state("web", "running").await;

    let mut stream = events(&unix, "/v1/events", &[]).await;
    let first = next_matching(&mut stream, "the first event", |_| true).await;
    assert_eq!(first.event, "snapshot");
    let data: serde_json::Value = serde_json::from_str(&first.data).unwrap();
    assert_eq!(data["type"], "snapshot");
    assert_eq!(first.id, data["seq"].to_string());
    assert_eq!(data["snapshot"]["components"][0]["state"], "running");

    let stop = post(&unix, "/v1/components/web/stop", json!({})).await;
    assert_eq!(stop.status, StatusCode::OK);
    let change = next_matching(&mut stream, "web stopped", |event| {
        event.event == "component" && event.data.contains("\"state\":\"stopped\"")
    })
    .await;
    let seq: u64 = change.id.parse().unwrap();
    assert!(seq > data["seq"].as_u64().unwrap());

    // Shutting the server down ends the open stream instead of hanging.
    let handle = supervisor.handle.clone();
    let mut supervisor = supervisor;
    let server = supervisor.server.take().unwrap();
    tokio::time::timeout(common::DEADLINE, server.shutdown())
        .await
        .expect("shutdown with an open stream");
    let rest = tokio::time::timeout(common::DEADLINE, futures_util::StreamExt::count(stream)).await;
    assert!(rest.is_ok(), "stream did not end");
    handle.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn logs_follow_streams_new_lines() {
    let dir = tempfile::tempdir().unwrap();
    let supervisor = InProcess::start(vec![ticker("web", dir.path())], None).await;
    let unix = Target::Unix(supervisor.socket());
    supervisor.wait_for_state("web", "running").await;

    let mut stream = events(&unix, "/v1/components/web/logs?n=1&follow=true", &[]).await;
    let first = next_matching(&mut stream, "the tail line", |_| true).await;
    assert_eq!(first.event, "log");
    let first: serde_json::Value = serde_json::from_str(&first.data).unwrap();
    let number = |line: &serde_json::Value| -> u64 {
        line["text"].as_str().unwrap().trim_start_matches("tick ").trim().parse().unwrap()
    };
    let tail_number = number(&first);

    // Live lines follow the tail in order and without repeating it.
    let next = next_matching(&mut stream, "a live line", |event| event.event == "log").await;
    let next: serde_json::Value = serde_json::from_str(&next.data).unwrap();
    assert_eq!(number(&next), tail_number + 1);
    supervisor.shutdown().await;
}

/// Capacity of the supervisor's event channel, a copy of the private
/// `EVENT_CAPACITY` in src/supervisor/actor.rs. A client further behind than
/// this gets a resync.
const EVENT_CAPACITY: u64 = 4096;

#[tokio::test(flavor = "multi_thread")]
async fn events_lagging_client_gets_resync() {
    let dir = tempfile::tempdir().unwrap();
    let supervisor = InProcess::start(vec![ticker("web", dir.path())], None).await;
    let unix = Target::Unix(supervisor.socket());
    let mut stream = events(&unix, "/v1/events", &[]).await;
    let first = next_matching(&mut stream, "the first event", |_| true).await;
    assert_eq!(first.event, "snapshot", "the stream opens with a snapshot");
    let first_seq: u64 = first.id.parse().unwrap();

    // The client reads nothing while the supervisor emits four times the
    // channel's capacity. A reload without a config file is rejected and
    // emits one `reload` event, with no process to spawn. Socket and HTTP
    // buffers hold only part of the backlog, so the stream falls behind.
    let produced = 4 * EVENT_CAPACITY;
    for _ in 0..produced {
        let outcome = supervisor.handle.reload().await.expect("supervisor is running");
        assert!(!outcome.ok, "a supervisor without a config file rejects a reload");
    }

    let resync =
        next_matching(&mut stream, "a resync event", |event| event.event == "resync").await;
    let data: serde_json::Value = serde_json::from_str(&resync.data).unwrap();
    assert!(data["missed"].as_u64().unwrap() > 0, "resync counts missed events: {data}");

    let fresh = next_matching(&mut stream, "the event after resync", |_| true).await;
    assert_eq!(fresh.event, "snapshot", "a snapshot follows the resync");
    let fresh_seq: u64 = fresh.id.parse().unwrap();
    assert!(
        fresh_seq >= first_seq + produced,
        "the snapshot ({fresh_seq}) is newer than every reload (up to {})",
        first_seq + produced
    );
    let snapshot: serde_json::Value = serde_json::from_str(&fresh.data).unwrap();
    assert_eq!(snapshot["snapshot"]["components"][0]["name"], "web", "the snapshot is whole");

    drop(stream);
    supervisor.shutdown().await;
}

/// Checks whether `pid` is a live process (not a zombie).
fn pid_alive(pid: u64) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|stat| stat.rfind(')').is_some_and(|end| !stat[end..].starts_with(") Z")))
}

/// Reads a component's state and pid from `GET /v1/components/{name}`.
async fn state_and_pid(unix: &Target, name: &str) -> (String, Option<u64>) {
    let detail = get(unix, &format!("/v1/components/{name}")).await.json();
    let snapshot = &detail["snapshot"];
    let state = snapshot["state"].as_str().unwrap_or_default().to_string();
    (state, snapshot["pid"].as_u64())
}

#[tokio::test(flavor = "multi_thread")]
async fn component_start_and_restart_routes() {
    let dir = tempfile::tempdir().unwrap();
    let mut idle = ticker("idle", dir.path());
    idle.autostart = false;
    let supervisor = InProcess::start(vec![ticker("web", dir.path()), idle], None).await;
    let unix = Target::Unix(supervisor.socket());
    supervisor.wait_for_state("web", "running").await;

    let (_, first_pid) = state_and_pid(&unix, "web").await;
    let first_pid = first_pid.expect("running web has a pid");
    let restart = post(&unix, "/v1/components/web/restart", json!({})).await;
    assert_eq!(restart.status, StatusCode::OK, "{}", restart.text());
    assert_eq!(restart.json()["results"][0]["ok"], true, "{}", restart.text());
    let second_pid = common::poll_until("web running with a new pid", || async {
        match state_and_pid(&unix, "web").await {
            (state, Some(pid)) if state == "running" && pid != first_pid => Some(pid),
            _ => None,
        }
    })
    .await;
    assert!(!pid_alive(first_pid), "restart ended the first run ({first_pid}), now {second_pid}");

    let (state, pid) = state_and_pid(&unix, "idle").await;
    assert_eq!(state, "stopped", "idle does not start by itself");
    assert_eq!(pid, None, "stopped idle has no pid");
    let start = post(&unix, "/v1/components/idle/start", json!({})).await;
    assert_eq!(start.status, StatusCode::OK, "{}", start.text());
    assert_eq!(start.json()["results"][0]["ok"], true, "{}", start.text());
    supervisor.wait_for_state("idle", "running").await;
    let (_, pid) = state_and_pid(&unix, "idle").await;
    assert!(pid.is_some(), "running idle has a pid");

    let missing = post(&unix, "/v1/components/nope/start", json!({})).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "{}", missing.text());
    assert_eq!(missing.json()["kind"], "no-such-component");

    supervisor.shutdown().await;
}
