//! Identifying processes across supervisor restarts (boot id and start
//! time) and stopping the groups a crashed supervisor left behind.

use std::time::Duration;

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;

use super::linux;

/// How often a leftover group is checked while it shuts down.
const GROUP_POLL: Duration = Duration::from_millis(20);

/// This boot's id, so a pid recorded before a reboot is never taken for a live process.
pub fn boot_id() -> Option<String> {
    linux::boot_id()
}

/// A process's start time in clock ticks after boot, which with the pid identifies it.
pub fn start_time(pid: u32) -> Option<u64> {
    linux::start_time(pid)
}

/// The start time and current process group of `pid`, or `None` when it is gone.
pub fn start_time_and_group(pid: u32) -> Option<(u64, u32)> {
    linux::start_time_and_group(pid)
}

/// Whether `pid` belongs to process group `pgid`.
pub fn pid_in_group(pid: u32, pgid: u32) -> bool {
    linux::read_stat(pid).is_some_and(|stat| stat.pgid == pgid)
}

/// Sends SIGTERM to a leftover process group, then SIGKILL after `timeout`.
///
/// NOTE: this polls the group, because the leftovers are not our children
/// and no pidfd was kept for them across the restart.
pub async fn stop_group(pgid: u32, timeout: Duration) {
    let group = Pid::from_raw(pgid as i32);
    if killpg(group, Signal::SIGTERM).is_err() {
        return;
    }
    let deadline = tokio::time::Instant::now() + timeout;
    while group_has_live_member(pgid) {
        if tokio::time::Instant::now() >= deadline {
            tracing::warn!(pgid, "leftover process group ignored SIGTERM; sending SIGKILL");
            let _ = killpg(group, Signal::SIGKILL);
            return;
        }
        tokio::time::sleep(GROUP_POLL).await;
    }
}

/// Checks whether a process other than a zombie is in group `pgid`. The leftovers
/// were reparented to an init that may reap them late, and a zombie holds
/// no port or file lock, so it does not count.
fn group_has_live_member(pgid: u32) -> bool {
    let Ok(processes) = std::fs::read_dir("/proc") else {
        // Without /proc, fall back to asking the kernel, which counts zombies.
        return killpg(Pid::from_raw(pgid as i32), None).is_ok();
    };
    processes
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(linux::read_stat)
        .any(|stat| stat.pgid == pgid && !stat.is_zombie())
}

#[cfg(test)]
mod tests {
    use std::os::unix::process::CommandExt;

    use super::*;

    #[test]
    fn zombie_group_has_no_live_member() {
        let mut child = std::process::Command::new("sleep")
            .arg("60")
            .process_group(0)
            .spawn()
            .expect("spawn sleep");
        let pgid = child.id();
        let live_before_kill = group_has_live_member(pgid);
        nix::sys::signal::kill(Pid::from_raw(pgid as i32), Signal::SIGKILL).expect("kill sleep");
        assert!(live_before_kill, "a running member counts");

        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        // Not reaped yet, so the member stays a zombie until `wait` below.
        while linux::read_stat(pgid).is_some_and(|stat| !stat.is_zombie()) {
            assert!(std::time::Instant::now() < deadline, "sleep {pgid} did not die");
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(killpg(Pid::from_raw(pgid as i32), None).is_ok(), "the kernel still counts it");
        assert!(!group_has_live_member(pgid));
        child.wait().expect("reap sleep");
    }
}
