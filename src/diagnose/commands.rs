//! Programs that cannot be run: a command missing from PATH, a missing
//! interpreter in a `#!` line, a file without execute permission. Shared by
//! the output matcher, spawn errors and preflight.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;

use super::classify::{Context, display_path};
use super::program::{Resolved, base_name, current_path_var, resolve_command};
use super::suggest::{did_you_mean, similar_commands, similar_paths};
use super::{Diagnosis, DiagnosisKind, Evidence};

/// Exit status of a shell, or of `env`, that could not find a command.
const EXIT_NOT_FOUND: i32 = 127;

/// `sh: 1: NAME: not found` (dash), `bash: line 1: NAME: command not found`,
/// `/usr/bin/env: 'NAME': No such file or directory` (a `#!` line using env).
static SHELL_NOT_FOUND: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|: )(?P<name>[^:\s]+): (?:command )?not found\s*$").expect("valid pattern")
});
static ENV_NOT_FOUND: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:/usr)?(?:/bin/)?env: [‘'`]?(?P<name>[^’'`:]+)[’'`]?: No such file or directory",
    )
    .expect("valid pattern")
});

/// A shell or `env` that exited 127 because a command was not found.
pub(crate) fn command_not_found_in_output(context: &Context<'_>) -> Option<Diagnosis> {
    if context.exit.code != Some(EXIT_NOT_FOUND) {
        return None;
    }
    let (index, found) = context.find(&ENV_NOT_FOUND).or_else(|| context.find(&SHELL_NOT_FOUND))?;
    let name = found["name"].to_string();
    let path_var = current_path_var(context.component);
    let diagnosis = command_not_found(&name, path_var.as_deref(), &context.component.cwd);
    Some(
        diagnosis.with_evidence(Evidence {
            lines: context.evidence_of(&[index]),
            ..Evidence::default()
        }),
    )
}

/// Explains why `program` cannot be run from `cwd` with this `PATH`.
///
/// Returns a command-not-found diagnosis with a did-you-mean, a
/// permission-denied one for a file without execute permission, or, for a
/// script whose `#!` interpreter is missing, one naming that interpreter.
pub(crate) fn command_not_found(program: &str, path_var: Option<&OsStr>, cwd: &Path) -> Diagnosis {
    match resolve_command(program, path_var, cwd) {
        Resolved::Found(path) => match missing_interpreter(&path, path_var, cwd) {
            Some(diagnosis) => diagnosis,
            None => Diagnosis::new(
                DiagnosisKind::CommandNotFound,
                format!("command not found: {program}"),
                format!(
                    "{} exists now; it may have been missing when the run started",
                    path.display()
                ),
            ),
        },
        Resolved::NotExecutable(path) => not_executable(&path, cwd),
        Resolved::Directory(path) => Diagnosis::new(
            DiagnosisKind::PermissionDenied,
            format!("{program} is a folder, not a program"),
            format!("point `command` at a program inside {}", path.display()),
        ),
        Resolved::Missing if program.contains('/') => missing_program_file(program, cwd),
        Resolved::Missing => {
            let suggestions = similar_commands(program, path_var, cwd);
            let hint = match did_you_mean(&suggestions) {
                Some(question) => question,
                None => format!("install {program} or add the folder that contains it to PATH"),
            };
            Diagnosis::new(
                DiagnosisKind::CommandNotFound,
                format!("command not found: {program}"),
                hint,
            )
        }
    }
}

fn missing_program_file(program: &str, cwd: &Path) -> Diagnosis {
    let path = cwd.join(program);
    let suggestions: Vec<String> =
        similar_paths(&path).iter().map(|found| display_path(found, cwd)).collect();
    let hint = match did_you_mean(&suggestions) {
        Some(question) => question,
        None => format!("no such file in {}; check `command` and `cwd`", folder_of(&path)),
    };
    Diagnosis::new(DiagnosisKind::CommandNotFound, format!("command not found: {program}"), hint)
}

fn folder_of(path: &Path) -> String {
    path.parent().map(|parent| parent.display().to_string()).unwrap_or_default()
}

/// A file that exists but may not be executed.
pub(crate) fn not_executable(path: &Path, cwd: &Path) -> Diagnosis {
    let shown = display_path(path, cwd);
    Diagnosis::new(
        DiagnosisKind::PermissionDenied,
        format!("permission denied: {shown} is not executable"),
        format!("chmod +x {shown}, or run it through its interpreter"),
    )
}

/// Names the interpreter of a `#!` line when it cannot be found.
pub(crate) fn missing_interpreter(
    script: &Path,
    path_var: Option<&OsStr>,
    cwd: &Path,
) -> Option<Diagnosis> {
    let (interpreter, argument) = read_shebang(script)?;
    // `#!/usr/bin/env NAME` looks NAME up on PATH; any other line names a file.
    let (wanted, resolved) = if base_name(&interpreter) == "env" && Path::new(&interpreter).exists()
    {
        let name = argument?;
        let resolved = resolve_command(&name, path_var, cwd);
        (name, resolved)
    } else {
        let resolved = resolve_command(&interpreter, None, cwd);
        (interpreter, resolved)
    };
    if matches!(resolved, Resolved::Found(_)) {
        return None;
    }
    let suggestions = similar_commands(base_name(&wanted), path_var, cwd);
    let hint = did_you_mean(&suggestions)
        .unwrap_or_else(|| format!("install {wanted} or fix the first line of the script"));
    Some(Diagnosis::new(
        DiagnosisKind::CommandNotFound,
        format!(
            "interpreter {wanted} named in the #! line of {} not found",
            display_path(script, cwd)
        ),
        hint,
    ))
}

/// The interpreter and its first argument from a `#!` line.
fn read_shebang(path: &Path) -> Option<(String, Option<String>)> {
    let file = std::fs::File::open(path).ok()?;
    let mut first = String::new();
    BufReader::new(file).take(256).read_line(&mut first).ok()?;
    let line = first.strip_prefix("#!")?;
    let mut words = line.split_whitespace();
    let interpreter = words.next()?.to_string();
    Some((interpreter, words.next().map(str::to_string)))
}
