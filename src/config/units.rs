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
