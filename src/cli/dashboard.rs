//! `tend dashboard`: opens the web dashboard, or prints its URL with the
//! token in the fragment.

use super::Exit;

use clap::Args;

use super::client::Client;
use super::error::CliError;
use crate::api::{dashboard_url, token};
use crate::paths::TOKEN_FILE;

#[derive(Debug, Args)]
pub struct DashboardArgs {
    /// Print the URL instead of opening a browser
    #[arg(long)]
    print: bool,
}

pub async fn run(client: &Client, args: DashboardArgs) -> Result<Exit, CliError> {
    let endpoint = client.endpoint()?;
    let Some(address) = &endpoint.http else {
        return Err(CliError::Failed(
            "the dashboard needs the HTTP listener, which is off; add `[api]` with \
             `listen = \"127.0.0.1:7070\"` to tend.toml and restart the supervisor, \
             or start it with `tend up --dashboard`"
                .to_string(),
        ));
    };
    let token = token::read_existing(&client.state_dir().join(TOKEN_FILE))
        .map_err(|error| CliError::Failed(error.to_string()))?;
    let url = dashboard_url(address, &token);

    if args.print {
        println!("{url}");
        return Ok(Exit::Ok);
    }
    match std::process::Command::new("xdg-open").arg(&url).status() {
        Ok(status) if status.success() => Ok(Exit::Ok),
        Ok(status) => {
            println!("{url}");
            Err(CliError::Failed(format!("xdg-open failed ({status}); open the URL above by hand")))
        }
        Err(error) => {
            println!("{url}");
            Err(CliError::Failed(format!(
                "cannot run xdg-open ({error}); open the URL above by hand"
            )))
        }
    }
}
