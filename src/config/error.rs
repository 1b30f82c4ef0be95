//! Config errors: each one positioned (file, line, column) and naming its key
//! path, collected together so that `tend check` shows them all at once.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde_spanned::Spanned;
use toml::de::{DeTable, DeValue};

/// One problem in a config file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.render())]
pub struct ConfigError {
    /// The config file, as it was named.
    pub file: PathBuf,
    /// 1-based line and column of the offending key or value, when known.
    pub position: Option<(usize, usize)>,
    /// Dotted key path such as `components.web.restart`; empty for the whole file.
    pub key: String,
    /// Description of the problem and its fix.
    pub message: String,
}

impl ConfigError {
    fn render(&self) -> String {
        let mut text = self.file.display().to_string();
        if let Some((line, column)) = self.position {
            text.push_str(&format!(":{line}:{column}"));
        }
        if !self.key.is_empty() {
            text.push_str(&format!(": {}", self.key));
        }
        format!("{text}: {}", self.message)
    }
}

/// Every problem found in a config file, in file order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, error) in self.0.iter().enumerate() {
            if index > 0 {
                writeln!(formatter)?;
            }
            write!(formatter, "{error}")?;
        }
        Ok(())
    }
}

impl ConfigErrors {
    /// The errors, in file order.
    pub fn iter(&self) -> std::slice::Iter<'_, ConfigError> {
        self.0.iter()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// One step of a key path: a table key or an array index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Key(String),
    Index(usize),
}

/// A path from the document root to a key, e.g. `components.web.command[1]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyPath(pub Vec<Segment>);

impl KeyPath {
    pub fn root() -> Self {
        KeyPath(Vec::new())
    }

    /// This path with `key` appended.
    pub fn key(&self, key: &str) -> Self {
        let mut segments = self.0.clone();
        segments.push(Segment::Key(key.to_owned()));
        KeyPath(segments)
    }

    /// This path with an array index appended.
    pub fn index(&self, index: usize) -> Self {
        let mut segments = self.0.clone();
        segments.push(Segment::Index(index));
        KeyPath(segments)
    }

    fn starts_with(&self, prefix: &KeyPath) -> bool {
        self.0.starts_with(&prefix.0)
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (position, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Index(index) => write!(formatter, "[{index}]")?,
                Segment::Key(key) => {
                    if position > 0 {
                        formatter.write_str(".")?;
                    }
                    let bare = !key.is_empty()
                        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                    if bare {
                        formatter.write_str(key)?;
                    } else {
                        write!(formatter, "{key:?}")?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// Whether an error points at a key itself or at its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Key,
    Value,
}

/// Collects errors for one file and positions them by key path in the parsed document.
pub struct Collector<'a> {
    file: &'a Path,
    text: &'a str,
    root: Option<&'a DeTable<'a>>,
    errors: Vec<(usize, ConfigError)>,
    failed: Vec<KeyPath>,
}

impl<'a> Collector<'a> {
    pub fn new(file: &'a Path, text: &'a str) -> Self {
        Collector { file, text, root: None, errors: Vec::new(), failed: Vec::new() }
    }

    /// Sets the parsed document that key paths are looked up in.
    pub fn set_document(&mut self, root: &'a DeTable<'a>) {
        self.root = Some(root);
    }

    /// Records an error at the value of `path`.
    pub fn push(&mut self, path: &KeyPath, message: impl Into<String>) {
        self.push_at(path, Target::Value, message);
    }

    /// Records an error at `path`, pointing at its key or its value. A path
    /// missing from the document points at its nearest present ancestor.
    pub fn push_at(&mut self, path: &KeyPath, target: Target, message: impl Into<String>) {
        let span = self.root.and_then(|root| locate(root, path, target));
        self.push_span(path, span, message);
    }

    /// Records an error at a byte range of the file.
    pub fn push_span(
        &mut self,
        path: &KeyPath,
        span: Option<Range<usize>>,
        message: impl Into<String>,
    ) {
        let offset = span.as_ref().map_or(0, |span| span.start);
        let error = ConfigError {
            file: self.file.to_path_buf(),
            position: span.map(|span| line_column(self.text, span.start)),
            key: path.to_string(),
            message: message.into(),
        };
        self.failed.push(path.clone());
        self.errors.push((offset, error));
    }

    /// True when an error was already recorded at `path` or inside it, so
    /// that a removed value is not reported again as missing.
    pub fn failed_within(&self, path: &KeyPath) -> bool {
        self.failed.iter().any(|failed| failed.starts_with(path))
    }

    /// The errors in file order, or `Ok` when there are none.
    pub fn finish(mut self) -> Result<(), ConfigErrors> {
        if self.errors.is_empty() {
            return Ok(());
        }
        self.errors.sort_by_key(|(offset, _)| *offset);
        Err(ConfigErrors(self.errors.into_iter().map(|(_, error)| error).collect()))
    }
}

/// Finds the span of the key or value at `path`, or of the nearest ancestor present.
fn locate(root: &DeTable<'_>, path: &KeyPath, target: Target) -> Option<Range<usize>> {
    let mut found: Option<Range<usize>> = None;
    let mut current: Option<&DeValue<'_>> = None;
    for (position, segment) in path.0.iter().enumerate() {
        let last = position + 1 == path.0.len();
        let next: Option<(Range<usize>, &Spanned<DeValue<'_>>)> = match (segment, current) {
            (Segment::Key(key), None) => find_entry(root, key),
            (Segment::Key(key), Some(DeValue::Table(table))) => find_entry(table, key),
            (Segment::Index(index), Some(DeValue::Array(array))) => {
                array.get(*index).map(|item| (item.span(), item))
            }
            _ => None,
        };
        let Some((key_span, value)) = next else { break };
        found = Some(if last && target == Target::Key { key_span } else { value.span() });
        current = Some(value.get_ref());
    }
    found
}

fn find_entry<'t, 'i>(
    table: &'t DeTable<'i>,
    key: &str,
) -> Option<(Range<usize>, &'t Spanned<DeValue<'i>>)> {
    table
        .iter()
        .find(|(name, _)| name.get_ref().as_ref() == key)
        .map(|(name, value)| (name.span(), value))
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// Picks the candidate closest to `input`, when it is close enough to be a likely typo.
pub fn did_you_mean<'c>(
    input: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<&'c str> {
    candidates
        .into_iter()
        .map(|candidate| (strsim::jaro_winkler(input, candidate), candidate))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|left, right| left.0.total_cmp(&right.0))
        .map(|(_, candidate)| candidate)
}

/// `; did you mean "X"?` or nothing.
pub fn suggestion<'c>(input: &str, candidates: impl IntoIterator<Item = &'c str>) -> String {
    match did_you_mean(input, candidates) {
        Some(candidate) => format!("; did you mean \"{candidate}\"?"),
        None => String::new(),
    }
}
