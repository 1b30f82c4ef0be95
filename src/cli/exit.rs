//! Exit codes of the `tend` command, the same for every subcommand.

use std::process::ExitCode;

/// Outcome of a command, as its exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Success.
    Ok = 0,
    /// The command failed, e.g. the config has errors.
    Failed = 1,
    /// Invalid arguments; clap exits with this code itself.
    Usage = 2,
    /// No supervisor is running for the state directory.
    NoSupervisor = 3,
    /// A named component does not exist.
    NoSuchComponent = 4,
    /// A check made before start failed.
    PreflightFailed = 5,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit as u8)
    }
}
