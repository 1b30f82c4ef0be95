//! The set of processes one run consists of, and stopping it as a whole.
//!
//! A tree starts with the leader and grows by walking `/proc/PID/task/*/children`
//! from every member, and by adopting our own direct children (orphans we
//! inherited as subreaper) whose session, process group or environment marker
//! ties them to this run. That finds processes that called `setsid`, which
//! `killpg` misses. Each member is held by a pidfd, so a recycled pid is
//! never signalled.

use std::collections::{BTreeMap, HashSet};
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::time::{Duration, Instant};

use nix::libc;
use tokio::io::Interest;
use tokio::io::unix::AsyncFd;

use super::linux::{self, ProcStat};
use super::reaper::{self, Registry};
use super::signals::signal_name;
use super::spawn::PipeBudget;

/// Environment variable naming the component, set in every spawned process.
pub const ENV_COMPONENT: &str = "TEND_COMPONENT";
/// Environment variable `<supervisor pid>.<run id>`, set in every spawned process.
pub const ENV_RUN: &str = "TEND_RUN";

/// How long to wait for processes to vanish after SIGKILL before reporting them.
const KILL_WAIT: Duration = Duration::from_secs(3);
/// Poll interval used only when a pidfd cannot be registered with the runtime.
const FALLBACK_POLL: Duration = Duration::from_millis(20);

/// Formats the `TEND_RUN=` prefix that every run of this supervisor process carries.
pub(crate) fn run_marker_prefix() -> String {
    format!("{ENV_RUN}={}.", std::process::id())
}

/// Formats the `TEND_RUN` value for one run.
pub(crate) fn run_marker_value(run_id: u64) -> String {
    format!("{}.{run_id}", std::process::id())
}

#[derive(Debug)]
struct Member {
    pidfd: OwnedFd,
    stat: ProcStat,
    signalled: bool,
    /// The last signal to this process failed with EPERM.
    denied: bool,
}

impl Member {
    fn exited(&self) -> bool {
        linux::pidfd_exited(self.pidfd.as_fd())
    }
}

/// A process that outlived SIGKILL, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Survivor {
    pub pid: u32,
    pub reason: String,
}

/// The outcome of [`ProcessTree::stop`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StopReport {
    /// Processes that were sent the stop signal.
    pub signalled: usize,
    /// Processes still alive after the timeout, which were sent SIGKILL.
    pub killed: Vec<u32>,
    /// Processes still alive after SIGKILL and a bounded wait.
    pub survivors: Vec<Survivor>,
    pub elapsed: Duration,
}

impl StopReport {
    /// Whether every process of the run is gone.
    pub fn is_clean(&self) -> bool {
        self.survivors.is_empty()
    }
}

/// The processes of one run: the leader, its group and session, and every
/// descendant found through `/proc` or the environment marker.
#[derive(Debug)]
pub struct ProcessTree {
    component: String,
    leader: u32,
    /// The leader's process group; equal to its session, both created at spawn.
    pgid: u32,
    run_entry: Vec<u8>,
    component_entry: Vec<u8>,
    members: BTreeMap<u32, Member>,
    /// Sessions and groups this tree has registered with the reaper.
    held: HashSet<u32>,
    pipe_budget: PipeBudget,
}

impl ProcessTree {
    /// Starts tracking a freshly spawned leader, which leads its own session.
    /// Called with the registry locked, before tokio can reap the leader.
    pub(crate) fn new(
        registry: &mut Registry,
        component: &str,
        leader: u32,
        run_marker: &str,
    ) -> ProcessTree {
        let mut tree = ProcessTree {
            component: component.to_string(),
            leader,
            pgid: leader,
            run_entry: format!("{ENV_RUN}={run_marker}").into_bytes(),
            component_entry: format!("{ENV_COMPONENT}={component}").into_bytes(),
            members: BTreeMap::new(),
            held: HashSet::new(),
            pipe_budget: PipeBudget::default(),
        };
        tree.hold(registry, leader);
        match linux::pidfd_open(leader) {
            Ok(pidfd) => {
                let stat = linux::read_stat(leader).unwrap_or(ProcStat {
                    state: 'R',
                    ppid: std::process::id(),
                    pgid: leader,
                    sid: leader,
                });
                tree.members
                    .insert(leader, Member { pidfd, stat, signalled: false, denied: false });
            }
            Err(error) => {
                tracing::warn!(component, pid = leader, %error, "could not open a pidfd for the leader")
            }
        }
        tree
    }

    /// Keeps the run's share of enlarged pipes until the tree is dropped.
    pub(crate) fn set_pipe_budget(&mut self, budget: PipeBudget) {
        self.pipe_budget = budget;
    }

    /// The leader's pid.
    pub fn leader(&self) -> u32 {
        self.leader
    }

    /// The process group (and session) id created at spawn.
    pub fn pgid(&self) -> u32 {
        self.pgid
    }

    /// Refreshes the tree and lists the pids of its live processes, leader included.
    pub fn members(&mut self) -> Vec<u32> {
        self.refresh();
        self.live_pids()
    }

    /// Waits until every process of the run has exited, re-scanning for
    /// processes forked meanwhile. Holds duplicated pidfds, so the tree stays
    /// free for a stop while this waits.
    pub fn wait_empty(&mut self) -> impl std::future::Future<Output = ()> + Send + 'static {
        self.refresh();
        let pidfds: Vec<OwnedFd> = self
            .members
            .values()
            .filter(|member| !member.exited())
            .filter_map(|member| member.pidfd.try_clone().ok())
            .collect();
        async move {
            let waits = pidfds.iter().map(|pidfd| wait_exit(pidfd.as_fd()));
            futures_util::future::join_all(waits).await;
        }
    }

    /// Sends `signal` to every live process of the run, once each.
    /// Returns how many processes received it.
    pub fn signal(&mut self, signal: i32) -> io::Result<usize> {
        self.refresh();
        let mut delivered = 0;
        let mut first_error = None;
        for (pid, member) in self.members.iter_mut() {
            match send(member, signal) {
                Ok(()) => delivered += 1,
                Err(error) if error.raw_os_error() == Some(libc::ESRCH) => {}
                Err(error) => {
                    tracing::warn!(component = %self.component, pid, %error, "could not send a signal");
                    first_error.get_or_insert(error);
                }
            }
        }
        match first_error {
            Some(error) if delivered == 0 => Err(error),
            _ => Ok(delivered),
        }
    }

    /// Stops the whole run: sends `signal` to every process (and to any that
    /// appear meanwhile), waits up to `timeout` for them to exit, then sends
    /// SIGKILL to what is left, also when the leader exited long ago.
    /// Returns once every process is gone or after a bounded wait past
    /// SIGKILL, reporting those that could not be killed.
    pub async fn stop(&mut self, signal: i32, timeout: Duration) -> StopReport {
        let started = Instant::now();
        let mut report = StopReport::default();

        self.refresh();
        report.signalled += self.signal_new(signal);
        let graceful = self.wait_gone(started + timeout, signal, &mut report.signalled).await;

        if !graceful {
            report.killed = self.live_pids();
            tracing::warn!(
                component = %self.component,
                signal = %signal_name(signal),
                timeout_ms = timeout.as_millis() as u64,
                pids = ?report.killed,
                "processes outlived the stop timeout; sending SIGKILL"
            );
            self.kill_all();
            let mut ignored = 0;
            if !self.wait_gone(Instant::now() + KILL_WAIT, libc::SIGKILL, &mut ignored).await {
                report.survivors = self.survivors();
            }
        }

        reaper::reap_orphans();
        report.elapsed = started.elapsed();
        report
    }

    fn live_pids(&self) -> Vec<u32> {
        self.members.iter().filter(|(_, member)| !member.exited()).map(|(pid, _)| *pid).collect()
    }

    /// Sends `signal` to members that have not had it yet; returns how many got it.
    fn signal_new(&mut self, signal: i32) -> usize {
        let mut delivered = 0;
        for member in self.members.values_mut().filter(|member| !member.signalled) {
            member.signalled = true;
            if send(member, signal).is_ok() {
                delivered += 1;
            }
        }
        delivered
    }

    /// Waits until no member is alive, re-scanning after each round so
    /// processes forked meanwhile get `signal` too. False at the deadline.
    async fn wait_gone(&mut self, deadline: Instant, signal: i32, signalled: &mut usize) -> bool {
        loop {
            let live: Vec<BorrowedFd<'_>> = self
                .members
                .values()
                .filter(|member| !member.exited())
                .map(|m| m.pidfd.as_fd())
                .collect();
            if live.is_empty() {
                self.refresh();
                if self.live_pids().is_empty() {
                    return true;
                }
                *signalled += self.signal_new(signal);
                continue;
            }
            let all_exited = futures_util::future::join_all(live.into_iter().map(wait_exit));
            if tokio::time::timeout_at(deadline.into(), all_exited).await.is_err() {
                return false;
            }
        }
    }

    /// Sends SIGKILL to the process group and to every member.
    fn kill_all(&mut self) {
        // The group id cannot have been recycled while a member that is still
        // tracked (alive or an unreaped zombie) belongs to it.
        let group_held = self.members.values().any(|m| m.stat.pgid == self.pgid && !m.exited());
        if group_held && let Ok(pgid) = i32::try_from(self.pgid) {
            let _ = nix::sys::signal::killpg(
                nix::unistd::Pid::from_raw(pgid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
        self.refresh();
        for member in self.members.values_mut() {
            let _ = send(member, libc::SIGKILL);
        }
    }

    fn survivors(&self) -> Vec<Survivor> {
        let mut survivors = Vec::new();
        for (pid, member) in self.members.iter().filter(|(_, member)| !member.exited()) {
            let state = linux::read_stat(*pid).map(|stat| stat.state);
            let reason = if member.denied {
                "permission denied sending SIGKILL (another user's process)".to_string()
            } else if state == Some('D') {
                "in uninterruptible sleep (D state), usually waiting on a disk or network file system"
                    .to_string()
            } else {
                format!("still alive {} s after SIGKILL", KILL_WAIT.as_secs())
            };
            tracing::error!(component = %self.component, pid, %reason, "a process could not be killed");
            survivors.push(Survivor { pid: *pid, reason });
        }
        survivors
    }

    /// Drops exited members, then adds descendants of live members and
    /// orphans of this run that were reparented to us.
    fn refresh(&mut self) {
        self.members.retain(|_, member| !member.exited());

        let mut queue: Vec<u32> = self.members.keys().copied().collect();
        self.adopt_orphans(&mut queue);
        while let Some(parent) = queue.pop() {
            for child in linux::children_of(parent) {
                if !self.members.contains_key(&child) && self.adopt(child, Some(parent)) {
                    queue.push(child);
                }
            }
        }
    }

    /// Adopts our direct children that belong to this run; pushes them on `queue`.
    fn adopt_orphans(&mut self, queue: &mut Vec<u32>) {
        for child in linux::own_children() {
            if self.members.contains_key(&child) || reaper::registry().is_leader(child) {
                continue;
            }
            if self.adopt(child, None) {
                queue.push(child);
            }
        }
    }

    /// Tracks `pid` if it is a live process of this run. With a `parent`, it
    /// must be a child of that tracked process. Without one, it must be our
    /// child and carry the run marker or share a live member's session or group.
    fn adopt(&mut self, pid: u32, parent: Option<u32>) -> bool {
        let Ok(pidfd) = linux::pidfd_open(pid) else {
            return false;
        };
        // Read after the pidfd is open: from here on the pid names this process.
        let Some(stat) = linux::read_stat(pid) else {
            return false;
        };
        if stat.is_zombie() {
            return false;
        }
        let belongs = match parent {
            Some(parent) => {
                stat.ppid == parent && self.members.get(&parent).is_some_and(|m| !m.exited())
            }
            None => stat.ppid == std::process::id() && self.owns_orphan(pid, &stat),
        };
        if !belongs {
            return false;
        }
        tracing::debug!(component = %self.component, pid, sid = stat.sid, "tracking a process");
        let mut registry = reaper::registry();
        self.hold(&mut registry, stat.sid);
        self.hold(&mut registry, stat.pgid);
        drop(registry);
        self.members.insert(pid, Member { pidfd, stat, signalled: false, denied: false });
        true
    }

    fn owns_orphan(&self, pid: u32, stat: &ProcStat) -> bool {
        let live_ids = self.members.values().filter(|m| !m.exited());
        let shares = live_ids.clone().any(|m| m.stat.sid == stat.sid)
            || live_ids.clone().any(|m| m.stat.pgid == stat.pgid);
        if shares {
            return true;
        }
        linux::read_environ(pid).is_ok_and(|environ| {
            linux::environ_has(&environ, &self.run_entry)
                && linux::environ_has(&environ, &self.component_entry)
        })
    }

    fn hold(&mut self, registry: &mut Registry, id: u32) {
        if self.held.insert(id) {
            registry.hold_session(id);
        }
    }
}

impl Drop for ProcessTree {
    fn drop(&mut self) {
        let mut registry = reaper::registry();
        for id in self.held.drain() {
            registry.release_session(id);
        }
    }
}

fn send(member: &mut Member, signal: i32) -> io::Result<()> {
    let result = linux::pidfd_send_signal(member.pidfd.as_fd(), signal);
    member.denied = matches!(&result, Err(error) if error.raw_os_error() == Some(libc::EPERM));
    result
}

/// Waits until the process behind `pidfd` exits.
async fn wait_exit(pidfd: BorrowedFd<'_>) {
    // SAFETY: a BorrowedFd stays open and names the same pidfd for its whole
    // lifetime, which bounds the lifetime of the registration.
    match unsafe { AsyncFd::register_with_interest(pidfd, Interest::READABLE) } {
        Ok(registered) => {
            let _ = registered.readable().await;
        }
        Err(error) => {
            tracing::debug!(error = %error.into_parts().1, "polling a pidfd instead of awaiting it");
            while !linux::pidfd_exited(pidfd) {
                tokio::time::sleep(FALLBACK_POLL).await;
            }
        }
    }
}
