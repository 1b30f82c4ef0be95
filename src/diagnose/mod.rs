//! Turns an exit status, the uptime, the output tail and preflight results
//! into a [`Diagnosis`]: what went wrong, the evidence, and what to do.
//!
//! [`diagnose`] classifies a finished run from its exit and recent output,
//! [`diagnose_spawn_error`] a failed exec. The matchers live in one module per
//! family of failure; [`suggest`] holds the did-you-mean helpers that config
//! and preflight reuse, and [`ports`] finds which process holds a port.

mod classify;
pub(crate) mod commands;
mod exit;
pub(crate) mod files;
mod modules;
pub(crate) mod network;
pub mod ports;
pub(crate) mod program;
pub(crate) mod spawn;
pub mod suggest;
mod syntax;
mod text;
pub(crate) mod variables;

use serde::{Deserialize, Serialize};

use crate::config::ComponentConfig;
use crate::event::Stream;

pub use classify::diagnose;
pub use spawn::diagnose_spawn_error;
pub use text::strip_ansi;

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

/// Maps a pid to the component whose process tree contains it, so that a
/// port holder can be named as a component rather than a bare process.
pub trait PortOwners {
    /// The name of the component that owns `pid`, if any.
    fn component_of_pid(&self, pid: u32) -> Option<String>;
}

/// A [`PortOwners`] that knows no components, for callers outside a supervisor.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoOwners;

impl PortOwners for NoOwners {
    fn component_of_pid(&self, _pid: u32) -> Option<String> {
        None
    }
}

/// Everything [`diagnose`] looks at after a run ended.
pub struct FailureInput<'a> {
    pub component: &'a ComponentConfig,
    pub exit: &'a ExitInfo,
    /// Recent output lines without their line ends, oldest first.
    pub output: &'a [(Stream, Vec<u8>)],
    /// Whether Tend sent the signal that ended the run (a stop or a restart).
    pub sent_signal: bool,
    pub owners: &'a dyn PortOwners,
}
