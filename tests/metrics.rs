//! Process-tree metrics against real busy, allocating and forking children,
//! compared with what `/proc` reports for the same processes.

mod support;

use std::collections::{BTreeSet, HashMap};
use std::time::Instant;

use nix::unistd::{SysconfVar, sysconf};
use support::ChildGuard;
use tend::metrics::{Sampler, self_usage};

const MIB: u64 = 1024 * 1024;

/// utime + stime of `pid` in clock ticks, read here independently of the sampler.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let fields: Vec<&str> = stat.rsplit_once(')').unwrap().1.split_whitespace().collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

/// VmRSS of `pid` from `/proc/PID/status`, in bytes.
fn vm_rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|line| line.starts_with("VmRSS:")).unwrap();
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}

/// Descendants of `root` (and `root`) found by reading every process's parent,
/// a scan the sampler itself must never do.
fn descendants(root: u32) -> BTreeSet<u32> {
    let mut parents: HashMap<u32, u32> = HashMap::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else { continue };
        let Some((_, rest)) = stat.rsplit_once(')') else { continue };
        if let Some(parent) = rest.split_whitespace().nth(1).and_then(|ppid| ppid.parse().ok()) {
            parents.insert(pid, parent);
        }
    }
    let mut tree = BTreeSet::from([root]);
    loop {
        let before = tree.len();
        for (pid, parent) in &parents {
            if tree.contains(parent) {
                tree.insert(*pid);
            }
        }
        if tree.len() == before {
            return tree;
        }
    }
}

fn roots(component: &str, pids: &[u32]) -> Vec<(String, Vec<u32>)> {
    vec![(component.to_owned(), pids.to_vec())]
}

fn assert_close(actual: f64, expected: f64, tolerance: f64, what: &str) {
    let difference = (actual - expected).abs();
    assert!(difference <= tolerance, "{what}: {actual} vs {expected}, off by {difference}");
}

#[test]
fn busy_loop_reads_one_core() {
    let child = ChildGuard::spawn(&["sh", "-c", "while :; do :; done"]);
    let pid = child.pid();
    let ticks_per_second = sysconf(SysconfVar::CLK_TCK).unwrap().unwrap() as f64;
    let half_second = ticks_per_second as u64 / 2;
    let mut sampler = Sampler::new();

    // CPU used before the first sample must not count in the second one.
    support::poll_until("CPU used before sampling", || {
        (cpu_ticks(pid) >= half_second).then_some(())
    });
    let first = sampler.sample(&roots("busy", &[pid]));
    let (ticks_before, since) = (cpu_ticks(pid), Instant::now());
    assert_eq!(first[0].cpu_percent, None);

    // Wait until the loop has used half a second of CPU, however busy the machine is.
    support::poll_until("half a second of CPU", || {
        (cpu_ticks(pid) - ticks_before >= half_second).then_some(())
    });
    let second = sampler.sample(&roots("busy", &[pid]));
    let (ticks_after, elapsed) = (cpu_ticks(pid), since.elapsed().as_secs_f64());

    // The loop gets a whole core only on an idle machine, so the sampler is
    // held to the process's own counters over the same window, not to 100%.
    let measured = (ticks_after - ticks_before) as f64 / ticks_per_second / elapsed * 100.0;
    let sampled = second[0].cpu_percent.expect("second sample has CPU percent");
    assert!(measured > 5.0, "busy loop got only {measured:.0}% of a core");
    assert_close(sampled, measured, 15.0, "CPU percent");
    assert_eq!(second[0].pids, vec![pid]);
}

#[test]
fn allocation_shows_in_memory() {
    let script = "import time\nb = b'\\x01' * (200 * 1024 * 1024)\nprint('ready', flush=True)\ntime.sleep(60)";
    let child = ChildGuard::spawn(&["python3", "-u", "-c", script]);
    child.wait_for_line("ready");
    let mut sampler = Sampler::new();

    let usage = sampler.sample(&roots("alloc", &[child.pid()]));
    let rss = vm_rss(child.pid());

    assert!(usage[0].memory_bytes >= 200 * MIB, "memory {}", usage[0].memory_bytes);
    assert_close(usage[0].memory_bytes as f64, rss as f64, rss as f64 * 0.05, "memory");
}

#[test]
fn grandchildren_are_summed() {
    // Each python marks the end of its allocation with a file named by its
    // pid. Reading "ready" lines from the shared stdout pipe missed one now
    // and then while other tests ran, though both pythons were up.
    let marks = tempfile::tempdir().unwrap();
    let allocate = format!(
        "import os, time; b = b'\\x01' * (50 * 1024 * 1024); \
         open(os.path.join('{}', str(os.getpid())), 'w').close(); time.sleep(60)",
        marks.path().display()
    );
    let script = format!(
        "sh -c \"python3 -u -c \\\"{allocate}\\\" & wait\" & python3 -u -c \"{allocate}\" & wait"
    );
    let child = ChildGuard::spawn(&["sh", "-c", &script]);
    support::poll_until("both pythons to allocate", || {
        (std::fs::read_dir(marks.path()).ok()?.count() == 2).then_some(())
    });
    let mut sampler = Sampler::new();

    let usage = sampler.sample(&roots("tree", &[child.pid()])).remove(0);
    let expected_pids = descendants(child.pid());
    let expected_rss: u64 = expected_pids.iter().map(|pid| vm_rss(*pid)).sum();

    assert_eq!(expected_pids.len(), 4, "outer sh, inner sh and two pythons");
    assert_eq!(usage.pids.iter().copied().collect::<BTreeSet<_>>(), expected_pids);
    assert!(usage.memory_bytes >= 100 * MIB, "memory {}", usage.memory_bytes);
    let tolerance = expected_rss as f64 * 0.05;
    assert_close(usage.memory_bytes as f64, expected_rss as f64, tolerance, "memory");
}

#[test]
fn exited_process_leaves_tree() {
    let child = ChildGuard::spawn(&["sh", "-c", "sleep 0.5 & sleep 60 & wait"]);
    let mut sampler = Sampler::new();

    let full = support::poll_until("three processes", || {
        let usage = sampler.sample(&roots("shrinking", &[child.pid()])).remove(0);
        (usage.pids.len() == 3).then_some(usage)
    });
    let shrunk = support::poll_until("the short sleep to leave", || {
        let usage = sampler.sample(&roots("shrinking", &[child.pid()])).remove(0);
        (usage.pids.len() == 2).then_some(usage)
    });

    assert!(full.pids.contains(&child.pid()));
    assert!(shrunk.pids.contains(&child.pid()));
    let percent = shrunk.cpu_percent.expect("later samples have CPU percent");
    assert!((0.0..50.0).contains(&percent), "sleeping tree used {percent}%");
}

#[test]
fn extra_pids_are_counted() {
    let leader = ChildGuard::spawn(&["sleep", "60"]);
    let orphan = ChildGuard::spawn(&["sleep", "60"]);
    let mut sampler = Sampler::new();

    // A process caught in the middle of exec shows no resident memory yet.
    let usage = support::poll_until("both processes resident", || {
        let usage = sampler.sample(&roots("web", &[leader.pid(), orphan.pid()])).remove(0);
        (usage.memory_bytes > 0).then_some(usage)
    });
    let mut expected = vec![leader.pid(), orphan.pid()];
    expected.sort_unstable();
    assert_eq!(usage.pids, expected);
}

#[test]
fn components_sampled_apart() {
    let first = ChildGuard::spawn(&["sleep", "60"]);
    let second = ChildGuard::spawn(&["sleep", "60"]);
    let mut sampler = Sampler::new();

    let usages = sampler.sample(&[
        ("first".to_owned(), vec![first.pid()]),
        ("second".to_owned(), vec![second.pid()]),
    ]);
    assert_eq!(usages.len(), 2);
    assert_eq!(usages[0].component, "first");
    assert_eq!(usages[0].pids, vec![first.pid()]);
    assert_eq!(usages[1].component, "second");
    assert_eq!(usages[1].pids, vec![second.pid()]);
}

#[test]
fn self_usage_reads_own_process() {
    let usage = self_usage().expect("/proc/self is readable");
    let rss = vm_rss(std::process::id());
    assert_close(usage.memory_bytes as f64, rss as f64, rss as f64 * 0.2, "own memory");
    assert!(usage.cpu_seconds >= 0.0);
}
