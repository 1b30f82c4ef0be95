//! The CLI's errors and the exit code each one leaves with.

use std::process::ExitCode;

/// Exit codes of every `tend` command.
pub mod code {
    pub const OK: u8 = 0;
    pub const FAILED: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const NO_SUPERVISOR: u8 = 3;
    pub const NO_SUCH_COMPONENT: u8 = 4;
    pub const PREFLIGHT_FAILED: u8 = 5;
}

/// A failed command.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("no supervisor is running for {state_dir}; start one with `tend up`")]
    NoSupervisor { state_dir: String },
    #[error("{0}")]
    NoSuchComponent(String),
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Preflight(String),
    #[error("{0}")]
    Failed(String),
}

/// The exit code for an error.
pub fn exit_code(error: &CliError) -> ExitCode {
    ExitCode::from(match error {
        CliError::NoSupervisor { .. } => code::NO_SUPERVISOR,
        CliError::NoSuchComponent(_) => code::NO_SUCH_COMPONENT,
        CliError::Usage(_) => code::USAGE,
        CliError::Preflight(_) => code::PREFLIGHT_FAILED,
        CliError::Failed(_) => code::FAILED,
    })
}
