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
    while killpg(group, None).is_ok() {
        if tokio::time::Instant::now() >= deadline {
            tracing::warn!(pgid, "leftover process group ignored SIGTERM; sending SIGKILL");
            let _ = killpg(group, Signal::SIGKILL);
            return;
        }
        tokio::time::sleep(GROUP_POLL).await;
    }
}
