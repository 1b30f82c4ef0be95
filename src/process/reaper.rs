//! Process-wide supervisor setup and orphan reaping.
//!
//! As a child subreaper, Tend inherits the processes that a component leaves
//! behind when it double-forks. They must be reaped, but never with
//! `waitpid(-1)`: that would steal exit statuses from tokio (which reaps the
//! leaders we spawn) and from any other child of the process (probes, GLib).
//! The reaper therefore lists our direct children, skips the registered
//! leaders, and reaps by pid only the ones it can attribute to a component run.

use std::collections::{HashMap, HashSet, VecDeque};
use std::io;
use std::sync::{Mutex, MutexGuard, OnceLock};

use tokio::signal::unix::{Signal, SignalKind, signal};

/// Sessions of finished runs kept for attributing late orphans; the oldest go first.
const MAX_RETIRED_SESSIONS: usize = 4096;

/// The facts the reaper uses to tell component processes from other children.
/// One lock guards it and spawning, so a leader is registered before the
/// reaper can see it among our children.
#[derive(Debug, Default)]
pub(crate) struct Registry {
    /// Leaders we spawned and tokio has not reaped yet: never touched here.
    leaders: HashSet<u32>,
    /// Sessions and process groups of live runs, with the number of trees using each.
    live_sessions: HashMap<u32, usize>,
    /// Sessions of finished runs, whose late orphans are still ours.
    retired: VecDeque<u32>,
    retired_set: HashSet<u32>,
}

impl Registry {
    pub(crate) fn add_leader(&mut self, pid: u32) {
        self.leaders.insert(pid);
    }

    pub(crate) fn remove_leader(&mut self, pid: u32) {
        self.leaders.remove(&pid);
    }

    pub(crate) fn is_leader(&self, pid: u32) -> bool {
        self.leaders.contains(&pid)
    }

    /// Marks `sid` (a session or process group id) as belonging to a live run.
    pub(crate) fn hold_session(&mut self, sid: u32) {
        *self.live_sessions.entry(sid).or_default() += 1;
    }

    /// Drops one hold on `sid`; the last one moves it to the retired sessions.
    pub(crate) fn release_session(&mut self, sid: u32) {
        let Some(count) = self.live_sessions.get_mut(&sid) else {
            return;
        };
        *count -= 1;
        if *count == 0 {
            self.live_sessions.remove(&sid);
            self.retire(sid);
        }
    }

    fn retire(&mut self, sid: u32) {
        if !self.retired_set.insert(sid) {
            return;
        }
        self.retired.push_back(sid);
        if self.retired.len() > MAX_RETIRED_SESSIONS
            && let Some(oldest) = self.retired.pop_front()
        {
            self.retired_set.remove(&oldest);
        }
    }

    fn knows_session(&self, id: u32) -> bool {
        self.live_sessions.contains_key(&id) || self.retired_set.contains(&id)
    }
}

/// Checks whether the supervisor has a child it did not spawn as a leader: an
/// orphan of some run, reparented to it as subreaper.
#[cfg(target_os = "linux")]
pub fn has_orphans() -> bool {
    let children = super::linux::own_children();
    if children.is_empty() {
        return false;
    }
    let registry = registry();
    children.iter().any(|pid| !registry.is_leader(*pid))
}

#[cfg(not(target_os = "linux"))]
pub fn has_orphans() -> bool {
    false
}

/// Registers the process group of a probe command, which runs outside any
/// component run, so that processes it forks and leaves to us are reaped.
/// `pid` leads the group and tokio waits for it, so it is never reaped here.
pub(crate) fn hold_probe_group(pid: u32) {
    let mut registry = registry();
    registry.add_leader(pid);
    registry.hold_session(pid);
}

/// Ends [`hold_probe_group`] once the probe's group has been killed.
pub(crate) fn release_probe_group(pid: u32) {
    let mut registry = registry();
    registry.remove_leader(pid);
    registry.release_session(pid);
}

static REGISTRY: OnceLock<Mutex<Registry>> = OnceLock::new();

/// Locks the registry. A panic elsewhere while holding it leaves plain sets
/// behind, which stay usable, so a poisoned lock is taken over.
pub(crate) fn registry() -> MutexGuard<'static, Registry> {
    let lock = REGISTRY.get_or_init(|| Mutex::new(Registry::default()));
    lock.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The soft and hard `RLIMIT_NOFILE` this process started with.
static STARTING_NOFILE: OnceLock<(u64, u64)> = OnceLock::new();

/// Returns the soft fd limit to restore in children, when Tend raised its own.
pub(crate) fn starting_nofile() -> Option<(u64, u64)> {
    STARTING_NOFILE.get().copied()
}

static INITIALIZED: Mutex<bool> = Mutex::new(false);

/// Prepares this process to supervise: on Linux it becomes a child subreaper,
/// raises its soft fd limit to the hard one (children get the old value back),
/// and starts the orphan reaper. Idempotent and safe to call from many threads.
///
/// The reaper runs on one dedicated thread with its own small runtime, so it
/// outlives any runtime that called this (test binaries make one per test).
pub fn init_supervisor() -> io::Result<()> {
    let mut initialized = INITIALIZED.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if *initialized {
        return Ok(());
    }
    raise_nofile()?;
    platform_init()?;
    *initialized = true;
    Ok(())
}

fn raise_nofile() -> io::Result<()> {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};

    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE).map_err(io::Error::from)?;
    STARTING_NOFILE.get_or_init(|| (soft, hard));
    if soft < hard {
        setrlimit(Resource::RLIMIT_NOFILE, hard, hard).map_err(io::Error::from)?;
        tracing::debug!(from = soft, to = hard, "raised the soft file descriptor limit");
    }
    Ok(())
}

#[cfg(target_os = "linux")]
fn platform_init() -> io::Result<()> {
    super::linux::set_child_subreaper()?;

    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let sigchld = {
        let _context = runtime.enter();
        signal(SignalKind::child())?
    };
    std::thread::Builder::new()
        .name("tend-reaper".into())
        .spawn(move || runtime.block_on(run_reaper(sigchld)))?;
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn platform_init() -> io::Result<()> {
    // NOTE: without a subreaper, orphans move to init, which reaps them.
    Ok(())
}

async fn run_reaper(mut sigchld: Signal) {
    loop {
        reap_orphans();
        if sigchld.recv().await.is_none() {
            tracing::error!(
                "the SIGCHLD stream ended; orphaned component processes are no longer reaped"
            );
            return;
        }
    }
}

/// Reaps our exited direct children that belong to a component run and are
/// not a leader tokio waits for. Returns how many were reaped.
#[cfg(target_os = "linux")]
pub(crate) fn reap_orphans() -> usize {
    use nix::sys::wait::{WaitPidFlag, waitpid};
    use nix::unistd::Pid;

    use super::linux;

    let marker = super::tree::run_marker_prefix();
    let mut registry = registry();
    let mut reaped = 0;
    for pid in linux::own_children() {
        if registry.leaders.contains(&pid) {
            continue;
        }
        let Some(stat) = linux::read_stat(pid) else {
            continue;
        };
        let known = registry.knows_session(stat.sid) || registry.knows_session(stat.pgid);
        if !stat.is_zombie() {
            // Remember the session of a live orphan that carries our marker, so
            // it can be attributed once it is a zombie and its environment is gone.
            let marked = linux::read_environ(pid)
                .is_ok_and(|environ| linux::environ_has_prefix(&environ, marker.as_bytes()));
            if marked && !known {
                registry.retire(stat.sid);
            }
            continue;
        }
        if !known {
            continue;
        }
        let Ok(raw) = i32::try_from(pid) else {
            continue;
        };
        match waitpid(Pid::from_raw(raw), Some(WaitPidFlag::WNOHANG)) {
            Ok(status) => {
                tracing::debug!(pid, ?status, "reaped an orphaned component process");
                reaped += 1;
            }
            Err(error) => tracing::debug!(pid, %error, "could not reap an orphaned process"),
        }
    }
    reaped
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn reap_orphans() -> usize {
    0
}
