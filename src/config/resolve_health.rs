//! Resolution of `[components.NAME.health]` into readiness and liveness probes.

use super::error::KeyPath;
use super::model::{Health, Probe, ProbeCheck};
use super::raw::{RawDuration, RawHealth, RawHttp, RawProbe};
use super::resolve::Resolver;
use super::{defaults, units};

/// The probe kinds, as written in the file.
const PROBE_KEYS: [&str; 4] = ["http", "tcp", "exec", "heartbeat"];

/// Timing written at `health` level, inherited by `readiness` and `liveness`.
struct Timing {
    interval: Option<RawDuration>,
    timeout: Option<RawDuration>,
    start_period: Option<RawDuration>,
    failure_threshold: Option<u32>,
    success_threshold: Option<u32>,
}

/// Resolves `health`: one probe for both roles, or each role apart.
pub fn health(resolver: &mut Resolver<'_, '_>, raw: Option<RawHealth>, path: &KeyPath) -> Health {
    let Some(raw) = raw else { return Health::default() };
    let inherited = Timing {
        interval: raw.interval.clone(),
        timeout: raw.timeout.clone(),
        start_period: raw.start_period.clone(),
        failure_threshold: raw.failure_threshold,
        success_threshold: raw.success_threshold,
    };
    let direct = RawProbe {
        http: raw.http,
        tcp: raw.tcp,
        exec: raw.exec,
        heartbeat: raw.heartbeat,
        interval: raw.interval,
        timeout: raw.timeout,
        start_period: raw.start_period,
        failure_threshold: raw.failure_threshold,
        success_threshold: raw.success_threshold,
    };
    let has_direct = !probe_keys(&direct).is_empty();
    let has_roles = raw.readiness.is_some() || raw.liveness.is_some();

    if has_direct && has_roles {
        let message = "give one probe for both roles, or readiness and liveness apart, not both";
        resolver.errors.push(path, message);
        return Health::default();
    }
    if has_direct || !has_roles {
        let probe = probe(resolver, direct, &inherited, path);
        return Health { readiness: probe.clone(), liveness: probe };
    }
    Health {
        readiness: raw
            .readiness
            .and_then(|raw| probe(resolver, raw, &inherited, &path.key("readiness"))),
        liveness: raw
            .liveness
            .and_then(|raw| probe(resolver, raw, &inherited, &path.key("liveness"))),
    }
}

fn probe_keys(raw: &RawProbe) -> Vec<&'static str> {
    let present =
        [raw.http.is_some(), raw.tcp.is_some(), raw.exec.is_some(), raw.heartbeat.is_some()];
    PROBE_KEYS.iter().zip(present).filter(|(_, present)| *present).map(|(key, _)| *key).collect()
}

fn probe(
    resolver: &mut Resolver<'_, '_>,
    raw: RawProbe,
    inherited: &Timing,
    path: &KeyPath,
) -> Option<Probe> {
    let keys = probe_keys(&raw);
    if keys.len() != 1 {
        let message = if keys.is_empty() {
            "missing probe; add one of http, tcp, exec or heartbeat".to_owned()
        } else {
            format!("{} probes given ({}); keep exactly one", keys.len(), keys.join(", "))
        };
        if keys.len() > 1 || !resolver.errors.failed_within(path) {
            resolver.errors.push(path, message);
        }
        return None;
    }

    let interval = pick(&raw.interval, &inherited.interval);
    let timeout = pick(&raw.timeout, &inherited.timeout);
    let start_period = pick(&raw.start_period, &inherited.start_period);
    let probe = Probe {
        check: check(resolver, &raw, path)?,
        interval: resolver.duration(interval, defaults::PROBE_INTERVAL, &path.key("interval")),
        timeout: resolver.duration(timeout, defaults::PROBE_TIMEOUT, &path.key("timeout")),
        start_period: resolver.duration(
            start_period,
            defaults::PROBE_START_PERIOD,
            &path.key("start_period"),
        ),
        failure_threshold: threshold(
            resolver,
            raw.failure_threshold.or(inherited.failure_threshold),
            defaults::PROBE_FAILURE_THRESHOLD,
            &path.key("failure_threshold"),
        ),
        success_threshold: threshold(
            resolver,
            raw.success_threshold.or(inherited.success_threshold),
            defaults::PROBE_SUCCESS_THRESHOLD,
            &path.key("success_threshold"),
        ),
    };
    if probe.interval.is_zero() {
        resolver.errors.push(&path.key("interval"), "interval must be longer than 0s");
    }
    Some(probe)
}

fn pick<'v>(own: &'v Option<RawDuration>, inherited: &'v Option<RawDuration>) -> Option<&'v str> {
    own.as_deref().or(inherited.as_deref())
}

fn threshold(
    resolver: &mut Resolver<'_, '_>,
    value: Option<u32>,
    default: u32,
    path: &KeyPath,
) -> u32 {
    let value = value.unwrap_or(default);
    if value == 0 {
        resolver.errors.push(path, "invalid threshold 0, expected 1 or more");
    }
    value
}

/// Builds the check of a probe whose `raw` has exactly one of the probe keys.
fn check(resolver: &mut Resolver<'_, '_>, raw: &RawProbe, path: &KeyPath) -> Option<ProbeCheck> {
    if let Some(http) = &raw.http {
        return http_check(resolver, http, &path.key("http"));
    }
    if let Some(address) = &raw.tcp {
        if let Err(message) = units::host_port(address) {
            resolver.errors.push(&path.key("tcp"), message);
            return None;
        }
        return Some(ProbeCheck::Tcp { address: address.clone() });
    }
    if let Some(command) = &raw.exec {
        if command.is_empty() {
            resolver.errors.push(
                &path.key("exec"),
                "empty exec probe; name the program, e.g. [\"pg_isready\"]",
            );
            return None;
        }
        return Some(ProbeCheck::Exec { command: command.clone() });
    }
    let heartbeat = raw.heartbeat.as_ref()?;
    let max_age_path = path.key("heartbeat").key("max_age");
    let max_age =
        resolver.duration(heartbeat.max_age.as_deref(), defaults::HEARTBEAT_MAX_AGE, &max_age_path);
    Some(ProbeCheck::Heartbeat { path: resolver.path(&heartbeat.path), max_age })
}

fn http_check(
    resolver: &mut Resolver<'_, '_>,
    raw: &RawHttp,
    path: &KeyPath,
) -> Option<ProbeCheck> {
    let (url, status, url_path) = match raw {
        RawHttp::Url(url) => (url, None, path.clone()),
        RawHttp::Table(table) => (&table.url, table.status.as_deref(), path.key("url")),
    };
    let valid = url.parse::<hyper::Uri>().ok().filter(|uri| {
        matches!(uri.scheme_str(), Some("http" | "https")) && uri.authority().is_some()
    });
    if valid.is_none() {
        let message =
            format!("invalid URL \"{url}\", expected e.g. \"http://127.0.0.1:8080/health\"");
        resolver.errors.push(&url_path, message);
        return None;
    }
    match units::status_range(status.unwrap_or(defaults::HTTP_STATUS)) {
        Ok((status_min, status_max)) => {
            Some(ProbeCheck::Http { url: url.clone(), status_min, status_max })
        }
        Err(message) => {
            resolver.errors.push(&path.key("status"), message);
            None
        }
    }
}
