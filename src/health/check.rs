//! One probe check of any kind, bounded by its timeout, with a short error
//! message a person can read in the tray or in `tend status`.

use std::collections::BTreeMap;
use std::io;
use std::path::Path;
use std::time::{Duration, SystemTime};

use crate::config::ProbeCheck;

/// Runs `check` once and returns `Ok` when it passes.
///
/// The error is one short line naming the target and what went wrong, e.g.
/// "GET http://127.0.0.1:8080/health returned 503". `cwd` and `env` apply to
/// exec checks only; an exec check that outlives `timeout` is killed with its
/// process group.
pub async fn run_check(
    check: &ProbeCheck,
    timeout: Duration,
    cwd: &Path,
    env: &BTreeMap<String, String>,
) -> Result<(), String> {
    match check {
        ProbeCheck::Http { url, status_min, status_max } => {
            let attempt = super::http::get(url, *status_min, *status_max);
            within(timeout, &format!("GET {url}"), attempt).await
        }
        ProbeCheck::Tcp { address } => {
            within(timeout, &format!("connect {address}"), connect(address)).await
        }
        ProbeCheck::Exec { command } => super::exec::run(command, timeout, cwd, env).await,
        ProbeCheck::Heartbeat { path, max_age } => {
            let attempt = heartbeat(path, *max_age);
            within(timeout, &format!("heartbeat {}", path.display()), attempt).await
        }
    }
}

/// Names what a check probes, e.g. "GET http://127.0.0.1:8080/health" or
/// "tcp 127.0.0.1:6379", for diagnoses and logs.
pub fn describe_check(check: &ProbeCheck) -> String {
    match check {
        ProbeCheck::Http { url, .. } => format!("GET {url}"),
        ProbeCheck::Tcp { address } => format!("tcp {address}"),
        ProbeCheck::Exec { command } => format!("exec `{}`", command.join(" ")),
        ProbeCheck::Heartbeat { path, .. } => format!("heartbeat {}", path.display()),
    }
}

/// Awaits `attempt` for at most `timeout`, naming `target` when it runs out.
async fn within(
    timeout: Duration,
    target: &str,
    attempt: impl Future<Output = Result<(), String>>,
) -> Result<(), String> {
    match tokio::time::timeout(timeout, attempt).await {
        Ok(result) => result,
        Err(_) => Err(format!("{target} timed out after {}", format_duration(timeout))),
    }
}

async fn connect(address: &str) -> Result<(), String> {
    match tokio::net::TcpStream::connect(address).await {
        Ok(_stream) => Ok(()),
        Err(error) => Err(format!("connect {address}: {}", describe_io(&error))),
    }
}

async fn heartbeat(path: &Path, max_age: Duration) -> Result<(), String> {
    let display_path = path.display();
    let modified = match tokio::fs::metadata(path).await.and_then(|meta| meta.modified()) {
        Ok(modified) => modified,
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            return Err(format!(
                "heartbeat {display_path} not found: the component has not touched it"
            ));
        }
        Err(error) => return Err(format!("heartbeat {display_path}: {}", describe_io(&error))),
    };

    // An mtime in the future (clock skew, a touch -d) counts as fresh.
    let age = SystemTime::now().duration_since(modified).unwrap_or(Duration::ZERO);
    if age > max_age {
        return Err(format!(
            "heartbeat {display_path} touched {} ago, max {}",
            format_duration(age),
            format_duration(max_age)
        ));
    }
    Ok(())
}

/// Formats an I/O error as the OS words it, lowercase and without the
/// "(os error N)" suffix, e.g. "connection refused".
pub(super) fn describe_io(error: &io::Error) -> String {
    let text = error.to_string();
    let text = match text.find(" (os error ") {
        Some(index) => &text[..index],
        None => &text,
    };
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => text.to_owned(),
    }
}

/// Formats a duration in whole seconds (or milliseconds below one second),
/// e.g. "42s", "1m 30s", "500ms".
pub(super) fn format_duration(duration: Duration) -> String {
    let rounded = if duration >= Duration::from_secs(1) {
        Duration::from_secs(duration.as_secs())
    } else {
        Duration::from_millis(duration.as_millis() as u64)
    };
    humantime::format_duration(rounded).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describe_io_strips_os_error_suffix() {
        let error = io::Error::from_raw_os_error(111);
        assert_eq!(describe_io(&error), "connection refused");
    }

    #[test]
    fn describe_io_keeps_custom_message() {
        let error = io::Error::other("Bad thing happened");
        assert_eq!(describe_io(&error), "bad thing happened");
    }

    #[test]
    fn format_duration_rounds_to_seconds() {
        assert_eq!(format_duration(Duration::from_millis(42_700)), "42s");
        assert_eq!(format_duration(Duration::from_secs(90)), "1m 30s");
        assert_eq!(format_duration(Duration::from_millis(500)), "500ms");
    }
}
