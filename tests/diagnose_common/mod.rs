//! Helpers shared by the diagnosis and preflight tests: component configs
//! with defaults, and running a component's command for real with a deadline.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tend::config::{Backoff, ComponentConfig, Health, Kind, LogSettings, Requires, RestartPolicy};
use tend::diagnose::{Diagnosis, ExitInfo, FailureInput, NoOwners, PortOwners};
use tend::event::Stream;

/// Maximum run time of a test program before the test fails.
pub const RUN_DEADLINE: Duration = Duration::from_secs(20);

/// Builds a daemon component running `command` in `cwd` with the documented defaults.
pub fn component(name: &str, command: &[&str], cwd: &Path) -> ComponentConfig {
    ComponentConfig {
        name: name.to_string(),
        command: command.iter().map(|arg| arg.to_string()).collect(),
        shell: false,
        cwd: cwd.to_path_buf(),
        env: BTreeMap::new(),
        env_file: None,
        secret_env: BTreeSet::new(),
        kind: Kind::Daemon,
        autostart: true,
        restart: RestartPolicy::Always,
        backoff: Backoff {
            initial: Duration::from_millis(500),
            max: Duration::from_secs(30),
            multiplier: 2.0,
            jitter: 0.2,
            reset_after: Duration::from_secs(30),
        },
        max_restarts: 5,
        restart_window: Duration::from_secs(60),
        fatal_retry: Some(Duration::from_secs(300)),
        min_uptime: Duration::from_secs(5),
        success_codes: vec![0],
        stop_signal: 15,
        stop_timeout: Duration::from_secs(10),
        requires: Requires::default(),
        depends_on: BTreeMap::new(),
        health: Health::default(),
        max_memory: None,
        cpu_alert: None,
        logs: LogSettings { max_size: 1 << 20, max_files: 2, tail_bytes: 64 * 1024 },
    }
}

/// Builds a shell-form component: `sh -c LINE`.
pub fn shell_component(name: &str, line: &str, cwd: &Path) -> ComponentConfig {
    let mut config = component(name, &["sh", "-c", line], cwd);
    config.shell = true;
    config
}

/// Writes `contents` to `dir/name`, creating folders, and returns the path.
pub fn write(dir: &Path, name: &str, contents: &str) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create test folder");
    }
    std::fs::write(&path, contents).expect("write test file");
    path
}

/// Kills the child on drop, so a failing test leaves no process behind.
pub struct ChildGuard(pub Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// The outcome of one real run.
pub struct Run {
    pub exit: ExitInfo,
    pub output: Vec<(Stream, Vec<u8>)>,
}

impl Run {
    pub fn stderr(&self) -> String {
        let lines = self.output.iter().filter(|(stream, _)| *stream == Stream::Err);
        lines
            .map(|(_, line)| String::from_utf8_lossy(line).into_owned())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Runs the component's command as the supervisor would (its cwd and env,
/// stdin from /dev/null) and collects the exit and the output lines.
pub fn run(config: &ComponentConfig) -> Run {
    let mut command = Command::new(&config.command[0]);
    command
        .args(&config.command[1..])
        .current_dir(&config.cwd)
        .envs(&config.env)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let mut guard = ChildGuard(command.spawn().expect("spawn test program"));
    let mut stdout = guard.0.stdout.take().expect("piped stdout");
    let mut stderr = guard.0.stderr.take().expect("piped stderr");
    let out_reader = std::thread::spawn(move || read_all(&mut stdout));
    let err_reader = std::thread::spawn(move || read_all(&mut stderr));
    let status = wait_with_deadline(&mut guard.0);
    let uptime_ms = started.elapsed().as_millis() as u64;
    let mut output = split_lines(Stream::Out, &out_reader.join().expect("stdout reader"));
    output.extend(split_lines(Stream::Err, &err_reader.join().expect("stderr reader")));
    let exit = ExitInfo {
        code: status.code(),
        signal: signal_of(&status),
        uptime_ms,
        signal_sent_by_tend: false,
    };
    Run { exit, output }
}

fn wait_with_deadline(child: &mut Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + RUN_DEADLINE;
    loop {
        if let Some(status) = child.try_wait().expect("wait for test program") {
            return status;
        }
        assert!(Instant::now() < deadline, "test program did not exit within {RUN_DEADLINE:?}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn read_all(pipe: &mut impl Read) -> Vec<u8> {
    let mut bytes = Vec::new();
    let _ = pipe.read_to_end(&mut bytes);
    bytes
}

fn split_lines(stream: Stream, bytes: &[u8]) -> Vec<(Stream, Vec<u8>)> {
    let mut lines: Vec<(Stream, Vec<u8>)> =
        bytes.split(|byte| *byte == b'\n').map(|line| (stream, line.to_vec())).collect();
    if lines.last().is_some_and(|(_, line)| line.is_empty()) {
        lines.pop();
    }
    lines
}

fn signal_of(status: &std::process::ExitStatus) -> Option<String> {
    use std::os::unix::process::ExitStatusExt;
    let number = status.signal()?;
    let signal = nix::sys::signal::Signal::try_from(number).ok()?;
    Some(signal.as_str().to_string())
}

/// Runs the component and diagnoses the run with no known port owners.
pub fn diagnose_run(config: &ComponentConfig) -> (Diagnosis, Run) {
    diagnose_run_with(config, &NoOwners, false)
}

/// Runs the component and diagnoses the run.
pub fn diagnose_run_with(
    config: &ComponentConfig,
    owners: &dyn PortOwners,
    sent_signal: bool,
) -> (Diagnosis, Run) {
    let run = run(config);
    let input = FailureInput {
        component: config,
        exit: &run.exit,
        output: &run.output,
        sent_signal,
        owners,
    };
    (tend::diagnose::diagnose(&input), run)
}

/// Checks whether `program` can be run, for tests that need an optional interpreter.
pub fn have(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// Whether a test whose tool is missing may skip. `make test` sets
/// TEND_REQUIRE_TOOLS because it installs every tool, so there a missing
/// tool fails the test instead of skipping it.
pub fn may_skip_without(program: &str) -> bool {
    if have(program) {
        return false;
    }
    assert!(
        std::env::var_os("TEND_REQUIRE_TOOLS").is_none(),
        "{program} is not installed; `make deps` installs it"
    );
    eprintln!("SKIPPED: {program} is not installed");
    true
}

/// Maps one pid to a component name.
pub struct OnePid {
    pub pid: u32,
    pub component: String,
}

impl PortOwners for OnePid {
    fn component_of_pid(&self, pid: u32) -> Option<String> {
        (pid == self.pid).then(|| self.component.clone())
    }
}
