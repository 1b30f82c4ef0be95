//! Spawning, tree kill and reaping against real processes.

use std::collections::{BTreeMap, HashSet};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tend::process::{self, Leader, ProcessTree, SpawnError, SpawnSpec, Spawned};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::{ChildStderr, ChildStdout};

const DEADLINE: Duration = Duration::from_secs(15);
const SIGTERM: i32 = 15;
const SIGKILL: i32 = 9;
const SIGUSR1: i32 = 10;

static RUN_ID: AtomicU64 = AtomicU64::new(1);

/// A started run whose whole tree is SIGKILLed when the test ends.
struct Run {
    leader: Leader,
    stdout: BufReader<ChildStdout>,
    _stderr: ChildStderr,
    tree: ProcessTree,
    kill_on_drop: bool,
}

impl Drop for Run {
    fn drop(&mut self) {
        if self.kill_on_drop {
            let _ = self.tree.signal(SIGKILL);
        }
    }
}

impl Run {
    async fn line(&mut self) -> String {
        let mut line = String::new();
        let read = tokio::time::timeout(DEADLINE, self.stdout.read_line(&mut line)).await;
        read.expect("timed out reading a line").expect("read failed");
        line.trim_end_matches('\n').to_string()
    }

    async fn rest(&mut self) -> String {
        let mut text = String::new();
        let read = tokio::time::timeout(DEADLINE, self.stdout.read_to_string(&mut text)).await;
        read.expect("timed out reading output").expect("read failed");
        text
    }
}

fn spec(argv: &[&str], cwd: &Path) -> SpawnSpec {
    SpawnSpec {
        component: "test".to_string(),
        argv: argv.iter().map(|arg| arg.to_string()).collect(),
        cwd: cwd.to_path_buf(),
        env: BTreeMap::new(),
        run_id: RUN_ID.fetch_add(1, Ordering::Relaxed),
    }
}

fn start_spec(spec: &SpawnSpec) -> Run {
    process::init_supervisor().expect("init_supervisor failed");
    let Spawned { child, stdout, stderr, tree, .. } = process::spawn(spec).expect("spawn failed");
    Run { leader: child, stdout: BufReader::new(stdout), _stderr: stderr, tree, kill_on_drop: true }
}

fn start(argv: &[&str]) -> Run {
    start_spec(&spec(argv, Path::new("/")))
}

/// Whether `pid` exists and is not a zombie.
fn alive(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    let state = stat[stat.rfind(')').unwrap() + 2..].chars().next().unwrap();
    state != 'Z' && state != 'X'
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

#[tokio::test]
async fn stop_kills_grandchildren() {
    let mut run = start(&["sh", "-c", "sleep 300 & sleep 300 & echo up; wait"]);
    assert_eq!(run.line().await, "up");
    let mut members = Vec::new();
    assert!(
        poll_until(|| {
            members = run.tree.members();
            members.len() == 3
        })
        .await
    );

    let report = run.tree.stop(SIGTERM, Duration::from_secs(5)).await;

    assert!(report.is_clean(), "{report:?}");
    assert!(report.killed.is_empty(), "{report:?}");
    assert_eq!(report.signalled, 3);
    for pid in members {
        assert!(!alive(pid), "pid {pid} survived the stop");
    }
    assert!(run.tree.members().is_empty());
}

#[tokio::test]
async fn ignored_term_gets_sigkill() {
    let mut run = start(&["sh", "-c", "trap '' TERM; echo ready; while :; do sleep 1; done"]);
    assert_eq!(run.line().await, "ready");
    let leader = run.leader.pid();
    let timeout = Duration::from_millis(300);

    let report = run.tree.stop(SIGTERM, timeout).await;

    assert!(report.is_clean(), "{report:?}");
    assert!(report.killed.contains(&leader), "{report:?}");
    assert!(report.elapsed >= timeout, "{report:?}");
    assert!(!alive(leader));
    let status = run.leader.wait().await.unwrap();
    assert_eq!(std::os::unix::process::ExitStatusExt::signal(&status), Some(SIGKILL));
}

const SETSID_CHILD: &str = r#"
import os, sys, time
pid = os.fork()
if pid == 0:
    os.setsid()
    time.sleep(300)
    os._exit(0)
print(pid, flush=True)
time.sleep(300)
"#;

#[tokio::test]
async fn setsid_child_is_killed() {
    let mut run = start(&["python3", "-c", SETSID_CHILD]);
    let child: u32 = run.line().await.parse().unwrap();
    assert!(
        poll_until(|| std::fs::read_to_string(format!("/proc/{child}/stat"))
            .is_ok_and(|stat| stat.split_whitespace().nth(5) == Some(&child.to_string())))
        .await
    );
    assert!(run.tree.members().contains(&child));

    let report = run.tree.stop(SIGTERM, Duration::from_secs(5)).await;

    assert!(report.is_clean(), "{report:?}");
    assert!(!alive(child), "the setsid child survived");
}

const DAEMONIZE: &str = r#"
import os, sys, time
if os.fork() > 0:
    os._exit(0)
os.setsid()
if os.fork() > 0:
    os._exit(0)
devnull = os.open(os.devnull, os.O_RDWR)
for fd in (0, 1, 2):
    os.dup2(devnull, fd)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(os.getpid()))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
time.sleep(300)
"#;

#[tokio::test]
async fn daemonized_child_is_tracked() {
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("daemon.pid");
    let mut run = start(&["python3", "-c", DAEMONIZE, pid_file.to_str().unwrap()]);

    let status = tokio::time::timeout(DEADLINE, run.leader.wait()).await.unwrap().unwrap();
    assert!(status.success());
    assert!(poll_until(|| pid_file.exists()).await);
    let daemon: u32 = std::fs::read_to_string(&pid_file).unwrap().parse().unwrap();

    let mut members = Vec::new();
    assert!(
        poll_until(|| {
            members = run.tree.members();
            members.contains(&daemon)
        })
        .await
    );
    assert_eq!(members, vec![daemon]);

    let report = run.tree.stop(SIGTERM, Duration::from_secs(5)).await;

    assert!(report.is_clean(), "{report:?}");
    assert!(!alive(daemon), "the daemon survived");
}

#[tokio::test]
async fn no_zombies_after_many_runs() {
    let mut sessions = HashSet::new();
    for _ in 0..50 {
        let mut run = start(&["sh", "-c", "sleep 0.2 & exit 0"]);
        let status = tokio::time::timeout(DEADLINE, run.leader.wait()).await.unwrap().unwrap();
        assert!(status.success());
        sessions.insert(run.leader.pid());
        // Leave the backgrounded sleep running: it becomes our orphan.
        run.kill_on_drop = false;
    }

    let leftovers = || {
        let own = std::fs::read_dir(format!("/proc/{}/task", std::process::id())).unwrap();
        let mut ours = Vec::new();
        for task in own.flatten() {
            let children = std::fs::read_to_string(task.path().join("children")).unwrap();
            for pid in children.split_whitespace() {
                let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                    continue;
                };
                let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
                let sid: u32 = fields[3].parse().unwrap();
                if sessions.contains(&sid) {
                    ours.push(format!("{pid} {}", fields[0]));
                }
            }
        }
        ours
    };
    let mut remaining = Vec::new();
    let clean = poll_until(|| {
        remaining = leftovers();
        remaining.is_empty()
    })
    .await;
    assert!(clean, "children left: {remaining:?}");
}

const PRINT_ENV: &str = "import json, os; print(json.dumps(dict(os.environ)))";

#[tokio::test]
async fn env_values_arrive_exactly() {
    let mut spec = spec(&["python3", "-c", PRINT_ENV], Path::new("/"));
    let values = [
        ("QUOTES", r#"say "hi" and 'bye'"#),
        ("EQUALS", "a=b=c"),
        ("SPACES", "  two  spaces  "),
        ("EMPTY", ""),
        ("UNICODE", "grüße, 東京, ✓"),
        ("DOLLAR", "$HOME ${X} `id`"),
    ];
    for (name, value) in values {
        spec.env.insert(name.to_string(), value.to_string());
    }
    let mut run = start_spec(&spec);

    let env: BTreeMap<String, String> = serde_json::from_str(&run.line().await).unwrap();

    for (name, value) in values {
        assert_eq!(env.get(name).map(String::as_str), Some(value), "{name}");
    }
    assert_eq!(env.get("TEND_COMPONENT").map(String::as_str), Some("test"));
    let marker = format!("{}.{}", std::process::id(), spec.run_id);
    assert_eq!(env.get("TEND_RUN"), Some(&marker));
    assert!(env.contains_key("PATH"), "the supervisor's environment is inherited");
}

#[tokio::test]
async fn argv_exact_without_shell() {
    let args = ["a b", "", "$HOME", "*", "'single'", "\"double\"", "back\\slash", "ü"];
    let mut argv = vec!["python3", "-c", "import json, sys; print(json.dumps(sys.argv[1:]))"];
    argv.extend(args);
    let mut run = start(&argv);

    let received: Vec<String> = serde_json::from_str(&run.line().await).unwrap();

    assert_eq!(received, args);
}

#[tokio::test]
async fn shell_form_runs_line() {
    let mut run = start(&["sh", "-c", "echo \"$0|$1|$((2 + 3))\"", "x y", "z"]);
    assert_eq!(run.line().await, "x y|z|5");
}

#[tokio::test]
async fn paths_with_spaces() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path().join("work dir");
    let bin = dir.path().join("bin dir");
    std::fs::create_dir(&cwd).unwrap();
    std::fs::create_dir(&bin).unwrap();
    let script = bin.join("my script.sh");
    std::fs::write(&script, "#!/bin/sh\npwd\necho \"$1\"\n").unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut run = start_spec(&spec(&[script.to_str().unwrap(), "an arg"], &cwd));

    let output = run.rest().await;

    assert_eq!(output, format!("{}\nan arg\n", cwd.display()));
}

#[tokio::test]
async fn spawn_errors_are_distinguished() {
    process::init_supervisor().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.sh");
    std::fs::write(&plain, "#!/bin/sh\necho hi\n").unwrap();

    let missing = process::spawn(&spec(&["no-such-command-tend"], dir.path())).unwrap_err();
    assert!(matches!(missing, SpawnError::NotFound { .. }), "{missing:?}");
    assert_eq!(missing.kind(), std::io::ErrorKind::NotFound);
    assert_eq!(missing.to_string(), "command not found: no-such-command-tend");

    let denied = process::spawn(&spec(&[plain.to_str().unwrap()], dir.path())).unwrap_err();
    assert!(matches!(&denied, SpawnError::PermissionDenied { path, .. } if *path == plain));
    assert_eq!(denied.errno(), Some(13));

    let gone = dir.path().join("gone");
    let no_cwd = process::spawn(&spec(&["true"], &gone)).unwrap_err();
    assert!(matches!(&no_cwd, SpawnError::MissingCwd { cwd, .. } if *cwd == gone));
    assert_eq!(no_cwd.errno(), Some(2));

    let file_cwd = process::spawn(&spec(&["true"], &plain)).unwrap_err();
    assert!(matches!(file_cwd, SpawnError::CwdNotDirectory { .. }), "{file_cwd:?}");

    let empty = process::spawn(&spec(&[], dir.path())).unwrap_err();
    assert!(matches!(empty, SpawnError::EmptyCommand { .. }), "{empty:?}");
}

const TTY_CHECK: &str = r#"
import os
try:
    open("/dev/tty").close()
    print("opened")
except OSError as error:
    print("failed", error.errno)
stat = open("/proc/self/stat").read()
fields = stat[stat.rfind(")") + 2:].split()
print(fields[4], os.getsid(0) == os.getpid(), os.getpgid(0) == os.getpid())
"#;

#[tokio::test]
async fn no_controlling_terminal() {
    let mut run = start(&["python3", "-c", TTY_CHECK]);

    assert_eq!(run.line().await, "failed 6", "opening /dev/tty must fail with ENXIO");
    assert_eq!(run.line().await, "0 True True", "tty_nr, session leader, group leader");
}

const USR1_HANDLER: &str = r#"
import signal, sys, time
signal.signal(signal.SIGUSR1, lambda *_: print("usr1", flush=True))
print("ready", flush=True)
while True:
    time.sleep(1)
"#;

#[tokio::test]
async fn signal_reaches_process() {
    let mut run = start(&["python3", "-c", USR1_HANDLER]);
    assert_eq!(run.line().await, "ready");

    let delivered = run.tree.signal(SIGUSR1).unwrap();

    assert_eq!(delivered, 1);
    assert_eq!(run.line().await, "usr1");
}

#[tokio::test]
async fn stop_after_leader_exit_is_quick() {
    let mut run = start(&["true"]);
    tokio::time::timeout(DEADLINE, run.leader.wait()).await.unwrap().unwrap();

    let report = run.tree.stop(SIGTERM, Duration::from_secs(5)).await;

    assert!(report.is_clean());
    assert_eq!(report.signalled, 0);
    assert!(report.elapsed < Duration::from_secs(1), "{report:?}");
}

#[tokio::test]
async fn init_supervisor_twice() {
    process::init_supervisor().unwrap();
    process::init_supervisor().unwrap();
}
