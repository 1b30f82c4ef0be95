//! `tend start|stop|restart NAME... | --all | --failed`.

use super::Exit;

use clap::Args;

use super::client::Client;
use super::error::CliError;
use crate::api::{ActionRequest, ActionResponse};
use crate::supervisor::Verb;

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("target").required(true).args(["names", "all", "failed"]))]
pub struct ActionArgs {
    /// Components to act on
    names: Vec<String>,
    /// Every component
    #[arg(long)]
    all: bool,
    /// Every component that counts as failed (fatal, blocked, unhealthy or exited with an error)
    #[arg(long)]
    failed: bool,
}

pub async fn run(client: &Client, verb: Verb, args: ActionArgs) -> Result<Exit, CliError> {
    let body = ActionRequest {
        names: (!args.names.is_empty()).then_some(args.names),
        all: args.all,
        failed: args.failed,
    };
    let response: ActionResponse =
        client.post(&format!("/v1/actions/{}", verb.as_str()), &body).await?;

    if response.results.is_empty() {
        println!("nothing to {}", verb.as_str());
    }
    let mut all_ok = true;
    for result in &response.results {
        all_ok &= result.ok;
        let mark = if result.ok { "" } else { "failed: " };
        println!("{}: {mark}{} ({})", result.name, result.message, result.state);
    }
    Ok(if all_ok { Exit::Ok } else { Exit::Failed })
}
