//! The resolved configuration: every default applied, `${VAR}` expanded and
//! every path made absolute. The supervisor reads only these types.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;

/// A whole `tend.toml`, validated and resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The file this was loaded from; `None` for an empty config.
    pub path: Option<PathBuf>,
    /// The folder relative paths were resolved against.
    pub dir: PathBuf,
    pub supervisor: SupervisorConfig,
    pub api: ApiConfig,
    pub notifications: NotificationsConfig,
    /// Components by name, in name order.
    pub components: BTreeMap<String, ComponentConfig>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SupervisorConfig {
    /// `[supervisor] state_dir`, absolute.
    pub state_dir: Option<PathBuf>,
    pub logs: LogSettings,
    /// Reload the config by itself when the file changes.
    pub watch_config: bool,
}

/// Log rotation settings, from `[supervisor]` and overridable per component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogSettings {
    /// Rotate `NAME.log` when it grows past this many bytes.
    pub max_size: u64,
    /// How many rotated files (`NAME.log.1` … `.N`) to keep.
    pub max_files: u32,
    /// Bytes of recent output kept in memory per component for the UI and diagnosis.
    pub tail_bytes: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiConfig {
    /// `[api] listen`, e.g. "127.0.0.1:7070" (port 0 picks a free one).
    pub listen: Option<String>,
    /// Allow a `listen` address that is not loopback.
    pub allow_remote: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationsConfig {
    pub enabled: bool,
    /// At most one notification per component within this time.
    pub rate_limit: Duration,
    /// Failures within this time after start-up are sent as one summary.
    pub startup_grace: Duration,
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Daemon,
    Task,
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum RestartPolicy {
    Always,
    OnFailure,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    pub initial: Duration,
    pub max: Duration,
    pub multiplier: f64,
    /// Fraction of the delay added or removed at random, 0.0 to 1.0.
    pub jitter: f64,
    /// A run longer than this resets the delay and the restart count.
    pub reset_after: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Requires {
    pub files: Vec<PathBuf>,
    pub env: Vec<String>,
    pub commands: Vec<String>,
    pub ports: Vec<u16>,
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum DependCondition {
    Started,
    Healthy,
    Completed,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ProbeCheck {
    Http { url: String, status_min: u16, status_max: u16 },
    Tcp { address: String },
    Exec { command: Vec<String> },
    Heartbeat { path: PathBuf, max_age: Duration },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    pub check: ProbeCheck,
    pub interval: Duration,
    pub timeout: Duration,
    /// Failures during this time after start do not count.
    pub start_period: Duration,
    pub failure_threshold: u32,
    pub success_threshold: u32,
}

/// `[components.NAME.health]`: one probe used for both, or each given apart.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Health {
    pub readiness: Option<Probe>,
    pub liveness: Option<Probe>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CpuAlert {
    /// Percent of one core, e.g. 90.0.
    pub above: f64,
    pub for_duration: Duration,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ComponentConfig {
    pub name: String,
    /// The argv to execute; for `shell = true` this is `["sh", "-c", LINE]`.
    pub command: Vec<String>,
    pub shell: bool,
    pub cwd: PathBuf,
    /// `env_file` values first, then `env` on top.
    pub env: BTreeMap<String, String>,
    pub env_file: Option<PathBuf>,
    /// Names whose values are masked wherever they are shown.
    pub secret_env: BTreeSet<String>,
    pub kind: Kind,
    pub autostart: bool,
    pub restart: RestartPolicy,
    pub backoff: Backoff,
    pub max_restarts: u32,
    pub restart_window: Duration,
    /// Slow retry after `fatal`; `None` when disabled with "0s".
    pub fatal_retry: Option<Duration>,
    pub min_uptime: Duration,
    pub success_codes: Vec<i32>,
    /// Signal number, e.g. 15 for SIGTERM.
    pub stop_signal: i32,
    pub stop_timeout: Duration,
    pub requires: Requires,
    pub depends_on: BTreeMap<String, DependCondition>,
    pub health: Health,
    pub max_memory: Option<u64>,
    pub cpu_alert: Option<CpuAlert>,
    pub logs: LogSettings,
}

impl ComponentConfig {
    /// True when `name` must be masked: it contains TOKEN, SECRET, PASSWORD,
    /// KEY or CREDENTIAL, came from `env_file`, or is listed in `secret_env`.
    pub fn is_secret(&self, name: &str) -> bool {
        is_secret_name(name) || self.secret_env.contains(name)
    }

    /// Whether a change from `old` to `self` needs the process restarted.
    pub fn needs_restart_from(&self, old: &ComponentConfig) -> bool {
        self.command != old.command
            || self.cwd != old.cwd
            || self.env != old.env
            || self.shell != old.shell
            || self.kind != old.kind
    }
}

/// Env names that are masked by their name alone.
pub fn is_secret_name(name: &str) -> bool {
    const MARKERS: [&str; 5] = ["TOKEN", "SECRET", "PASSWORD", "KEY", "CREDENTIAL"];
    let upper = name.to_ascii_uppercase();
    MARKERS.iter().any(|marker| upper.contains(marker))
}

impl ComponentConfig {
    /// A component running `command` in `cwd` with every documented default,
    /// for code that builds configs without a file (tests, importers).
    ///
    /// Panics when `name` is not a valid component name.
    pub fn with_defaults(name: &str, command: Vec<String>, cwd: PathBuf) -> ComponentConfig {
        // `$$` keeps every `$` literal, because the parser expands `${VAR}`.
        let escaped: Vec<String> = command.iter().map(|arg| arg.replace('$', "$$")).collect();
        let argv = serde_json::to_string(&escaped).expect("strings serialize");
        let text = format!("[components.{name:?}]\ncommand = {argv}\n");
        let path = cwd.join("tend.toml");
        let config = super::parse_str(&text, &path, &|_| None)
            .unwrap_or_else(|errors| panic!("invalid component {name:?}: {errors}"));
        let mut component = config.components.into_values().next().expect("one component");
        component.cwd = cwd;
        component
    }
}
