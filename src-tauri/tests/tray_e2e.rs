//! End to end: the built `tend-app` under Xvfb on a private session bus,
//! driven through its tray menu over dbusmenu, with a recording
//! notification server. Run with `cargo test -p tend-app --test tray_e2e`;
//! the test re-executes itself under `xvfb-run` and `dbus-run-session`.

mod desktop;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use desktop::{Entry, TrayMenu, invoke_action, start_desktop, wait_for};

/// Set in the re-executed test, which runs inside the private desktop.
const INSIDE: &str = "TEND_TRAY_E2E_INSIDE";

const BUS_CONFIG: &str = r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=TMPDIR</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#;

#[test]
fn tray_end_to_end() {
    if std::env::var_os(INSIDE).is_some() {
        tokio::runtime::Runtime::new().unwrap().block_on(scenario());
        return;
    }
    // No service directories in the bus config, so nothing is auto-started
    // (an installed notification daemon, the accessibility bus).
    let bus_dir = tempfile::tempdir().unwrap();
    let config = bus_dir.path().join("bus.conf");
    let socket_dir = bus_dir.path().join("sockets");
    std::fs::create_dir(&socket_dir).unwrap();
    std::fs::write(&config, BUS_CONFIG.replace("TMPDIR", &socket_dir.display().to_string()))
        .unwrap();

    let status = Command::new("xvfb-run")
        .args(["-a", "-s", "-screen 0 1280x800x24", "dbus-run-session"])
        .arg(format!("--config-file={}", config.display()))
        .arg("--")
        .arg(std::env::current_exe().unwrap())
        .args(["--exact", "tray_end_to_end", "--nocapture"])
        .env(INSIDE, "1")
        .status()
        .expect("xvfb-run and dbus-run-session are needed: apt-get install xvfb xauth dbus-daemon dbus-bin");
    assert!(status.success(), "the tray scenario failed: {status}");
}

/// Kills the app and every component pid it recorded when a test fails half way.
struct Cleanup {
    app: Option<Child>,
    pid_file: PathBuf,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if let Some(app) = self.app.as_mut() {
            let _ = app.kill();
            let _ = app.wait();
        }
        if let Some(pid) = read_pid(&self.pid_file) {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid as i32),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
    }
}

fn read_pid(path: &Path) -> Option<u32> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| !stat.contains(") Z "))
}

const CONFIG: &str = r#"
[notifications]
startup_grace = "1s"
rate_limit = "1s"

[components.web]
# `$$` is a literal `$` in tend.toml, so `$$$$` reaches sh as `$$`.
command = ["sh", "-c", "echo $$$$ > web.pid; exec sleep 600"]
backoff = { initial = "200ms", jitter = 0.0 }
min_uptime = "500ms"
stop_timeout = "3s"
"#;

async fn scenario() {
    let (connection, watcher, server) = start_desktop().await;
    let home = tempfile::tempdir().unwrap();
    let config_dir = home.path().join("project");
    let runtime_dir = home.path().join("runtime");
    for dir in [&config_dir, &runtime_dir] {
        std::fs::create_dir_all(dir).unwrap();
    }
    std::fs::set_permissions(&runtime_dir, std::os::unix::fs::PermissionsExt::from_mode(0o700))
        .unwrap();
    std::fs::write(config_dir.join("tend.toml"), CONFIG).unwrap();
    let pid_file = config_dir.join("web.pid");

    let app = Command::new(env!("CARGO_BIN_EXE_tend-app"))
        .arg("--config")
        .arg(config_dir.join("tend.toml"))
        .arg("--state-dir")
        .arg(home.path().join("state"))
        .env("XDG_RUNTIME_DIR", &runtime_dir)
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_STATE_HOME", home.path().join("state-home"))
        .env("RUST_LOG", "info,tend_app=debug")
        .stdin(Stdio::null())
        .spawn()
        .expect("cannot start tend-app");
    let mut cleanup = Cleanup { app: Some(app), pid_file: pid_file.clone() };

    // The tray item registers with the watcher.
    let (sender, service) =
        wait_for("the tray item to register", || async { watcher.items().into_iter().next() })
            .await;
    let menu = TrayMenu::of_item(&connection, &sender, &service).await;

    // A second tend-app on the same state directory hands over to the first and exits.
    let second = Command::new(env!("CARGO_BIN_EXE_tend-app"))
        .arg("--config")
        .arg(config_dir.join("tend.toml"))
        .arg("--state-dir")
        .arg(home.path().join("state"))
        .env("XDG_RUNTIME_DIR", &runtime_dir)
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot start a second tend-app");
    let second = tokio::task::spawn_blocking(move || second.wait_with_output()).await.unwrap();
    let second = second.expect("the second tend-app ran");
    let said = String::from_utf8_lossy(&second.stderr).to_string()
        + &String::from_utf8_lossy(&second.stdout);
    assert!(second.status.success(), "second tend-app: {}\n{said}", second.status);
    assert!(said.contains("brought forward"), "second tend-app output: {said}");

    // The menu shows the component running, with the fixed items.
    let layout = wait_for("web running in the menu", || async {
        let layout = menu.layout(&connection).await;
        layout.find(&|label| label == "web — running").is_some().then_some(layout)
    })
    .await;
    for label in [
        "1 running",
        "Restart failed (0)",
        "Open Tend",
        "Pause notifications",
        "Reload config",
        "Start at login",
        "Quit Tend",
    ] {
        assert!(
            layout.find(&|candidate| candidate == label).is_some(),
            "no menu item {label:?}: {layout:#?}"
        );
    }
    let restart_failed = layout.find(&|label| label == "Restart failed (0)").unwrap();
    assert!(!restart_failed.enabled, "Restart failed (0) is enabled");
    let tooltip = menu.item_property(&connection, "ToolTip").await;
    assert!(format!("{tooltip:?}").contains("Tend: 1 running"), "tooltip: {tooltip:?}");

    // Restart from the menu gives the component a new pid.
    let first_pid = wait_for("web's pid file", || async { read_pid(&pid_file) }).await;
    let restart = submenu_item(&layout, "web — ", "Restart");
    menu.click(&connection, restart.id).await;
    let second_pid = wait_for("web's pid to change after Restart", || async {
        read_pid(&pid_file).filter(|pid| *pid != first_pid && alive(*pid))
    })
    .await;
    assert!(!alive(first_pid), "the old web process {first_pid} is still alive");
    let state_dir = home.path().join("state");
    let api_pid = wait_for("the API to report web's new pid", || async {
        api_pid(&state_dir, "web").filter(|pid| *pid == second_pid)
    })
    .await;
    assert_eq!(api_pid, second_pid);

    // A crash is one notification naming the component and the diagnosis.
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(second_pid as i32),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    let failed = wait_for("the failure notification", || async {
        server.notes().into_iter().find(|note| note.summary == "web failed")
    })
    .await;
    assert_eq!(failed.app_name, "Tend");
    assert!(failed.body.contains("SIGKILL"), "body without the diagnosis: {:?}", failed.body);
    assert!(failed.actions.contains(&"restart".to_string()), "{:?}", failed.actions);
    assert!(failed.actions.contains(&"show-logs".to_string()), "{:?}", failed.actions);

    // It restarts by itself and, once it has stayed up, recovers.
    let third_pid = wait_for("web to restart after the kill", || async {
        read_pid(&pid_file).filter(|pid| *pid != second_pid && alive(*pid))
    })
    .await;
    let recovered = wait_for("the recovery notification", || async {
        server.notes().into_iter().find(|note| note.summary == "web recovered")
    })
    .await;
    assert!(
        recovered.body.contains("SIGKILL"),
        "recovery without what failed: {:?}",
        recovered.body
    );

    // The notification's Restart button restarts the component.
    invoke_action(&connection, failed.id, "restart").await;
    let fourth_pid = wait_for("web's pid to change after the notification action", || async {
        read_pid(&pid_file).filter(|pid| *pid != third_pid && alive(*pid))
    })
    .await;

    // Paused, a crash sends nothing.
    let layout = menu.layout(&connection).await;
    let pause = layout.find(&|label| label == "Pause notifications").unwrap().clone();
    menu.click(&connection, pause.id).await;
    wait_for("the pause check mark", || async {
        let layout = menu.layout(&connection).await;
        let item = layout.find(&|label| label == "Pause notifications")?.clone();
        (item.checked == Some(true)).then_some(())
    })
    .await;
    // The app saves the switch after it updates the menu, so poll for the file.
    let prefs = home.path().join("state/app-prefs.json");
    wait_for("the pause switch saved", || async {
        std::fs::read_to_string(&prefs).ok().filter(|text| text.contains("true")).map(|_| ())
    })
    .await;
    // Let the 1 s rate limit window of the last notification close first, so
    // that only the pause can hold back the failure notification below.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let sent_before = server.notes().len();
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(fourth_pid as i32),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    let fifth_pid = wait_for("web to restart while paused", || async {
        read_pid(&pid_file).filter(|pid| *pid != fourth_pid && alive(*pid))
    })
    .await;
    wait_for("web running again in the menu", || async {
        let layout = menu.layout(&connection).await;
        layout.find(&|label| label == "web — running").map(|_| ())
    })
    .await;
    let sent_while_paused: Vec<_> = server.notes().into_iter().skip(sent_before).collect();
    assert!(sent_while_paused.is_empty(), "sent while paused: {sent_while_paused:?}");

    // Quit stops every component and exits.
    let layout = menu.layout(&connection).await;
    let quit = layout.find(&|label| label == "Quit Tend").unwrap().clone();
    menu.click(&connection, quit.id).await;
    let mut app = cleanup.app.take().unwrap();
    let status = wait_for("tend-app to exit after Quit", || {
        let status = app.try_wait().unwrap();
        async move { status }
    })
    .await;
    assert!(status.success(), "tend-app exited with {status}");
    assert!(!alive(fifth_pid), "web ({fifth_pid}) survived Quit");
}

/// The item labelled `label` in the submenu whose label starts with `prefix`.
fn submenu_item(layout: &Entry, prefix: &str, label: &str) -> Entry {
    let submenu = layout
        .find(&|candidate| candidate.starts_with(prefix))
        .unwrap_or_else(|| panic!("no submenu {prefix:?}: {layout:#?}"));
    submenu
        .children
        .iter()
        .find(|child| child.label == label)
        .unwrap_or_else(|| panic!("no {label:?} in {submenu:#?}"))
        .clone()
}

/// Web's pid as `GET /v1/components` on the app's Unix socket reports it.
fn api_pid(state_dir: &Path, name: &str) -> Option<u32> {
    use std::io::{Read, Write};
    let endpoint: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(state_dir.join("endpoint.json")).ok()?)
            .ok()?;
    let socket = endpoint["socket"].as_str()?;
    let mut stream = std::os::unix::net::UnixStream::connect(socket).ok()?;
    stream
        .write_all(b"GET /v1/components HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let (_, body) = response.split_once("\r\n\r\n")?;
    let snapshot: serde_json::Value = serde_json::from_str(body).ok()?;
    let component =
        snapshot["components"].as_array()?.iter().find(|component| component["name"] == name)?;
    component["pid"].as_u64().map(|pid| pid as u32)
}
