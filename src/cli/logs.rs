//! `tend logs [NAME...] [-f] [-n N] [--since TIME]`: component output, each
//! line prefixed with its component's name when several are shown.

use super::Exit;
use std::time::{Duration, SystemTime};

use clap::Args;
use futures_util::StreamExt;

use super::client::Client;
use super::error::CliError;
use crate::event::{LogLine, Snapshot};

/// Lines fetched per component when `--since` is given, before filtering.
const SINCE_LINES: usize = 100_000;

#[derive(Debug, Args)]
pub struct LogsArgs {
    /// Components to show [default: all]
    names: Vec<String>,
    /// Keep printing new lines as they arrive
    #[arg(short, long)]
    follow: bool,
    /// Lines to show per component
    #[arg(short = 'n', long = "lines", default_value_t = 100, value_name = "N")]
    lines: usize,
    /// Only lines since this time: RFC 3339 ("2025-01-31T12:00:00Z") or an age ("10m", "2h")
    #[arg(long, value_name = "TIME", value_parser = parse_since)]
    since: Option<SystemTime>,
}

pub async fn run(client: &Client, args: LogsArgs) -> Result<Exit, CliError> {
    let names = if args.names.is_empty() {
        let snapshot: Snapshot = client.get("/v1/components").await?;
        snapshot.components.into_iter().map(|component| component.name).collect()
    } else {
        args.names.clone()
    };
    let width = names.iter().map(String::len).max().unwrap_or(0);
    let prefix = |line: &LogLine| match names.len() {
        1 => String::new(),
        _ => format!("{:width$} | ", line.component),
    };

    let count = if args.since.is_some() { SINCE_LINES } else { args.lines };
    let mut tail = Vec::new();
    for name in &names {
        let lines: Vec<LogLine> =
            client.get(&format!("/v1/components/{name}/logs?n={count}")).await?;
        tail.extend(lines.into_iter().filter(|line| is_since(line, args.since)));
    }
    // RFC 3339 UTC times with a fixed width sort as text.
    tail.sort_by(|left, right| left.at.cmp(&right.at));
    let skip =
        if args.since.is_some() { tail.len().saturating_sub(args.lines * names.len()) } else { 0 };
    for line in &tail[skip..] {
        println!("{}{}", prefix(line), line.text);
    }

    if args.follow {
        follow(client, &names, &prefix).await?;
    }
    Ok(Exit::Ok)
}

/// Prints new lines of every component until the streams end.
// NOTE: lines written between the tail request and the stream start are not
// shown. One `follow=true&n=N` stream per component would avoid that gap, but
// then the tails of several components could not be sorted by time.
async fn follow(
    client: &Client,
    names: &[String],
    prefix: &dyn Fn(&LogLine) -> String,
) -> Result<(), CliError> {
    let mut streams = Vec::new();
    for name in names {
        let stream = client.events(&format!("/v1/components/{name}/logs?n=0&follow=true")).await?;
        streams.push(Box::pin(stream));
    }
    let mut merged = futures_util::stream::select_all(streams);
    while let Some(event) = merged.next().await {
        let event = event?;
        match event.event.as_str() {
            "log" => match serde_json::from_str::<LogLine>(&event.data) {
                Ok(line) => println!("{}{}", prefix(&line), line.text),
                Err(error) => tracing::debug!(%error, "skipping an unreadable log event"),
            },
            "lagged" => eprintln!("tend: some lines were skipped because the output was too fast"),
            _ => {}
        }
    }
    Ok(())
}

fn is_since(line: &LogLine, since: Option<SystemTime>) -> bool {
    let Some(since) = since else { return true };
    // A line whose time cannot be read is kept rather than hidden.
    humantime::parse_rfc3339_weak(&line.at).map_or(true, |at| at >= since)
}

fn parse_since(text: &str) -> Result<SystemTime, String> {
    if let Ok(time) = humantime::parse_rfc3339_weak(text) {
        return Ok(time);
    }
    let age: Duration = humantime::parse_duration(text).map_err(|_| {
        format!("invalid time {text:?}; use RFC 3339 (2025-01-31T12:00:00Z) or an age such as 10m")
    })?;
    SystemTime::now().checked_sub(age).ok_or_else(|| format!("age {text:?} reaches before 1970"))
}
