//! Text helpers for command output: durations, sizes, colours, tables and
//! shell quoting.

use std::io::IsTerminal;

use anstyle::{AnsiColor, Style};

use crate::state::StateName;

/// Returns true when stdout is a terminal and `NO_COLOR` is unset or empty.
pub fn use_colour() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// "45s", "3m12s", "2h05m", "3d04h".
pub fn duration_ms(ms: u64) -> String {
    let seconds = ms / 1000;
    match seconds {
        0..60 => format!("{seconds}s"),
        60..3600 => format!("{}m{:02}s", seconds / 60, seconds % 60),
        3600..86400 => format!("{}h{:02}m", seconds / 3600, (seconds % 3600) / 60),
        _ => format!("{}d{:02}h", seconds / 86400, (seconds % 86400) / 3600),
    }
}

/// Binary units with one decimal: "512B", "12.3MiB".
pub fn bytes(count: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = count as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 { format!("{count}B") } else { format!("{value:.1}{}", UNITS[unit]) }
}

/// Returns the style a state is shown in.
pub fn state_style(state: StateName, failed: bool) -> Style {
    let colour = match state {
        _ if failed => AnsiColor::Red,
        StateName::Running | StateName::Healthy | StateName::Completed => AnsiColor::Green,
        StateName::Stopped => return Style::new().dimmed(),
        StateName::Fatal | StateName::Blocked | StateName::Unhealthy => AnsiColor::Red,
        _ => AnsiColor::Yellow,
    };
    Style::new().fg_color(Some(colour.into()))
}

/// A cell of a table, with an optional style applied after padding.
pub struct Cell {
    pub text: String,
    pub style: Option<Style>,
}

impl Cell {
    pub fn plain(text: impl Into<String>) -> Cell {
        Cell { text: text.into(), style: None }
    }

    pub fn styled(text: impl Into<String>, style: Style) -> Cell {
        Cell { text: text.into(), style: Some(style) }
    }
}

/// Renders rows under a header with columns padded to their widest cell.
/// Styles are applied after padding, so escape codes do not shift columns.
pub fn table(header: &[&str], rows: &[Vec<Cell>], colour: bool) -> String {
    let mut widths: Vec<usize> = header.iter().map(|title| title.chars().count()).collect();
    for row in rows {
        for (index, cell) in row.iter().enumerate() {
            widths[index] = widths[index].max(cell.text.chars().count());
        }
    }

    let mut out = String::new();
    let header_cells: Vec<Cell> =
        header.iter().map(|title| Cell::styled(*title, Style::new().bold())).collect();
    for row in std::iter::once(&header_cells).chain(rows) {
        let mut line = String::new();
        for (index, cell) in row.iter().enumerate() {
            let last = index + 1 == row.len();
            let padding = if last { 0 } else { widths[index] - cell.text.chars().count() + 2 };
            match (&cell.style, colour) {
                (Some(style), true) => line.push_str(&format!("{style}{}{style:#}", cell.text)),
                _ => line.push_str(&cell.text),
            }
            line.push_str(&" ".repeat(padding));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Quotes an argument for a POSIX shell when it needs quoting.
pub fn shell_quote(arg: &str) -> String {
    let safe = !arg.is_empty()
        && arg.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c));
    if safe { arg.to_string() } else { format!("'{}'", arg.replace('\'', "'\\''")) }
}

/// Cuts `text` to at most `max` characters, marking the cut with "…".
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let kept: String = text.chars().take(max.saturating_sub(1)).collect();
    format!("{kept}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration_ms(999), "0s");
        assert_eq!(duration_ms(45_000), "45s");
        assert_eq!(duration_ms(192_000), "3m12s");
        assert_eq!(duration_ms(7_500_000), "2h05m");
        assert_eq!(duration_ms(273_600_000), "3d04h");
    }

    #[test]
    fn sizes() {
        assert_eq!(bytes(512), "512B");
        assert_eq!(bytes(1536), "1.5KiB");
        assert_eq!(bytes(12 * 1024 * 1024 + 300 * 1024), "12.3MiB");
    }

    #[test]
    fn table_pads_columns() {
        let rows = vec![vec![Cell::plain("web"), Cell::plain("running")]];
        let text = table(&["NAME", "STATE"], &rows, false);
        assert_eq!(text, "NAME  STATE\nweb   running\n");
    }

    #[test]
    fn quoting() {
        assert_eq!(shell_quote("python3"), "python3");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
        assert_eq!(shell_quote(""), "''");
    }
}
