//! `tend-app` on a state directory whose lock another supervisor holds, as
//! `tend up` would: it names the holder and exits without starting anything.
//! The lock is checked before any window or tray exists, so no display is needed.

use std::process::{Command, Stdio};

#[test]
fn app_refuses_state_dir_held_by_tend_up() {
    let home = tempfile::tempdir().unwrap();
    let state_dir = home.path().join("state");
    let runtime_dir = home.path().join("runtime");
    std::fs::create_dir_all(&runtime_dir).unwrap();
    let config = home.path().join("tend.toml");
    let marker = home.path().join("started");
    let command = format!("command = [\"touch\", \"{}\"]", marker.display());
    std::fs::write(&config, format!("[components.web]\n{command}\n")).unwrap();
    let _lock = tend::instance::InstanceLock::acquire(&state_dir).expect("lock taken");

    let output = Command::new(env!("CARGO_BIN_EXE_tend-app"))
        .arg("--config")
        .arg(&config)
        .arg("--state-dir")
        .arg(&state_dir)
        .env("XDG_RUNTIME_DIR", &runtime_dir)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .stdin(Stdio::null())
        .output()
        .expect("tend-app runs");

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "tend-app should refuse: {stderr}");
    let pid = std::process::id().to_string();
    assert!(stderr.contains(&pid), "names the holder's pid {pid}: {stderr}");
    assert!(stderr.contains("tend quit"), "says how to stop it: {stderr}");
    assert!(!marker.exists(), "no component was started");
}
