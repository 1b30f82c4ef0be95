//! Output lines as diagnosis reads them: decoded, ANSI escapes removed, and
//! capped in length and count when they become evidence.

use std::sync::LazyLock;

use regex::Regex;

use crate::event::Stream;

/// Evidence lines kept per diagnosis.
pub(crate) const MAX_EVIDENCE_LINES: usize = 12;

/// Characters kept of one evidence line; the rest is cut with an ellipsis.
pub(crate) const MAX_LINE_CHARS: usize = 300;

/// CSI sequences (colours, cursor moves), OSC sequences (titles, links) and
/// the remaining two-byte escapes.
static ANSI: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
        .expect("ANSI pattern is valid")
});

/// One line of output, decoded and without escapes.
#[derive(Debug, Clone)]
pub(crate) struct Line {
    pub stream: Stream,
    pub text: String,
}

/// Decodes output lines (invalid UTF-8 replaced) and strips ANSI escapes and
/// trailing carriage returns.
pub(crate) fn clean_lines(output: &[(Stream, Vec<u8>)]) -> Vec<Line> {
    output
        .iter()
        .map(|(stream, bytes)| {
            let decoded = String::from_utf8_lossy(bytes);
            let text = strip_ansi(&decoded).trim_end_matches(['\r', '\n']).to_string();
            Line { stream: *stream, text }
        })
        .collect()
}

/// Removes ANSI escape sequences from `text`.
pub fn strip_ansi(text: &str) -> String {
    ANSI.replace_all(text, "").into_owned()
}

/// Cuts `text` to [`MAX_LINE_CHARS`] characters.
pub(crate) fn cap_line(text: &str) -> String {
    match text.char_indices().nth(MAX_LINE_CHARS) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}

/// Turns lines into evidence: the first [`MAX_EVIDENCE_LINES`], each capped.
pub(crate) fn evidence<'a>(lines: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    lines.into_iter().take(MAX_EVIDENCE_LINES).map(cap_line).collect()
}

/// Returns the last non-blank lines as evidence: stderr when the run wrote
/// any, else every stream.
pub(crate) fn last_lines(lines: &[Line]) -> Vec<String> {
    let has_stderr =
        lines.iter().any(|line| line.stream == Stream::Err && !line.text.trim().is_empty());
    let mut kept: Vec<&str> = lines
        .iter()
        .rev()
        .filter(|line| !has_stderr || line.stream == Stream::Err)
        .filter(|line| !line.text.trim().is_empty())
        .take(MAX_EVIDENCE_LINES)
        .map(|line| line.text.as_str())
        .collect();
    kept.reverse();
    kept.into_iter().map(cap_line).collect()
}
