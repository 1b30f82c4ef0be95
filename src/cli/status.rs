//! `tend status`: one line per component, like `pm2 ls`.

use super::Exit;

use clap::Args;

use super::client::Client;
use super::error::CliError;
use super::format::{self, Cell};
use crate::event::{ComponentSnapshot, Snapshot};

/// Maximum diagnosis length in the table; `tend show` prints the full text.
const DIAGNOSIS_WIDTH: usize = 60;

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Print the snapshot as JSON
    #[arg(long)]
    json: bool,
}

pub async fn run(client: &Client, args: StatusArgs) -> Result<Exit, CliError> {
    let snapshot: Snapshot = client.get("/v1/components").await?;
    if args.json {
        let json = serde_json::to_string_pretty(&snapshot)
            .map_err(|error| CliError::Failed(format!("cannot encode the snapshot: {error}")))?;
        println!("{json}");
        return Ok(Exit::Ok);
    }
    print!("{}", render(&snapshot, format::use_colour()));
    Ok(Exit::Ok)
}

/// Renders the table and a summary line.
pub fn render(snapshot: &Snapshot, colour: bool) -> String {
    if snapshot.components.is_empty() {
        return "no components configured\n".to_string();
    }
    let header = ["NAME", "STATE", "PID", "UPTIME", "RESTARTS", "CPU", "MEM", "DIAGNOSIS"];
    let rows: Vec<Vec<Cell>> = snapshot.components.iter().map(row).collect();
    let mut text = format::table(&header, &rows, colour);
    text.push_str(&format!("{} ({})\n", snapshot.summary, snapshot.aggregate.as_str()));
    text
}

fn row(component: &ComponentSnapshot) -> Vec<Cell> {
    let dash = || "-".to_string();
    let style = format::state_style(component.state, component.failed);
    let diagnosis = component
        .diagnosis
        .as_ref()
        .map(|diagnosis| format::truncate(&diagnosis.summary, DIAGNOSIS_WIDTH))
        .unwrap_or_default();
    vec![
        Cell::plain(component.name.clone()),
        Cell::styled(component.state.as_str(), style),
        Cell::plain(component.pid.map_or_else(dash, |pid| pid.to_string())),
        Cell::plain(component.uptime_ms.map_or_else(dash, format::duration_ms)),
        Cell::plain(component.restarts.to_string()),
        Cell::plain(component.cpu_percent.map_or_else(dash, |cpu| format!("{cpu:.1}%"))),
        Cell::plain(component.memory_bytes.map_or_else(dash, format::bytes)),
        Cell::plain(diagnosis),
    ]
}
