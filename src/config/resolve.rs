//! From [`RawConfig`] to the resolved [`Config`]: defaults applied, strings
//! parsed, paths made absolute. Every problem is recorded in the collector
//! and resolution goes on, so one run reports them all.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::error::{Collector, KeyPath};
use super::model::{ApiConfig, Config, LogSettings, NotificationsConfig, SupervisorConfig};
use super::raw::{RawApi, RawConfig, RawNotifications, RawSize, RawSupervisor};
use super::{defaults, graph, resolve_component, units};

/// Context for resolving one file: the folder relative paths start from,
/// the supervisor's environment, and the error collector.
pub struct Resolver<'r, 'c> {
    pub dir: &'r Path,
    pub env: &'r dyn Fn(&str) -> Option<String>,
    pub errors: &'r mut Collector<'c>,
}

impl Resolver<'_, '_> {
    /// Parses a duration, or `default` when the key is absent.
    pub fn duration(&mut self, value: Option<&str>, default: &str, path: &KeyPath) -> Duration {
        match units::duration(value.unwrap_or(default)) {
            Ok(duration) => duration,
            Err(message) => {
                self.errors.push(path, message);
                Duration::ZERO
            }
        }
    }

    /// Parses a byte size, or `default` when the key is absent.
    pub fn size(&mut self, value: Option<&RawSize>, default: &str, path: &KeyPath) -> u64 {
        match value {
            Some(value) => self.size_value(value, path),
            None => self.size_value(&RawSize::Text(default.to_owned()), path),
        }
    }

    /// Parses a byte size.
    pub fn size_value(&mut self, value: &RawSize, path: &KeyPath) -> u64 {
        match units::size(value) {
            Ok(bytes) => bytes,
            Err(message) => {
                self.errors.push(path, message);
                0
            }
        }
    }

    /// `path` made absolute against the config file's folder.
    pub fn path(&self, path: &str) -> PathBuf {
        self.dir.join(path)
    }
}

/// Resolves a whole file.
pub fn resolve(raw: RawConfig, file: Option<&Path>, resolver: &mut Resolver<'_, '_>) -> Config {
    let root = KeyPath::root();
    let supervisor =
        supervisor(raw.supervisor.unwrap_or_default(), &root.key("supervisor"), resolver);
    let api = api(raw.api.unwrap_or_default(), &root.key("api"), resolver);
    let notifications =
        notifications(raw.notifications.unwrap_or_default(), &root.key("notifications"), resolver);

    let mut components = BTreeMap::new();
    for (name, component) in raw.components {
        let resolved = resolve_component::component(resolver, &name, component, supervisor.logs);
        components.insert(name, resolved);
    }
    graph::check(&components, resolver.errors);

    Config {
        path: file.map(Path::to_path_buf),
        dir: resolver.dir.to_path_buf(),
        supervisor,
        api,
        notifications,
        components,
    }
}

fn supervisor(
    raw: RawSupervisor,
    path: &KeyPath,
    resolver: &mut Resolver<'_, '_>,
) -> SupervisorConfig {
    let max_size =
        resolver.size(raw.log_max_size.as_ref(), defaults::LOG_MAX_SIZE, &path.key("log_max_size"));
    let tail = resolver.size(raw.log_tail.as_ref(), defaults::LOG_TAIL, &path.key("log_tail"));
    let tail_bytes = usize::try_from(tail).unwrap_or_else(|_| {
        resolver
            .errors
            .push(&path.key("log_tail"), format!("log_tail of {tail} bytes is too large"));
        0
    });
    SupervisorConfig {
        state_dir: raw.state_dir.as_deref().map(|dir| resolver.path(dir)),
        logs: LogSettings {
            max_size,
            max_files: raw.log_max_files.unwrap_or(defaults::LOG_MAX_FILES),
            tail_bytes,
        },
        watch_config: raw.watch_config.unwrap_or(defaults::WATCH_CONFIG),
    }
}

fn api(raw: RawApi, path: &KeyPath, resolver: &mut Resolver<'_, '_>) -> ApiConfig {
    let allow_remote = raw.allow_remote.unwrap_or(defaults::ALLOW_REMOTE);
    if let Some(listen) = &raw.listen {
        let listen_path = path.key("listen");
        match listen.parse::<SocketAddr>() {
            Err(_) => resolver.errors.push(
                &listen_path,
                format!("invalid address \"{listen}\", expected an IP address and port such as \"127.0.0.1:7070\""),
            ),
            Ok(address) if !address.ip().is_loopback() && !allow_remote => resolver.errors.push(
                &listen_path,
                format!(
                    "\"{listen}\" is not a loopback address; listen on 127.0.0.1 or set [api] allow_remote = true"
                ),
            ),
            Ok(_) => {}
        }
    }
    ApiConfig { listen: raw.listen, allow_remote }
}

fn notifications(
    raw: RawNotifications,
    path: &KeyPath,
    resolver: &mut Resolver<'_, '_>,
) -> NotificationsConfig {
    NotificationsConfig {
        enabled: raw.enabled.unwrap_or(defaults::NOTIFICATIONS_ENABLED),
        rate_limit: resolver.duration(
            raw.rate_limit.as_deref(),
            defaults::NOTIFICATION_RATE_LIMIT,
            &path.key("rate_limit"),
        ),
        startup_grace: resolver.duration(
            raw.startup_grace.as_deref(),
            defaults::NOTIFICATION_STARTUP_GRACE,
            &path.key("startup_grace"),
        ),
    }
}
