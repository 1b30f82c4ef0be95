//! Spawning components in their own session, signalling and stopping their
//! process trees, and reaping orphans.
//!
//! NOTE: a minimal placeholder with the final interface; the full version
//! (subreaper, pidfds, descendant tracking) replaces it.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use tokio::process::{Child, ChildStderr, ChildStdout};

pub struct SpawnSpec {
    pub component: String,
    pub argv: Vec<String>,
    pub cwd: PathBuf,
    pub env: BTreeMap<String, String>,
    pub run_id: u64,
}

#[derive(Debug, thiserror::Error)]
#[error("failed to start {program:?}: {source}")]
pub struct SpawnError {
    pub program: String,
    #[source]
    pub source: std::io::Error,
}

pub struct Spawned {
    pub pid: u32,
    pub pgid: u32,
    pub child: Child,
    pub stdout: ChildStdout,
    pub stderr: ChildStderr,
    pub tree: ProcessTree,
}

#[derive(Debug, Default, Clone)]
pub struct StopReport {
    pub survivors: Vec<(u32, String)>,
}

pub struct ProcessTree {
    pgid: u32,
}

impl ProcessTree {
    pub fn members(&mut self) -> Vec<u32> {
        let alive =
            nix::sys::signal::killpg(nix::unistd::Pid::from_raw(self.pgid as i32), None).is_ok();
        if alive { vec![self.pgid] } else { Vec::new() }
    }

    pub async fn stop(&mut self, signal: i32, timeout: Duration) -> StopReport {
        use nix::sys::signal::{Signal, killpg};
        let group = nix::unistd::Pid::from_raw(self.pgid as i32);
        if let Ok(signal) = Signal::try_from(signal) {
            let _ = killpg(group, signal);
        }
        let deadline = tokio::time::Instant::now() + timeout;
        while killpg(group, None).is_ok() && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let _ = killpg(group, Signal::SIGKILL);
        StopReport::default()
    }

    pub fn signal(&mut self, signal: i32) -> std::io::Result<usize> {
        let signal = nix::sys::signal::Signal::try_from(signal).map_err(std::io::Error::from)?;
        nix::sys::signal::killpg(nix::unistd::Pid::from_raw(self.pgid as i32), signal)?;
        Ok(1)
    }
}

pub fn init_supervisor() -> std::io::Result<()> {
    Ok(())
}

pub fn spawn(spec: &SpawnSpec) -> Result<Spawned, SpawnError> {
    let mut command = tokio::process::Command::new(&spec.argv[0]);
    command
        .args(&spec.argv[1..])
        .current_dir(&spec.cwd)
        .envs(&spec.env)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .process_group(0);
    let mut child =
        command.spawn().map_err(|source| SpawnError { program: spec.argv[0].clone(), source })?;
    let pid = child.id().unwrap_or_default();
    let stdout = child.stdout.take().expect("stdout is piped");
    let stderr = child.stderr.take().expect("stderr is piped");
    Ok(Spawned { pid, pgid: pid, child, stdout, stderr, tree: ProcessTree { pgid: pid } })
}

pub fn signal_name(signal: i32) -> String {
    nix::sys::signal::Signal::try_from(signal)
        .map(|signal| signal.as_str().to_string())
        .unwrap_or_else(|_| format!("signal {signal}"))
}

pub fn parse_signal(text: &str) -> Option<i32> {
    if let Ok(number) = text.parse::<i32>() {
        return Some(number);
    }
    let name = if text.starts_with("SIG") { text.to_string() } else { format!("SIG{text}") };
    name.parse::<nix::sys::signal::Signal>().ok().map(|signal| signal as i32)
}

/// Whether `pid` is a member of process group `pgid` (from `/proc/PID/stat`).
pub fn pid_in_group(pid: u32, pgid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { return false };
    // The command name may hold spaces and parentheses; fields resume after the last ')'.
    let Some(rest) = stat.rfind(')').map(|index| &stat[index + 1..]) else { return false };
    rest.split_whitespace().nth(2).and_then(|field| field.parse::<u32>().ok()) == Some(pgid)
}

/// This boot's id (`/proc/sys/kernel/random/boot_id`), to tell a recycled pid after a reboot.
pub fn boot_id() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/random/boot_id").ok().map(|id| id.trim().to_string())
}

/// A process's start time in clock ticks after boot (field 22 of `/proc/PID/stat`).
pub fn start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(19)?.parse().ok()
}

/// Sends SIGTERM to a process group, then SIGKILL after `timeout`.
pub async fn stop_group(pgid: u32, timeout: Duration) {
    ProcessTree { pgid }.stop(libc_sigterm(), timeout).await;
}

fn libc_sigterm() -> i32 {
    nix::sys::signal::Signal::SIGTERM as i32
}
