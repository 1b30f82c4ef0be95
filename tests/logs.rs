//! Log capture against real processes: completeness, order, binary safety,
//! long lines, rotation, deletion and subscribers.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tend::config::LogSettings;
use tend::event::Stream;
use tend::logs::{ComponentLog, LINE_CAP, read_file_tail};
use tend::process::{self, ProcessTree, SpawnSpec};
use tokio::sync::broadcast::error::RecvError;
use tokio::task::JoinHandle;

const DEADLINE: Duration = Duration::from_secs(60);
const SIGTERM: i32 = 15;
const SIGKILL: i32 = 9;
/// Length of the timestamp and the space after it.
const PREFIX_LEN: usize = 25;

static RUN_ID: AtomicU64 = AtomicU64::new(1);

fn settings(max_size: u64, max_files: u32) -> LogSettings {
    LogSettings { max_size, max_files, tail_bytes: 64 * 1024 }
}

/// A captured run whose process tree is SIGKILLed when the test ends.
struct Captured {
    leader: process::Leader,
    tree: ProcessTree,
    pump: Option<JoinHandle<()>>,
}

impl Drop for Captured {
    fn drop(&mut self) {
        let _ = self.tree.signal(SIGKILL);
    }
}

impl Captured {
    /// Waits for the leader and for both pipes to reach end of file.
    async fn finish(&mut self) {
        tokio::time::timeout(DEADLINE, self.leader.wait()).await.unwrap().unwrap();
        let pump = self.pump.take().unwrap();
        tokio::time::timeout(DEADLINE, pump).await.unwrap().unwrap();
    }
}

fn capture(log: &ComponentLog, argv: &[&str]) -> Captured {
    process::init_supervisor().unwrap();
    let spec = SpawnSpec {
        component: "logged".to_string(),
        argv: argv.iter().map(|arg| arg.to_string()).collect(),
        cwd: PathBuf::from("/"),
        env: BTreeMap::new(),
        run_id: RUN_ID.fetch_add(1, Ordering::Relaxed),
    };
    let spawned = process::spawn(&spec).unwrap();
    let pump = log.attach(spawned.stdout, spawned.stderr);
    Captured { leader: spawned.child, tree: spawned.tree, pump: Some(pump) }
}

/// Reads a log file as (tag, body) pairs.
fn entries(path: &Path) -> Vec<(String, Vec<u8>)> {
    let content = std::fs::read(path).unwrap();
    let body = content.strip_suffix(b"\n").unwrap_or(&content);
    if body.is_empty() {
        return Vec::new();
    }
    body.split(|byte| *byte == b'\n')
        .map(|line| {
            let rest = &line[PREFIX_LEN..];
            let space = rest.iter().position(|byte| *byte == b' ').unwrap_or(rest.len());
            let tag = String::from_utf8(rest[..space].to_vec()).unwrap();
            (tag, rest.get(space + 1..).unwrap_or_default().to_vec())
        })
        .collect()
}

async fn poll_until(mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + DEADLINE;
    while Instant::now() < deadline {
        if condition() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    condition()
}

const NUMBERED: &str = r#"
import sys
count, width = int(sys.argv[1]), int(sys.argv[2])
out = sys.stdout
filler = "x" * width
for i in range(count):
    out.write(f"{i:09d} {filler}\n")
"#;

/// Checks that `lines` are the numbered lines 0..count in order.
fn assert_numbered(lines: &[(String, Vec<u8>)], count: usize) {
    assert_eq!(lines.len(), count);
    for (expected, (tag, body)) in lines.iter().enumerate() {
        assert_eq!(tag, "out");
        let number: usize = std::str::from_utf8(&body[..9]).unwrap().parse().unwrap();
        assert_eq!(number, expected, "line {expected} is out of order or missing");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundred_megabytes_complete_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let log = ComponentLog::open("big", dir.path(), settings(1 << 40, 1)).unwrap();
    let count = 1_000_000;
    let started = Instant::now();
    let mut run = capture(&log, &["python3", "-c", NUMBERED, &count.to_string(), "90"]);

    run.finish().await;

    let elapsed = started.elapsed();
    let lines = entries(log.path());
    assert_numbered(&lines, count);
    eprintln!("captured 100 MB in {elapsed:?}");
}

#[tokio::test]
async fn binary_output_kept_raw() {
    let dir = tempfile::tempdir().unwrap();
    let log = ComponentLog::open("binary", dir.path(), settings(1 << 20, 1)).unwrap();
    let script = r#"import sys; sys.stdout.buffer.write(b"\xff\xfe bad utf8\n\x00nul\r\n\x1b[31mred\x1b[0m\n")"#;
    let mut run = capture(&log, &["python3", "-c", script]);

    run.finish().await;

    let lines = entries(log.path());
    let bodies: Vec<&[u8]> = lines.iter().map(|(_, body)| body.as_slice()).collect();
    assert_eq!(bodies, vec![&b"\xff\xfe bad utf8"[..], b"\x00nul\r", b"\x1b[31mred\x1b[0m"]);
    let tail = log.tail_lines(1024);
    assert_eq!(tail[0], (Stream::Out, b"\xff\xfe bad utf8".to_vec()));
    assert_eq!(log.tail(3)[0].text, "\u{fffd}\u{fffd} bad utf8");
}

#[tokio::test]
async fn long_line_split_and_marked() {
    let dir = tempfile::tempdir().unwrap();
    let log = ComponentLog::open("long", dir.path(), settings(1 << 20, 1)).unwrap();
    let length = LINE_CAP * 2 + 100;
    let script = format!("import sys; sys.stderr.write('a' * {length} + '\\nshort\\n')");
    let mut run = capture(&log, &["python3", "-c", &script]);

    run.finish().await;

    let lines = entries(log.path());
    let shape: Vec<(&str, usize)> =
        lines.iter().map(|(tag, body)| (tag.as_str(), body.len())).collect();
    assert_eq!(shape, vec![("err", LINE_CAP), ("err+", LINE_CAP), ("err+", 100), ("err", 5)]);
    let tail = log.tail(4);
    assert!(!tail[0].continued);
    assert!(tail[1].continued);
    assert!(tail[2].continued);
}

#[tokio::test]
async fn partial_last_line_kept() {
    let dir = tempfile::tempdir().unwrap();
    let log = ComponentLog::open("partial", dir.path(), settings(1 << 20, 1)).unwrap();
    let mut run = capture(&log, &["sh", "-c", "echo whole; printf 'no newline'"]);

    run.finish().await;

    let lines = entries(log.path());
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1], ("out".to_string(), b"no newline".to_vec()));
}

#[tokio::test]
async fn streams_tagged_apart() {
    let dir = tempfile::tempdir().unwrap();
    let log = ComponentLog::open("tags", dir.path(), settings(1 << 20, 1)).unwrap();
    let mut run = capture(&log, &["sh", "-c", "echo to-out; echo to-err >&2"]);

    run.finish().await;

    let mut lines = entries(log.path());
    lines.sort();
    assert_eq!(
        lines,
        vec![("err".to_string(), b"to-err".to_vec()), ("out".to_string(), b"to-out".to_vec())]
    );
}

const GRACEFUL: &str = r#"
import signal, sys, time
def stop(*_):
    print("stopping cleanly", flush=True)
    sys.exit(0)
signal.signal(signal.SIGTERM, stop)
print("ready", flush=True)
while True:
    time.sleep(1)
"#;

#[tokio::test]
async fn output_during_stop_kept() {
    let dir = tempfile::tempdir().unwrap();
    let log = ComponentLog::open("graceful", dir.path(), settings(1 << 20, 1)).unwrap();
    let mut run = capture(&log, &["python3", "-c", GRACEFUL]);
    let mut lines = log.subscribe();
    let ready = tokio::time::timeout(DEADLINE, lines.recv()).await.unwrap().unwrap();
    assert_eq!(ready.text, "ready");

    let report = run.tree.stop(SIGTERM, Duration::from_secs(10)).await;
    run.finish().await;

    assert!(report.killed.is_empty(), "{report:?}");
    let bodies: Vec<Vec<u8>> = entries(log.path()).into_iter().map(|(_, body)| body).collect();
    assert_eq!(bodies, vec![b"ready".to_vec(), b"stopping cleanly".to_vec()]);
}

#[tokio::test]
async fn rotation_loses_no_line() {
    let dir = tempfile::tempdir().unwrap();
    let max_size = 64 * 1024;
    let log = ComponentLog::open("rotating", dir.path(), settings(max_size, 100)).unwrap();
    let count = 5000;
    let mut run = capture(&log, &["python3", "-c", NUMBERED, &count.to_string(), "90"]);

    run.finish().await;

    let mut lines = Vec::new();
    for index in (1..=100).rev() {
        let rotated = dir.path().join(format!("rotating.log.{index}"));
        if rotated.exists() {
            let size = std::fs::metadata(&rotated).unwrap().len();
            assert!(size <= max_size + 128 * 1024, "{} is {size} bytes", rotated.display());
            lines.extend(entries(&rotated));
        }
    }
    assert!(dir.path().join("rotating.log.2").exists(), "expected several rotations");
    lines.extend(entries(log.path()));
    assert_numbered(&lines, count);

    let tail = read_file_tail(log.path(), 3000, None).unwrap();
    assert_eq!(tail.len(), 3000);
    assert!(tail[0].text.starts_with(&format!("{:09}", count - 3000)));
    assert!(tail[2999].text.starts_with(&format!("{:09}", count - 1)));
    assert_eq!(tail[0].component, "rotating");
}

#[tokio::test]
async fn rotation_bounds_disk_use() {
    let dir = tempfile::tempdir().unwrap();
    let max_size = 32 * 1024;
    let log = ComponentLog::open("bounded", dir.path(), settings(max_size, 2)).unwrap();
    let mut run = capture(&log, &["python3", "-c", NUMBERED, "20000", "90"]);

    run.finish().await;

    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, vec!["bounded.log", "bounded.log.1", "bounded.log.2"]);
    let total: u64 =
        names.iter().map(|name| std::fs::metadata(dir.path().join(name)).unwrap().len()).sum();
    assert!(total <= 3 * (max_size + 128 * 1024), "{total} bytes on disk");
    // The last rotation may leave the current file empty.
    let mut newest = entries(&dir.path().join("bounded.log.1"));
    newest.extend(entries(log.path()));
    assert!(newest.pop().unwrap().1.starts_with(b"000019999"));
}

#[tokio::test]
async fn deleted_log_recreated() {
    let dir = tempfile::tempdir().unwrap();
    let trigger = dir.path().join("go");
    let log = ComponentLog::open("deleted", dir.path(), settings(1 << 20, 1)).unwrap();
    let script = format!(
        "echo first; while [ ! -e '{}' ]; do sleep 0.01; done; echo second",
        trigger.display()
    );
    let mut run = capture(&log, &["sh", "-c", &script]);
    let path = log.path().to_path_buf();
    assert!(poll_until(|| std::fs::read(&path).is_ok_and(|content| !content.is_empty())).await);

    std::fs::remove_file(&path).unwrap();
    std::fs::write(&trigger, "").unwrap();
    run.finish().await;

    let bodies: Vec<Vec<u8>> = entries(&path).into_iter().map(|(_, body)| body).collect();
    assert_eq!(bodies, vec![b"second".to_vec()]);
}

#[tokio::test]
async fn subscriber_and_tail_see_lines() {
    let dir = tempfile::tempdir().unwrap();
    let log = ComponentLog::open("watched", dir.path(), settings(1 << 20, 1)).unwrap();
    let mut lines = log.subscribe();
    let mut run = capture(&log, &["sh", "-c", "echo one; echo two; echo three >&2"]);

    let mut received = Vec::new();
    for _ in 0..3 {
        let line = tokio::time::timeout(DEADLINE, lines.recv()).await.unwrap().unwrap();
        received.push((line.stream, line.text));
    }
    run.finish().await;

    received.sort_by_key(|(stream, _)| *stream == Stream::Err);
    assert_eq!(received[0], (Stream::Out, "one".to_string()));
    assert_eq!(received[1], (Stream::Out, "two".to_string()));
    assert_eq!(received[2], (Stream::Err, "three".to_string()));
    assert_eq!(log.tail(10).len(), 3);
    assert_eq!(log.tail(1).len(), 1);
    let newest = log.tail(1)[0].text.len();
    assert_eq!(log.tail_lines(newest).len(), 1);
    assert_eq!(log.tail_lines(newest - 1).len(), 0);
    assert_eq!(read_file_tail(log.path(), 10, None).unwrap().len(), 3);
}

#[tokio::test]
async fn lagging_subscriber_does_not_block() {
    let dir = tempfile::tempdir().unwrap();
    let log = ComponentLog::open("lagging", dir.path(), settings(1 << 30, 1)).unwrap();
    let mut lines = log.subscribe();
    let count = 20_000;
    let mut run = capture(&log, &["python3", "-c", NUMBERED, &count.to_string(), "10"]);

    run.finish().await;

    assert!(matches!(lines.recv().await, Err(RecvError::Lagged(_))));
    assert_numbered(&entries(log.path()), count);
}

#[tokio::test]
async fn file_tail_since_filters() {
    let dir = tempfile::tempdir().unwrap();
    let log = ComponentLog::open("since", dir.path(), settings(1 << 20, 1)).unwrap();
    let mut first = capture(&log, &["echo", "old"]);
    first.finish().await;
    tokio::time::sleep(Duration::from_millis(5)).await;
    let boundary = std::time::SystemTime::now();
    tokio::time::sleep(Duration::from_millis(5)).await;
    let mut second = capture(&log, &["echo", "new"]);
    second.finish().await;

    let all = read_file_tail(log.path(), 10, None).unwrap();
    let recent = read_file_tail(log.path(), 10, Some(boundary)).unwrap();

    assert_eq!(all.len(), 2);
    assert_eq!(recent.len(), 1);
    assert_eq!(recent[0].text, "new");
}
