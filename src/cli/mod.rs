//! The `tend` command line: argument parsing and one module per command.
//! `tend up` runs the supervisor; every other command is a client of the
//! running supervisor's API.

mod action;
mod client;
mod config_load;
mod dashboard;
mod error;
mod format;
mod logs;
mod quit;
mod reload;
mod show;
mod signal;
mod status;
mod up;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

pub use client::Client;
pub use error::{CliError, code, exit_code};

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

/// Flags every command accepts.
#[derive(Debug, Clone, Default, Args)]
pub struct GlobalArgs {
    /// Config file [default: TEND_CONFIG, else ./tend.toml, else $XDG_CONFIG_HOME/tend/tend.toml]
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// State directory (lock, logs, socket) [default: TEND_STATE_DIR, else the
    /// config's [supervisor] state_dir, else $XDG_STATE_HOME/tend]
    #[arg(long, global = true, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the supervisor in the foreground until SIGINT, SIGTERM or `tend quit`
    Up(up::UpArgs),
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
}

/// Parses the arguments, runs the command and maps the outcome to an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("tend: {error}");
            exit_code(&error)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, CliError> {
    let global = cli.global;
    match cli.command {
        Command::Up(args) => up::run(&global, args),
        command => client_runtime()?.block_on(run_client(&global, command)),
    }
}

async fn run_client(global: &GlobalArgs, command: Command) -> Result<ExitCode, CliError> {
    let client = Client::from_global(global)?;
    match command {
        Command::Up(_) => unreachable!("`tend up` runs before a client is made"),
        Command::Status(args) => status::run(&client, args).await,
        Command::Show(args) => show::run(&client, args).await,
        Command::Start(args) => action::run(&client, crate::supervisor::Verb::Start, args).await,
        Command::Stop(args) => action::run(&client, crate::supervisor::Verb::Stop, args).await,
        Command::Restart(args) => {
            action::run(&client, crate::supervisor::Verb::Restart, args).await
        }
        Command::Signal(args) => signal::run(&client, args).await,
        Command::Logs(args) => logs::run(&client, args).await,
        Command::Reload => reload::run(&client).await,
        Command::Quit(args) => quit::run(&client, args).await,
        Command::Dashboard(args) => dashboard::run(&client, args).await,
    }
}

fn client_runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| CliError::Failed(format!("cannot start the async runtime: {error}")))
}
