//! Where an imported setting came from, and the errors an import returns.

use std::fmt;
use std::path::PathBuf;

/// A place in an input file: the file name, and the line when the format has
/// one or the key path when it does not (a JavaScript file evaluated by node).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub file: String,
    pub line: Option<usize>,
    pub key: Option<String>,
}

impl Origin {
    /// An origin at `line` (1-based) of `file`.
    pub fn line(file: &str, line: usize) -> Self {
        Origin { file: file.to_string(), line: Some(line), key: None }
    }

    /// The same origin with `key` as its key path.
    pub fn with_key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(key) = &self.key {
            write!(f, ": {key}")?;
        }
        Ok(())
    }
}

/// One reason an input cannot be translated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub origin: Origin,
    pub message: String,
}

impl Problem {
    pub fn new(origin: Origin, message: impl Into<String>) -> Self {
        Problem { origin, message: message.into() }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.origin, self.message)
    }
}

/// Every problem found in one input, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problems(pub Vec<Problem>);

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, problem) in self.0.iter().enumerate() {
            if index > 0 {
                writeln!(f)?;
            }
            write!(f, "{problem}")?;
        }
        Ok(())
    }
}

/// Why `tend import` produced no config.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{0}")]
    Invalid(Problems),
}

impl ImportError {
    /// The problems of an `Invalid` error; empty for an I/O error.
    pub fn problems(&self) -> &[Problem] {
        match self {
            ImportError::Invalid(problems) => &problems.0,
            ImportError::Read { .. } => &[],
        }
    }
}

impl From<Vec<Problem>> for ImportError {
    fn from(problems: Vec<Problem>) -> Self {
        ImportError::Invalid(Problems(problems))
    }
}

impl From<Problem> for ImportError {
    fn from(problem: Problem) -> Self {
        ImportError::Invalid(Problems(vec![problem]))
    }
}
