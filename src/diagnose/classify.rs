//! The classifier: runs the matchers over a finished run in a fixed order
//! and falls back to a diagnosis from the exit status alone.

use std::path::{Component, Path, PathBuf};

use regex::{Captures, Regex};

use super::text::{self, Line};
use super::{
    Diagnosis, ExitInfo, FailureInput, PortOwners, exit, files, modules, network, syntax, variables,
};
use crate::config::ComponentConfig;

/// A finished run as the matchers see it.
pub(crate) struct Context<'a> {
    pub component: &'a ComponentConfig,
    pub exit: &'a ExitInfo,
    pub lines: Vec<Line>,
    pub sent_signal: bool,
    pub owners: &'a dyn PortOwners,
}

impl Context<'_> {
    /// Finds the first line matching `pattern`, with its index and captures.
    pub fn find(&self, pattern: &Regex) -> Option<(usize, Captures<'_>)> {
        self.lines
            .iter()
            .enumerate()
            .find_map(|(index, line)| pattern.captures(&line.text).map(|found| (index, found)))
    }

    /// Returns the indices of every line matching `pattern`.
    pub fn all(&self, pattern: &Regex) -> Vec<usize> {
        let matching =
            self.lines.iter().enumerate().filter(|(_, line)| pattern.is_match(&line.text));
        matching.map(|(index, _)| index).collect()
    }

    /// Returns the text of line `index`.
    pub fn line(&self, index: usize) -> &str {
        &self.lines[index].text
    }

    /// Evidence made of the lines at `indices`, in output order.
    pub fn evidence_of(&self, indices: &[usize]) -> Vec<String> {
        let mut sorted = indices.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        text::evidence(sorted.iter().map(|index| self.line(*index)))
    }

    /// Makes a path the program printed absolute against the working directory.
    pub fn absolute(&self, path: &str) -> PathBuf {
        normalize(&self.component.cwd.join(path))
    }
}

/// Removes `.` and folds `..` parts without touching the file system, as a
/// program resolving `./lib/../x` would name the file.
pub(crate) fn normalize(path: &Path) -> PathBuf {
    let mut normal = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir if normal.file_name().is_some() => {
                normal.pop();
            }
            other => normal.push(other),
        }
    }
    normal
}

/// Shows `path` relative to `cwd` when it lies inside it.
pub(crate) fn display_path(path: &Path, cwd: &Path) -> String {
    match path.strip_prefix(cwd) {
        Ok(relative) if !relative.as_os_str().is_empty() => relative.display().to_string(),
        _ => path.display().to_string(),
    }
}

type Matcher = fn(&Context<'_>) -> Option<Diagnosis>;

/// Output matchers, most specific first: a loader message beats the import
/// error that carries it, and a syntax error beats what it breaks later.
const MATCHERS: &[Matcher] = &[
    files::missing_library,
    syntax::syntax_error,
    modules::missing_module,
    variables::missing_env,
    network::address_in_use,
    files::command_not_found,
    files::missing_file,
    files::permission_denied,
];

/// Classifies a finished run from its exit and its recent output.
///
/// The evidence always carries the exit info, plus the output lines that
/// matched, or the last lines (stderr first) when no pattern matched.
pub fn diagnose(input: &FailureInput<'_>) -> Diagnosis {
    let context = Context {
        component: input.component,
        exit: input.exit,
        lines: text::clean_lines(input.output),
        sent_signal: input.sent_signal || input.exit.signal_sent_by_tend,
        owners: input.owners,
    };
    let diagnosis = exit::by_signal(&context)
        .or_else(|| exit::by_success_code(&context))
        .or_else(|| MATCHERS.iter().find_map(|matcher| matcher(&context)))
        .unwrap_or_else(|| exit::crashed(&context));
    let mut diagnosis = diagnosis;
    diagnosis.evidence.exit = Some(input.exit.clone());
    if diagnosis.evidence.lines.is_empty() {
        diagnosis.evidence.lines = text::last_lines(&context.lines);
    }
    tracing::debug!(
        component = %input.component.name,
        kind = ?diagnosis.kind,
        summary = %diagnosis.summary,
        "diagnosed exit"
    );
    diagnosis
}
