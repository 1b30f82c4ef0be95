//! Every default of `tend.toml` in one place, as written in the file. The
//! schema shows these values to editors and resolution parses them, so a
//! default cannot drift between the two.

use super::model::{Kind, RestartPolicy};

/// `[supervisor] log_max_size`: rotate a component log past this size.
pub const LOG_MAX_SIZE: &str = "10MiB";
/// `[supervisor] log_max_files`: rotated files kept per component.
pub const LOG_MAX_FILES: u32 = 5;
/// `[supervisor] log_tail`: recent output kept in memory per component.
pub const LOG_TAIL: &str = "256KiB";
/// `[supervisor] watch_config`.
pub const WATCH_CONFIG: bool = false;

/// `[api] allow_remote`.
pub const ALLOW_REMOTE: bool = false;

/// `[notifications] enabled`.
pub const NOTIFICATIONS_ENABLED: bool = true;
/// `[notifications] rate_limit`.
pub const NOTIFICATION_RATE_LIMIT: &str = "60s";
/// `[notifications] startup_grace`.
pub const NOTIFICATION_STARTUP_GRACE: &str = "10s";

/// `shell`.
pub const SHELL: bool = false;
/// The program and flag that run a `shell = true` command line.
pub const SHELL_PROGRAM: [&str; 2] = ["sh", "-c"];
/// `kind`.
pub const KIND: Kind = Kind::Daemon;
/// `autostart`.
pub const AUTOSTART: bool = true;
/// `restart` for `kind = "daemon"`.
pub const RESTART_DAEMON: RestartPolicy = RestartPolicy::Always;
/// `restart` for `kind = "task"`.
pub const RESTART_TASK: RestartPolicy = RestartPolicy::OnFailure;

/// `backoff.initial`.
pub const BACKOFF_INITIAL: &str = "500ms";
/// `backoff.max`.
pub const BACKOFF_MAX: &str = "30s";
/// `backoff.multiplier`.
pub const BACKOFF_MULTIPLIER: f64 = 2.0;
/// `backoff.jitter`, a fraction of the delay.
pub const BACKOFF_JITTER: f64 = 0.2;
/// `backoff.reset_after`.
pub const BACKOFF_RESET_AFTER: &str = "30s";

/// `max_restarts` within `restart_window`.
pub const MAX_RESTARTS: u32 = 5;
/// `restart_window`.
pub const RESTART_WINDOW: &str = "60s";
/// `fatal_retry`; "0s" disables the slow retry.
pub const FATAL_RETRY: &str = "5m";
/// `min_uptime`.
pub const MIN_UPTIME: &str = "1s";
/// `success_codes`.
pub const SUCCESS_CODES: [i32; 1] = [0];
/// `stop_signal`.
pub const STOP_SIGNAL: &str = "TERM";
/// `stop_timeout`.
pub const STOP_TIMEOUT: &str = "10s";

/// `health.interval`.
pub const PROBE_INTERVAL: &str = "10s";
/// `health.timeout`.
pub const PROBE_TIMEOUT: &str = "3s";
/// `health.start_period`.
pub const PROBE_START_PERIOD: &str = "0s";
/// `health.failure_threshold`.
pub const PROBE_FAILURE_THRESHOLD: u32 = 3;
/// `health.success_threshold`.
pub const PROBE_SUCCESS_THRESHOLD: u32 = 1;
/// `health.http.status`: the accepted status codes.
pub const HTTP_STATUS: &str = "200-399";
/// `health.heartbeat.max_age`.
pub const HEARTBEAT_MAX_AGE: &str = "30s";
