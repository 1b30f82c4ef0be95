//! Per-component CPU and memory sampling over each component's process tree,
//! with CPU percent computed from the change since the previous sample.

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use super::platform::{self, ProcessReading};

/// Upper bound on the processes counted for one component, so a fork bomb
/// under supervision cannot make one sample walk without end.
const MAX_TREE_PROCESSES: usize = 4096;

/// Resource use of one component's process tree.
#[derive(Debug, Clone, PartialEq)]
pub struct ComponentUsage {
    pub component: String,
    /// Percent of one core since the previous sample of this component (can
    /// exceed 100 on several cores); `None` on its first sample.
    pub cpu_percent: Option<f64>,
    /// Resident memory in bytes, summed over the tree.
    pub memory_bytes: u64,
    /// Every live process counted, in ascending order.
    pub pids: Vec<u32>,
}

/// Samples the process trees of components, keeping the previous readings
/// that CPU percent is computed against. Components missing from a call are
/// forgotten, so their next sample starts afresh.
#[derive(Debug, Default)]
pub struct Sampler {
    previous: HashMap<String, Previous>,
}

/// The readings of one component at one sample.
#[derive(Debug)]
struct Previous {
    at: Instant,
    /// Time since boot at the sample, in clock ticks.
    uptime_ticks: Option<u64>,
    /// CPU ticks by (pid, start ticks), so a reused pid is a new process.
    cpu_ticks: HashMap<(u32, u64), u64>,
}

impl Sampler {
    pub fn new() -> Sampler {
        Sampler::default()
    }

    /// Samples each component's tree, from its listed pids (the leader and any
    /// extra pids such as reparented orphans) and all their descendants.
    pub fn sample(&mut self, roots: &[(String, Vec<u32>)]) -> Vec<ComponentUsage> {
        let uptime_ticks = platform::uptime_ticks();
        let mut current = HashMap::with_capacity(roots.len());
        let mut usages = Vec::with_capacity(roots.len());

        for (component, pids) in roots {
            let at = Instant::now();
            let tree = walk_tree(pids);
            let cpu_ticks: HashMap<(u32, u64), u64> = tree
                .iter()
                .map(|(pid, reading)| ((*pid, reading.start_ticks), reading.cpu_ticks))
                .collect();
            let cpu_percent =
                self.previous.get(component).and_then(|previous| previous.percent(&tree, at));

            let mut pids: Vec<u32> = tree.iter().map(|(pid, _)| *pid).collect();
            pids.sort_unstable();
            usages.push(ComponentUsage {
                component: component.clone(),
                cpu_percent,
                memory_bytes: tree.iter().map(|(_, reading)| reading.rss_bytes).sum(),
                pids,
            });
            current.insert(component.clone(), Previous { at, uptime_ticks, cpu_ticks });
        }

        self.previous = current;
        usages
    }
}

impl Previous {
    /// CPU percent of one core between this sample and a new reading of the tree.
    fn percent(&self, tree: &[(u32, ProcessReading)], now: Instant) -> Option<f64> {
        let elapsed = now.duration_since(self.at).as_secs_f64();
        if elapsed <= 0.0 {
            return None;
        }
        let ticks: u64 = tree.iter().map(|(pid, reading)| self.ticks_since(*pid, reading)).sum();
        let seconds = ticks as f64 / platform::ticks_per_second() as f64;
        Some(seconds / elapsed * 100.0)
    }

    /// CPU ticks a process used since this sample.
    ///
    /// NOTE: CPU used by a process that exited between two samples is lost,
    /// because its counters go with it, so a tree of short-lived workers
    /// reads low.
    fn ticks_since(&self, pid: u32, reading: &ProcessReading) -> u64 {
        if let Some(before) = self.cpu_ticks.get(&(pid, reading.start_ticks)) {
            return reading.cpu_ticks.saturating_sub(*before);
        }
        // New in the tree: all its time counts if it started after this sample,
        // none if it existed already and only joined the tree (reparented).
        match self.uptime_ticks {
            Some(uptime) if reading.start_ticks >= uptime => reading.cpu_ticks,
            _ => 0,
        }
    }
}

/// Reads `roots` and their descendants, skipping processes that are gone.
fn walk_tree(roots: &[u32]) -> Vec<(u32, ProcessReading)> {
    let mut seen: HashSet<u32> = HashSet::new();
    let mut queue: Vec<u32> = roots.to_vec();
    let mut tree = Vec::new();

    while let Some(pid) = queue.pop() {
        if tree.len() >= MAX_TREE_PROCESSES {
            tracing::debug!(pid, "process tree larger than the sampling limit; rest skipped");
            break;
        }
        if pid == 0 || !seen.insert(pid) {
            continue;
        }
        let Some(reading) = platform::read_process(pid) else { continue };
        tree.push((pid, reading));
        queue.extend(platform::children(pid, reading.threads));
    }
    tree
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn first_sample_has_no_cpu_percent() {
        let mut sampler = Sampler::new();
        let usages = sampler.sample(&[("self".to_owned(), vec![std::process::id()])]);
        assert_eq!(usages.len(), 1);
        assert_eq!(usages[0].cpu_percent, None);
        assert!(usages[0].memory_bytes > 0);
        assert!(usages[0].pids.contains(&std::process::id()));
    }

    #[test]
    fn second_sample_has_cpu_percent() {
        let mut sampler = Sampler::new();
        let roots = [("self".to_owned(), vec![std::process::id()])];
        sampler.sample(&roots);
        let usages = sampler.sample(&roots);
        let percent = usages[0].cpu_percent.unwrap();
        assert!(percent >= 0.0, "{percent}");
    }

    #[test]
    fn gone_pid_is_skipped() {
        let mut sampler = Sampler::new();
        // Pid numbers stop at 2^22 on Linux, so this one cannot exist.
        let usages = sampler.sample(&[("ghost".to_owned(), vec![u32::MAX - 1])]);
        assert_eq!(usages[0].memory_bytes, 0);
        assert!(usages[0].pids.is_empty());
    }

    #[test]
    fn dropped_component_is_forgotten() {
        let mut sampler = Sampler::new();
        sampler.sample(&[("self".to_owned(), vec![std::process::id()])]);
        sampler.sample(&[]);
        let usages = sampler.sample(&[("self".to_owned(), vec![std::process::id()])]);
        assert_eq!(usages[0].cpu_percent, None);
    }
}
