//! Helpers for the end-to-end tests of whole example stacks. A test copies an
//! example folder into a temporary directory, passes free ports through the
//! config's `${VAR}` and starts the supervisor in-process. It polls with a
//! deadline, and a guard kills every process group the test saw.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tend::config::{self, Config};
use tend::event::{ComponentSnapshot, Snapshot};
use tend::supervisor::{self, SupervisorHandle};

/// Time between two snapshots while polling.
const POLL_INTERVAL: Duration = Duration::from_millis(100);
/// Maximum time for a shutdown to stop every component.
const SHUTDOWN_DEADLINE: Duration = Duration::from_secs(30);

/// Copies `examples/NAME` of the repository to `dest/examples/NAME`, so that
/// paths relative to the config (`../../.tend/...`) stay inside `dest`.
pub fn copy_example(name: &str, dest: &Path) -> PathBuf {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples").join(name);
    let target = dest.join("examples").join(name);
    copy_dir(&source, &target);
    target
}

fn copy_dir(source: &Path, target: &Path) {
    std::fs::create_dir_all(target).unwrap_or_else(|error| panic!("create {target:?}: {error}"));
    let entries =
        std::fs::read_dir(source).unwrap_or_else(|error| panic!("read {source:?}: {error}"));
    for entry in entries {
        let entry = entry.expect("directory entry");
        let path = entry.path();
        if entry.file_name() == "__pycache__" {
            continue;
        }
        let to = target.join(entry.file_name());
        if path.is_dir() {
            copy_dir(&path, &to);
        } else {
            std::fs::copy(&path, &to).unwrap_or_else(|error| panic!("copy {path:?}: {error}"));
        }
    }
}

/// Returns a loopback port that was free a moment ago (bound, then released).
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    listener.local_addr().expect("local address").port()
}

/// Loads `tend.toml` from `dir` with `overrides` on top of the process
/// environment, so tests pass ports without touching their own environment.
pub fn load_config(dir: &Path, overrides: &BTreeMap<&str, String>) -> Config {
    let path = dir.join("tend.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path:?}: {error}"));
    let lookup = |name: &str| overrides.get(name).cloned().or_else(|| std::env::var(name).ok());
    config::parse_str(&text, &path, &lookup)
        .unwrap_or_else(|errors| panic!("{} is invalid:\n{errors}", path.display()))
}

/// A supervisor running one stack. On drop it kills the process group of
/// every pid a snapshot showed, as long as that process still runs inside
/// the test's folder, so a failed assertion leaves nothing behind.
pub struct Stack {
    pub handle: SupervisorHandle,
    root: PathBuf,
    seen: Mutex<BTreeSet<u32>>,
}

impl Stack {
    /// Starts `config` with the state directory it names, which must lie
    /// inside `root` (the test's temporary folder).
    pub fn start(config: Config, root: &Path) -> Stack {
        let state_dir = config.supervisor.state_dir.clone().expect("the example sets state_dir");
        assert!(state_dir.starts_with(root), "state dir {state_dir:?} is outside {root:?}");
        let handle = supervisor::start(config, supervisor::Options { state_dir });
        Stack { handle, root: root.to_path_buf(), seen: Mutex::new(BTreeSet::new()) }
    }

    /// Takes a snapshot and records its pids for the drop guard.
    pub async fn snapshot(&self) -> Snapshot {
        let snapshot = self.handle.snapshot().await.expect("supervisor is running");
        let mut seen = self.seen.lock().expect("no panic while holding the lock");
        seen.extend(snapshot.components.iter().filter_map(|component| component.pid));
        snapshot
    }

    /// Returns every pid a snapshot has shown so far.
    pub fn seen_pids(&self) -> BTreeSet<u32> {
        self.seen.lock().expect("no panic while holding the lock").clone()
    }

    /// Polls snapshots until `predicate` holds; on timeout, panics with the
    /// states and diagnoses of every component.
    pub async fn wait_until(
        &self,
        condition: &str,
        deadline: Duration,
        predicate: impl Fn(&Snapshot) -> bool,
    ) -> Snapshot {
        let end = tokio::time::Instant::now() + deadline;
        loop {
            let snapshot = self.snapshot().await;
            if predicate(&snapshot) {
                return snapshot;
            }
            if tokio::time::Instant::now() > end {
                panic!(
                    "timed out after {deadline:?} waiting for {condition}:\n{}",
                    describe(&snapshot)
                );
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    /// Stops every component, ends the supervisor and checks that no pid
    /// seen during the test is still alive.
    pub async fn shutdown(&self) {
        self.snapshot().await;
        self.handle.shutdown().await.expect("shutdown succeeds");
        tokio::time::timeout(SHUTDOWN_DEADLINE, self.handle.finished())
            .await
            .expect("supervisor finished");
        let alive: Vec<u32> = self.seen_pids().into_iter().filter(|pid| pid_alive(*pid)).collect();
        assert!(alive.is_empty(), "processes alive after shutdown: {alive:?}");
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        let seen = self.seen.get_mut().map(std::mem::take).unwrap_or_default();
        for pid in seen {
            // The cwd check keeps a recycled pid of some other program safe.
            if pid_alive(pid) && runs_inside(pid, &self.root) {
                let _ = killpg(Pid::from_raw(pid as i32), Signal::SIGKILL);
            }
        }
    }
}

fn runs_inside(pid: u32, root: &Path) -> bool {
    std::fs::read_link(format!("/proc/{pid}/cwd")).is_ok_and(|cwd| cwd.starts_with(root))
}

/// Returns whether `pid` exists and is not a zombie.
pub fn pid_alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            !stat.rsplit_once(')').is_some_and(|(_, rest)| rest.trim_start().starts_with('Z'))
        }
        Err(_) => false,
    }
}

/// Formats one line per component: state, restarts and diagnosis.
pub fn describe(snapshot: &Snapshot) -> String {
    snapshot.components.iter().map(describe_component).collect::<Vec<_>>().join("\n")
}

fn describe_component(component: &ComponentSnapshot) -> String {
    let diagnosis = component
        .diagnosis
        .as_ref()
        .map(|diagnosis| format!("{:?}: {}", diagnosis.kind, diagnosis.one_line()))
        .unwrap_or_default();
    format!(
        "  {} {} (restarts {}, pid {:?}) {diagnosis}",
        component.name, component.state, component.restarts, component.pid
    )
}

/// Returns the named component of a snapshot. Panics when the config lacks it.
pub fn component<'s>(snapshot: &'s Snapshot, name: &str) -> &'s ComponentSnapshot {
    snapshot.component(name).unwrap_or_else(|| panic!("no component {name:?} in the snapshot"))
}
