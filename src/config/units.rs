//! Parsers for the values written as strings: durations, byte sizes,
//! percentages, HTTP status ranges, `host:port` and signals. Each returns an
//! error message that names the expected form.

use std::time::Duration;

use super::raw::{RawPercent, RawSignal, RawSize};

/// Parses "500ms", "30s", "5m", "1h 30m".
pub fn duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text.trim()).map_err(|error| {
        format!("invalid duration \"{text}\" ({error}), expected e.g. \"500ms\", \"30s\" or \"5m\"")
    })
}

/// Byte multipliers by unit, decimal and binary; matched without case.
const SIZE_UNITS: [(&str, u64); 9] = [
    ("b", 1),
    ("kb", 1_000),
    ("mb", 1_000_000),
    ("gb", 1_000_000_000),
    ("tb", 1_000_000_000_000),
    ("kib", 1 << 10),
    ("mib", 1 << 20),
    ("gib", 1 << 30),
    ("tib", 1 << 40),
];

/// Parses a size: a number of bytes, or "512MiB", "1GB", "1.5GiB".
pub fn size(raw: &RawSize) -> Result<u64, String> {
    let text = match raw {
        RawSize::Bytes(bytes) => return Ok(*bytes),
        RawSize::Text(text) => text.trim(),
    };
    let invalid = || {
        format!(
            "invalid size \"{text}\", expected a number with a unit such as \"512MiB\" or \"1GB\""
        )
    };
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().map_err(|_| invalid())?;
    let unit = unit.trim().to_ascii_lowercase();
    let multiplier = if unit.is_empty() {
        1
    } else {
        SIZE_UNITS
            .iter()
            .find(|(name, _)| *name == unit)
            .map(|(_, bytes)| *bytes)
            .ok_or_else(invalid)?
    };
    let bytes = number * multiplier as f64;
    if !bytes.is_finite() || bytes > u64::MAX as f64 {
        return Err(invalid());
    }
    Ok(bytes.round() as u64)
}

/// Parses "90%", "90" or 90 as a positive percentage.
pub fn percent(raw: &RawPercent) -> Result<f64, String> {
    let value = match raw {
        RawPercent::Number(value) => *value,
        RawPercent::Text(text) => {
            let number = text.trim().trim_end_matches('%').trim();
            number
                .parse()
                .map_err(|_| format!("invalid percentage \"{text}\", expected e.g. \"90%\""))?
        }
    };
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(format!("invalid percentage {value}, expected a number above 0"))
    }
}

/// Parses "200" or "200-399" into an inclusive range of HTTP status codes.
pub fn status_range(text: &str) -> Result<(u16, u16), String> {
    let invalid =
        || format!("invalid status range \"{text}\", expected e.g. \"200\" or \"200-399\"");
    let parse = |part: &str| {
        part.trim()
            .parse::<u16>()
            .ok()
            .filter(|code| (100..=599).contains(code))
            .ok_or_else(invalid)
    };
    let (min, max) = match text.split_once('-') {
        Some((min, max)) => (parse(min)?, parse(max)?),
        None => {
            let code = parse(text)?;
            (code, code)
        }
    };
    if min > max {
        return Err(invalid());
    }
    Ok((min, max))
}

/// Checks "host:port" (a bracketed IPv6 host is allowed).
pub fn host_port(text: &str) -> Result<(), String> {
    let invalid =
        || format!("invalid address \"{text}\", expected \"host:port\" such as \"127.0.0.1:5432\"");
    let (host, port) = text.rsplit_once(':').ok_or_else(invalid)?;
    if host.is_empty() || port.parse::<u16>().is_err() {
        return Err(invalid());
    }
    Ok(())
}

/// Resolves a signal name ("TERM", "SIGTERM", any case) or number to its number.
pub fn signal(raw: &RawSignal) -> Result<i32, String> {
    match raw {
        RawSignal::Number(number) => super::signal::from_number(*number)
            .ok_or_else(|| format!("invalid signal number {number}")),
        RawSignal::Name(name) => super::signal::from_name(name).ok_or_else(|| {
            format!("unknown signal \"{name}\", expected a name such as \"TERM\", \"INT\", \"HUP\" or a number")
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_cases() {
        let cases = [
            (RawSize::Bytes(1234), Ok(1234)),
            (RawSize::Text("512MiB".into()), Ok(512 << 20)),
            (RawSize::Text("1GB".into()), Ok(1_000_000_000)),
            (RawSize::Text("1.5 KiB".into()), Ok(1536)),
            (RawSize::Text("10mib".into()), Ok(10 << 20)),
            (RawSize::Text("42".into()), Ok(42)),
        ];
        for (input, expected) in cases {
            assert_eq!(size(&input), expected, "input {input:?}");
        }
        for bad in ["", "MiB", "12 parsecs", "1..2GB"] {
            assert!(size(&RawSize::Text(bad.into())).is_err(), "accepted {bad:?}");
        }
    }

    #[test]
    fn status_range_cases() {
        assert_eq!(status_range("200-399"), Ok((200, 399)));
        assert_eq!(status_range("204"), Ok((204, 204)));
        for bad in ["399-200", "abc", "99", "200-700"] {
            assert!(status_range(bad).is_err(), "accepted {bad:?}");
        }
    }

    #[test]
    fn signal_cases() {
        let cases = [("TERM", Some(15)), ("SIGINT", Some(2)), ("hup", Some(1)), ("SIGFOO", None)];
        for (name, expected) in cases {
            assert_eq!(signal(&RawSignal::Name(name.into())).ok(), expected, "name {name:?}");
        }
        assert_eq!(signal(&RawSignal::Number(9)), Ok(9));
        assert!(signal(&RawSignal::Number(999)).is_err());
    }

    #[test]
    fn host_port_cases() {
        assert!(host_port("127.0.0.1:5432").is_ok());
        assert!(host_port("[::1]:80").is_ok());
        for bad in ["localhost", ":80", "host:http", "host:70000"] {
            assert!(host_port(bad).is_err(), "accepted {bad:?}");
        }
    }

    #[test]
    fn percent_cases() {
        assert_eq!(percent(&RawPercent::Text("90%".into())), Ok(90.0));
        assert_eq!(percent(&RawPercent::Number(150.0)), Ok(150.0));
        assert!(percent(&RawPercent::Text("lots".into())).is_err());
        assert!(percent(&RawPercent::Number(0.0)).is_err());
    }

    #[test]
    fn defaults_parse() {
        use crate::config::defaults;
        let durations = [
            defaults::NOTIFICATION_RATE_LIMIT,
            defaults::NOTIFICATION_STARTUP_GRACE,
            defaults::BACKOFF_INITIAL,
            defaults::BACKOFF_MAX,
            defaults::BACKOFF_RESET_AFTER,
            defaults::RESTART_WINDOW,
            defaults::FATAL_RETRY,
            defaults::MIN_UPTIME,
            defaults::STOP_TIMEOUT,
            defaults::PROBE_INTERVAL,
            defaults::PROBE_TIMEOUT,
            defaults::PROBE_START_PERIOD,
            defaults::HEARTBEAT_MAX_AGE,
        ];
        for text in durations {
            assert!(duration(text).is_ok(), "default {text:?}");
        }
        for text in [defaults::LOG_MAX_SIZE, defaults::LOG_TAIL] {
            assert!(size(&RawSize::Text(text.into())).is_ok(), "default {text:?}");
        }
        assert!(status_range(defaults::HTTP_STATUS).is_ok());
        assert!(signal(&RawSignal::Name(defaults::STOP_SIGNAL.into())).is_ok());
    }
}
