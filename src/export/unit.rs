//! Renders one component as a systemd service unit.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use crate::config::{ComponentConfig, Config, DependCondition, Kind, ProbeCheck, RestartPolicy};

use super::escape;

/// The first systemd release with `RestartSteps=` and `RestartMaxDelaySec=`.
pub const RESTART_STEPS_VERSION: u32 = 254;

/// Returns the unit file name of a component.
pub fn unit_name(component: &str) -> String {
    format!("tend-{component}.service")
}

/// Renders the unit text, and lists what the unit cannot express.
pub fn render(
    config: &Config,
    component: &ComponentConfig,
    systemd_version: u32,
) -> (String, Vec<String>) {
    let mut unsupported = unsupported(component, systemd_version);
    let mut unit = String::new();
    let source = config.path.as_deref().map_or_else(
        || "tend.toml".to_string(),
        |path| crate::paths::absolute(path).display().to_string(),
    );
    let _ = writeln!(unit, "# Written by `tend export systemd` from {source}.");
    if !unsupported.is_empty() {
        unit.push_str("# Not expressible in a unit, so not exported:\n");
        for item in &unsupported {
            let _ = writeln!(unit, "#   - {item}");
        }
    }

    unit.push_str("\n[Unit]\n");
    let _ = writeln!(unit, "Description=Tend component {}", component.name);
    for dependency in component.depends_on.keys() {
        let _ = writeln!(unit, "After={}", unit_name(dependency));
        let _ = writeln!(unit, "Requires={}", unit_name(dependency));
    }
    let _ = writeln!(unit, "StartLimitIntervalSec={}", seconds(component.restart_window));
    // systemd counts starts and Tend counts restarts, so the first start is one more.
    let _ = writeln!(unit, "StartLimitBurst={}", component.max_restarts + 1);

    unit.push_str("\n[Service]\n");
    service(&mut unit, component, systemd_version, &mut unsupported);
    unit.push_str("\n[Install]\nWantedBy=default.target\n");
    (unit, unsupported)
}

fn service(
    unit: &mut String,
    component: &ComponentConfig,
    systemd_version: u32,
    unsupported: &mut Vec<String>,
) {
    match component.kind {
        // `exec` reports the start once the program is executed, which is
        // when Tend calls a component started.
        Kind::Daemon => unit.push_str("Type=exec\n"),
        Kind::Task => unit.push_str("Type=oneshot\nRemainAfterExit=yes\n"),
    }
    let _ = writeln!(unit, "ExecStart={}", escape::exec_line(&executable(component)));
    let _ =
        writeln!(unit, "WorkingDirectory={}", escape::path(&component.cwd.display().to_string()));
    let from_file = env_file_values(component);
    // NOTE: systemd reads EnvironmentFile= with its own rules, which match
    // dotenv for plain KEY=value lines but not for every quoting form.
    if let Some(file) = &component.env_file {
        let _ = writeln!(unit, "EnvironmentFile={}", escape::path(&file.display().to_string()));
    }
    for (name, value) in &component.env {
        if from_file.iter().any(|(key, file_value)| key == name && file_value == value) {
            continue;
        }
        let _ = writeln!(unit, "Environment={}", escape::environment(name, value));
    }

    let restart = match (component.restart, component.kind) {
        (RestartPolicy::Always, Kind::Task) => {
            unsupported.push(
                "restart = \"always\" for a task: a oneshot unit restarts only on failure".into(),
            );
            "on-failure"
        }
        (RestartPolicy::Always, Kind::Daemon) => "always",
        (RestartPolicy::OnFailure, _) => "on-failure",
        (RestartPolicy::Never, _) => "no",
    };
    let _ = writeln!(unit, "Restart={restart}");
    let backoff = &component.backoff;
    let _ = writeln!(unit, "RestartSec={}", seconds(backoff.initial));
    if systemd_version >= RESTART_STEPS_VERSION
        && backoff.max > backoff.initial
        && backoff.multiplier > 1.0
    {
        let ratio = backoff.max.as_secs_f64() / backoff.initial.as_secs_f64().max(0.001);
        let steps = (ratio.ln() / backoff.multiplier.ln()).ceil().max(1.0);
        let _ = writeln!(unit, "RestartSteps={steps}");
        let _ = writeln!(unit, "RestartMaxDelaySec={}", seconds(backoff.max));
    }
    let codes: Vec<String> =
        component.success_codes.iter().filter(|code| **code != 0).map(i32::to_string).collect();
    if !codes.is_empty() {
        let _ = writeln!(unit, "SuccessExitStatus={}", codes.join(" "));
    }
    unit.push_str("KillMode=control-group\n");
    let signal = nix::sys::signal::Signal::try_from(component.stop_signal)
        .map_or_else(|_| component.stop_signal.to_string(), |signal| signal.as_str().to_string());
    let _ = writeln!(unit, "KillSignal={signal}");
    let _ = writeln!(unit, "TimeoutStopSec={}", seconds(component.stop_timeout));
    if let Some(bytes) = component.max_memory {
        let _ = writeln!(unit, "MemoryMax={bytes}");
    }
}

/// Returns the argv with its program made absolute, because systemd runs a relative path
/// only from its own search path, which lacks the user's PATH.
fn executable(component: &ComponentConfig) -> Vec<String> {
    let mut words = component.command.clone();
    let Some(program) = words.first_mut() else {
        return words;
    };
    let path = Path::new(program.as_str());
    if path.is_absolute() {
        return words;
    }
    if program.contains('/') {
        *program = component.cwd.join(path).display().to_string();
    } else if let Some(found) = find_on_path(program) {
        *program = found;
    }
    words
}

fn find_on_path(program: &str) -> Option<String> {
    let search = std::env::var_os("PATH")?;
    std::env::split_paths(&search)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
        .map(|found| found.display().to_string())
}

/// Reads the values `env_file` provides. `EnvironmentFile=` passes them
/// on, so they stay out of the unit.
fn env_file_values(component: &ComponentConfig) -> Vec<(String, String)> {
    let Some(file) = &component.env_file else {
        return Vec::new();
    };
    match dotenvy::from_path_iter(file) {
        Ok(items) => items.flatten().collect(),
        Err(_) => Vec::new(),
    }
}

fn unsupported(component: &ComponentConfig, systemd_version: u32) -> Vec<String> {
    let mut items = Vec::new();
    let health = &component.health;
    let probes = if health.readiness == health.liveness {
        vec![("health", &health.readiness)]
    } else {
        vec![("readiness", &health.readiness), ("liveness", &health.liveness)]
    };
    for (label, probe) in probes {
        let Some(probe) = probe else { continue };
        let check = match &probe.check {
            ProbeCheck::Http { url, .. } => format!("http {url}"),
            ProbeCheck::Tcp { address } => format!("tcp {address}"),
            ProbeCheck::Exec { command } => format!("exec {}", command.join(" ")),
            ProbeCheck::Heartbeat { path, .. } => format!("heartbeat file {}", path.display()),
        };
        items.push(format!("{label} probe ({check}): systemd does not probe services"));
    }
    for (dependency, condition) in &component.depends_on {
        if *condition == DependCondition::Healthy {
            items.push(format!(
                "depends_on {dependency} = \"healthy\": the unit waits only until {} has started",
                unit_name(dependency)
            ));
        }
    }
    for dependency in component.depends_on.keys() {
        items.push(format!(
            "depends_on {dependency} gates starts only: Requires={} also stops or restarts \
             this unit with {dependency}",
            unit_name(dependency)
        ));
    }
    if component.backoff.jitter > 0.0 {
        items.push(format!(
            "backoff.jitter = {}: systemd restarts without a random spread",
            component.backoff.jitter
        ));
    }
    if systemd_version < RESTART_STEPS_VERSION && component.backoff.max > component.backoff.initial
    {
        items.push(format!("backoff growing to {}: systemd {systemd_version} waits RestartSec every time; RestartSteps needs {RESTART_STEPS_VERSION}", seconds(component.backoff.max)));
    }
    if let Some(retry) = component.fatal_retry {
        items.push(format!(
            "fatal_retry = {}: after StartLimitBurst the unit stays failed until started again",
            seconds(retry)
        ));
    }
    let requires = &component.requires;
    if !(requires.files.is_empty()
        && requires.env.is_empty()
        && requires.commands.is_empty()
        && requires.ports.is_empty())
    {
        items.push("requires (checks before start): systemd starts without them".into());
    }
    if component.cpu_alert.is_some() {
        items.push("cpu_alert: systemd does not alert on CPU use".into());
    }
    items
}

/// Formats a duration for a unit: whole seconds as `5s`, else milliseconds.
fn seconds(duration: Duration) -> String {
    let millis = duration.as_millis();
    if millis % 1000 == 0 { format!("{}s", millis / 1000) } else { format!("{millis}ms") }
}
