//! Crash recovery with the built binary: after `tend up` is killed with
//! SIGKILL its components keep running, and the next `tend up` on the same
//! state directory stops them before it starts new runs. A pid recorded in
//! `state.json` that now belongs to another process is never signalled.

mod common;
mod in_process;

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use common::{TendUp, Workspace, poll_until_blocking};
use in_process::{pid_alive, processes_with_env};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// The variable that marks this test's components among every other process.
const RUN_MARKER: &str = "TEND_TEST_RUN";

/// Kills, on drop, every process carrying `TEND_TEST_RUN=<value>`, because
/// components run in their own sessions and outlive a killed `tend up`.
struct MarkedGuard {
    entry: String,
}

impl MarkedGuard {
    fn new(workspace: &Workspace) -> MarkedGuard {
        MarkedGuard { entry: format!("{RUN_MARKER}={}", workspace.root.path().display()) }
    }

    /// Lists the live pids of component `name` from this test.
    fn instances(&self, name: &str) -> Vec<u32> {
        let component = format!("TEND_COMPONENT={name}");
        processes_with_env(&self.entry)
            .into_iter()
            .filter(|pid| environ_contains(*pid, &component))
            .collect()
    }

    fn all(&self) -> Vec<u32> {
        processes_with_env(&self.entry)
    }
}

impl Drop for MarkedGuard {
    fn drop(&mut self) {
        for pid in self.all() {
            let _ = kill(Pid::from_raw(pid as i32), Signal::SIGKILL);
        }
    }
}

fn environ_contains(pid: u32, entry: &str) -> bool {
    std::fs::read(format!("/proc/{pid}/environ"))
        .is_ok_and(|environ| environ.split(|byte| *byte == 0).any(|item| item == entry.as_bytes()))
}

/// Returns the pid of the process listening on loopback `port`, from
/// `/proc/net/tcp` and the socket links under `/proc/PID/fd`.
fn listener_of(port: u16, candidates: &[u32]) -> Option<u32> {
    let table = std::fs::read_to_string("/proc/net/tcp").ok()?;
    let local = format!("0100007F:{port:04X}");
    let inode = table.lines().skip(1).find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        // Field 1 is the local address, 3 the state (0A is LISTEN), 9 the inode.
        (fields.get(1) == Some(&local.as_str()) && fields.get(3) == Some(&"0A"))
            .then(|| fields.get(9).map(|inode| inode.to_string()))
            .flatten()
    })?;
    let socket = format!("socket:[{inode}]");
    candidates.iter().copied().find(|pid| {
        let Ok(descriptors) = std::fs::read_dir(format!("/proc/{pid}/fd")) else { return false };
        descriptors.flatten().any(|descriptor| {
            std::fs::read_link(descriptor.path())
                .is_ok_and(|target| target.to_string_lossy() == socket)
        })
    })
}

fn two_components(workspace: &Workspace, port: u16) -> std::path::PathBuf {
    let marker = workspace.root.path().display();
    workspace.write_config(&format!(
        r#"
[components.rec-web]
command = ["python3", "-m", "http.server", "{port}", "--bind", "127.0.0.1"]
env = {{ {RUN_MARKER} = "{marker}" }}
stop_timeout = "3s"

[components.rec-worker]
command = ["sleep", "60"]
env = {{ {RUN_MARKER} = "{marker}" }}
stop_timeout = "3s"
"#
    ))
}

/// Waits until exactly one instance of each component runs and returns their pids.
fn one_instance_each(guard: &MarkedGuard, what: &str) -> (u32, u32) {
    poll_until_blocking(what, || {
        let web = guard.instances("rec-web");
        let worker = guard.instances("rec-worker");
        (web.len() == 1 && worker.len() == 1).then(|| (web[0], worker[0]))
    })
}

fn wait_for_listener(port: u16, pid: u32) {
    poll_until_blocking("the port to be held", || listener_of(port, &[pid]));
}

fn tend_log(workspace: &Workspace) -> String {
    std::fs::read_to_string(workspace.state_dir().join("tend.log")).unwrap_or_default()
}

fn quit(workspace: &Workspace, mut up: TendUp) {
    let output = workspace.run(&["quit"]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(up.wait_exit().code(), Some(0));
}

#[test]
fn leftovers_stopped_before_new_runs() {
    let workspace = Workspace::new();
    let guard = MarkedGuard::new(&workspace);
    let port = in_process::free_port();
    let config = two_components(&workspace, port);

    let first = TendUp::spawn(&workspace, &config, &[]);
    workspace.wait_for_endpoint(first.pid());
    let (old_web, old_worker) = one_instance_each(&guard, "the first runs");
    wait_for_listener(port, old_web);
    // Recovery reads the processes from state.json, so wait until both are there.
    poll_until_blocking("state.json with both runs", || {
        let text = std::fs::read_to_string(workspace.state_dir().join("state.json")).ok()?;
        (text.contains(&old_web.to_string()) && text.contains(&old_worker.to_string()))
            .then_some(())
    });

    first.signal(Signal::SIGKILL);
    let mut first = first;
    first.wait_exit();
    assert!(pid_alive(old_web), "rec-web survives its supervisor (own session)");
    assert!(pid_alive(old_worker), "rec-worker survives its supervisor (own session)");

    let second = TendUp::spawn(&workspace, &config, &[]);
    workspace.wait_for_endpoint(second.pid());
    let (new_web, new_worker) = poll_until_blocking("the new runs", || {
        let instances = one_instance_each(&guard, "one instance each");
        (instances != (old_web, old_worker)).then_some(instances)
    });
    assert!(!pid_alive(old_web), "the leftover rec-web {old_web} was stopped");
    assert!(!pid_alive(old_worker), "the leftover rec-worker {old_worker} was stopped");
    assert_ne!(new_web, old_web);
    assert_ne!(new_worker, old_worker);
    wait_for_listener(port, new_web);
    assert_eq!(guard.instances("rec-web"), vec![new_web], "exactly one rec-web");
    assert_eq!(guard.instances("rec-worker"), vec![new_worker], "exactly one rec-worker");

    let log = tend_log(&workspace);
    for (name, pid) in [("rec-web", old_web), ("rec-worker", old_worker)] {
        let warning = log
            .lines()
            .position(|line| {
                line.contains("WARN")
                    && line.contains("left running")
                    && line.contains(name)
                    && line.contains(&format!("pid={pid}"))
            })
            .unwrap_or_else(|| panic!("no warning naming {name} pid {pid} in tend.log:\n{log}"));
        let new_pid = if name == "rec-web" { new_web } else { new_worker };
        let started = log
            .lines()
            .position(|line| line.contains("started") && line.contains(&format!("pid={new_pid}")))
            .unwrap_or_else(|| panic!("no start of {name} pid {new_pid} in tend.log:\n{log}"));
        assert!(warning < started, "{name}: the leftover was stopped before the new run started");
    }

    quit(&workspace, second);
    assert!(guard.all().is_empty(), "left running: {:?}", guard.all());
}

#[test]
fn leftover_in_own_session_stopped() {
    let workspace = Workspace::new();
    let guard = MarkedGuard::new(&workspace);
    let marker = workspace.root.path().display();
    // The leader keeps running and its child moves to a session of its own,
    // out of the leader's process group.
    let config = workspace.write_config(&format!(
        r#"
[components.rec-forker]
command = ["sh", "-c", "setsid sleep 61 & exec sleep 60"]
env = {{ {RUN_MARKER} = "{marker}" }}
stop_timeout = "3s"
"#
    ));

    let first = TendUp::spawn(&workspace, &config, &[]);
    workspace.wait_for_endpoint(first.pid());
    let old = poll_until_blocking("the leader and its setsid child", || {
        let pids = guard.instances("rec-forker");
        (pids.len() == 2).then_some(pids)
    });
    poll_until_blocking("state.json with both processes", || {
        let text = std::fs::read_to_string(workspace.state_dir().join("state.json")).ok()?;
        old.iter().all(|pid| text.contains(&format!("\"pid\": {pid}"))).then_some(())
    });

    first.signal(Signal::SIGKILL);
    let mut first = first;
    first.wait_exit();
    for pid in &old {
        assert!(pid_alive(*pid), "{pid} survives its supervisor");
    }

    let second = TendUp::spawn(&workspace, &config, &[]);
    workspace.wait_for_endpoint(second.pid());
    poll_until_blocking("two new processes", || {
        let pids = guard.instances("rec-forker");
        (pids.len() == 2 && pids.iter().all(|pid| !old.contains(pid))).then_some(())
    });
    for pid in &old {
        assert!(!pid_alive(*pid), "the leftover {pid} was stopped");
    }

    quit(&workspace, second);
    assert!(guard.all().is_empty(), "left running: {:?}", guard.all());
}

/// An unrelated process in its own process group, killed on drop.
struct Bystander {
    child: Child,
}

impl Bystander {
    fn spawn() -> Bystander {
        let child = Command::new("sleep")
            .arg("60")
            .stdin(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("spawn sleep");
        Bystander { child }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Checks whether it still runs, reaping it if it has exited.
    fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Bystander {
    fn drop(&mut self) {
        let _ = kill(Pid::from_raw(self.child.id() as i32), Signal::SIGKILL);
        let _ = self.child.wait();
    }
}

/// Reads field 22 of `/proc/PID/stat`: the start time in clock ticks after boot.
fn start_time(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("read the stat file");
    let after_name = &stat[stat.rfind(')').expect("a stat line") + 1..];
    after_name.split_whitespace().nth(19).expect("field 22").parse().expect("a number")
}

fn write_state(state_dir: &Path, processes: &[(&str, u32, u64)]) {
    let boot_id = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").unwrap();
    let components: serde_json::Map<String, serde_json::Value> = processes
        .iter()
        .map(|(name, pid, start_time)| {
            let recorded = serde_json::json!({
                "desired": "running",
                "processes": [{ "pid": pid, "pgid": pid, "start_time": start_time }],
            });
            (name.to_string(), recorded)
        })
        .collect();
    let state = serde_json::json!({
        "version": 1,
        "boot_id": boot_id.trim(),
        "supervisor_pid": 1,
        "components": components,
    });
    std::fs::create_dir_all(state_dir).unwrap();
    std::fs::write(state_dir.join("state.json"), state.to_string()).unwrap();
}

#[test]
fn recycled_pid_never_touched() {
    let workspace = Workspace::new();
    let guard = MarkedGuard::new(&workspace);
    let port = in_process::free_port();
    let config = two_components(&workspace, port);

    // One process recorded with a start time that is not its own (its pid
    // was recycled), and one recorded exactly, which recovery must stop.
    let mut recycled = Bystander::spawn();
    let mut leftover = Bystander::spawn();
    write_state(
        &workspace.state_dir(),
        &[
            ("rec-web", recycled.pid(), start_time(recycled.pid()) + 1),
            ("rec-worker", leftover.pid(), start_time(leftover.pid())),
        ],
    );

    let up = TendUp::spawn(&workspace, &config, &[]);
    workspace.wait_for_endpoint(up.pid());
    one_instance_each(&guard, "the new runs");
    poll_until_blocking("the exactly recorded leftover to be stopped", || {
        (!leftover.alive()).then_some(())
    });
    assert!(recycled.alive(), "pid {} with another start time was signalled", recycled.pid());

    let log = tend_log(&workspace);
    let recycled_pid = format!("pid={}", recycled.pid());
    assert!(
        !log.lines().any(|line| line.contains("left running") && line.contains(&recycled_pid)),
        "tend.log names the recycled pid:\n{log}"
    );
    quit(&workspace, up);
    assert!(recycled.alive(), "still running after the supervisor quit");
}
