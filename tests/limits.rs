//! The file-descriptor limit: `tend up` raises its own soft limit to the hard
//! one, because hundreds of components with pipes, log files and pidfds pass
//! the usual 1024, and gives its children the soft limit it started with.

mod common;

use std::os::unix::process::CommandExt;

use common::{TendUp, Workspace, poll_until_blocking};
use nix::sys::resource::{Resource, getrlimit, setrlimit};

/// A soft limit below any hard limit a test machine has.
const STARTING_SOFT_LIMIT: u64 = 256;

/// Reads the soft "Max open files" limit of `pid` from `/proc/PID/limits`.
fn soft_nofile(pid: u32) -> Option<u64> {
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).ok()?;
    let line = limits.lines().find(|line| line.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

#[test]
fn nofile_raised_and_restored_for_children() {
    let (_, hard) = getrlimit(Resource::RLIMIT_NOFILE).unwrap();
    assert!(hard > STARTING_SOFT_LIMIT, "hard limit {hard} leaves nothing to raise");
    let workspace = Workspace::new();
    let seen = workspace.root.path().join("child-limit");
    let config = workspace.write_config(&format!(
        "[components.probe]\ncommand = [\"sh\", \"-c\", \"ulimit -Sn > '{}'; exec sleep 30\"]\n",
        seen.display()
    ));

    let mut command = workspace.tend(&["up", "--config", config.to_str().unwrap()]);
    // SAFETY: setrlimit is async-signal-safe, and the closure touches no
    // memory shared with the parent.
    unsafe {
        command.pre_exec(move || {
            setrlimit(Resource::RLIMIT_NOFILE, STARTING_SOFT_LIMIT, hard)
                .map_err(std::io::Error::from)
        });
    }
    let mut up = TendUp::from_command(command);
    let pid = up.pid();
    workspace.wait_for_endpoint(pid);

    assert_eq!(soft_nofile(pid), Some(hard), "tend up raised its soft limit to the hard one");
    let child_limit = poll_until_blocking("the component to write its limit", || {
        std::fs::read_to_string(&seen).ok().filter(|text| text.ends_with('\n'))
    });
    assert_eq!(child_limit.trim(), STARTING_SOFT_LIMIT.to_string(), "children get the old limit");

    // Components run in sessions of their own, so quit stops them.
    let quit = workspace.run(&["quit"]);
    assert!(quit.status.success(), "{}", String::from_utf8_lossy(&quit.stderr));
    assert_eq!(up.wait_exit().code(), Some(0));
}
