//! Linux process readers over `/proc`: one process's CPU time, start time and
//! RSS from `/proc/PID/stat`, and its children from `/proc/PID/task/*/children`.

use std::fs;
use std::sync::OnceLock;

use nix::unistd::{SysconfVar, sysconf};

/// Field positions in `/proc/PID/stat`, counted from the field after the
/// command name's closing parenthesis (`state`), as proc(5) numbers them minus 3.
const UTIME_FIELD: usize = 11;
const STIME_FIELD: usize = 12;
const STARTTIME_FIELD: usize = 19;
const RSS_FIELD: usize = 21;
const THREADS_FIELD: usize = 17;

/// Fallbacks for when sysconf fails: USER_HZ is 100 on the mainstream Linux
/// architectures, and 4 KiB pages are the most common (some arm64 kernels use
/// 16 or 64 KiB, so RSS would read low there).
const DEFAULT_TICKS_PER_SECOND: u64 = 100;
const DEFAULT_PAGE_SIZE: u64 = 4096;

/// One reading of one process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ProcessReading {
    /// Start time after boot, in clock ticks; with the pid it identifies the process.
    pub(super) start_ticks: u64,
    /// User plus system CPU time, in clock ticks.
    pub(super) cpu_ticks: u64,
    pub(super) rss_bytes: u64,
    pub(super) threads: u64,
}

/// Clock ticks per second (`sysconf(_SC_CLK_TCK)`).
pub(super) fn ticks_per_second() -> u64 {
    static TICKS: OnceLock<u64> = OnceLock::new();
    *TICKS.get_or_init(|| sysconf_u64(SysconfVar::CLK_TCK).unwrap_or(DEFAULT_TICKS_PER_SECOND))
}

fn page_size() -> u64 {
    static PAGE: OnceLock<u64> = OnceLock::new();
    *PAGE.get_or_init(|| sysconf_u64(SysconfVar::PAGE_SIZE).unwrap_or(DEFAULT_PAGE_SIZE))
}

fn sysconf_u64(variable: SysconfVar) -> Option<u64> {
    let value = sysconf(variable).ok().flatten()?;
    u64::try_from(value).ok().filter(|value| *value > 0)
}

/// Time since boot in clock ticks, from `/proc/uptime`.
pub(super) fn uptime_ticks() -> Option<u64> {
    let text = fs::read_to_string("/proc/uptime").ok()?;
    let seconds: f64 = text.split_whitespace().next()?.parse().ok()?;
    Some((seconds * ticks_per_second() as f64) as u64)
}

/// Reads `/proc/PID/stat`; `None` when the process is gone or unreadable.
pub(super) fn read_process(pid: u32) -> Option<ProcessReading> {
    let text = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_stat(&text, page_size())
}

fn parse_stat(text: &str, page_size: u64) -> Option<ProcessReading> {
    // The command name may contain spaces and parentheses; it ends at the last ')'.
    let after_name = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let field = |index: usize| fields.get(index)?.parse::<u64>().ok();

    let utime = field(UTIME_FIELD)?;
    let stime = field(STIME_FIELD)?;
    Some(ProcessReading {
        start_ticks: field(STARTTIME_FIELD)?,
        cpu_ticks: utime.saturating_add(stime),
        rss_bytes: field(RSS_FIELD)?.saturating_mul(page_size),
        threads: field(THREADS_FIELD)?,
    })
}

/// Children of every thread of `pid`. Empty when the process is gone.
///
/// NOTE: the children files need a kernel built with CONFIG_PROC_CHILDREN
/// (present on the Debian kernel the tests run on); without it only the
/// listed roots are counted.
pub(super) fn children(pid: u32, threads: u64) -> Vec<u32> {
    // A single-threaded process (most of them) has one children file, whose
    // path is known without listing the task folder.
    if threads == 1 {
        let Ok(text) = fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")) else {
            return Vec::new();
        };
        return text.split_whitespace().filter_map(|child| child.parse::<u32>().ok()).collect();
    }
    let Ok(tasks) = fs::read_dir(format!("/proc/{pid}/task")) else { return Vec::new() };
    let mut children = Vec::new();
    for task in tasks.flatten() {
        let Ok(text) = fs::read_to_string(task.path().join("children")) else { continue };
        children.extend(text.split_whitespace().filter_map(|child| child.parse::<u32>().ok()));
    }
    children
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_stat_reads_times_and_rss() {
        let text = "4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 500 0 0 0 \
                    700 300 0 0 20 0 1 0 123456 10000000 2500 18446744073709551615";
        let reading = parse_stat(text, 4096).unwrap();
        assert_eq!(reading.cpu_ticks, 1000);
        assert_eq!(reading.start_ticks, 123456);
        assert_eq!(reading.rss_bytes, 2500 * 4096);
        assert_eq!(reading.threads, 1);
    }

    #[test]
    fn parse_stat_rejects_truncated_text() {
        assert_eq!(parse_stat("4242 (sh) S 1 4242", 4096), None);
    }

    #[test]
    fn read_process_reads_self() {
        let reading = read_process(std::process::id()).unwrap();
        assert!(reading.rss_bytes > 0);
        assert!(reading.start_ticks <= uptime_ticks().unwrap());
    }

    #[test]
    fn children_lists_spawned_child() {
        let mut child = std::process::Command::new("sleep").arg("30").spawn().unwrap();
        let threads = read_process(std::process::id()).unwrap().threads;
        let listed = children(std::process::id(), threads).contains(&child.id());
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(listed, "child {} not in /proc children", child.id());
    }
}
