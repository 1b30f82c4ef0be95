//! The translation of one input file, before it is written as `tend.toml`.
//!
//! Strings in `command`, `cwd` and `env` are already in Tend's syntax:
//! `${VAR}` expands when Tend loads the config and `$$` is a literal `$`.
//! Probe commands are not expanded by Tend, so they hold the raw text.

use std::time::Duration;

use crate::config::{DependCondition, Kind, RestartPolicy};

use super::error::Origin;

/// Every component and every note taken from one input.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Imported {
    /// The input's file name, as shown in comments.
    pub source: String,
    /// The format name, as given to `tend import`.
    pub format: String,
    pub components: Vec<Component>,
    /// Settings Tend cannot express, listed at the top of the output.
    pub not_imported: Vec<Note>,
    /// Other facts about the translation as a whole, listed after them.
    pub remarks: Vec<String>,
}

/// A setting of the input that has no place in the output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The setting as written, e.g. `watch = true`.
    pub setting: String,
    pub origin: Origin,
}

impl Imported {
    /// Records that `setting` at `origin` was not imported.
    pub fn skip(&mut self, setting: impl Into<String>, origin: Origin) {
        self.not_imported.push(Note { setting: setting.into(), origin });
    }

    /// Adds a remark unless the same text is already there.
    pub fn remark(&mut self, text: impl Into<String>) {
        let text = text.into();
        if !self.remarks.contains(&text) {
            self.remarks.push(text);
        }
    }

    /// The component named `name`, if any.
    pub fn component_mut(&mut self, name: &str) -> Option<&mut Component> {
        self.components.iter_mut().find(|component| component.name == name)
    }
}

/// How a component's process is started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// An argv array, run without a shell.
    Argv(Vec<String>),
    /// A line for `sh -c` (`shell = true`).
    Shell(String),
}

/// What a probe checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    Http(String),
    Tcp(String),
    Exec(Vec<String>),
}

/// A readiness or liveness probe; `None` fields keep Tend's defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeSpec {
    pub check: Check,
    pub interval: Option<Duration>,
    pub timeout: Option<Duration>,
    pub start_period: Option<Duration>,
    pub failure_threshold: Option<u32>,
    pub success_threshold: Option<u32>,
}

impl ProbeSpec {
    /// A probe with Tend's default timing.
    pub fn new(check: Check) -> Self {
        ProbeSpec {
            check,
            interval: None,
            timeout: None,
            start_period: None,
            failure_threshold: None,
            success_threshold: None,
        }
    }
}

/// One component of the output; `None` fields keep Tend's defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct Component {
    pub name: String,
    /// Where the program is defined in the input.
    pub origin: Origin,
    /// Comment lines written above the component's table.
    pub comments: Vec<String>,
    pub command: Command,
    pub cwd: Option<String>,
    /// Environment in input order; a repeated name keeps its last value.
    pub env: Vec<(String, String)>,
    pub kind: Option<Kind>,
    pub autostart: Option<bool>,
    pub restart: Option<RestartPolicy>,
    pub backoff_initial: Option<Duration>,
    pub backoff_max: Option<Duration>,
    pub max_restarts: Option<u32>,
    pub min_uptime: Option<Duration>,
    pub success_codes: Option<Vec<i32>>,
    /// A signal name without the `SIG` prefix, e.g. `TERM`.
    pub stop_signal: Option<String>,
    pub stop_timeout: Option<Duration>,
    pub depends_on: Vec<(String, DependCondition)>,
    pub readiness: Option<ProbeSpec>,
    pub liveness: Option<ProbeSpec>,
    /// A size in Tend's syntax, e.g. `260MiB`.
    pub max_memory: Option<String>,
}

impl Component {
    /// A component with only a name, an origin and a command.
    pub fn new(name: impl Into<String>, origin: Origin, command: Command) -> Self {
        Component {
            name: name.into(),
            origin,
            comments: Vec::new(),
            command,
            cwd: None,
            env: Vec::new(),
            kind: None,
            autostart: None,
            restart: None,
            backoff_initial: None,
            backoff_max: None,
            max_restarts: None,
            min_uptime: None,
            success_codes: None,
            stop_signal: None,
            stop_timeout: None,
            depends_on: Vec::new(),
            readiness: None,
            liveness: None,
            max_memory: None,
        }
    }

    /// Sets `name` in the environment, replacing an earlier value.
    pub fn set_env(&mut self, name: impl Into<String>, value: impl Into<String>) {
        let name = name.into();
        let value = value.into();
        match self.env.iter_mut().find(|(key, _)| *key == name) {
            Some(entry) => entry.1 = value,
            None => self.env.push((name, value)),
        }
    }

    /// Whether the environment sets `name`.
    pub fn has_env(&self, name: &str) -> bool {
        self.env.iter().any(|(key, _)| key == name)
    }
}
