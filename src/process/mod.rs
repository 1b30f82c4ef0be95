//! Spawning component processes, signalling and stopping their whole process
//! trees, and reaping the orphans Tend inherits as a child subreaper.
//!
//! Exits are noticed by awaiting the leader ([`Leader::wait`]); nothing here
//! waits on a process group or calls `waitpid(-1)`.

// TODO: a macOS backend (kqueue for exits, sysctl for children) to replace the
// Linux-only `/proc` and pidfd tracking.
#[cfg(target_os = "linux")]
mod linux;
mod reaper;
mod recover;
mod signals;
mod spawn;
mod tree;

pub use reaper::{has_orphans, init_supervisor};
pub(crate) use reaper::{hold_probe_group, release_probe_group};
pub use recover::{boot_id, pid_in_group, start_time, start_time_and_group, stop_group};
pub use signals::{parse_signal, signal_name};
pub use spawn::{Leader, SpawnError, SpawnSpec, Spawned, spawn};
pub use tree::{ENV_COMPONENT, ENV_RUN, ProcessTree, StopReport, Survivor};
