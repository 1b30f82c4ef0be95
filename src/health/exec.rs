//! The exec probe: runs an argv in its own process group and passes when it
//! exits 0 within the timeout. On timeout the whole group is killed, so a
//! probe never leaves processes behind.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::Command;
use tokio::task::JoinHandle;

use super::check::{describe_io, format_duration};

/// Bytes of output kept from each stream to quote in the error.
const OUTPUT_TAIL_BYTES: usize = 4096;

/// How long to wait for the output pipes after the process exited, since a
/// forked grandchild may hold them open.
const OUTPUT_GRACE: Duration = Duration::from_millis(100);

pub(super) async fn run(
    argv: &[String],
    timeout: Duration,
    cwd: &Path,
    env: &BTreeMap<String, String>,
) -> Result<(), String> {
    let probe_name = format!("exec `{}`", argv.join(" "));
    let Some((program, args)) = argv.split_first() else {
        return Err(format!("{probe_name}: empty command"));
    };

    let mut command = Command::new(program);
    command
        .args(args)
        .current_dir(cwd)
        .envs(env)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    group::new_process_group(&mut command);
    let mut child = command.spawn().map_err(|error| {
        format!("{probe_name} failed to start in {}: {}", cwd.display(), describe_io(&error))
    })?;

    // Kills the group when this function returns or its future is dropped,
    // which also ends whatever the probe forked and left running.
    let _group = child.id().map(group::GroupGuard::new);
    let stdout = child.stdout.take().map(drain_tail);
    let stderr = child.stderr.take().map(drain_tail);
    let waited = tokio::time::timeout(timeout, child.wait()).await;

    let status = match waited {
        Ok(Ok(status)) => status,
        Ok(Err(error)) => {
            return Err(format!("{probe_name}: wait failed: {}", describe_io(&error)));
        }
        Err(_) => {
            return Err(format!(
                "{probe_name} timed out after {} (killed)",
                format_duration(timeout)
            ));
        }
    };
    if status.success() {
        return Ok(());
    }

    let output = last_line(stderr).await.or(last_line(stdout).await);
    Err(describe_failure(&probe_name, status, output))
}

fn describe_failure(probe_name: &str, status: ExitStatus, output: Option<String>) -> String {
    let ended = match status.code() {
        Some(code) => format!("{probe_name} exited {code}"),
        None => format!("{probe_name} ended by {}", signal_name(status)),
    };
    match output {
        Some(line) => format!("{ended}: {line}"),
        None => ended,
    }
}

#[cfg(unix)]
fn signal_name(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;

    match status.signal().map(nix::sys::signal::Signal::try_from) {
        Some(Ok(signal)) => signal.as_str().to_owned(),
        Some(Err(_)) | None => "a signal".to_owned(),
    }
}

#[cfg(not(unix))]
fn signal_name(_status: ExitStatus) -> String {
    "a signal".to_owned()
}

/// Reads a pipe to its end in a task, keeping only the last bytes.
fn drain_tail(mut pipe: impl AsyncRead + Unpin + Send + 'static) -> JoinHandle<Vec<u8>> {
    tokio::spawn(async move {
        let mut tail = Vec::new();
        let mut buffer = [0u8; 1024];
        while let Ok(count @ 1..) = pipe.read(&mut buffer).await {
            tail.extend_from_slice(&buffer[..count]);
            if tail.len() > OUTPUT_TAIL_BYTES {
                tail.drain(..tail.len() - OUTPUT_TAIL_BYTES);
            }
        }
        tail
    })
}

/// The last non-empty line a drained pipe produced, if it ends soon.
async fn last_line(pipe: Option<JoinHandle<Vec<u8>>>) -> Option<String> {
    let mut pipe = pipe?;
    let tail = match tokio::time::timeout(OUTPUT_GRACE, &mut pipe).await {
        Ok(Ok(tail)) => tail,
        Ok(Err(_)) | Err(_) => {
            pipe.abort();
            return None;
        }
    };
    let text = String::from_utf8_lossy(&tail);
    let line = text.lines().map(str::trim).rfind(|line| !line.is_empty())?;
    Some(line.to_owned())
}

/// Process-group handling for the probe's own child.
#[cfg(unix)]
mod group {
    use nix::sys::signal::{Signal, killpg};
    use nix::unistd::Pid;

    pub(super) fn new_process_group(command: &mut tokio::process::Command) {
        command.process_group(0);
    }

    /// Holds the probe's process group with the reaper, and sends SIGKILL to
    /// the group when dropped. A group that is already gone is fine.
    pub(super) struct GroupGuard(u32);

    impl GroupGuard {
        pub(super) fn new(pid: u32) -> GroupGuard {
            crate::process::hold_probe_group(pid);
            GroupGuard(pid)
        }
    }

    impl Drop for GroupGuard {
        fn drop(&mut self) {
            let pid = self.0;
            let Ok(raw) = i32::try_from(pid) else { return };
            match killpg(Pid::from_raw(raw), Signal::SIGKILL) {
                Ok(()) | Err(nix::errno::Errno::ESRCH) => {}
                Err(error) => {
                    tracing::warn!(pid, %error, "failed to kill exec probe process group")
                }
            }
            crate::process::release_probe_group(pid);
        }
    }
}

#[cfg(not(unix))]
mod group {
    pub(super) fn new_process_group(_command: &mut tokio::process::Command) {}

    // TODO: kill the probe's process tree on Windows (a job object); only the
    // leader is killed there, through `kill_on_drop`.
    pub(super) struct GroupGuard(u32);

    impl GroupGuard {
        pub(super) fn new(pid: u32) -> GroupGuard {
            GroupGuard(pid)
        }
    }
}
