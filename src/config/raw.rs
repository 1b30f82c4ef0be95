//! The raw shape of `tend.toml` as serde reads it: every key optional, values
//! as written (durations and sizes still strings). The JSON Schema is derived
//! from these types, so their doc comments are what an editor shows.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

use super::defaults;
use super::model::{DependCondition, Kind, RestartPolicy};
pub use super::raw_health::{RawHealth, RawHeartbeat, RawHttp, RawProbe};

/// A whole `tend.toml`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "tend.toml", extend("patternProperties" = { "^x-": {} }))]
pub struct RawConfig {
    /// Settings of the supervisor itself.
    pub supervisor: Option<RawSupervisor>,
    /// The control API.
    pub api: Option<RawApi>,
    /// Desktop notifications.
    pub notifications: Option<RawNotifications>,
    /// The supervised programs, by name (`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`).
    #[serde(default)]
    #[schemars(extend(
        "propertyNames" = { "pattern": "^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$" },
        "patternProperties" = { "^x-": {} }
    ))]
    pub components: BTreeMap<String, RawComponent>,
}

/// `[supervisor]`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("patternProperties" = { "^x-": {} }))]
pub struct RawSupervisor {
    /// Folder for the lock, state, token and log files, relative to this file.
    /// Default: `$XDG_STATE_HOME/tend`.
    pub state_dir: Option<String>,
    /// Rotate a component log when it grows past this size ("10MiB", "1GB" or bytes).
    #[schemars(extend("default" = defaults::LOG_MAX_SIZE))]
    pub log_max_size: Option<RawSize>,
    /// Rotated log files kept per component.
    #[schemars(extend("default" = defaults::LOG_MAX_FILES))]
    pub log_max_files: Option<u32>,
    /// Recent output kept in memory per component for the UI and diagnosis.
    #[schemars(extend("default" = defaults::LOG_TAIL))]
    pub log_tail: Option<RawSize>,
    /// Reload the config by itself when this file changes.
    #[schemars(extend("default" = defaults::WATCH_CONFIG))]
    pub watch_config: Option<bool>,
}

/// `[api]`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("patternProperties" = { "^x-": {} }))]
pub struct RawApi {
    /// TCP address for the HTTP API besides the Unix socket, e.g. "127.0.0.1:7070"
    /// (port 0 picks a free port). Default: the Unix socket only.
    pub listen: Option<String>,
    /// Allow a `listen` address that is not loopback.
    #[schemars(extend("default" = defaults::ALLOW_REMOTE))]
    pub allow_remote: Option<bool>,
}

/// `[notifications]`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("patternProperties" = { "^x-": {} }))]
pub struct RawNotifications {
    /// Send desktop notifications.
    #[schemars(extend("default" = defaults::NOTIFICATIONS_ENABLED))]
    pub enabled: Option<bool>,
    /// At most one notification per component within this time.
    #[schemars(extend("default" = defaults::NOTIFICATION_RATE_LIMIT))]
    pub rate_limit: Option<RawDuration>,
    /// Failures within this time after start-up are sent as one summary.
    #[schemars(extend("default" = defaults::NOTIFICATION_STARTUP_GRACE))]
    pub startup_grace: Option<RawDuration>,
}

/// A duration such as "500ms", "30s", "5m" or "1h 30m".
#[derive(Debug, Clone, PartialEq, Eq, JsonSchema)]
#[schemars(transparent)]
pub struct RawDuration(pub String);

impl std::ops::Deref for RawDuration {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

/// Reads a string with an error message that names the expected form.
impl<'de> Deserialize<'de> for RawDuration {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DurationVisitor;

        impl serde::de::Visitor<'_> for DurationVisitor {
            type Value = RawDuration;

            fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
                formatter.write_str("a duration string such as \"500ms\", \"30s\" or \"5m\"")
            }

            fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<RawDuration, E> {
                Ok(RawDuration(value.to_owned()))
            }
        }

        deserializer.deserialize_str(DurationVisitor)
    }
}

/// A byte size: "512MiB", "1GB", "256KiB" or a plain number of bytes.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged, expecting = "a size like \"512MiB\" or a number of bytes")]
pub enum RawSize {
    Bytes(u64),
    Text(String),
}

/// An argv array, or one command line with `shell = true`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(
    untagged,
    expecting = "an argv array like [\"python3\", \"app.py\"], or a string with shell = true"
)]
pub enum RawCommand {
    Argv(Vec<String>),
    Line(String),
}

/// A signal name ("TERM", "SIGTERM") or number.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged, expecting = "a signal name like \"TERM\" or a signal number")]
pub enum RawSignal {
    Number(i32),
    Name(String),
}

/// A percentage: "90%" or a number.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged, expecting = "a percentage like \"90%\"")]
pub enum RawPercent {
    Number(f64),
    Text(String),
}

/// `[components.NAME]`: one supervised program.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("patternProperties" = { "^x-": {} }))]
pub struct RawComponent {
    /// The program and its arguments, e.g. ["python3", "-m", "http.server"]. A
    /// single string is a shell command line and needs `shell = true`.
    pub command: Option<RawCommand>,
    /// Run `command` as `sh -c LINE`.
    #[schemars(extend("default" = defaults::SHELL))]
    pub shell: Option<bool>,
    /// Working directory, relative to this file. Default: the folder of this file.
    pub cwd: Option<String>,
    /// Environment variables set for the program, on top of `env_file`.
    pub env: Option<BTreeMap<String, String>>,
    /// A dotenv file, relative to this file. Its values are masked wherever shown.
    pub env_file: Option<String>,
    /// Names of `env` variables whose values are masked wherever shown.
    pub secret_env: Option<Vec<String>>,
    /// "daemon" must keep running; "task" runs once and exit 0 means completed.
    #[schemars(extend("default" = defaults::KIND))]
    pub kind: Option<Kind>,
    /// Start when the supervisor starts.
    #[schemars(extend("default" = defaults::AUTOSTART))]
    pub autostart: Option<bool>,
    /// When to restart after an exit. Default: "always" for a daemon,
    /// "on-failure" for a task.
    pub restart: Option<RestartPolicy>,
    /// Delay between restarts.
    pub backoff: Option<RawBackoff>,
    /// More starts than this within `restart_window` end in `fatal`.
    #[schemars(extend("default" = defaults::MAX_RESTARTS))]
    pub max_restarts: Option<u32>,
    /// The time window `max_restarts` counts in.
    #[schemars(extend("default" = defaults::RESTART_WINDOW))]
    pub restart_window: Option<RawDuration>,
    /// Slow retry after `fatal`; "0s" disables it.
    #[schemars(extend("default" = defaults::FATAL_RETRY))]
    pub fatal_retry: Option<RawDuration>,
    /// A run shorter than this is a failed start.
    #[schemars(extend("default" = defaults::MIN_UPTIME))]
    pub min_uptime: Option<RawDuration>,
    /// Exit codes that count as success.
    #[schemars(extend("default" = defaults::SUCCESS_CODES))]
    pub success_codes: Option<Vec<i32>>,
    /// Signal sent to the process group to stop it: "TERM", "SIGINT" or a number.
    #[schemars(extend("default" = defaults::STOP_SIGNAL))]
    pub stop_signal: Option<RawSignal>,
    /// Time between the stop signal and SIGKILL.
    #[schemars(extend("default" = defaults::STOP_TIMEOUT))]
    pub stop_timeout: Option<RawDuration>,
    /// Checks made before each start.
    pub requires: Option<RawRequires>,
    /// Components that must reach a condition before this one starts.
    pub depends_on: Option<BTreeMap<String, DependCondition>>,
    /// Health probes.
    pub health: Option<RawHealth>,
    /// Memory limit of the process tree: "512MiB", "1GB" or bytes.
    pub max_memory: Option<RawSize>,
    /// Alert when CPU use stays above a level.
    pub cpu_alert: Option<RawCpuAlert>,
    /// Overrides `[supervisor] log_max_size` for this component.
    pub log_max_size: Option<RawSize>,
    /// Overrides `[supervisor] log_max_files` for this component.
    pub log_max_files: Option<u32>,
}

/// `backoff`: exponential delay between restarts.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("patternProperties" = { "^x-": {} }))]
pub struct RawBackoff {
    /// Delay before the first restart.
    #[schemars(extend("default" = defaults::BACKOFF_INITIAL))]
    pub initial: Option<RawDuration>,
    /// Longest delay.
    #[schemars(extend("default" = defaults::BACKOFF_MAX))]
    pub max: Option<RawDuration>,
    /// Factor applied to the delay after each restart.
    #[schemars(extend("default" = defaults::BACKOFF_MULTIPLIER))]
    pub multiplier: Option<f64>,
    /// Fraction of the delay added or removed at random, 0 to 1.
    #[schemars(extend("default" = defaults::BACKOFF_JITTER))]
    pub jitter: Option<f64>,
    /// A run longer than this resets the delay and the restart count.
    #[schemars(extend("default" = defaults::BACKOFF_RESET_AFTER))]
    pub reset_after: Option<RawDuration>,
}

/// `requires`: checks made before each start.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("patternProperties" = { "^x-": {} }))]
pub struct RawRequires {
    /// Files that must exist, relative to this file.
    pub files: Option<Vec<String>>,
    /// Environment variables that must be set.
    pub env: Option<Vec<String>>,
    /// Programs that must be on PATH.
    pub commands: Option<Vec<String>>,
    /// TCP ports that must be free.
    pub ports: Option<Vec<u16>>,
}

/// `cpu_alert`: alert when CPU use stays above `above` for `for`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("patternProperties" = { "^x-": {} }))]
pub struct RawCpuAlert {
    /// Percent of one core, e.g. "90%"; above 100 on several cores.
    pub above: Option<RawPercent>,
    /// How long the use must stay above the level.
    #[serde(rename = "for")]
    pub for_duration: Option<RawDuration>,
}
