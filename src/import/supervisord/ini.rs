//! The INI dialect supervisord reads (Python's `RawConfigParser` as
//! supervisor 4 sets it up), keeping the line of every section and key.
//!
//! Full-line comments start with `;` or `#`; an inline comment is `;` or `#`
//! after whitespace. A line that starts with whitespace continues the value
//! above it. Keys are case-insensitive; a repeated key keeps its last value.

use crate::import::error::{Origin, Problem};

/// One `key = value` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub key: String,
    pub value: String,
    pub line: usize,
}

/// One `[name]` section with its entries in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub name: String,
    /// The file the section is in, as shown in comments.
    pub file: String,
    pub line: usize,
    pub entries: Vec<Entry>,
}

impl Section {
    /// The value of `key`, the last one when the key is repeated.
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().rev().find(|entry| entry.key == key)
    }

    pub fn origin(&self) -> Origin {
        Origin::line(&self.file, self.line)
    }

    pub fn origin_of(&self, entry: &Entry) -> Origin {
        Origin::line(&self.file, entry.line)
    }
}

/// Parses `text`, read from the file named `file`.
pub fn parse(text: &str, file: &str) -> Result<Vec<Section>, Problem> {
    let mut sections: Vec<Section> = Vec::new();
    let mut continuing = false;
    for (index, raw) in text.lines().enumerate() {
        let line_number = index + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            continuing = false;
            continue;
        }
        if trimmed.starts_with(';') || trimmed.starts_with('#') {
            continue;
        }
        let value_part = strip_inline_comment(raw);
        if raw.starts_with(char::is_whitespace) && continuing {
            if let Some(entry) = sections.last_mut().and_then(|section| section.entries.last_mut())
            {
                entry.value.push('\n');
                entry.value.push_str(value_part.trim());
            }
            continue;
        }
        let origin = Origin::line(file, line_number);
        if let Some(rest) = trimmed.strip_prefix('[') {
            let Some(name) = strip_inline_comment(rest).trim_end().strip_suffix(']') else {
                return Err(Problem::new(origin, "a section header must end with `]`"));
            };
            sections.push(Section {
                name: name.trim().to_string(),
                file: file.to_string(),
                line: line_number,
                entries: Vec::new(),
            });
            continuing = false;
            continue;
        }
        let Some(section) = sections.last_mut() else {
            return Err(Problem::new(origin, "a setting before the first `[section]` header"));
        };
        let Some(split) = value_part.find(['=', ':']) else {
            return Err(Problem::new(origin, "expected `key = value`"));
        };
        let key = value_part[..split].trim().to_ascii_lowercase();
        let value = value_part[split + 1..].trim().to_string();
        section.entries.push(Entry { key, value, line: line_number });
        continuing = true;
    }
    Ok(sections)
}

/// Cuts a `;` or `#` comment that follows whitespace.
fn strip_inline_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    for (index, byte) in bytes.iter().enumerate() {
        if (*byte == b';' || *byte == b'#') && index > 0 && bytes[index - 1].is_ascii_whitespace() {
            return &line[..index];
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sections_comments_and_continuations() {
        let text =
            "; top\r\n[program:a]\r\ncommand = run\r\n  --flag ; note\r\nKey=x;y\r\n\r\n[b]\r\n";
        let sections = parse(text, "s.conf").unwrap();
        assert_eq!(sections.len(), 2);
        assert_eq!(sections[0].name, "program:a");
        assert_eq!(sections[0].line, 2);
        let command = sections[0].get("command").unwrap();
        assert_eq!(command.value, "run\n--flag");
        assert_eq!(command.line, 3);
        assert_eq!(sections[0].get("key").unwrap().value, "x;y");
    }

    #[test]
    fn repeated_key_keeps_last() {
        let sections = parse("[p]\na=1\na=2\n", "s.conf").unwrap();
        assert_eq!(sections[0].get("a").unwrap().value, "2");
    }

    #[test]
    fn setting_before_section_is_an_error() {
        let problem = parse("\na=1\n", "s.conf").unwrap_err();
        assert_eq!(problem.origin.line, Some(2));
    }
}
