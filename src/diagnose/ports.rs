//! Port holders: which process listens on a TCP port. On Linux the listening sockets come from
//! `/proc/net/tcp` and `/proc/net/tcp6` (port, socket inode, owner uid) and
//! the holder from the `socket:[INODE]` links in `/proc/PID/fd`; elsewhere
//! only a bind attempt tells whether a port is free.

/// A listening TCP socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Listener {
    pub port: u16,
    pub inode: u64,
    /// The uid that owns the socket.
    pub uid: u32,
}

/// The process holding a listening socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub pid: u32,
    /// The command line, program name without its folder, shortened for display.
    pub cmdline: String,
    pub uid: u32,
}

/// The known facts about who listens on a port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortState {
    Free,
    Held(Holder),
    /// Held by a process whose descriptors this user may not read.
    HeldByOtherUser {
        uid: u32,
    },
    /// In use, but no process visible here owns the socket (another
    /// network namespace, or a platform without `/proc`).
    HeldByUnknown,
}

/// Characters of a holder's command line kept for display.
const MAX_CMDLINE_CHARS: usize = 80;

/// Lists every TCP socket in the LISTEN state, IPv4 and IPv6.
pub fn listeners() -> Vec<Listener> {
    platform::listeners()
}

/// Finds whether something listens on `port`, and which process: the
/// `candidates` pids are searched first, then this process's descendants,
/// then every process.
pub fn lookup(port: u16, candidates: &[u32]) -> PortState {
    platform::lookup(port, candidates)
}

/// Returns the process listening on `port`, when there is one and it is visible.
pub fn holder(port: u16) -> Option<Holder> {
    match lookup(port, &[]) {
        PortState::Held(holder) => Some(holder),
        _ => None,
    }
}

#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn shorten_cmdline(args: &[String]) -> String {
    let mut words: Vec<&str> = args.iter().map(String::as_str).collect();
    if let Some(first) = words.first_mut() {
        *first = first.rsplit('/').next().unwrap_or(first);
    }
    let joined = words.join(" ");
    match joined.char_indices().nth(MAX_CMDLINE_CHARS) {
        Some((end, _)) => format!("{}…", &joined[..end]),
        None => joined,
    }
}

#[cfg(target_os = "linux")]
mod platform {
    use std::collections::HashSet;
    use std::io::ErrorKind;
    use std::path::Path;

    use super::{Holder, Listener, PortState, shorten_cmdline};

    /// The `st` column value of a listening socket.
    const TCP_LISTEN: &str = "0A";

    pub(super) fn listeners() -> Vec<Listener> {
        ["/proc/net/tcp", "/proc/net/tcp6"]
            .iter()
            .filter_map(|path| std::fs::read_to_string(path).ok())
            .flat_map(|table| table.lines().skip(1).filter_map(parse_line).collect::<Vec<_>>())
            .collect()
    }

    /// Parses `sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode …`.
    fn parse_line(line: &str) -> Option<Listener> {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() < 10 || fields[3] != TCP_LISTEN {
            return None;
        }
        let port_hex = fields[1].rsplit(':').next()?;
        Some(Listener {
            port: u16::from_str_radix(port_hex, 16).ok()?,
            uid: fields[7].parse().ok()?,
            inode: fields[9].parse().ok()?,
        })
    }

    pub(super) fn lookup(port: u16, candidates: &[u32]) -> PortState {
        let sockets: Vec<Listener> =
            listeners().into_iter().filter(|listener| listener.port == port).collect();
        let Some(first) = sockets.first() else {
            return PortState::Free;
        };
        let inodes: HashSet<u64> = sockets.iter().map(|listener| listener.inode).collect();
        let mut denied = false;
        let mut seen = HashSet::new();
        let order =
            candidates.iter().copied().chain(descendants(std::process::id())).chain(all_pids());
        for pid in order {
            if !seen.insert(pid) {
                continue;
            }
            match holds_socket(pid, &inodes) {
                Ok(true) => {
                    return PortState::Held(Holder { pid, cmdline: cmdline(pid), uid: first.uid });
                }
                Ok(false) => {}
                Err(error) if error.kind() == ErrorKind::PermissionDenied => denied = true,
                Err(_) => {}
            }
        }
        let other_user = first.uid != nix::unistd::geteuid().as_raw();
        if denied || other_user {
            PortState::HeldByOtherUser { uid: first.uid }
        } else {
            PortState::HeldByUnknown
        }
    }

    fn holds_socket(pid: u32, inodes: &HashSet<u64>) -> std::io::Result<bool> {
        for entry in std::fs::read_dir(format!("/proc/{pid}/fd"))? {
            let Ok(target) = std::fs::read_link(entry?.path()) else { continue };
            let target = target.to_string_lossy();
            let inode = target.strip_prefix("socket:[").and_then(|rest| rest.strip_suffix(']'));
            if inode
                .and_then(|inode| inode.parse().ok())
                .is_some_and(|inode| inodes.contains(&inode))
            {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Every process in the tree under `root`, found through the `children` files.
    fn descendants(root: u32) -> Vec<u32> {
        let mut found = Vec::new();
        let mut queue = vec![root];
        while let Some(pid) = queue.pop() {
            let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else { continue };
            for task in tasks.filter_map(Result::ok) {
                let Ok(children) = std::fs::read_to_string(task.path().join("children")) else {
                    continue;
                };
                for child in children.split_whitespace().filter_map(|child| child.parse().ok()) {
                    found.push(child);
                    queue.push(child);
                }
            }
        }
        found
    }

    fn all_pids() -> Vec<u32> {
        let Ok(entries) = std::fs::read_dir("/proc") else {
            return Vec::new();
        };
        entries
            .filter_map(Result::ok)
            .filter_map(|entry| entry.file_name().to_str()?.parse().ok())
            .collect()
    }

    fn cmdline(pid: u32) -> String {
        let proc_dir = Path::new("/proc").join(pid.to_string());
        let raw = std::fs::read(proc_dir.join("cmdline")).unwrap_or_default();
        let args: Vec<String> = raw
            .split(|byte| *byte == 0)
            .filter(|arg| !arg.is_empty())
            .map(|arg| String::from_utf8_lossy(arg).into_owned())
            .collect();
        if args.is_empty() {
            // Kernel threads and zombies have an empty cmdline; comm still names them.
            let comm = std::fs::read_to_string(proc_dir.join("comm")).unwrap_or_default();
            return comm.trim().to_string();
        }
        shorten_cmdline(&args)
    }
}

#[cfg(not(target_os = "linux"))]
mod platform {
    use super::{Listener, PortState};

    pub(super) fn listeners() -> Vec<Listener> {
        Vec::new()
    }

    // NOTE: without /proc the holder stays unknown; lsof or libproc could name it.
    pub(super) fn lookup(port: u16, _candidates: &[u32]) -> PortState {
        match std::net::TcpListener::bind(("127.0.0.1", port)) {
            Ok(_) => PortState::Free,
            Err(_) => PortState::HeldByUnknown,
        }
    }
}
