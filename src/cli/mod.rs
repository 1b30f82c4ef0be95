//! The `tend` command line: argument parsing and one module per command.
//! The dispatcher only routes; each command module owns its arguments and output.

mod check;
mod completions;
mod exit;
mod schema;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub use exit::Exit;

#[derive(Debug, Parser)]
#[command(
    name = "tend",
    version,
    about = "Supervises local daemons and says why one is not running"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options shared by every subcommand.
#[derive(Debug, Clone, clap::Args)]
pub struct GlobalArgs {
    /// Config file. Default: ./tend.toml, else $XDG_CONFIG_HOME/tend/tend.toml
    #[arg(long, global = true, env = "TEND_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// State directory for the lock, logs and socket. Default: [supervisor]
    /// state_dir, else $XDG_STATE_HOME/tend
    #[arg(long, global = true, env = "TEND_STATE_DIR", value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate the config file and run the checks made before each start
    Check(check::CheckArgs),
    /// Print the JSON Schema of tend.toml for editor completion
    Schema,
    /// Print a shell completion script
    Completions(completions::CompletionsArgs),
}

/// Parses the arguments and runs the command.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let exit = match cli.command {
        Command::Check(args) => check::run(&cli.global, &args),
        Command::Schema => schema::run(),
        Command::Completions(args) => completions::run(&args),
    };
    exit.into()
}
