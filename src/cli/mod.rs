//! The `tend` command line: argument parsing and one module per command.
//! The dispatcher only routes; each command module owns its arguments and
//! output. `tend up` runs the supervisor; the commands after it in
//! [`Command`] are clients of the running supervisor's API.

mod action;
mod check;
mod client;
mod completions;
mod config_load;
mod dashboard;
mod error;
mod exit;
mod export;
mod format;
mod import;
mod logs;
mod quit;
mod reload;
mod schema;
mod show;
mod signal;
mod status;
mod up;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::supervisor::Verb;

pub use client::Client;
pub use error::CliError;
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
    /// Run the supervisor in the foreground until SIGINT, SIGTERM or `tend quit`
    Up(up::UpArgs),
    /// Validate the config file and run the checks made before each start
    Check(check::CheckArgs),
    /// Print the JSON Schema of tend.toml for editor completion
    Schema,
    /// Print a shell completion script
    Completions(completions::CompletionsArgs),
    /// List components with state, pid, uptime, restarts, CPU, memory and diagnosis
    Status(status::StatusArgs),
    /// Show one component: resolved command, masked environment, log file, last exits
    Show(show::ShowArgs),
    /// Start components (and their stopped dependencies)
    Start(action::ActionArgs),
    /// Stop components and wait until their processes are gone
    Stop(action::ActionArgs),
    /// Restart components
    Restart(action::ActionArgs),
    /// Send a signal to every process of a component
    Signal(signal::SignalArgs),
    /// Print component output
    Logs(logs::LogsArgs),
    /// Reload the config file; a rejected config leaves the running one in place
    Reload,
    /// Stop every component and the supervisor
    Quit(quit::QuitArgs),
    /// Open the web dashboard in a browser, or print its URL
    Dashboard(dashboard::DashboardArgs),
    /// Translate a Procfile, PM2, supervisord or process-compose config into tend.toml
    Import(import::ImportArgs),
    /// Write the config as systemd user units
    Export(export::ExportArgs),
}

/// Parses the arguments and runs the command.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let global = cli.global;
    let outcome = match cli.command {
        Command::Up(args) => up::run(&global, args),
        Command::Check(args) => Ok(check::run(&global, &args)),
        Command::Schema => Ok(schema::run()),
        Command::Completions(args) => Ok(completions::run(&args)),
        Command::Import(args) => Ok(import::run(&args)),
        Command::Export(args) => Ok(export::run(&global, &args)),
        command => {
            client_runtime().and_then(|runtime| runtime.block_on(run_client(&global, command)))
        }
    };
    match outcome {
        Ok(exit) => exit.into(),
        Err(error) => {
            eprintln!("tend: {error}");
            error.exit().into()
        }
    }
}

async fn run_client(global: &GlobalArgs, command: Command) -> Result<Exit, CliError> {
    let client = Client::from_global(global)?;
    match command {
        Command::Status(args) => status::run(&client, args).await,
        Command::Show(args) => show::run(&client, args).await,
        Command::Start(args) => action::run(&client, Verb::Start, args).await,
        Command::Stop(args) => action::run(&client, Verb::Stop, args).await,
        Command::Restart(args) => action::run(&client, Verb::Restart, args).await,
        Command::Signal(args) => signal::run(&client, args).await,
        Command::Logs(args) => logs::run(&client, args).await,
        Command::Reload => reload::run(&client).await,
        Command::Quit(args) => quit::run(&client, args).await,
        Command::Dashboard(args) => dashboard::run(&client, args).await,
        Command::Up(_)
        | Command::Check(_)
        | Command::Schema
        | Command::Completions(_)
        | Command::Import(_)
        | Command::Export(_) => {
            unreachable!("main runs the commands that need no supervisor")
        }
    }
}

fn client_runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| CliError::Failed(format!("cannot start the async runtime: {error}")))
}
