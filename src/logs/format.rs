//! The log file line format: `<RFC 3339 UTC with ms> out|err|out+|err+ <raw bytes>\n`.
//! `out+` and `err+` mark the continuation of a line split at [`LINE_CAP`].

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::event::Stream;

/// Maximum bytes of a line written as one log line; longer lines are split.
pub const LINE_CAP: usize = 16 * 1024;

/// Length of `2024-01-31T12:00:00.123Z`.
const TIMESTAMP_LEN: usize = 24;

/// Returns the tag written after the timestamp.
pub(crate) fn tag(stream: Stream, continued: bool) -> &'static [u8] {
    match (stream, continued) {
        (Stream::Out, false) => b"out",
        (Stream::Out, true) => b"out+",
        (Stream::Err, false) => b"err",
        (Stream::Err, true) => b"err+",
    }
}

/// Formats milliseconds since the Unix epoch as RFC 3339 UTC with milliseconds.
pub(crate) fn format_millis(millis: u64) -> String {
    humantime::format_rfc3339_millis(UNIX_EPOCH + Duration::from_millis(millis)).to_string()
}

pub(crate) fn unix_millis(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |since| since.as_millis() as u64)
}

/// The timestamp prefix of the current millisecond, formatted at most once per millisecond.
#[derive(Debug, Default)]
pub(crate) struct Clock {
    millis: u64,
    /// The timestamp followed by a space.
    prefix: Vec<u8>,
}

impl Clock {
    /// Returns the milliseconds and the prefix for now.
    pub(crate) fn now(&mut self) -> (u64, &[u8]) {
        let millis = unix_millis(SystemTime::now());
        if millis != self.millis || self.prefix.is_empty() {
            self.millis = millis;
            self.prefix.clear();
            self.prefix.extend_from_slice(format_millis(millis).as_bytes());
            self.prefix.push(b' ');
        }
        (self.millis, &self.prefix)
    }
}

/// One line of a log file, parsed back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ParsedLine<'a> {
    pub at: &'a str,
    pub stream: Stream,
    pub continued: bool,
    pub bytes: &'a [u8],
}

/// Parses one line (without its newline); `None` when it is not in the log format.
pub(crate) fn parse_line(line: &[u8]) -> Option<ParsedLine<'_>> {
    let at = std::str::from_utf8(line.get(..TIMESTAMP_LEN)?).ok()?;
    let rest = line.get(TIMESTAMP_LEN..)?.strip_prefix(b" ")?;
    let tag_end = memchr::memchr(b' ', rest).unwrap_or(rest.len());
    let (stream, continued) = match &rest[..tag_end] {
        b"out" => (Stream::Out, false),
        b"out+" => (Stream::Out, true),
        b"err" => (Stream::Err, false),
        b"err+" => (Stream::Err, true),
        _ => return None,
    };
    let bytes = rest.get(tag_end + 1..).unwrap_or_default();
    Some(ParsedLine { at, stream, continued, bytes })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_round_trip() {
        let mut clock = Clock::default();
        let (_, prefix) = clock.now();
        let mut line = prefix.to_vec();
        line.extend_from_slice(b"err+ a \x1b[31mred\x1b[0m\r\0 b");

        let parsed = parse_line(&line).unwrap();

        assert_eq!(parsed.at.len(), TIMESTAMP_LEN);
        assert!(parsed.at.ends_with('Z'));
        assert_eq!(parsed.stream, Stream::Err);
        assert!(parsed.continued);
        assert_eq!(parsed.bytes, b"a \x1b[31mred\x1b[0m\r\0 b");
    }

    #[test]
    fn parse_empty_line_body() {
        let parsed = parse_line(b"2024-01-31T12:00:00.123Z out").unwrap();
        assert_eq!(parsed.bytes, b"");
        let parsed = parse_line(b"2024-01-31T12:00:00.123Z out ").unwrap();
        assert_eq!(parsed.bytes, b"");
    }

    #[test]
    fn parse_rejects_other_text() {
        assert_eq!(parse_line(b"hello"), None);
        assert_eq!(parse_line(b"2024-01-31T12:00:00.123Z both x"), None);
    }

    #[test]
    fn format_has_millis() {
        assert_eq!(format_millis(1_700_000_000_123), "2023-11-14T22:13:20.123Z");
    }
}
