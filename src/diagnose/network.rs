//! Address already in use: which port, found in the message or in the
//! component's config, and which process holds it.

use std::sync::LazyLock;

use regex::Regex;

use super::classify::Context;
use super::ports::{self, PortState};
use super::{Diagnosis, DiagnosisKind, Evidence, PortOwners};
use crate::config::{ComponentConfig, ProbeCheck};

fn pattern(source: &str) -> Regex {
    Regex::new(source).expect("network patterns are valid")
}

/// Python `OSError: [Errno 98] Address already in use`, node `EADDRINUSE`,
/// Go `bind: address already in use`, Rust `AddrInUse`.
static IN_USE: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"(?i)address already in use|EADDRINUSE|AddrInUse"));
/// A port in a message: `:::8080`, `127.0.0.1:8080`, `port 8080`, `port: 8080`.
static PORT_IN_TEXT: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"(?i)(?:[\]:]|\bport\b\W{0,3})(?P<port>\d{1,5})\b"));
/// A bare number in a source line, e.g. `server.bind(("127.0.0.1", 8080))`.
static NUMBER: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"(?i)(?P<before>line |errno )?\b(?P<number>\d{2,5})\b"));
/// node prints the port as its own line of the error object: `  port: 8080`.
static NODE_PORT_FIELD: LazyLock<Regex> = LazyLock::new(|| pattern(r"^\s*port: (?P<port>\d+),?$"));
static URL_PORT: LazyLock<Regex> = LazyLock::new(|| {
    pattern(
        r"^(?P<scheme>[a-zA-Z][\w+.-]*)://(?:[^/@]*@)?(?:\[[^\]]*\]|[^/:?#]*)(?::(?P<port>\d+))?",
    )
});

/// Source lines above the message that may hold the port number.
const CODE_LINES_SCANNED: usize = 2;

/// A run that stopped because its port was taken.
pub(crate) fn address_in_use(context: &Context<'_>) -> Option<Diagnosis> {
    let indices = context.all(&IN_USE);
    let first = *indices.first()?;
    let mut evidence = indices.clone();
    let mut candidates = Vec::new();
    for index in &indices {
        candidates.extend(ports_in(context.line(*index)));
    }
    for (index, line) in context.lines.iter().enumerate().skip(first) {
        if let Some(found) = NODE_PORT_FIELD.captures(&line.text) {
            candidates.extend(found["port"].parse::<u16>().ok());
            evidence.push(index);
        }
    }
    for index in first.saturating_sub(CODE_LINES_SCANNED)..first {
        candidates.extend(numbers_in(context.line(index)));
    }
    candidates.extend(configured_ports(context.component));
    let diagnosis = diagnose_ports(&candidates, context.component, context.owners);
    Some(
        diagnosis.with_evidence(Evidence {
            lines: context.evidence_of(&evidence),
            ..Evidence::default()
        }),
    )
}

fn ports_in(text: &str) -> Vec<u16> {
    PORT_IN_TEXT
        .captures_iter(text)
        .filter_map(|found| found["port"].parse().ok())
        .filter(|port| *port > 0)
        .collect()
}

fn numbers_in(text: &str) -> Vec<u16> {
    NUMBER
        .captures_iter(text)
        .filter(|found| found.name("before").is_none())
        .filter_map(|found| found["number"].parse().ok())
        .filter(|port| *port > 0)
        .collect()
}

/// Ports the config names for a component: `requires.ports`, the probe
/// addresses, and `PORT` or `*_PORT` in its env.
pub(crate) fn configured_ports(component: &ComponentConfig) -> Vec<u16> {
    let mut found = component.requires.ports.clone();
    for probe in [&component.health.readiness, &component.health.liveness].into_iter().flatten() {
        match &probe.check {
            ProbeCheck::Http { url, .. } => found.extend(url_port(url)),
            ProbeCheck::Tcp { address } => {
                found.extend(address.rsplit(':').next().and_then(|port| port.parse::<u16>().ok()))
            }
            ProbeCheck::Exec { .. } | ProbeCheck::Heartbeat { .. } => {}
        }
    }
    for (name, value) in &component.env {
        if name == "PORT" || name.ends_with("_PORT") {
            found.extend(value.trim().parse::<u16>().ok());
        }
    }
    found
}

fn url_port(url: &str) -> Option<u16> {
    let found = URL_PORT.captures(url)?;
    if let Some(port) = found.name("port") {
        return port.as_str().parse().ok();
    }
    match found["scheme"].to_ascii_lowercase().as_str() {
        "http" | "ws" => Some(80),
        "https" | "wss" => Some(443),
        _ => None,
    }
}

/// Picks the first candidate port that is in use and names its holder.
fn diagnose_ports(
    candidates: &[u16],
    component: &ComponentConfig,
    owners: &dyn PortOwners,
) -> Diagnosis {
    let mut unique: Vec<u16> = Vec::new();
    for port in candidates {
        if !unique.contains(port) {
            unique.push(*port);
        }
    }
    for port in &unique {
        let state = ports::lookup(*port, &[]);
        if state != PortState::Free {
            return port_in_use(*port, &state, component, owners);
        }
    }
    let (summary, hint) = match unique.first() {
        Some(port) => (
            format!("address already in use: port {port}, which is free again"),
            "the process that held it has exited; the next start may succeed".to_string(),
        ),
        None => (
            "address already in use (the message names no port)".to_string(),
            "list the port in requires.ports or set PORT in env, so Tend can name the process holding it".to_string(),
        ),
    };
    Diagnosis::new(DiagnosisKind::AddressInUse, summary, hint)
}

/// A diagnosis for `port` in use, naming who holds it.
pub(crate) fn port_in_use(
    port: u16,
    state: &PortState,
    component: &ComponentConfig,
    owners: &dyn PortOwners,
) -> Diagnosis {
    let (holder, hint) = match state {
        PortState::Held(holder) => match owners.component_of_pid(holder.pid) {
            Some(owner) if owner == component.name => (
                format!("this component's earlier run (pid {})", holder.pid),
                format!(
                    "an earlier run is still alive; stop it with `kill {}` or wait for it to exit",
                    holder.pid
                ),
            ),
            Some(owner) => (
                format!("{owner} (pid {})", holder.pid),
                format!("{owner} listens on the same port; give one of them another port"),
            ),
            None => (
                format!("{} (pid {})", holder.cmdline, holder.pid),
                format!(
                    "stop that process (`kill {}`) or give this component another port",
                    holder.pid
                ),
            ),
        },
        PortState::HeldByOtherUser { uid } => (
            format!("a process of another user (uid {uid})"),
            format!(
                "find it with `sudo ss -ltnp 'sport = :{port}'` and stop it, or use another port"
            ),
        ),
        PortState::HeldByUnknown | PortState::Free => (
            "a process Tend cannot see".to_string(),
            format!("find it with `ss -ltnp 'sport = :{port}'` and stop it, or use another port"),
        ),
    };
    Diagnosis::new(
        DiagnosisKind::AddressInUse,
        format!("address already in use: port {port} held by {holder}"),
        hint,
    )
}
