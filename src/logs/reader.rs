//! Reading log files back for the API and the CLI, across rotated files.

use std::io;
use std::path::Path;
use std::time::SystemTime;

use super::file::rotated_path;
use super::format::parse_line;
use crate::event::LogLine;

/// Rotated files looked at, at most, past the current one.
const MAX_ROTATED_SCANNED: u32 = 1000;

/// Returns the last `n` lines of the log file at `path`, oldest first, going
/// on into `NAME.log.1`, `.2`, … when the current file has fewer. With
/// `since`, only lines written at or after that time are returned. Lines not
/// in the log format are skipped.
pub fn read_file_tail(
    path: &Path,
    n: usize,
    since: Option<SystemTime>,
) -> io::Result<Vec<LogLine>> {
    let component = component_name(path);
    let since = since.map(|time| humantime::format_rfc3339_millis(time).to_string());
    let mut newest_first: Vec<LogLine> = Vec::new();

    for index in 0..=MAX_ROTATED_SCANNED {
        if newest_first.len() >= n {
            break;
        }
        let file = if index == 0 { path.to_path_buf() } else { rotated_path(path, index) };
        // NOTE: each file is read whole; files are bounded by the rotation size.
        let content = match std::fs::read(&file) {
            Ok(content) => content,
            Err(error) if error.kind() == io::ErrorKind::NotFound && index > 0 => break,
            Err(error) => return Err(error),
        };
        let reached_since =
            collect_newest(&content, &component, since.as_deref(), n, &mut newest_first);
        if reached_since {
            break;
        }
    }
    newest_first.reverse();
    Ok(newest_first)
}

/// Adds lines of one file, newest first, until `into` contains `n`. Returns true
/// when a line older than `since` was met, so older files need no reading.
fn collect_newest(
    content: &[u8],
    component: &str,
    since: Option<&str>,
    n: usize,
    into: &mut Vec<LogLine>,
) -> bool {
    let body = content.strip_suffix(b"\n").unwrap_or(content);
    if body.is_empty() {
        return false;
    }
    for raw in body.rsplit(|byte| *byte == b'\n') {
        if into.len() >= n {
            return false;
        }
        let Some(line) = parse_line(raw) else {
            continue;
        };
        // RFC 3339 UTC timestamps of equal length sort as text.
        if since.is_some_and(|since| line.at < since) {
            return true;
        }
        into.push(LogLine {
            component: component.to_string(),
            stream: line.stream,
            at: line.at.to_string(),
            text: String::from_utf8_lossy(line.bytes).into_owned(),
            continued: line.continued,
        });
    }
    false
}

/// Takes the component name from `NAME.log`.
fn component_name(path: &Path) -> String {
    let name = path.file_name().map(|name| name.to_string_lossy()).unwrap_or_default();
    name.strip_suffix(".log").unwrap_or(&name).to_string()
}
