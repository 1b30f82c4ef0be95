//! Did-you-mean suggestions: names close to a mistyped one, commands on PATH
//! or in the working directory, and files in a folder that look like the one
//! a program asked for.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use super::program::{Resolved, resolve_command};

/// Suggestions per question; more than this reads as noise.
pub const MAX_SUGGESTIONS: usize = 3;

/// Minimum length of a shared name part; shorter parts ("a", "v2") are too common to count.
const MIN_SHARED_PART: usize = 3;

/// Returns up to [`MAX_SUGGESTIONS`] candidates closest to `name`, best first.
///
/// A candidate qualifies when its case-insensitive Damerau-Levenshtein
/// distance to `name` is at most a third of the name's length (at least 1),
/// so a swapped pair of letters (`pyhton3`) or one wrong letter counts.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let wanted = name.to_lowercase();
    let limit = max_distance(&wanted);
    let mut scored: Vec<(usize, &str)> = candidates
        .into_iter()
        .filter(|candidate| *candidate != name)
        .map(|candidate| {
            (strsim::damerau_levenshtein(&wanted, &candidate.to_lowercase()), candidate)
        })
        .filter(|(distance, _)| *distance <= limit)
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(MAX_SUGGESTIONS).map(|(_, name)| name.to_string()).collect()
}

fn max_distance(name: &str) -> usize {
    (name.chars().count() / 3).max(1)
}

/// Returns commands close to `name`: executables in the folders of `path_var`
/// (a `PATH` value) and, written as `./NAME`, in `cwd`.
pub fn similar_commands(name: &str, path_var: Option<&OsStr>, cwd: &Path) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    if let Some(path_var) = path_var {
        for dir in std::env::split_paths(path_var) {
            names.extend(file_names(&dir));
        }
    }
    let local = file_names(cwd);
    let bare = name.trim_start_matches("./");
    let mut found = Vec::new();
    for candidate in closest(bare, names.iter().map(String::as_str)) {
        if matches!(resolve_command(&candidate, path_var, cwd), Resolved::Found(_)) {
            found.push(candidate);
        }
    }
    for candidate in closest(bare, local.iter().map(String::as_str)) {
        if matches!(resolve_command(&format!("./{candidate}"), None, cwd), Resolved::Found(_)) {
            found.push(format!("./{candidate}"));
        }
    }
    found.truncate(MAX_SUGGESTIONS);
    found
}

/// Returns names of entries in `dir` that look like `name`, best first.
///
/// An entry qualifies when it is close by edit distance (see [`closest`]) or
/// when it shares a part of its name with `name`, splitting on `_`, `-`, `.`
/// and spaces. A shared extension ranks higher, so `patch_runner.py` is found
/// for `patch_executor.py`.
pub fn similar_files(dir: &Path, name: &str) -> Vec<String> {
    let wanted = NameParts::new(name);
    let limit = max_distance(&wanted.lower);
    let mut scored: Vec<((u8, usize, usize, bool), String)> = Vec::new();
    for candidate in file_names(dir) {
        if candidate == name {
            continue;
        }
        let other = NameParts::new(&candidate);
        let distance = strsim::damerau_levenshtein(&wanted.lower, &other.lower);
        let shared = wanted.shared_parts(&other);
        let different_extension = wanted.extension != other.extension;
        let key = if distance <= limit {
            (0, distance, usize::MAX - shared, different_extension)
        } else if shared > 0 {
            (1, usize::MAX - shared, distance, different_extension)
        } else {
            continue;
        };
        scored.push((key, candidate));
    }
    scored.sort();
    scored.into_iter().take(MAX_SUGGESTIONS).map(|(_, name)| name).collect()
}

/// Returns existing paths that look like the missing `path`.
///
/// The search starts in the deepest folder of `path` that exists and looks
/// for its first missing part there, so a typo in a folder name is found too.
pub fn similar_paths(path: &Path) -> Vec<PathBuf> {
    let mut existing = path;
    let mut missing: Vec<&OsStr> = Vec::new();
    while !existing.exists() {
        let (Some(parent), Some(name)) = (existing.parent(), existing.file_name()) else {
            return Vec::new();
        };
        missing.push(name);
        existing = parent;
    }
    let Some(first_missing) = missing.pop() else {
        return Vec::new();
    };
    let rest: PathBuf = missing.iter().rev().collect();
    let dir = if existing.as_os_str().is_empty() { Path::new(".") } else { existing };
    similar_files(dir, &first_missing.to_string_lossy())
        .into_iter()
        .map(|found| {
            let candidate = existing.join(&found);
            let deeper = candidate.join(&rest);
            if !rest.as_os_str().is_empty() && deeper.exists() { deeper } else { candidate }
        })
        .collect()
}

/// Formats suggestions as "did you mean a, b or c?"; `None` when there are none.
pub fn did_you_mean(options: &[String]) -> Option<String> {
    match options {
        [] => None,
        [only] => Some(format!("did you mean {only}?")),
        [init @ .., last] => Some(format!("did you mean {} or {last}?", init.join(", "))),
    }
}

fn file_names(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().into_string().ok())
        .collect()
}

/// A file name split for comparison: lowercase, stem parts and extension.
struct NameParts {
    lower: String,
    parts: Vec<String>,
    extension: Option<String>,
}

impl NameParts {
    fn new(name: &str) -> NameParts {
        let lower = name.to_lowercase();
        let path = Path::new(&lower);
        let extension = path.extension().map(|ext| ext.to_string_lossy().into_owned());
        let stem =
            path.file_stem().map(|stem| stem.to_string_lossy().into_owned()).unwrap_or_default();
        let parts = stem
            .split(['_', '-', '.', ' '])
            .filter(|part| part.len() >= MIN_SHARED_PART)
            .map(str::to_string)
            .collect();
        NameParts { lower, parts, extension }
    }

    fn shared_parts(&self, other: &NameParts) -> usize {
        self.parts.iter().filter(|part| other.parts.contains(part)).count()
    }
}
