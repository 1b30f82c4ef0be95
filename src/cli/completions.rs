//! `tend completions SHELL`: prints a completion script generated from the
//! clap definition, so it always matches the commands.

use clap::CommandFactory;
use clap_complete::Shell;

use super::{Cli, Exit};

#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// Shell to generate the script for
    #[arg(value_enum)]
    pub shell: Shell,
}

pub fn run(args: &CompletionsArgs) -> Exit {
    let mut command = Cli::command();
    clap_complete::generate(args.shell, &mut command, "tend", &mut std::io::stdout());
    Exit::Ok
}
