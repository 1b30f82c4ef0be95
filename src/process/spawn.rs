//! Starting a component's leader: a new session and process group, no
//! controlling terminal, stdin from /dev/null, piped output, the environment
//! marker, and the fd limit Tend started with.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use nix::libc;
use process_wrap::tokio::{CommandWrap, ProcessSession};
use tokio::process::{Child, ChildStderr, ChildStdout, Command};

use super::reaper::{self, starting_nofile};
use super::tree::{ENV_COMPONENT, ENV_RUN, ProcessTree, run_marker_value};

/// Pipe size requested for stdout and stderr, so a burst of output does not
/// stall the child before the log pump reads it.
const PIPE_SIZE: i32 = 256 * 1024;
/// Enlarged pipes allowed at once. The kernel counts pipe pages per user
/// (`/proc/sys/fs/pipe-user-pages-soft`, 16384 pages by default) and shrinks
/// every new pipe of that user past the limit, so Tend uses at most a quarter.
const MAX_ENLARGED_PIPES: usize = 64;
static ENLARGED_PIPES: AtomicUsize = AtomicUsize::new(0);

/// The program, arguments, directory and environment for one start of a component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpawnSpec {
    pub component: String,
    /// Program and arguments, executed without a shell.
    pub argv: Vec<String>,
    pub cwd: PathBuf,
    /// Variables added on top of the supervisor's own environment.
    pub env: BTreeMap<String, String>,
    /// Unique per component within this supervisor process; part of the marker.
    pub run_id: u64,
}

/// A failure to start a leader. Each variant keeps the OS error.
#[derive(Debug, thiserror::Error)]
pub enum SpawnError {
    #[error("component {component} has an empty command: give at least the program to run")]
    EmptyCommand { component: String },
    #[error("command not found: {program}")]
    NotFound { program: String, source: io::Error },
    #[error("permission denied executing {}: make it executable (chmod +x) or run it through its interpreter", path.display())]
    PermissionDenied { program: String, path: PathBuf, source: io::Error },
    #[error("{} is not an executable format: add a #! line naming its interpreter", path.display())]
    ExecFormat { program: String, path: PathBuf, source: io::Error },
    #[error("working directory {} not found", cwd.display())]
    MissingCwd { cwd: PathBuf, source: io::Error },
    #[error("working directory {} is not a directory", cwd.display())]
    CwdNotDirectory { cwd: PathBuf },
    #[error("failed to spawn {program}: {source}")]
    Io { program: String, source: io::Error },
}

impl SpawnError {
    /// The I/O error kind behind the failure.
    pub fn kind(&self) -> io::ErrorKind {
        match self {
            SpawnError::EmptyCommand { .. } => io::ErrorKind::InvalidInput,
            SpawnError::CwdNotDirectory { .. } => io::ErrorKind::NotADirectory,
            _ => self.io_error().map_or(io::ErrorKind::Other, io::Error::kind),
        }
    }

    /// The OS error number, e.g. `ENOENT`, when the kernel reported one.
    pub fn errno(&self) -> Option<i32> {
        match self {
            SpawnError::CwdNotDirectory { .. } => Some(libc::ENOTDIR),
            _ => self.io_error().and_then(io::Error::raw_os_error),
        }
    }

    fn io_error(&self) -> Option<&io::Error> {
        match self {
            SpawnError::NotFound { source, .. }
            | SpawnError::PermissionDenied { source, .. }
            | SpawnError::ExecFormat { source, .. }
            | SpawnError::MissingCwd { source, .. }
            | SpawnError::Io { source, .. } => Some(source),
            SpawnError::EmptyCommand { .. } | SpawnError::CwdNotDirectory { .. } => None,
        }
    }
}

/// The leader process of a run; waiting on it is how an exit is noticed.
#[derive(Debug)]
pub struct Leader {
    pid: u32,
    child: Child,
}

impl Leader {
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Waits for the leader to exit and reaps it. Cancel-safe.
    pub async fn wait(&mut self) -> io::Result<ExitStatus> {
        let status = self.child.wait().await?;
        reaper::registry().remove_leader(self.pid);
        Ok(status)
    }

    /// Reaps the leader if it has exited, without waiting.
    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        let status = self.child.try_wait()?;
        if status.is_some() {
            reaper::registry().remove_leader(self.pid);
        }
        Ok(status)
    }
}

impl Drop for Leader {
    fn drop(&mut self) {
        // Tokio reaps a dropped child in the background; should the orphan
        // reaper get to it first, tokio treats the lost status as reaped.
        reaper::registry().remove_leader(self.pid);
    }
}

/// A started run: its leader, its output pipes and its process tree.
#[derive(Debug)]
pub struct Spawned {
    pub pid: u32,
    pub pgid: u32,
    pub child: Leader,
    pub stdout: ChildStdout,
    pub stderr: ChildStderr,
    pub tree: ProcessTree,
}

/// Starts `spec.argv` in a new session and process group.
pub fn spawn(spec: &SpawnSpec) -> Result<Spawned, SpawnError> {
    let Some(program) = spec.argv.first() else {
        return Err(SpawnError::EmptyCommand { component: spec.component.clone() });
    };
    check_cwd(&spec.cwd)?;

    let run_marker = run_marker_value(spec.run_id);
    let mut command = Command::new(program);
    command
        .args(&spec.argv[1..])
        .current_dir(&spec.cwd)
        .envs(&spec.env)
        .env(ENV_COMPONENT, &spec.component)
        .env(ENV_RUN, &run_marker)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    restore_nofile(&mut command);
    let mut wrapped = CommandWrap::from(command);
    wrapped.wrap(ProcessSession);

    // The registry stays locked from fork until the leader is registered, so
    // the orphan reaper never mistakes the new leader for an orphan.
    let mut registry = reaper::registry();
    let wrapper = wrapped.spawn().map_err(|error| classify(error, spec, program))?;
    // SAFETY: the session wrapper only records the group id; removing it drops
    // its group wait, which Tend replaces by waiting on the leader alone.
    let Ok(mut child) = (unsafe { wrapper.try_into_inner_child() }) else {
        return Err(internal(program, "the spawned child is not a tokio child"));
    };
    let Some(pid) = child.id() else {
        return Err(internal(program, "the spawned child has no pid"));
    };
    registry.add_leader(pid);
    let mut tree = ProcessTree::new(&mut registry, &spec.component, pid, &run_marker);
    drop(registry);

    let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
        return Err(internal(program, "the output pipes are missing"));
    };
    tree.set_pipe_budget(enlarge_pipes(&stdout, &stderr));
    tracing::info!(component = %spec.component, pid, run = spec.run_id, "spawned");
    Ok(Spawned { pid, pgid: pid, child: Leader { pid, child }, stdout, stderr, tree })
}

fn internal(program: &str, message: &str) -> SpawnError {
    SpawnError::Io { program: program.to_string(), source: io::Error::other(message) }
}

fn check_cwd(cwd: &Path) -> Result<(), SpawnError> {
    match std::fs::metadata(cwd) {
        Ok(metadata) if metadata.is_dir() => Ok(()),
        Ok(_) => Err(SpawnError::CwdNotDirectory { cwd: cwd.to_path_buf() }),
        Err(source) => Err(SpawnError::MissingCwd { cwd: cwd.to_path_buf(), source }),
    }
}

fn classify(source: io::Error, spec: &SpawnSpec, program: &str) -> SpawnError {
    let program_owned = program.to_string();
    let path = || resolve_program(program, &spec.cwd, spec.env.get("PATH"));
    match source.raw_os_error() {
        Some(libc::ENOENT) if !spec.cwd.is_dir() => {
            SpawnError::MissingCwd { cwd: spec.cwd.clone(), source }
        }
        Some(libc::ENOENT) => SpawnError::NotFound { program: program_owned, source },
        Some(libc::EACCES) => SpawnError::PermissionDenied {
            program: program_owned,
            path: path().unwrap_or_else(|| PathBuf::from(program)),
            source,
        },
        Some(libc::ENOEXEC) => SpawnError::ExecFormat {
            program: program_owned,
            path: path().unwrap_or_else(|| PathBuf::from(program)),
            source,
        },
        _ => SpawnError::Io { program: program_owned, source },
    }
}

/// Finds the file `program` names: relative to `cwd` when it contains a
/// slash, else the first existing entry on PATH (the child's, else ours).
fn resolve_program(program: &str, cwd: &Path, child_path: Option<&String>) -> Option<PathBuf> {
    if program.contains('/') {
        return Some(cwd.join(program));
    }
    let search = child_path.cloned().or_else(|| std::env::var("PATH").ok())?;
    std::env::split_paths(&search)
        .map(|dir| if dir.is_relative() { cwd.join(dir) } else { dir })
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

fn restore_nofile(command: &mut Command) {
    let Some((soft, hard)) = starting_nofile() else {
        return;
    };
    // SAFETY: the closure runs between fork and exec and only calls
    // setrlimit, which is async-signal-safe and allocates nothing.
    unsafe {
        command.pre_exec(move || {
            nix::sys::resource::setrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE, soft, hard)
                .map_err(io::Error::from)
        });
    }
}

/// A share of the enlarged-pipe allowance, given back on drop.
#[derive(Debug, Default)]
pub(crate) struct PipeBudget {
    pipes: usize,
}

impl Drop for PipeBudget {
    fn drop(&mut self) {
        ENLARGED_PIPES.fetch_sub(self.pipes, Ordering::Relaxed);
    }
}

/// Enlarges both pipes while the allowance lasts; best effort.
fn enlarge_pipes(stdout: &ChildStdout, stderr: &ChildStderr) -> PipeBudget {
    let mut budget = PipeBudget::default();
    #[cfg(target_os = "linux")]
    for pipe in [std::os::fd::AsFd::as_fd(stdout), std::os::fd::AsFd::as_fd(stderr)] {
        if ENLARGED_PIPES.fetch_add(1, Ordering::Relaxed) >= MAX_ENLARGED_PIPES {
            ENLARGED_PIPES.fetch_sub(1, Ordering::Relaxed);
            break;
        }
        match super::linux::set_pipe_size(pipe, PIPE_SIZE) {
            Ok(_) => budget.pipes += 1,
            Err(error) => {
                ENLARGED_PIPES.fetch_sub(1, Ordering::Relaxed);
                tracing::debug!(%error, "could not enlarge an output pipe");
                break;
            }
        }
    }
    budget
}
