//! Signal names and numbers as users write them: "TERM", "SIGTERM" or "15".

use std::str::FromStr;

use nix::sys::signal::Signal;

/// Names a signal number, e.g. 15 as "SIGTERM"; unknown numbers read "signal N".
pub fn signal_name(signal: i32) -> String {
    match Signal::try_from(signal) {
        Ok(known) => known.as_str().to_string(),
        Err(_) => format!("signal {signal}"),
    }
}

/// Parses "TERM", "SIGTERM", "sigterm" or "15" into a signal number.
/// Returns `None` for names and numbers this platform does not define.
pub fn parse_signal(text: &str) -> Option<i32> {
    let text = text.trim();
    if let Ok(number) = text.parse::<i32>() {
        return Signal::try_from(number).ok().map(|signal| signal as i32);
    }
    let upper = text.to_ascii_uppercase();
    let name = if upper.starts_with("SIG") { upper } else { format!("SIG{upper}") };
    Signal::from_str(&name).ok().map(|signal| signal as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_three_forms() {
        assert_eq!(parse_signal("TERM"), Some(15));
        assert_eq!(parse_signal("SIGTERM"), Some(15));
        assert_eq!(parse_signal("15"), Some(15));
        assert_eq!(parse_signal("hup"), Some(1));
        assert_eq!(parse_signal(" SIGKILL "), Some(9));
    }

    #[test]
    fn parse_rejects_unknown() {
        assert_eq!(parse_signal("TERMINATE"), None);
        assert_eq!(parse_signal("0"), None);
        assert_eq!(parse_signal("999"), None);
        assert_eq!(parse_signal(""), None);
    }

    #[test]
    fn names_known_and_unknown() {
        assert_eq!(signal_name(9), "SIGKILL");
        assert_eq!(signal_name(10), "SIGUSR1");
        assert_eq!(signal_name(250), "signal 250");
    }
}
