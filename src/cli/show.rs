//! `tend show NAME`: everything about one component.

use super::Exit;
use std::fmt::Write;

use clap::Args;

use super::client::Client;
use super::error::CliError;
use super::format;
use crate::supervisor::ComponentDetail;

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The component
    name: String,
    /// Print the detail as JSON
    #[arg(long)]
    json: bool,
}

pub async fn run(client: &Client, args: ShowArgs) -> Result<Exit, CliError> {
    let detail: ComponentDetail = client.get(&format!("/v1/components/{}", args.name)).await?;
    if args.json {
        let json = serde_json::to_string_pretty(&detail)
            .map_err(|error| CliError::Failed(format!("cannot encode the detail: {error}")))?;
        println!("{json}");
    } else {
        print!("{}", render(&detail));
    }
    Ok(Exit::Ok)
}

/// The detail as labelled lines. Env values arrive already masked. Writing
/// to a `String` cannot fail, so the results of `writeln!` are ignored.
pub fn render(detail: &ComponentDetail) -> String {
    let component = &detail.snapshot;
    let mut out = String::new();
    let command: Vec<String> = detail.command.iter().map(|arg| format::shell_quote(arg)).collect();
    let _ = writeln!(out, "name:      {} ({})", component.name, component.kind);
    let _ = writeln!(out, "state:     {} since {}", component.state, component.since);
    if let Some(pid) = component.pid {
        let uptime = component.uptime_ms.map(format::duration_ms).unwrap_or_default();
        let _ = writeln!(out, "pid:       {pid} (up {uptime})");
    }
    let _ = writeln!(out, "restarts:  {}", component.restarts);
    let shell = if detail.shell { " (shell)" } else { "" };
    let _ = writeln!(out, "command:   {}{shell}", command.join(" "));
    let _ = writeln!(out, "cwd:       {}", detail.cwd);
    let _ = writeln!(out, "log:       {}", component.log_path);
    if let Some(diagnosis) = &component.diagnosis {
        let _ = writeln!(out, "diagnosis: {}", diagnosis.summary);
        if !diagnosis.hint.is_empty() {
            let _ = writeln!(out, "hint:      {}", diagnosis.hint);
        }
    }
    if !component.waiting_on.is_empty() {
        let _ = writeln!(out, "waiting:   {}", component.waiting_on.join(", "));
    }

    push_lists(&mut out, detail);
    push_exits(&mut out, detail);
    out
}

fn push_lists(out: &mut String, detail: &ComponentDetail) {
    if !detail.depends_on.is_empty() {
        let _ = writeln!(out, "depends on:");
        for (name, condition) in &detail.depends_on {
            let _ = writeln!(out, "  {name} ({condition})");
        }
    }
    if !detail.env.is_empty() {
        let _ = writeln!(out, "env:");
        for (name, value) in &detail.env {
            let _ = writeln!(out, "  {name}={value}");
        }
    }
}

fn push_exits(out: &mut String, detail: &ComponentDetail) {
    let exits: Vec<_> = detail.history.iter().filter_map(|entry| entry.exit.as_ref()).collect();
    if !exits.is_empty() {
        let _ = writeln!(out, "last exits:");
        for exit in exits.iter().rev().take(10) {
            let how = match (&exit.signal, exit.code) {
                (Some(signal), _) => format!("killed by {signal}"),
                (None, Some(code)) => format!("exit code {code}"),
                (None, None) => "ended".to_string(),
            };
            let uptime = format::duration_ms(exit.uptime_ms);
            let _ = writeln!(out, "  {}  {how} after {uptime}", exit.at);
        }
    }
}
