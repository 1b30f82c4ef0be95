//! Diagnoses for a command that could not be executed at all: a missing
//! program or working directory, a file without execute permission, or a
//! file the kernel cannot execute.

use std::io::ErrorKind;
use std::path::Path;

use super::classify::display_path;
use super::commands::{command_not_found, missing_interpreter, not_executable};
use super::program::{Resolved, current_path_var, resolve_command};
use super::suggest::{did_you_mean, similar_paths};
use super::{Diagnosis, DiagnosisKind, Evidence};
use crate::config::ComponentConfig;

/// `ENOEXEC`: the file is neither a native executable nor a `#!` script.
const ENOEXEC: i32 = 8;

/// Classifies a failed exec of `component`'s command.
pub fn diagnose_spawn_error(component: &ComponentConfig, error: &std::io::Error) -> Diagnosis {
    let program = component.command.first().map(String::as_str).unwrap_or_default();
    let cwd = &component.cwd;
    let path_var = current_path_var(component);
    let diagnosis = if !cwd.is_dir() {
        missing_cwd(cwd)
    } else if error.raw_os_error() == Some(ENOEXEC) {
        Diagnosis::new(
            DiagnosisKind::PermissionDenied,
            format!("cannot execute {program}: not an executable format"),
            "add a #! line naming its interpreter, or run it through the interpreter in `command`",
        )
    } else {
        match error.kind() {
            ErrorKind::NotFound | ErrorKind::PermissionDenied => {
                command_not_found(program, path_var.as_deref(), cwd)
            }
            _ => Diagnosis::new(
                DiagnosisKind::Crashed,
                format!("failed to start {program}: {error}"),
                "check the command, the working directory and the limits Tend runs under",
            ),
        }
    };
    let diagnosis = refine_found(diagnosis, program, path_var.as_deref(), cwd);
    tracing::debug!(component = %component.name, %error, kind = ?diagnosis.kind, "diagnosed spawn error");
    diagnosis.with_evidence(Evidence {
        lines: vec![format!("exec {program}: {error}")],
        ..Evidence::default()
    })
}

/// Narrows the diagnosis of an exec that failed although the program
/// resolves, because then its `#!` interpreter is the missing part.
fn refine_found(
    diagnosis: Diagnosis,
    program: &str,
    path_var: Option<&std::ffi::OsStr>,
    cwd: &Path,
) -> Diagnosis {
    match resolve_command(program, path_var, cwd) {
        Resolved::Found(path) => missing_interpreter(&path, path_var, cwd).unwrap_or(diagnosis),
        Resolved::NotExecutable(path) if diagnosis.kind != DiagnosisKind::PermissionDenied => {
            not_executable(&path, cwd)
        }
        _ => diagnosis,
    }
}

/// Builds the diagnosis for a working directory that does not exist.
pub(crate) fn missing_cwd(cwd: &Path) -> Diagnosis {
    let suggestions: Vec<String> =
        similar_paths(cwd).iter().map(|path| path.display().to_string()).collect();
    let hint = match did_you_mean(&suggestions) {
        Some(question) => question,
        None => {
            "create it or fix `cwd` (relative paths start at the config file's folder)".to_string()
        }
    };
    let shown = display_path(cwd, Path::new(""));
    Diagnosis::new(DiagnosisKind::MissingCwd, format!("working directory not found: {shown}"), hint)
}
