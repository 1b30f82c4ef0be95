//! `tend signal NAME SIG`.

use super::Exit;

use clap::Args;

use super::client::Client;
use super::error::CliError;
use crate::api::{SignalRequest, SignalResponse};

#[derive(Debug, Args)]
pub struct SignalArgs {
    /// The component
    name: String,
    /// Signal name or number, e.g. HUP, SIGUSR1 or 10
    signal: String,
}

pub async fn run(client: &Client, args: SignalArgs) -> Result<Exit, CliError> {
    let body = SignalRequest { signal: args.signal };
    let response: SignalResponse =
        client.post(&format!("/v1/components/{}/signal", args.name), &body).await?;
    println!("{}: sent {} to {} process(es)", response.name, response.signal, response.delivered);
    Ok(Exit::Ok)
}
