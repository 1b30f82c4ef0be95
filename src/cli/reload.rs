//! `tend reload`: applies the config file again, or prints why it was rejected.

use super::Exit;

use hyper::Method;

use super::client::{Client, decode};
use super::error::CliError;
use crate::supervisor::ReloadOutcome;

pub async fn run(client: &Client) -> Result<Exit, CliError> {
    let (status, bytes) = client.request(Method::POST, "/v1/reload", None).await?;
    if status == hyper::StatusCode::UNPROCESSABLE_ENTITY {
        let outcome: ReloadOutcome = serde_json::from_slice(&bytes).unwrap_or_default();
        eprintln!("tend: config rejected; the running config is unchanged");
        for error in &outcome.errors {
            eprintln!("{error}");
        }
        return Ok(Exit::Failed);
    }

    let outcome: ReloadOutcome = decode(status, &bytes)?;
    let parts =
        [("added", &outcome.added), ("removed", &outcome.removed), ("changed", &outcome.changed)];
    let changes: Vec<String> = parts
        .iter()
        .filter(|(_, names)| !names.is_empty())
        .map(|(label, names)| format!("{label} {}", names.join(", ")))
        .collect();
    if changes.is_empty() {
        println!("reloaded: no changes");
    } else {
        println!("reloaded: {}", changes.join("; "));
    }
    Ok(Exit::Ok)
}
