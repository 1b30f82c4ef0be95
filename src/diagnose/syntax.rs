//! Syntax and indentation errors that stop an interpreter before the program
//! runs, named by file and line.

use std::sync::LazyLock;

use regex::Regex;

use super::classify::{Context, display_path};
use super::modules::PYTHON_FRAME;
use super::{Diagnosis, DiagnosisKind, Evidence};

fn pattern(source: &str) -> Regex {
    Regex::new(source).expect("syntax patterns are valid")
}

static PYTHON_ERROR: LazyLock<Regex> = LazyLock::new(|| {
    pattern(r"^(?P<error>SyntaxError|IndentationError|TabError): (?P<message>.+)$")
});
/// node prints `/app/index.js:3` above the offending line, then `SyntaxError: …`.
static NODE_LOCATION: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"^(?P<file>\S+\.[cm]?[jt]sx?):(?P<line>\d+)$"));
static NODE_ERROR: LazyLock<Regex> = LazyLock::new(|| pattern(r"^SyntaxError: (?P<message>.+)$"));
/// ruby: `app.rb:2: syntax error, unexpected …`.
static RUBY_ERROR: LazyLock<Regex> = LazyLock::new(|| {
    pattern(r"^(?P<file>\S+\.rb):(?P<line>\d+): (?P<message>syntax errors?\b.*)$")
});

/// The file, line and message of a syntax error, and the output lines showing it.
struct Location {
    file: String,
    line: String,
    message: String,
    indices: Vec<usize>,
}

/// Diagnoses a run that stopped on a syntax error in Python, Node or Ruby source.
pub(crate) fn syntax_error(context: &Context<'_>) -> Option<Diagnosis> {
    let location = python(context).or_else(|| node(context)).or_else(|| ruby(context))?;
    let file = display_path(&context.absolute(&location.file), &context.component.cwd);
    let diagnosis = Diagnosis::new(
        DiagnosisKind::SyntaxError,
        format!("syntax error in {file} line {}: {}", location.line, location.message),
        format!("fix {file}:{}", location.line),
    );
    let lines = context.evidence_of(&location.indices);
    Some(diagnosis.with_evidence(Evidence { lines, ..Evidence::default() }))
}

fn python(context: &Context<'_>) -> Option<Location> {
    let (index, found) = context.find(&PYTHON_ERROR)?;
    let frame = (0..index).rev().find(|line| PYTHON_FRAME.is_match(context.line(*line)))?;
    let location = PYTHON_FRAME.captures(context.line(frame))?;
    let message = match &found["error"] {
        "SyntaxError" => found["message"].to_string(),
        other => format!("{other}: {}", &found["message"]),
    };
    Some(Location {
        file: location["path"].to_string(),
        line: location["line"].to_string(),
        message,
        indices: (frame..=index).collect(),
    })
}

fn node(context: &Context<'_>) -> Option<Location> {
    let (index, found) = context.find(&NODE_ERROR)?;
    let at = (0..index).rev().find(|line| NODE_LOCATION.is_match(context.line(*line)))?;
    let location = NODE_LOCATION.captures(context.line(at))?;
    Some(Location {
        file: location["file"].to_string(),
        line: location["line"].to_string(),
        message: found["message"].to_string(),
        indices: (at..=index).collect(),
    })
}

fn ruby(context: &Context<'_>) -> Option<Location> {
    let (index, found) = context.find(&RUBY_ERROR)?;
    Some(Location {
        file: found["file"].to_string(),
        line: found["line"].to_string(),
        message: found["message"].to_string(),
        indices: vec![index],
    })
}
