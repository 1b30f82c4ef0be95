//! Helpers for tests that run the supervisor actor inside the test process
//! from a `tend.toml` text. Every component gets a marker variable unique to
//! the test, and dropping the stack kills every marked process still alive.
//! Snapshots and events are awaited with a deadline.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use tend::event::{ComponentSnapshot, EventBody, Snapshot};
use tend::state::StateName;
use tend::supervisor::{self, Subscription, SupervisorHandle};
use tokio::sync::broadcast::error::RecvError;

/// Maximum time any single wait in a test may take.
pub const DEADLINE: Duration = Duration::from_secs(20);

/// The variable set in every component's environment; its value is the test's folder.
const MARKER: &str = "TEND_TEST_RUN";

/// A supervisor running a config written to a temporary folder.
pub struct Stack {
    pub handle: SupervisorHandle,
    pub dir: tempfile::TempDir,
}

impl Stack {
    /// Writes `toml` as `tend.toml` in a new temporary folder (component
    /// paths and working directories are relative to it) and starts the
    /// supervisor with its state in `state/`.
    pub fn start(toml: &str) -> Stack {
        let dir = tempfile::tempdir().expect("create a temporary folder");
        Stack::start_in(dir, toml)
    }

    /// Like [`Stack::start`], in a folder the test prepared.
    pub fn start_in(dir: tempfile::TempDir, toml: &str) -> Stack {
        let path = dir.path().join("tend.toml");
        std::fs::write(&path, toml).expect("write tend.toml");
        let mut config = tend::config::load(&path).unwrap_or_else(|errors| panic!("{errors}"));
        let marker = dir.path().display().to_string();
        for component in config.components.values_mut() {
            component.env.insert(MARKER.to_string(), marker.clone());
        }
        let options = supervisor::Options { state_dir: dir.path().join("state") };
        Stack { handle: supervisor::start(config, options), dir }
    }

    /// Joins `name` to the test's folder.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Polls snapshots until `predicate` holds, or panics with the last snapshot.
    pub async fn wait_until(&self, what: &str, predicate: impl Fn(&Snapshot) -> bool) -> Snapshot {
        let deadline = tokio::time::Instant::now() + DEADLINE;
        loop {
            let snapshot = self.handle.snapshot().await.expect("supervisor is running");
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

    /// Waits until component `name` is in `state` and returns its snapshot.
    pub async fn wait_for_state(&self, name: &str, state: StateName) -> ComponentSnapshot {
        let what = format!("{name} to be {state}");
        let snapshot = self.wait_until(&what, |s| state_of(s, name) == state).await;
        snapshot.component(name).expect("component exists").clone()
    }

    /// Shuts the supervisor down and waits for the actor to end, with a deadline.
    pub async fn shutdown(&self) {
        let stop = async {
            self.handle.shutdown().await.expect("shutdown succeeds");
            self.handle.finished().await;
        };
        tokio::time::timeout(DEADLINE, stop).await.expect("shutdown finished before the deadline");
    }

    /// Lists live processes that carry this test's marker.
    pub fn marked_processes(&self) -> Vec<u32> {
        let entry = format!("{MARKER}={}", self.dir.path().display());
        processes_with_env(&entry)
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        // A test that failed halfway must still leave nothing running.
        for pid in self.marked_processes() {
            let _ = kill(Pid::from_raw(pid as i32), Signal::SIGKILL);
        }
    }
}

/// Returns the state of component `name`, panicking if the snapshot lacks it.
pub fn state_of(snapshot: &Snapshot, name: &str) -> StateName {
    snapshot.component(name).unwrap_or_else(|| panic!("no component {name}")).state
}

/// Returns the pid of component `name`'s live run, if it has one.
pub fn pid_of(snapshot: &Snapshot, name: &str) -> Option<u32> {
    snapshot.component(name).and_then(|component| component.pid)
}

/// Reads component events until one for `name` satisfies `matches`, with a deadline.
pub async fn next_component_event(
    subscription: &mut Subscription,
    name: &str,
    what: &str,
    matches: impl Fn(&ComponentSnapshot) -> bool,
) -> ComponentSnapshot {
    let search = async {
        loop {
            match subscription.events.recv().await {
                Ok(event) => {
                    if let EventBody::Component { component, .. } = event.body
                        && component.name == name
                        && matches(&component)
                    {
                        return *component;
                    }
                }
                Err(RecvError::Lagged(missed)) => panic!("missed {missed} events before {what}"),
                Err(RecvError::Closed) => panic!("event stream ended before {what}"),
            }
        }
    };
    tokio::time::timeout(DEADLINE, search)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

/// Finds a loopback port that was free a moment ago.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    listener.local_addr().expect("local address").port()
}

/// Checks whether `pid` is a live process (not a zombie).
pub fn pid_alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat.rfind(')').is_some_and(|end| !stat[end..].starts_with(") Z")),
        Err(_) => false,
    }
}

/// Lists live processes whose initial environment contains `entry` (`NAME=value`).
pub fn processes_with_env(entry: &str) -> Vec<u32> {
    let Ok(proc) = std::fs::read_dir("/proc") else { return Vec::new() };
    let needle = entry.as_bytes();
    proc.flatten()
        .filter_map(|process| process.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/environ"))
                .is_ok_and(|environ| environ.split(|byte| *byte == 0).any(|item| item == needle))
        })
        .filter(|pid| pid_alive(*pid))
        .collect()
}

/// Reads a file of one number per line (e.g. `date +%s%N` output).
pub fn read_numbers(path: &Path) -> Vec<u128> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| line.trim().parse().ok())
        .collect()
}
