//! Linux primitives for process tracking: pidfds, the `/proc` files that list
//! children, sessions and environments, the child subreaper flag and pipe sizes.
//! Everything that touches `/proc` or a Linux-only syscall lives here.

use std::fs;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

use nix::libc;

/// The fields of `/proc/PID/stat` that tree tracking reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcStat {
    /// One-letter state: `R`, `S`, `D`, `Z`, `T`, ...
    pub state: char,
    pub ppid: u32,
    pub pgid: u32,
    pub sid: u32,
}

impl ProcStat {
    pub fn is_zombie(&self) -> bool {
        matches!(self.state, 'Z' | 'X')
    }
}

/// Reads `/proc/PID/stat`; `None` when the process is gone or unreadable.
pub fn read_stat(pid: u32) -> Option<ProcStat> {
    let text = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_stat(&text)
}

/// Parses a stat line. The command name sits in parentheses and may itself
/// contain spaces and parentheses, so the fields start after the last `)`.
fn parse_stat(text: &str) -> Option<ProcStat> {
    let rest = &text[text.rfind(')')? + 1..];
    let mut fields = rest.split_ascii_whitespace();
    let state = fields.next()?.chars().next()?;
    let ppid = fields.next()?.parse().ok()?;
    let pgid = fields.next()?.parse().ok()?;
    let sid = fields.next()?.parse().ok()?;
    Some(ProcStat { state, ppid, pgid, sid })
}

/// Lists the children of every thread of `pid` from `/proc/PID/task/*/children`.
pub fn children_of(pid: u32) -> Vec<u32> {
    let mut children = Vec::new();
    let Ok(tasks) = fs::read_dir(format!("/proc/{pid}/task")) else {
        return children;
    };
    for task in tasks.flatten() {
        let Ok(text) = fs::read_to_string(task.path().join("children")) else {
            continue;
        };
        children.extend(text.split_ascii_whitespace().filter_map(|word| word.parse::<u32>().ok()));
    }
    children.sort_unstable();
    children.dedup();
    children
}

/// Lists the direct children of this process.
pub fn own_children() -> Vec<u32> {
    children_of(std::process::id())
}

/// Reads the initial environment of `pid` (NUL-separated `NAME=value` entries).
/// Empty for zombies, whose memory is gone; an error for other users' processes.
pub fn read_environ(pid: u32) -> io::Result<Vec<u8>> {
    fs::read(format!("/proc/{pid}/environ"))
}

/// Whether a NUL-separated environment block contains `entry` exactly.
pub fn environ_has(environ: &[u8], entry: &[u8]) -> bool {
    environ.split(|byte| *byte == 0).any(|item| item == entry)
}

/// Whether a NUL-separated environment block has an entry starting with `prefix`.
pub fn environ_has_prefix(environ: &[u8], prefix: &[u8]) -> bool {
    environ.split(|byte| *byte == 0).any(|item| item.starts_with(prefix))
}

/// Opens a pidfd for `pid`: a handle that keeps naming the same process even
/// after its pid is recycled, and becomes readable when the process exits.
pub fn pidfd_open(pid: u32) -> io::Result<OwnedFd> {
    let pid =
        libc::pid_t::try_from(pid).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor or -1.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    let fd = i32::try_from(fd).map_err(|_| io::Error::from(io::ErrorKind::InvalidData))?;
    // SAFETY: the kernel returned a fresh descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Sends `signal` through a pidfd, so only the process it names receives it.
pub fn pidfd_send_signal(pidfd: BorrowedFd<'_>, signal: i32) -> io::Result<()> {
    // SAFETY: a valid descriptor, a signal number, a null siginfo and no flags.
    let result = unsafe {
        libc::syscall(
            libc::SYS_pidfd_send_signal,
            pidfd.as_raw_fd(),
            signal,
            std::ptr::null::<libc::siginfo_t>(),
            0,
        )
    };
    if result < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Whether the process behind a pidfd has exited (its pidfd is readable).
pub fn pidfd_exited(pidfd: BorrowedFd<'_>) -> bool {
    let mut poll = libc::pollfd { fd: pidfd.as_raw_fd(), events: libc::POLLIN, revents: 0 };
    // SAFETY: one valid pollfd and a zero timeout, so the call never blocks.
    let ready = unsafe { libc::poll(&mut poll, 1, 0) };
    ready > 0 && poll.revents & (libc::POLLIN | libc::POLLHUP) != 0
}

/// Makes this process the reaper of orphaned descendants, so processes that a
/// component double-forks stay our children instead of moving to init.
pub fn set_child_subreaper() -> io::Result<()> {
    nix::sys::prctl::set_child_subreaper(true).map_err(io::Error::from)
}

/// Enlarges a pipe to `size` bytes; returns the size the kernel granted.
pub fn set_pipe_size(pipe: impl AsFd, size: i32) -> io::Result<i32> {
    nix::fcntl::fcntl(pipe.as_fd(), nix::fcntl::FcntlArg::F_SETPIPE_SZ(size))
        .map_err(io::Error::from)
}

/// Reads `/proc/sys/kernel/random/boot_id`.
pub fn boot_id() -> Option<String> {
    fs::read_to_string("/proc/sys/kernel/random/boot_id").ok().map(|id| id.trim().to_string())
}

/// Field 22 of `/proc/PID/stat`: the start time in clock ticks after boot.
pub fn start_time(pid: u32) -> Option<u64> {
    start_time_and_group(pid).map(|(start_time, _)| start_time)
}

/// The start time (field 22) and process group (field 5) of `pid`, from one
/// read of `/proc/PID/stat`.
pub fn start_time_and_group(pid: u32) -> Option<(u64, u32)> {
    let text = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &text[text.rfind(')')? + 1..];
    // Fields after the command name start at field 3 (state), so field N is the (N-3)th.
    let fields: Vec<&str> = rest.split_ascii_whitespace().collect();
    Some((fields.get(19)?.parse().ok()?, fields.get(2)?.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_with_parentheses_in_name() {
        let stat = parse_stat("42 (a (b) c) S 1 42 42 0 -1 4194560").unwrap();
        assert_eq!(stat, ProcStat { state: 'S', ppid: 1, pgid: 42, sid: 42 });
    }

    #[test]
    fn stat_of_own_process() {
        let stat = read_stat(std::process::id()).unwrap();
        assert!(!stat.is_zombie());
        assert_eq!(stat.pgid, nix::unistd::getpgrp().as_raw() as u32);
    }

    #[test]
    fn environ_entries_match_whole() {
        let block = b"A=1\0TEND_RUN=7.3\0B=\0";
        assert!(environ_has(block, b"TEND_RUN=7.3"));
        assert!(!environ_has(block, b"TEND_RUN=7"));
        assert!(environ_has_prefix(block, b"TEND_RUN=7."));
        assert!(!environ_has_prefix(block, b"TEND_RUN=8."));
    }
}
