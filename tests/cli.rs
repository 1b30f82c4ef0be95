//! The `tend` binary: `tend up` as a real child process, and the client
//! commands against it or against a supervisor run in the test process.

mod common;

use std::io::{BufRead, BufReader};
use std::time::Duration;

use common::{DEADLINE, InProcess, TendUp, Workspace, poll_until_blocking, ticker};
use nix::sys::signal::Signal;
use tend::config::{ComponentConfig, RestartPolicy};

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

/// Counts the lines of a file, 0 when it does not exist.
fn line_count(path: &std::path::Path) -> usize {
    std::fs::read_to_string(path).map_or(0, |text| text.lines().count())
}

#[test]
fn second_up_refused_naming_first_pid() {
    let workspace = Workspace::new();
    let starts = workspace.root.path().join("starts");
    // Each start of web appends a line to `starts`.
    let config = workspace.write_config(&format!(
        "[components.web]\ncommand = \"echo start >> '{}'; exec sleep 60\"\nshell = true\n",
        starts.display()
    ));
    let first = TendUp::spawn(&workspace, &config, &[]);
    workspace.wait_for_endpoint(first.pid());
    poll_until_blocking("web started once", || (line_count(&starts) == 1).then_some(()));

    let second = workspace
        .tend(&["up", "--config", config.to_str().unwrap()])
        .output()
        .expect("run a second tend up");
    assert_eq!(second.status.code(), Some(1), "{}", stderr(&second));
    assert_eq!(line_count(&starts), 1, "the second tend up started nothing");
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

#[test]
fn sigterm_stops_every_component() {
    let workspace = Workspace::new();
    let worker = "\n[components.worker]\ncommand = [\"sleep\", \"60\"]\n";
    let config = workspace.write_config(&format!("{TICKER_CONFIG}{worker}"));
    let mut up = TendUp::spawn(&workspace, &config, &[]);
    workspace.wait_for_endpoint(up.pid());
    let web = poll_until_blocking("web running", || component_pid(&workspace, "web"));
    let worker = poll_until_blocking("worker running", || component_pid(&workspace, "worker"));

    up.signal(Signal::SIGTERM);
    assert_eq!(up.wait_exit().code(), Some(0), "tend up exits 0 on SIGTERM");
    assert!(!is_running(web), "web ({web}) survived SIGTERM to tend up");
    assert!(!is_running(worker), "worker ({worker}) survived SIGTERM to tend up");
}

/// Checks whether `pid` is a live process. A zombie waiting for its new
/// parent to reap it counts as gone.
fn is_running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|stat| stat.rfind(')').is_some_and(|end| !stat[end..].starts_with(") Z")))
}

/// Returns a component's pid from the in-process supervisor, while it has one.
async fn pid_of(supervisor: &InProcess, name: &str) -> Option<u32> {
    let snapshot = supervisor.handle.snapshot().await.ok()?;
    snapshot.component(name)?.pid
}

/// Builds a component that runs `script` with `sh -c` in `dir`.
fn shell_component(name: &str, script: &str, dir: &std::path::Path) -> ComponentConfig {
    let argv = vec!["sh".to_string(), "-c".to_string(), script.to_string()];
    ComponentConfig::with_defaults(name, argv, dir.to_path_buf())
}

/// Counts the lines of `path` that equal `text`.
fn lines_equal(path: &std::path::Path, text: &str) -> usize {
    std::fs::read_to_string(path).map_or(0, |all| all.lines().filter(|line| *line == text).count())
}

#[tokio::test(flavor = "multi_thread")]
async fn restart_failed_spares_healthy() {
    let dir = tempfile::tempdir().unwrap();
    let starts = dir.path().join("starts");
    // Each start appends the component's name to `starts`, then exits 1.
    let script = |name: &str| format!("echo {name} >> '{}'; exit 1", starts.display());
    // `exited` stays exited because its policy never restarts it. `fatal`
    // gives up after one restart.
    let mut exited = shell_component("exited", &script("exited"), dir.path());
    exited.restart = RestartPolicy::Never;
    let mut fatal = shell_component("fatal", &script("fatal"), dir.path());
    fatal.max_restarts = 1;
    fatal.fatal_retry = None;
    fatal.backoff.initial = Duration::from_millis(10);
    let supervisor = InProcess::start(vec![ticker("web", dir.path()), exited, fatal], None).await;
    supervisor.wait_for_state("exited", "exited").await;
    supervisor.wait_for_state("fatal", "fatal").await;
    supervisor.wait_for_state("web", "running").await;
    let web = pid_of(&supervisor, "web").await.expect("running web has a pid");
    let exited_starts = lines_equal(&starts, "exited");
    let fatal_starts = lines_equal(&starts, "fatal");

    let workspace = &supervisor.workspace;
    let output = tokio::task::block_in_place(|| workspace.run(&["restart", "--failed"]));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("exited: restarted"), "{text}");
    assert!(text.contains("fatal: restarted"), "{text}");
    assert!(!text.contains("web"), "web is not failed: {text}");

    common::poll_until("exited and fatal started again", || async {
        let again = lines_equal(&starts, "exited") > exited_starts
            && lines_equal(&starts, "fatal") > fatal_starts;
        again.then_some(())
    })
    .await;
    assert_eq!(pid_of(&supervisor, "web").await, Some(web), "web kept its process");
    supervisor.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn logs_n_prints_last_lines() {
    let dir = tempfile::tempdir().unwrap();
    let script = "for i in 1 2 3 4 5 6 7 8 9 10; do echo line $i; done; exec sleep 60";
    let counter = shell_component("counter", script, dir.path());
    let supervisor = InProcess::start(vec![counter], None).await;
    let workspace = &supervisor.workspace;
    let run = |args: &[&str]| tokio::task::block_in_place(|| workspace.run(args));
    common::poll_until("ten log lines", || async {
        (stdout(&run(&["logs", "counter"])).lines().count() == 10).then_some(())
    })
    .await;

    let output = run(&["logs", "counter", "-n", "3"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output), "line 8\nline 9\nline 10\n", "the last three lines, in order");
    supervisor.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn logs_since_filters_by_time() {
    let dir = tempfile::tempdir().unwrap();
    // Two lines at once, two more once the file `go` exists.
    let script = "echo early 1; echo early 2; while [ ! -f go ]; do sleep 0.02; done; echo late 1; echo late 2; exec sleep 60";
    let phases = shell_component("phases", script, dir.path());
    let supervisor = InProcess::start(vec![phases], None).await;
    let workspace = &supervisor.workspace;
    let run = |args: &[&str]| tokio::task::block_in_place(|| workspace.run(args));
    common::poll_until("the early lines", || async {
        (stdout(&run(&["logs", "phases"])).lines().count() == 2).then_some(())
    })
    .await;

    // Log times have millisecond precision: this pause puts `since` in a
    // later millisecond than the early lines.
    tokio::time::sleep(Duration::from_millis(20)).await;
    let since = humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string();
    std::fs::write(dir.path().join("go"), "").unwrap();
    common::poll_until("the late lines", || async {
        (stdout(&run(&["logs", "phases"])).lines().count() == 4).then_some(())
    })
    .await;

    let output = run(&["logs", "phases", "--since", &since]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output), "late 1\nlate 2\n", "only lines at or after {since}");
    let output = run(&["logs", "phases", "--since", "1h"]);
    assert_eq!(
        stdout(&output),
        "early 1\nearly 2\nlate 1\nlate 2\n",
        "every line of the last hour"
    );
    supervisor.shutdown().await;
}

/// A child process killed and reaped on drop.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn logs_follow_prints_new_line() {
    let dir = tempfile::tempdir().unwrap();
    let supervisor = InProcess::start(vec![ticker("web", dir.path())], None).await;
    supervisor.wait_for_state("web", "running").await;
    let mut command = supervisor.workspace.tend(&["logs", "-f", "web", "-n", "1"]);
    let mut follower = KillOnDrop(
        command.stdout(std::process::Stdio::piped()).spawn().expect("spawn tend logs -f"),
    );

    // A thread reads stdout, so the test can wait for each line with a deadline.
    let out = follower.0.stdout.take().expect("stdout piped");
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    let number = |line: &str| -> u64 {
        line.strip_prefix("tick ")
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("not a tick line: {line:?}"))
    };
    let next_line = |what: &str| {
        tokio::task::block_in_place(|| receiver.recv_timeout(DEADLINE))
            .unwrap_or_else(|error| panic!("no {what} from tend logs -f: {error}"))
    };
    let tail = number(&next_line("tail line"));
    let followed = number(&next_line("followed line"));
    assert!(followed > tail, "tick {followed} was printed after the tail's tick {tail}");
    assert!(matches!(follower.0.try_wait(), Ok(None)), "tend logs -f keeps running after printing");

    drop(follower);
    supervisor.shutdown().await;
}
