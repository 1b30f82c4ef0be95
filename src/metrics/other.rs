//! Process readers for platforms without `/proc`: they read nothing yet, so
//! usage is reported as unknown rather than wrong.

// TODO: read process trees on macOS (proc_pidinfo) and Windows (job objects).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ProcessReading {
    pub(super) start_ticks: u64,
    pub(super) cpu_ticks: u64,
    pub(super) rss_bytes: u64,
    pub(super) threads: u64,
}

pub(super) fn ticks_per_second() -> u64 {
    100
}

pub(super) fn uptime_ticks() -> Option<u64> {
    None
}

pub(super) fn read_process(_pid: u32) -> Option<ProcessReading> {
    None
}

pub(super) fn children(_pid: u32, _threads: u64) -> Vec<u32> {
    Vec::new()
}
