//! The errors of the client commands and `tend up`, each with its exit code.

use super::Exit;

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
    Failed(String),
}

impl CliError {
    /// Returns the exit code for this error.
    pub fn exit(&self) -> Exit {
        match self {
            CliError::NoSupervisor { .. } => Exit::NoSupervisor,
            CliError::NoSuchComponent(_) => Exit::NoSuchComponent,
            CliError::Usage(_) => Exit::Usage,
            CliError::Failed(_) => Exit::Failed,
        }
    }
}
