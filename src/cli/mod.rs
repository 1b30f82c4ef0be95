//! The `tend` command line: argument parsing and one function per command.

use std::process::ExitCode;

use clap::Parser;

#[derive(Debug, Parser)]
#[command(
    name = "tend",
    version,
    about = "Supervises local daemons and says why one is not running"
)]
pub struct Cli {}

pub fn main() -> ExitCode {
    let _cli = Cli::parse();
    ExitCode::SUCCESS
}
