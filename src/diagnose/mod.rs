//! Turns an exit status, the uptime, the output tail and preflight results
//! into a [`Diagnosis`]: what went wrong, the evidence, and what to do.

use serde::{Deserialize, Serialize};

/// What kind of failure a [`Diagnosis`] describes. The names are part of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum DiagnosisKind {
    CommandNotFound,
    FileNotFound,
    PermissionDenied,
    MissingModule,
    MissingLibrary,
    AddressInUse,
    MissingEnv,
    MissingConfigFile,
    MissingCwd,
    ExitedImmediately,
    /// The leader exited but processes it forked keep running.
    Daemonized,
    KilledBySignal,
    Crashed,
    SyntaxError,
    HealthCheckFailing,
    DependencyFailed,
    MemoryLimit,
    CpuHigh,
    StopFailed,
}

/// How serious a diagnosis is: errors explain failures, warnings explain
/// resource alerts on a component that keeps running.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    #[default]
    Error,
    Warning,
}

/// How the last run ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ExitInfo {
    /// Exit code, when the process exited normally.
    pub code: Option<i32>,
    /// Signal name such as "SIGKILL", when a signal ended it.
    pub signal: Option<String>,
    /// How long the run lasted, in milliseconds.
    pub uptime_ms: u64,
    /// Whether Tend itself sent the signal (a stop or a restart).
    pub signal_sent_by_tend: bool,
}

/// The facts a diagnosis rests on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Evidence {
    pub exit: Option<ExitInfo>,
    /// Output lines (mostly stderr) that matched, or the last lines when none did.
    pub lines: Vec<String>,
    /// The preflight or health check that failed, in words.
    pub check: Option<String>,
}

/// Why a component failed, in one line a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Diagnosis {
    pub kind: DiagnosisKind,
    #[serde(default)]
    pub severity: Severity,
    /// One line saying what went wrong, e.g. "missing Python module apply_patch".
    pub summary: String,
    /// One line saying what to do, e.g. "pip install apply_patch".
    pub hint: String,
    pub evidence: Evidence,
}

impl Diagnosis {
    pub fn new(
        kind: DiagnosisKind,
        summary: impl Into<String>,
        hint: impl Into<String>,
    ) -> Diagnosis {
        Diagnosis {
            kind,
            severity: Severity::Error,
            summary: summary.into(),
            hint: hint.into(),
            evidence: Evidence::default(),
        }
    }

    pub fn with_evidence(mut self, evidence: Evidence) -> Diagnosis {
        self.evidence = evidence;
        self
    }

    pub fn warning(mut self) -> Diagnosis {
        self.severity = Severity::Warning;
        self
    }

    /// The summary and the hint on one line, as the tray and `tend status` show it.
    pub fn one_line(&self) -> String {
        if self.hint.is_empty() {
            self.summary.clone()
        } else {
            format!("{}: {}", self.summary, self.hint)
        }
    }
}

// NOTE: placeholders with the interface the supervisor calls; the classifier replaces them.

/// Maps a pid to the component that owns it, for port holders.
pub trait PortOwners {
    fn component_of_pid(&self, pid: u32) -> Option<String>;
}

/// Everything diagnosis looks at after a run ended.
pub struct FailureInput<'a> {
    pub component: &'a crate::config::ComponentConfig,
    pub exit: &'a ExitInfo,
    pub output: &'a [(crate::event::Stream, Vec<u8>)],
    pub sent_signal: bool,
    pub owners: &'a dyn PortOwners,
}

pub fn diagnose(input: &FailureInput<'_>) -> Diagnosis {
    let lines: Vec<String> = input
        .output
        .iter()
        .rev()
        .take(5)
        .rev()
        .map(|(_, line)| String::from_utf8_lossy(line).into_owned())
        .collect();
    let evidence = Evidence { exit: Some(input.exit.clone()), lines, check: None };
    let summary = match (input.exit.code, &input.exit.signal) {
        (Some(0), _) => "exited immediately with status 0".to_string(),
        (Some(code), _) => format!("crashed with exit code {code}"),
        (None, Some(signal)) => format!("killed by {signal}"),
        (None, None) => "exited".to_string(),
    };
    Diagnosis::new(DiagnosisKind::Crashed, summary, "see the last output lines")
        .with_evidence(evidence)
}

pub fn diagnose_spawn_error(
    component: &crate::config::ComponentConfig,
    error: &std::io::Error,
) -> Diagnosis {
    let program = component.command.first().cloned().unwrap_or_default();
    Diagnosis::new(
        DiagnosisKind::CommandNotFound,
        format!("cannot start {program}: {error}"),
        "check the command",
    )
}
