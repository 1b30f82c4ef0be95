//! `tend quit`: stops every component and the supervisor.

use super::Exit;
use std::time::{Duration, Instant};

use clap::Args;
use hyper::Method;

use super::client::{Client, error_from_body};
use super::error::CliError;
use crate::paths::ENDPOINT_FILE;

/// How often `tend quit` checks whether the supervisor has exited.
const POLL_INTERVAL: Duration = Duration::from_millis(100);

#[derive(Debug, Args)]
pub struct QuitArgs {
    /// Seconds to wait for the supervisor to exit; 0 returns at once
    #[arg(long, default_value_t = 60, value_name = "SECONDS")]
    wait: u64,
}

pub async fn run(client: &Client, args: QuitArgs) -> Result<Exit, CliError> {
    let pid = client.endpoint()?.pid;
    let (status, bytes) = client.request(Method::POST, "/v1/quit", None).await?;
    if status != hyper::StatusCode::ACCEPTED {
        return Err(error_from_body(status, &bytes));
    }
    if args.wait == 0 {
        println!("supervisor (pid {pid}) is shutting down");
        return Ok(Exit::Ok);
    }

    // The supervisor removes endpoint.json as its last step.
    let endpoint = client.state_dir().join(ENDPOINT_FILE);
    let deadline = Instant::now() + Duration::from_secs(args.wait);
    while endpoint.exists() {
        if Instant::now() >= deadline {
            return Err(CliError::Failed(format!(
                "supervisor (pid {pid}) is still shutting down after {}s",
                args.wait
            )));
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
    println!("supervisor (pid {pid}) stopped");
    Ok(Exit::Ok)
}
