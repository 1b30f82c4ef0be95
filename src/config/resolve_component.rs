//! Resolution of one `[components.NAME]` table.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use super::error::{KeyPath, Target};
use super::expand::expand;
use super::model::{Backoff, ComponentConfig, CpuAlert, Kind, LogSettings, Requires};
use super::raw::{RawBackoff, RawCommand, RawComponent, RawCpuAlert, RawRequires, RawSignal};
use super::resolve::Resolver;
use super::{defaults, resolve_health, units};

/// Maximum length of a component name, which becomes a file, URL and unit name.
pub const MAX_NAME_LEN: usize = 64;

/// Returns true when `name` matches `^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`.
pub fn is_valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() <= MAX_NAME_LEN
        && chars.next().is_some_and(|first| first.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// Resolves one component; on errors it still returns a value so that the
/// checks across components can run.
pub fn component(
    resolver: &mut Resolver<'_, '_>,
    name: &str,
    raw: RawComponent,
    logs: LogSettings,
) -> ComponentConfig {
    let path = KeyPath::root().key("components").key(name);
    if !is_valid_name(name) {
        resolver.errors.push_at(
            &path,
            Target::Key,
            format!(
                "invalid component name \"{name}\": use up to {MAX_NAME_LEN} letters, digits, '_', '.' or '-', starting with a letter or digit"
            ),
        );
    }

    let (env_file, file_values) =
        env_file(resolver, raw.env_file.as_deref(), &path.key("env_file"));
    let supervisor_env = resolver.env;
    let lookup = |variable: &str| {
        file_values
            .iter()
            .find(|(key, _)| key == variable)
            .map(|(_, value)| value.clone())
            .or_else(|| supervisor_env(variable))
    };

    let shell = raw.shell.unwrap_or(defaults::SHELL);
    let command = command(resolver, raw.command, shell, &path, &lookup);
    let cwd = match &raw.cwd {
        Some(cwd) => {
            expanded(resolver, cwd, &path.key("cwd"), &lookup).map(|cwd| resolver.path(&cwd))
        }
        None => None,
    };
    let env = env(resolver, raw.env.unwrap_or_default(), &file_values, &path.key("env"), &lookup);

    let mut secret_env: BTreeSet<String> = raw.secret_env.unwrap_or_default().into_iter().collect();
    secret_env.extend(file_values.into_iter().map(|(key, _)| key));

    let kind = raw.kind.unwrap_or(defaults::KIND);
    let restart = raw.restart.unwrap_or(match kind {
        Kind::Daemon => defaults::RESTART_DAEMON,
        Kind::Task => defaults::RESTART_TASK,
    });
    let fatal_retry = resolver.duration(
        raw.fatal_retry.as_deref(),
        defaults::FATAL_RETRY,
        &path.key("fatal_retry"),
    );

    ComponentConfig {
        name: name.to_owned(),
        command,
        shell,
        cwd: cwd.unwrap_or_else(|| resolver.dir.to_path_buf()),
        env,
        env_file,
        secret_env,
        kind,
        autostart: raw.autostart.unwrap_or(defaults::AUTOSTART),
        restart,
        backoff: backoff(resolver, raw.backoff.unwrap_or_default(), &path.key("backoff")),
        max_restarts: raw.max_restarts.unwrap_or(defaults::MAX_RESTARTS),
        restart_window: resolver.duration(
            raw.restart_window.as_deref(),
            defaults::RESTART_WINDOW,
            &path.key("restart_window"),
        ),
        fatal_retry: (!fatal_retry.is_zero()).then_some(fatal_retry),
        min_uptime: resolver.duration(
            raw.min_uptime.as_deref(),
            defaults::MIN_UPTIME,
            &path.key("min_uptime"),
        ),
        success_codes: success_codes(resolver, raw.success_codes, &path.key("success_codes")),
        stop_signal: stop_signal(resolver, raw.stop_signal, &path.key("stop_signal")),
        stop_timeout: resolver.duration(
            raw.stop_timeout.as_deref(),
            defaults::STOP_TIMEOUT,
            &path.key("stop_timeout"),
        ),
        requires: requires(resolver, raw.requires.unwrap_or_default(), &path.key("requires")),
        depends_on: raw.depends_on.unwrap_or_default(),
        health: resolve_health::health(resolver, raw.health, &path.key("health")),
        max_memory: raw
            .max_memory
            .as_ref()
            .map(|size| resolver.size_value(size, &path.key("max_memory"))),
        cpu_alert: raw.cpu_alert.map(|alert| cpu_alert(resolver, alert, &path.key("cpu_alert"))),
        logs: LogSettings {
            max_size: match &raw.log_max_size {
                Some(size) => resolver.size_value(size, &path.key("log_max_size")),
                None => logs.max_size,
            },
            max_files: raw.log_max_files.unwrap_or(logs.max_files),
            tail_bytes: logs.tail_bytes,
        },
    }
}

/// Expands `${VAR}` in one value, recording a failure at `path`.
fn expanded(
    resolver: &mut Resolver<'_, '_>,
    text: &str,
    path: &KeyPath,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Option<String> {
    match expand(text, lookup) {
        Ok(value) => Some(value),
        Err(error) => {
            resolver.errors.push(path, error.to_string());
            None
        }
    }
}

/// Reads `env_file`: its absolute path and its values in file order.
fn env_file(
    resolver: &mut Resolver<'_, '_>,
    raw: Option<&str>,
    path: &KeyPath,
) -> (Option<PathBuf>, Vec<(String, String)>) {
    let Some(raw) = raw else { return (None, Vec::new()) };
    let supervisor_env = resolver.env;
    let Some(file) = expanded(resolver, raw, path, supervisor_env).map(|file| resolver.path(&file))
    else {
        return (None, Vec::new());
    };
    // NOTE: dotenvy substitutes `$VAR` inside the file from the real process
    // environment, not from the environment passed to `parse_str`.
    let values =
        dotenvy::from_path_iter(&file).and_then(|entries| entries.collect::<Result<Vec<_>, _>>());
    match values {
        Ok(values) => (Some(file), values),
        Err(error) => {
            let message = format!("cannot read env file \"{}\": {error}", file.display());
            resolver.errors.push(path, message);
            (Some(file), Vec::new())
        }
    }
}

fn command(
    resolver: &mut Resolver<'_, '_>,
    raw: Option<RawCommand>,
    shell: bool,
    component: &KeyPath,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Vec<String> {
    let path = component.key("command");
    match (raw, shell) {
        (None, _) => {
            if !resolver.errors.failed_within(&path) {
                let message = "missing key \"command\", e.g. command = [\"python3\", \"app.py\"]";
                resolver.errors.push_at(component, Target::Key, message);
            }
            Vec::new()
        }
        (Some(RawCommand::Argv(argv)), false) if argv.is_empty() => {
            resolver.errors.push(
                &path,
                "empty command; name the program to run, e.g. [\"python3\", \"app.py\"]",
            );
            Vec::new()
        }
        (Some(RawCommand::Argv(argv)), false) => argv
            .iter()
            .enumerate()
            .filter_map(|(index, arg)| expanded(resolver, arg, &path.index(index), lookup))
            .collect(),
        (Some(RawCommand::Argv(_)), true) => {
            let message = "with shell = true, command must be one string such as \"npm run dev && echo done\"";
            resolver.errors.push(&path, message);
            Vec::new()
        }
        (Some(RawCommand::Line(line)), true) => {
            let line = expanded(resolver, &line, &path, lookup).unwrap_or_default();
            let [program, flag] = defaults::SHELL_PROGRAM;
            vec![program.to_owned(), flag.to_owned(), line]
        }
        (Some(RawCommand::Line(line)), false) => {
            let words: Vec<String> =
                line.split_whitespace().map(|word| format!("{word:?}")).collect();
            let message = format!(
                "command is a string but shell is not set; write it as an array, command = [{}], or set shell = true",
                words.join(", ")
            );
            resolver.errors.push(&path, message);
            Vec::new()
        }
    }
}

/// `env_file` values first, then `env` expanded on top.
fn env(
    resolver: &mut Resolver<'_, '_>,
    raw: BTreeMap<String, String>,
    file_values: &[(String, String)],
    path: &KeyPath,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> BTreeMap<String, String> {
    let mut env: BTreeMap<String, String> = file_values.iter().cloned().collect();
    for (name, value) in raw {
        if let Some(value) = expanded(resolver, &value, &path.key(&name), lookup) {
            env.insert(name, value);
        }
    }
    env
}

fn backoff(resolver: &mut Resolver<'_, '_>, raw: RawBackoff, path: &KeyPath) -> Backoff {
    let initial =
        resolver.duration(raw.initial.as_deref(), defaults::BACKOFF_INITIAL, &path.key("initial"));
    let max = resolver.duration(raw.max.as_deref(), defaults::BACKOFF_MAX, &path.key("max"));
    if max < initial {
        resolver.errors.push(
            &path.key("max"),
            "backoff.max is shorter than backoff.initial; raise max or lower initial",
        );
    }
    let multiplier = raw.multiplier.unwrap_or(defaults::BACKOFF_MULTIPLIER);
    if !(multiplier >= 1.0 && multiplier.is_finite()) {
        resolver.errors.push(
            &path.key("multiplier"),
            format!("invalid multiplier {multiplier}, expected 1.0 or more"),
        );
    }
    let jitter = raw.jitter.unwrap_or(defaults::BACKOFF_JITTER);
    if !(0.0..=1.0).contains(&jitter) {
        resolver.errors.push(
            &path.key("jitter"),
            format!("invalid jitter {jitter}, expected a fraction from 0 to 1 such as 0.2"),
        );
    }
    let reset_after = resolver.duration(
        raw.reset_after.as_deref(),
        defaults::BACKOFF_RESET_AFTER,
        &path.key("reset_after"),
    );
    Backoff { initial, max, multiplier, jitter, reset_after }
}

fn success_codes(
    resolver: &mut Resolver<'_, '_>,
    raw: Option<Vec<i32>>,
    path: &KeyPath,
) -> Vec<i32> {
    let codes = raw.unwrap_or_else(|| defaults::SUCCESS_CODES.to_vec());
    for (index, code) in codes.iter().enumerate() {
        if !(0..=255).contains(code) {
            resolver
                .errors
                .push(&path.index(index), format!("invalid exit code {code}, expected 0 to 255"));
        }
    }
    codes
}

fn stop_signal(resolver: &mut Resolver<'_, '_>, raw: Option<RawSignal>, path: &KeyPath) -> i32 {
    let raw = raw.unwrap_or_else(|| RawSignal::Name(defaults::STOP_SIGNAL.to_owned()));
    units::signal(&raw).unwrap_or_else(|message| {
        resolver.errors.push(path, message);
        0
    })
}

fn requires(resolver: &mut Resolver<'_, '_>, raw: RawRequires, path: &KeyPath) -> Requires {
    let ports = raw.ports.unwrap_or_default();
    for (index, port) in ports.iter().enumerate() {
        if *port == 0 {
            resolver
                .errors
                .push(&path.key("ports").index(index), "invalid port 0, expected 1 to 65535");
        }
    }
    Requires {
        files: raw.files.unwrap_or_default().iter().map(|file| resolver.path(file)).collect(),
        env: raw.env.unwrap_or_default(),
        commands: raw.commands.unwrap_or_default(),
        ports,
    }
}

fn cpu_alert(resolver: &mut Resolver<'_, '_>, raw: RawCpuAlert, path: &KeyPath) -> CpuAlert {
    let above = match &raw.above {
        Some(above) => units::percent(above).unwrap_or_else(|message| {
            resolver.errors.push(&path.key("above"), message);
            0.0
        }),
        None => {
            resolver.errors.push(
                path,
                "missing key \"above\", e.g. cpu_alert = { above = \"90%\", for = \"60s\" }",
            );
            0.0
        }
    };
    let for_duration = match &raw.for_duration {
        Some(text) => resolver.duration(Some(text), text, &path.key("for")),
        None => {
            resolver.errors.push(
                path,
                "missing key \"for\", e.g. cpu_alert = { above = \"90%\", for = \"60s\" }",
            );
            std::time::Duration::ZERO
        }
    };
    CpuAlert { above, for_duration }
}
