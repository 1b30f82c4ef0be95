//! One entry of `processes:` translated into a component per replica.

use std::time::Duration;

use crate::config::{Kind, RestartPolicy};
use crate::import::error::Problem;
use crate::import::model::{Check, Command, Component, Imported, ProbeSpec};
use crate::import::shell;
use crate::import::tree::{Node, Value};

use super::text::{self, Templates};

/// A `depends_on` entry, resolved once every process is known.
#[derive(Debug, Clone)]
pub struct Dependency {
    pub target: String,
    pub condition: String,
    pub node: Node,
}

/// The shell process-compose runs commands with (`shell:` in the file).
#[derive(Debug, Clone)]
pub struct Shell {
    pub program: String,
    pub argument: String,
}

/// File-wide settings that the translation of each process reads.
pub struct Globals<'a> {
    pub file: &'a str,
    pub shell: Shell,
    pub env: Option<&'a Node>,
    pub templates: Templates,
}

const HANDLED: [&str; 11] = [
    "command",
    "working_dir",
    "environment",
    "depends_on",
    "availability",
    "shutdown",
    "readiness_probe",
    "liveness_probe",
    "replicas",
    "disabled",
    "description",
];

/// Translates the process `name`; replicas become `name-0`, `name-1` …,
/// numbered from 0 like `PC_REPLICA_NUM`.
pub fn translate(
    name: &str,
    node: &Node,
    globals: &Globals,
    imported: &mut Imported,
) -> Result<(Vec<Component>, Vec<Dependency>), Vec<Problem>> {
    let file = globals.file;
    if !matches!(node.value, Value::Object(_)) {
        return Err(vec![node.problem(file, "expected a process with a `command`")]);
    }
    let replicas = match node.get("replicas") {
        None => 1,
        Some(count) => count.as_u32().filter(|count| *count > 0).ok_or_else(|| {
            vec![count.problem(file, "expected `replicas` to be a whole number from 1")]
        })?,
    };
    let mut components = Vec::new();
    for replica in 0..replicas {
        let templates = Templates { replica, ..globals.templates.clone() };
        let component_name =
            if replicas > 1 { format!("{name}-{replica}") } else { name.to_string() };
        let mut component =
            replica_component(&component_name, node, globals, &templates, imported)?;
        if replicas > 1 {
            component.set_env("PC_REPLICA_NUM", replica.to_string());
            component
                .comments
                .push(format!("replica {replica} of {name:?} (replicas = {replicas})"));
        }
        components.push(component);
    }
    for (key, value) in node.entries() {
        if !HANDLED.contains(&key.as_str()) {
            let reason = match key.as_str() {
                "is_daemon" => {
                    "; Tend follows a program that forks into the background as a subreaper, stop it with care"
                }
                "namespace" => "; Tend has no namespaces",
                "ready_log_line" => "; Tend has no log-line readiness, use a probe",
                _ => "",
            };
            imported
                .skip(format!("{name}: {key} = {}{reason}", value.describe()), value.origin(file));
        }
    }
    let dependencies = node
        .get("depends_on")
        .map(|depends| {
            depends
                .entries()
                .iter()
                .map(|(target, entry)| Dependency {
                    target: target.clone(),
                    condition: entry
                        .get("condition")
                        .and_then(Node::as_str)
                        .unwrap_or("process_started")
                        .to_string(),
                    node: entry.clone(),
                })
                .collect()
        })
        .unwrap_or_default();
    Ok((components, dependencies))
}

fn replica_component(
    name: &str,
    node: &Node,
    globals: &Globals,
    templates: &Templates,
    imported: &mut Imported,
) -> Result<Component, Vec<Problem>> {
    let file = globals.file;
    let command_node =
        node.get("command").ok_or_else(|| vec![node.problem(file, "missing `command`")])?;
    let line = command_node
        .as_str()
        .ok_or_else(|| vec![command_node.problem(file, "expected `command` to be a string")])?;
    let command = command(&templates.apply(line), &globals.shell, imported)
        .ok_or_else(|| vec![command_node.problem(file, "unclosed quote in `command`")])?;
    let mut component = Component::new(name, node.origin(file), command);
    if let Some(description) = node.get("description").and_then(Node::as_str) {
        component.comments.push(description.to_string());
    }
    if let Some(dir) = node.get("working_dir").and_then(Node::as_str) {
        component.cwd = Some(tend_text(&templates.apply(dir), imported));
    }
    for env in [globals.env, node.get("environment")].into_iter().flatten() {
        for (key, value) in env_pairs(env, file)? {
            component.set_env(key, tend_text(&templates.apply(&value), imported));
        }
    }
    if node.get("disabled").and_then(Node::as_bool) == Some(true) {
        component.autostart = Some(false);
    }
    availability(node.get("availability"), &mut component, file, imported)?;
    shutdown(node.get("shutdown"), &mut component, file, imported)?;
    let shell = &globals.shell;
    component.readiness = node
        .get("readiness_probe")
        .and_then(|probe_node| probe(probe_node, shell, templates, file, imported));
    component.liveness = node
        .get("liveness_probe")
        .and_then(|probe_node| probe(probe_node, shell, templates, file, imported));
    Ok(component)
}

/// A command with no shell syntax becomes argv; any other runs in the
/// shell process-compose would use (bash unless `shell:` sets another).
fn command(line: &str, shell: &Shell, imported: &mut Imported) -> Option<Command> {
    let (marked, names) = text::to_tend(line);
    note_variables(&names, imported);
    if !shell::needs_shell(line) {
        return shell::split_words(&marked).map(Command::Argv);
    }
    let words = vec![shell.program.clone(), shell.argument.clone(), shell::unmark(&marked)];
    Some(Command::Argv(words))
}

fn tend_text(value: &str, imported: &mut Imported) -> String {
    let (marked, names) = text::to_tend(value);
    note_variables(&names, imported);
    shell::unmark(&marked)
}

fn note_variables(names: &[String], imported: &mut Imported) {
    for name in names {
        imported.remark(format!("{name} is read from the environment when Tend starts; when unset it takes the default written after :-, or is empty as in process-compose"));
    }
}

/// `environment:` as a list of `K=V` strings or a mapping.
fn env_pairs(node: &Node, file: &str) -> Result<Vec<(String, String)>, Vec<Problem>> {
    match &node.value {
        Value::Array(items) => items
            .iter()
            .map(|item| {
                let text = item.scalar_text().unwrap_or_default();
                text.split_once('=')
                    .map(|(key, value)| (key.to_string(), value.to_string()))
                    .ok_or_else(|| vec![item.problem(file, "expected `NAME=value`")])
            })
            .collect(),
        Value::Object(entries) => Ok(entries
            .iter()
            .map(|(key, value)| (key.clone(), value.scalar_text().unwrap_or_default()))
            .collect()),
        Value::Null => Ok(Vec::new()),
        _ => Err(vec![node.problem(file, "expected `environment` to be a list of NAME=value")]),
    }
}

fn availability(
    node: Option<&Node>,
    component: &mut Component,
    file: &str,
    imported: &mut Imported,
) -> Result<(), Vec<Problem>> {
    // process-compose restarts a process only when `availability.restart` asks for it.
    component.restart = Some(RestartPolicy::Never);
    let Some(node) = node else {
        return Ok(());
    };
    if let Some(restart) = node.get("restart") {
        let value = restart.scalar_text().unwrap_or_default();
        component.restart = Some(match value.as_str() {
            "always" => RestartPolicy::Always,
            "on_failure" => RestartPolicy::OnFailure,
            "no" | "false" => RestartPolicy::Never,
            "exit_on_failure" => {
                imported.skip(format!("{}: restart = \"exit_on_failure\"; Tend keeps the others running, so this one is not restarted", component.name), restart.origin(file));
                RestartPolicy::Never
            }
            _ => {
                return Err(vec![restart.problem(
                file,
                format!(
                    "unknown restart {value:?}, expected always, on_failure, exit_on_failure or no"
                ),
            )]);
            }
        });
    }
    if let Some(backoff) = node.get("backoff_seconds") {
        let seconds = backoff
            .as_f64()
            .filter(|seconds| *seconds >= 0.0)
            .ok_or_else(|| vec![backoff.problem(file, "expected seconds")])?;
        // process-compose waits the same time before every restart.
        component.backoff_initial = Some(Duration::from_secs_f64(seconds));
        component.backoff_max = Some(Duration::from_secs_f64(seconds));
    }
    if let Some(max) = node.get("max_restarts") {
        let count =
            max.as_u32().ok_or_else(|| vec![max.problem(file, "expected a whole number")])?;
        // 0 means no limit in process-compose; Tend's own limit then applies.
        if count > 0 {
            component.max_restarts = Some(count);
        }
    }
    for (key, value) in node.entries() {
        if !matches!(key.as_str(), "restart" | "backoff_seconds" | "max_restarts") {
            imported.skip(
                format!("{}: availability.{key} = {}", component.name, value.describe()),
                value.origin(file),
            );
        }
    }
    Ok(())
}

fn shutdown(
    node: Option<&Node>,
    component: &mut Component,
    file: &str,
    imported: &mut Imported,
) -> Result<(), Vec<Problem>> {
    let Some(node) = node else {
        return Ok(());
    };
    if let Some(signal) = node.get("signal") {
        let number = signal.as_u32().and_then(|number| i32::try_from(number).ok());
        let name = number.and_then(|number| nix::sys::signal::Signal::try_from(number).ok());
        let name =
            name.ok_or_else(|| vec![signal.problem(file, "expected a signal number such as 15")])?;
        component.stop_signal = Some(name.as_str().trim_start_matches("SIG").to_string());
    }
    if let Some(timeout) = node.get("timeout_seconds") {
        let seconds = timeout
            .as_f64()
            .filter(|seconds| *seconds >= 0.0)
            .ok_or_else(|| vec![timeout.problem(file, "expected seconds")])?;
        component.stop_timeout = Some(Duration::from_secs_f64(seconds));
    }
    for (key, value) in node.entries() {
        if !matches!(key.as_str(), "signal" | "timeout_seconds") {
            let reason =
                if key == "command" { "; Tend stops a component with its stop_signal" } else { "" };
            imported.skip(
                format!("{}: shutdown.{key} = {}{reason}", component.name, value.describe()),
                value.origin(file),
            );
        }
    }
    Ok(())
}

/// Translates a probe, or notes it and returns `None` when Tend cannot express it.
fn probe(
    node: &Node,
    shell: &Shell,
    templates: &Templates,
    file: &str,
    imported: &mut Imported,
) -> Option<ProbeSpec> {
    let check = if let Some(exec) = node.get("exec") {
        let line = templates.apply(exec.get("command").and_then(Node::as_str).unwrap_or_default());
        Check::Exec(vec![
            shell.program.clone(),
            shell.argument.clone(),
            text::for_probe_shell(&line),
        ])
    } else if let Some(http) = node.get("http_get") {
        let part = |key: &str, default: &str| {
            http.get(key)
                .and_then(Node::scalar_text)
                .map(|value| templates.apply(&value))
                .unwrap_or_else(|| default.to_string())
        };
        let scheme = part("scheme", "http");
        let host = part("host", "127.0.0.1");
        let port = http.get("port").and_then(Node::scalar_text).map(|port| templates.apply(&port));
        let path = part("path", "/");
        let authority = match &port {
            Some(port) => format!("{host}:{port}"),
            None => host,
        };
        let url =
            format!("{scheme}://{authority}{}{path}", if path.starts_with('/') { "" } else { "/" });
        match text::literal(&url) {
            Some(url) => Check::Http(url),
            None => {
                imported.skip(format!("{} = {} (the URL reads an environment variable, which Tend does not expand in probes)", node.path, http.describe()), node.origin(file));
                return None;
            }
        }
    } else {
        imported.skip(
            format!("{} = {} (neither exec nor http_get)", node.path, node.describe()),
            node.origin(file),
        );
        return None;
    };
    let mut spec = ProbeSpec::new(check);
    let seconds = |key: &str| {
        node.get(key)
            .and_then(Node::as_f64)
            .filter(|value| *value >= 0.0)
            .map(Duration::from_secs_f64)
    };
    spec.start_period = seconds("initial_delay_seconds");
    spec.interval = seconds("period_seconds");
    spec.timeout = seconds("timeout_seconds");
    spec.failure_threshold = node.get("failure_threshold").and_then(Node::as_u32);
    spec.success_threshold = node.get("success_threshold").and_then(Node::as_u32);
    Some(spec)
}

/// Marks `component` as a task, for a dependency that waits for it to finish.
pub fn make_task(component: &mut Component) {
    if component.kind != Some(Kind::Task) {
        component.kind = Some(Kind::Task);
        component.comments.push("a task: a dependent waits for it to complete".to_string());
    }
}
