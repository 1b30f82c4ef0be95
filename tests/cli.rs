//! The `tend` binary: `tend up` as a real child process, and the client
//! commands against it or against a supervisor run in the test process.

mod common;

use common::{InProcess, TendUp, Workspace, ticker};
use nix::sys::signal::Signal;

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn status_without_supervisor_exits_3() {
    let workspace = Workspace::new();
    let output = workspace.run(&["status"]);
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    let message = stderr(&output);
    assert!(message.contains("no supervisor is running for"), "{message}");
    assert!(message.contains("start one with `tend up`"), "{message}");
}

#[test]
fn second_up_refused_naming_first_pid() {
    let workspace = Workspace::new();
    let config = workspace.write_config("");
    let first = TendUp::spawn(&workspace, &config, &[]);
    workspace.wait_for_endpoint(first.pid());

    let second = workspace
        .tend(&["up", "--config", config.to_str().unwrap()])
        .output()
        .expect("run a second tend up");
    assert_eq!(second.status.code(), Some(1));
    let message = stderr(&second);
    assert!(message.contains(&format!("pid {}", first.pid())), "{message}");
    assert!(message.contains("tend status --state-dir"), "{message}");
    // The first one keeps its endpoint.
    assert_eq!(workspace.endpoint().map(|endpoint| endpoint.pid), Some(first.pid()));
}

#[test]
fn quit_ends_tend_up_with_exit_0() {
    let workspace = Workspace::new();
    let config = workspace.write_config("");
    let mut up = TendUp::spawn(&workspace, &config, &[]);
    workspace.wait_for_endpoint(up.pid());

    let quit = workspace.run(&["quit"]);
    assert_eq!(quit.status.code(), Some(0), "{}", stderr(&quit));
    assert_eq!(up.wait_exit().code(), Some(0));
    assert!(workspace.endpoint().is_none(), "endpoint.json left behind");
    assert!(workspace.state_dir().join("tend.log").exists());
}

#[test]
fn sigterm_ends_tend_up_with_exit_0() {
    let workspace = Workspace::new();
    let config = workspace.write_config("");
    let mut up = TendUp::spawn(&workspace, &config, &[]);
    let endpoint = workspace.wait_for_endpoint(up.pid());

    up.signal(Signal::SIGTERM);
    assert_eq!(up.wait_exit().code(), Some(0));
    assert!(!endpoint.socket.exists(), "socket left behind");
}

#[test]
fn dashboard_print_carries_token_in_fragment() {
    let workspace = Workspace::new();
    let config = workspace.write_config("[api]\nlisten = \"127.0.0.1:0\"\n");
    let up = TendUp::spawn(&workspace, &config, &[]);
    let endpoint = workspace.wait_for_endpoint(up.pid());
    let address = endpoint.http.expect("tcp address in endpoint.json");
    assert!(!address.ends_with(":0"), "real port recorded: {address}");

    let output = workspace.run(&["dashboard", "--print"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let token = std::fs::read_to_string(workspace.state_dir().join("api-token")).unwrap();
    assert_eq!(stdout(&output).trim(), format!("http://{address}/#token={}", token.trim()));
}

#[test]
fn dashboard_without_listener_says_how() {
    let workspace = Workspace::new();
    let config = workspace.write_config("");
    let up = TendUp::spawn(&workspace, &config, &[]);
    workspace.wait_for_endpoint(up.pid());

    let output = workspace.run(&["dashboard", "--print"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("listen = \"127.0.0.1:7070\""), "{}", stderr(&output));
}

#[test]
fn non_loopback_listen_refused() {
    let workspace = Workspace::new();
    let config = workspace.write_config("[api]\nlisten = \"0.0.0.0:0\"\n");
    let mut up = TendUp::spawn(&workspace, &config, &[]);
    assert_eq!(up.wait_exit().code(), Some(1));
    assert!(workspace.endpoint().is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn stop_unknown_component_exits_4_with_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    let supervisor = InProcess::start(vec![ticker("web", dir.path())], None).await;
    let workspace = &supervisor.workspace;

    let output = tokio::task::block_in_place(|| workspace.run(&["stop", "webb"]));
    assert_eq!(output.status.code(), Some(4), "{}", stderr(&output));
    assert!(stderr(&output).contains("did you mean \"web\""), "{}", stderr(&output));
    supervisor.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn status_show_logs_and_actions() {
    let dir = tempfile::tempdir().unwrap();
    let mut web = ticker("web", dir.path());
    web.env.insert("DB_PASSWORD".into(), "hunter2".into());
    let supervisor = InProcess::start(vec![web], None).await;
    supervisor.wait_for_state("web", "running").await;
    let workspace = &supervisor.workspace;
    let run = |args: &[&str]| tokio::task::block_in_place(|| workspace.run(args));

    let status = run(&["status"]);
    assert_eq!(status.status.code(), Some(0), "{}", stderr(&status));
    let table = stdout(&status);
    assert!(table.starts_with("NAME"), "{table}");
    assert!(
        table.lines().any(|line| line.starts_with("web") && line.contains("running")),
        "{table}"
    );
    assert!(!table.contains('\u{1b}'), "colours on a pipe: {table}");

    let json = run(&["status", "--json"]);
    let snapshot: serde_json::Value = serde_json::from_slice(&json.stdout).expect("status --json");
    assert_eq!(snapshot["components"][0]["name"], "web");

    let show = run(&["show", "web"]);
    assert_eq!(show.status.code(), Some(0), "{}", stderr(&show));
    let text = stdout(&show);
    assert!(text.contains("DB_PASSWORD=****"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
    assert!(text.contains("command:   sh -c"), "{text}");

    let logs = common::poll_until("two log lines", || async {
        let output = run(&["logs", "web", "-n", "2"]);
        let text = stdout(&output);
        (text.lines().count() == 2).then_some(text)
    })
    .await;
    assert!(logs.lines().all(|line| line.starts_with("tick")), "{logs}");

    let signal = run(&["signal", "web", "CONT"]);
    assert_eq!(signal.status.code(), Some(0), "{}", stderr(&signal));

    let stop = run(&["stop", "--all"]);
    assert_eq!(stop.status.code(), Some(0), "{}", stderr(&stop));
    assert!(stdout(&stop).contains("web: stopped"), "{}", stdout(&stop));

    let start = run(&["start", "web"]);
    assert_eq!(start.status.code(), Some(0), "{}", stderr(&start));
    supervisor.wait_for_state("web", "running").await;

    let usage = run(&["stop"]);
    assert_eq!(usage.status.code(), Some(2));

    let reload = run(&["reload"]);
    assert_eq!(reload.status.code(), Some(1));
    assert!(stderr(&reload).contains("config rejected"), "{}", stderr(&reload));
    supervisor.shutdown().await;
}

/// A config with one shell component printing a line every 100 ms.
const TICKER_CONFIG: &str = r#"
[components.web]
command = "i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.1; done"
shell = true
"#;

fn component_pid(workspace: &Workspace, name: &str) -> Option<u32> {
    let output = workspace.run(&["status", "--json"]);
    let snapshot: serde_json::Value = serde_json::from_slice(&output.stdout).ok()?;
    let component = snapshot["components"].as_array()?.iter().find(|c| c["name"] == name)?.clone();
    (component["state"] == "running")
        .then(|| component["pid"].as_u64())
        .flatten()
        .map(|pid| pid as u32)
}

fn is_alive(pid: u32) -> bool {
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid as i32), None).is_ok()
}

#[test]
fn up_runs_config_and_quit_stops_components() {
    let workspace = Workspace::new();
    let config = workspace.write_config(TICKER_CONFIG);
    let mut up = TendUp::spawn(&workspace, &config, &[]);
    workspace.wait_for_endpoint(up.pid());

    let pid = common::poll_until_blocking("web running", || component_pid(&workspace, "web"));
    assert!(is_alive(pid));
    let logs = common::poll_until_blocking("a log line", || {
        let text = stdout(&workspace.run(&["logs", "web", "-n", "1"]));
        (!text.is_empty()).then_some(text)
    });
    assert!(logs.starts_with("tick"), "{logs}");

    let quit = workspace.run(&["quit"]);
    assert_eq!(quit.status.code(), Some(0), "{}", stderr(&quit));
    assert_eq!(up.wait_exit().code(), Some(0));
    assert!(!is_alive(pid), "component {pid} survived the supervisor");
}

#[test]
fn reload_adds_component_and_reports_rejection() {
    let workspace = Workspace::new();
    let config = workspace.write_config(TICKER_CONFIG);
    let up = TendUp::spawn(&workspace, &config, &[]);
    workspace.wait_for_endpoint(up.pid());
    common::poll_until_blocking("web running", || component_pid(&workspace, "web"));

    let added = format!("{TICKER_CONFIG}\n[components.worker]\ncommand = [\"sleep\", \"60\"]\n");
    workspace.write_config(&added);
    let reload = workspace.run(&["reload"]);
    assert_eq!(reload.status.code(), Some(0), "{}", stderr(&reload));
    assert!(stdout(&reload).contains("added worker"), "{}", stdout(&reload));
    common::poll_until_blocking("worker running", || component_pid(&workspace, "worker"));

    workspace.write_config("[components.web]\ncommand = [\"sleep\"]\nrestart = \"sometimes\"\n");
    let rejected = workspace.run(&["reload"]);
    assert_eq!(rejected.status.code(), Some(1));
    assert!(stderr(&rejected).contains("restart"), "{}", stderr(&rejected));
    // The old config keeps running.
    assert!(component_pid(&workspace, "worker").is_some());
}

#[test]
fn invalid_config_exits_1_before_locking() {
    let workspace = Workspace::new();
    let config = workspace.write_config("[components.web]\ncomand = [\"sleep\", \"1\"]\n");
    let mut up = TendUp::spawn(&workspace, &config, &[]);
    assert_eq!(up.wait_exit().code(), Some(1));
    assert!(!workspace.state_dir().join("tend.lock").exists());
}

#[test]
fn up_dashboard_flag_prints_url() {
    use std::io::{BufRead, BufReader};
    let workspace = Workspace::new();
    let config = workspace.write_config("");
    let mut up = TendUp::spawn(&workspace, &config, &["--dashboard"]);
    let endpoint = workspace.wait_for_endpoint(up.pid());
    let address = endpoint.http.expect("--dashboard turns on tcp");

    let mut first_line = String::new();
    let out = up.child.stdout.take().expect("stdout piped");
    BufReader::new(out).read_line(&mut first_line).expect("read the dashboard line");
    assert!(
        first_line.starts_with(&format!("dashboard: http://{address}/#token=")),
        "{first_line}"
    );
}
