//! Files a run needed and could not open: the script itself, a referenced
//! file, a config file, a file it may not read, and a shared library the
//! loader could not find.

use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;

use super::classify::{Context, display_path};
use super::commands;
use super::program::interpreter_script;
use super::suggest::{did_you_mean, similar_paths};
use super::{Diagnosis, DiagnosisKind, Evidence};

/// Extensions that mark a missing file as a config file.
pub(crate) const CONFIG_EXTENSIONS: &[&str] =
    &["toml", "yaml", "yml", "json", "ini", "conf", "cfg", "env", "properties"];

fn pattern(source: &str) -> Regex {
    Regex::new(source).expect("file patterns are valid")
}

/// Messages naming a missing file, each with a `path` group, most specific first.
static MISSING_FILE: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    vec![
        // python: can't open file '/abs/x.py': [Errno 2] No such file or directory
        pattern(r"can't open file '(?P<path>[^']+)': \[Errno 2\]"),
        pattern(r"FileNotFoundError: \[Errno 2\] No such file or directory: '(?P<path>[^']+)'"),
        // node: Error: ENOENT: no such file or directory, open 'config.json'
        pattern(r"ENOENT: no such file or directory, \w+ '(?P<path>[^']+)'"),
        // ruby: ruby: No such file or directory -- x.rb (LoadError)
        pattern(r"No such file or directory -- (?P<path>\S+) \(LoadError\)"),
        // ruby: No such file or directory @ rb_sysopen - config.yml (Errno::ENOENT)
        pattern(r"No such file or directory @ \w+ - (?P<path>.+?)(?: \(Errno::ENOENT\))?$"),
        // dash: sh: 0: cannot open ./x.sh: No such file
        pattern(r"cannot open (?P<path>[^:]+): No such file"),
        // coreutils, bash and most C programs: PROGRAM: PATH: No such file or directory
        pattern(r"(?:^|: )(?P<path>[^:]+): No such file or directory\s*$"),
    ]
});

/// Messages naming a file that may not be opened, each with a `path` group.
static DENIED_FILE: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    vec![
        pattern(r"PermissionError: \[Errno 13\] Permission denied: '(?P<path>[^']+)'"),
        pattern(r"EACCES: permission denied, \w+ '(?P<path>[^']+)'"),
        pattern(r"Permission denied @ \w+ - (?P<path>.+?)(?: \(Errno::EACCES\))?$"),
        pattern(r"(?:^|: )(?P<path>[^:]+): Permission denied\s*$"),
    ]
});

/// A listen on a privileged port: node `listen EACCES: permission denied 0.0.0.0:80`.
static DENIED_LISTEN: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"listen EACCES: permission denied (?P<address>\S+)"));

static MISSING_LIBRARY: LazyLock<Regex> = LazyLock::new(|| {
    pattern(r"(?P<library>[\w.+-]+\.so(?:\.[\w.]+)?): cannot open shared object file")
});

/// Diagnoses a run that stopped on a file it could not find.
pub(crate) fn missing_file(context: &Context<'_>) -> Option<Diagnosis> {
    let (index, found) = MISSING_FILE.iter().find_map(|pattern| context.find(pattern))?;
    let path = found["path"].trim().to_string();
    let cwd = &context.component.cwd;
    let is_script = interpreter_script(&context.component.command)
        .is_some_and(|(_, script)| context.absolute(script) == context.absolute(&path));
    let role = if is_script { FileRole::Script } else { FileRole::of(&path) };
    let diagnosis = file_not_found(&context.absolute(&path), cwd, role);
    Some(
        diagnosis.with_evidence(Evidence {
            lines: context.evidence_of(&[index]),
            ..Evidence::default()
        }),
    )
}

/// What a missing file was for, which decides the summary and the kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FileRole {
    /// The script named as the interpreter's argument in `command`.
    Script,
    Config,
    File,
}

impl FileRole {
    /// Classifies `path` as a config file by its extension, else as a plain file.
    pub(crate) fn of(path: &str) -> FileRole {
        let extension = Path::new(path).extension().map(|ext| ext.to_string_lossy().to_lowercase());
        let is_config = extension.is_some_and(|ext| CONFIG_EXTENSIONS.contains(&ext.as_str()))
            || Path::new(path).file_name().is_some_and(|name| name == ".env");
        if is_config { FileRole::Config } else { FileRole::File }
    }
}

/// Builds the diagnosis for a missing `path` (absolute), with similar files in its folder.
pub(crate) fn file_not_found(path: &Path, cwd: &Path, role: FileRole) -> Diagnosis {
    let shown = display_path(path, cwd);
    let (kind, summary) = match role {
        FileRole::Script => (DiagnosisKind::FileNotFound, format!("script not found: {shown}")),
        FileRole::Config => {
            (DiagnosisKind::MissingConfigFile, format!("config file not found: {shown}"))
        }
        FileRole::File => (DiagnosisKind::FileNotFound, format!("file not found: {shown}")),
    };
    let suggestions: Vec<String> =
        similar_paths(path).iter().map(|found| display_path(found, cwd)).collect();
    let folder = path.parent().map(|parent| parent.display().to_string()).unwrap_or_default();
    let hint = match (did_you_mean(&suggestions), role) {
        (Some(question), _) => format!("{question} (in {folder})"),
        (None, FileRole::Config) => {
            format!("create {shown} or point the component at its config file")
        }
        (None, _) => format!("nothing like it in {folder}; check the path and the component's cwd"),
    };
    Diagnosis::new(kind, summary, hint)
}

/// Diagnoses a run that stopped on a file it may not open, or a port it may not bind.
pub(crate) fn permission_denied(context: &Context<'_>) -> Option<Diagnosis> {
    let cwd = &context.component.cwd;
    if let Some((index, found)) = context.find(&DENIED_LISTEN) {
        let diagnosis = Diagnosis::new(
            DiagnosisKind::PermissionDenied,
            format!("permission denied: cannot listen on {}", &found["address"]),
            "ports below 1024 need root or CAP_NET_BIND_SERVICE; use a port above 1024",
        );
        return Some(with_lines(diagnosis, context, index));
    }
    let (index, found) = DENIED_FILE.iter().find_map(|pattern| context.find(pattern))?;
    let path = context.absolute(found["path"].trim());
    let diagnosis = match std::fs::metadata(&path) {
        Ok(meta) if meta.is_file() && context.exit.code == Some(126) => {
            commands::not_executable(&path, cwd)
        }
        _ => {
            let shown = display_path(&path, cwd);
            Diagnosis::new(
                DiagnosisKind::PermissionDenied,
                format!("permission denied: {shown}"),
                format!(
                    "check its owner and mode with `ls -l {shown}` against the user Tend runs as"
                ),
            )
        }
    };
    Some(with_lines(diagnosis, context, index))
}

/// Diagnoses a program the dynamic loader could not start, or a native extension it could not load.
pub(crate) fn missing_library(context: &Context<'_>) -> Option<Diagnosis> {
    let (index, found) = context.find(&MISSING_LIBRARY)?;
    let library = &found["library"];
    let diagnosis = Diagnosis::new(
        DiagnosisKind::MissingLibrary,
        format!("missing shared library {library}"),
        format!(
            "install the package that provides {library} (find it with `apt-file search {library}` \
             or `dnf provides '*/{library}'`), or add its folder to LD_LIBRARY_PATH"
        ),
    );
    Some(with_lines(diagnosis, context, index))
}

/// Diagnoses a shell that exited 127 on a command it could not find.
pub(crate) fn command_not_found(context: &Context<'_>) -> Option<Diagnosis> {
    commands::command_not_found_in_output(context)
}

fn with_lines(diagnosis: Diagnosis, context: &Context<'_>, index: usize) -> Diagnosis {
    diagnosis
        .with_evidence(Evidence { lines: context.evidence_of(&[index]), ..Evidence::default() })
}
