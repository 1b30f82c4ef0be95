//! One PM2 app object translated into a component.

use std::time::Duration;

use crate::config::RestartPolicy;
use crate::import::error::Problem;
use crate::import::model::{Command, Component, Imported};
use crate::import::shell;
use crate::import::tree::{Node, Value};

use super::values::{json_text, memory, millis, replace_env_markers, tend_text};

/// Upper limit of PM2's exponential restart delay (pm2 5.x, 15000 ms).
const PM2_BACKOFF_MAX: Duration = Duration::from_secs(15);

/// Interpreters PM2 picks by the script's extension; other scripts run as
/// programs of their own (pm2 5.x, `lib/API/interpreter.json`).
const INTERPRETERS: [(&str, &str); 8] = [
    ("js", "node"),
    ("cjs", "node"),
    ("mjs", "node"),
    ("sh", "bash"),
    ("py", "python"),
    ("rb", "ruby"),
    ("php", "php"),
    ("pl", "perl"),
];

/// Keys read by [`translate`]; every other key is listed as not imported.
const HANDLED: [&str; 16] = [
    "name",
    "script",
    "args",
    "interpreter",
    "exec_interpreter",
    "interpreter_args",
    "node_args",
    "cwd",
    "env",
    "autorestart",
    "max_restarts",
    "min_uptime",
    "restart_delay",
    "exp_backoff_restart_delay",
    "kill_timeout",
    "max_memory_restart",
];

/// Translates one app object; errors name the key they concern.
pub fn translate(
    app: &Node,
    file: &str,
    imported: &mut Imported,
) -> Result<Component, Vec<Problem>> {
    if !matches!(app.value, Value::Object(_)) {
        return Err(vec![app.problem(file, "expected an app object")]);
    }
    let mut problems = Vec::new();
    let script = match app.get("script").map(|node| (node, node.as_str())) {
        Some((_, Some(script))) if !script.trim().is_empty() => script.to_string(),
        Some((node, _)) => {
            return Err(vec![node.problem(file, "expected `script` to be a file or command name")]);
        }
        None => {
            return Err(vec![
                app.problem(file, "missing `script`: PM2 needs the file or command to run"),
            ]);
        }
    };
    let name = match app.get("name").map(|node| (node, node.scalar_text())) {
        Some((_, Some(name))) => name,
        Some((node, None)) => {
            return Err(vec![node.problem(file, "expected `name` to be a string")]);
        }
        None => default_name(&script),
    };

    let command = command_words(app, &script, file).unwrap_or_else(|problem| {
        problems.push(problem);
        Vec::new()
    });
    let mut component = Component::new(name, app.origin(file), Command::Argv(command));
    if let Some(cwd) = app.get("cwd") {
        match cwd.as_str() {
            Some(dir) => component.cwd = Some(tend_text(dir)),
            None => problems.push(cwd.problem(file, "expected `cwd` to be a path")),
        }
    }
    if let Some(env) = app.get("env") {
        translate_env(env, file, &mut component, &mut problems);
    }
    translate_policy(app, file, &mut component, &mut problems);

    for (key, node) in app.entries() {
        if !HANDLED.contains(&key.as_str()) {
            skip_key(key, node, file, &mut component, imported);
        }
    }
    if problems.is_empty() { Ok(component) } else { Err(problems) }
}

/// PM2's default name: the script's file name without its extension.
fn default_name(script: &str) -> String {
    let base = script.rsplit('/').next().unwrap_or(script);
    base.split_once('.').map_or(base, |(stem, _)| stem).to_string()
}

fn command_words(app: &Node, script: &str, file: &str) -> Result<Vec<String>, Problem> {
    let interpreter = app
        .get("interpreter")
        .or_else(|| app.get("exec_interpreter"))
        .and_then(Node::as_str)
        .map(str::to_string)
        .or_else(|| {
            let extension = script.rsplit_once('.').map(|(_, ext)| ext)?;
            INTERPRETERS
                .iter()
                .find(|(ext, _)| *ext == extension)
                .map(|(_, program)| program.to_string())
        })
        .filter(|program| program != "none");

    let mut words = Vec::new();
    if let Some(program) = &interpreter {
        words.push(tend_text(program));
        for key in ["interpreter_args", "node_args"] {
            let applies = key == "interpreter_args" || program.ends_with("node");
            if let Some(node) = app.get(key).filter(|_| applies) {
                words.extend(word_list(node, file)?);
            }
        }
    }
    words.push(tend_text(script));
    if let Some(args) = app.get("args") {
        words.extend(word_list(args, file)?);
    }
    Ok(words)
}

/// An argument list: an array of strings, or one string split like a shell
/// line. A string that contains a JavaScript array (`"['-a', 'b']"`) is read as
/// that array, since that is what its author meant.
fn word_list(node: &Node, file: &str) -> Result<Vec<String>, Problem> {
    match &node.value {
        Value::Array(items) => items
            .iter()
            .map(|item| {
                item.scalar_text()
                    .map(|text| tend_text(&text))
                    .ok_or_else(|| item.problem(file, "expected a string argument"))
            })
            .collect(),
        Value::String(text) if text.trim_start().starts_with('[') => {
            let inner = crate::import::tree::from_json(text, file).map_err(|_| {
                node.problem(file, "a string that starts with `[` must hold an array of arguments")
            })?;
            word_list(&Node { line: node.line, path: node.path.clone(), ..inner }, file)
        }
        Value::String(text) => {
            let marked = shell::mark_literal_dollars(text);
            shlex::split(&marked)
                .map(|words| words.iter().map(|word| replace_env_markers(word)).collect())
                .ok_or_else(|| node.problem(file, "unclosed quote in the arguments"))
        }
        Value::Number(_) | Value::Bool(_) => Ok(node.scalar_text().into_iter().collect()),
        Value::Null => Ok(Vec::new()),
        Value::Object(_) => {
            Err(node.problem(file, "expected the arguments as a string or an array"))
        }
    }
}

fn translate_env(env: &Node, file: &str, component: &mut Component, problems: &mut Vec<Problem>) {
    if !matches!(env.value, Value::Object(_)) {
        problems.push(env.problem(file, "expected `env` to be an object of names and values"));
        return;
    }
    for (name, node) in env.entries() {
        let text = match &node.value {
            // PM2 passes an object or array value as its JSON text.
            Value::Object(_) | Value::Array(_) => {
                component
                    .comments
                    .push(format!("env {name} is the JSON text of the object PM2 was given"));
                json_text(node)
            }
            Value::Null => continue,
            _ => node.scalar_text().unwrap_or_default(),
        };
        component.set_env(name.clone(), tend_text(&text));
    }
}

fn translate_policy(
    app: &Node,
    file: &str,
    component: &mut Component,
    problems: &mut Vec<Problem>,
) {
    if let Some(node) = app.get("autorestart") {
        match node.as_bool() {
            Some(false) => component.restart = Some(RestartPolicy::Never),
            Some(true) => {}
            None => problems.push(node.problem(file, "expected `autorestart` to be true or false")),
        }
    }
    if let Some(node) = app.get("max_restarts") {
        match node.as_u32() {
            Some(count) => component.max_restarts = Some(count),
            None => {
                problems.push(node.problem(file, "expected `max_restarts` to be a whole number"))
            }
        }
    }
    let read_ms =
        |key: &str, problems: &mut Vec<Problem>| {
            let node = app.get(key)?;
            let parsed = millis(node);
            if parsed.is_none() {
                problems.push(node.problem(
                    file,
                    format!("expected `{key}` in milliseconds, e.g. 3000 or \"3s\""),
                ));
            }
            parsed
        };
    component.min_uptime = read_ms("min_uptime", problems);
    component.stop_timeout = read_ms("kill_timeout", problems);
    if let Some(delay) = read_ms("restart_delay", problems) {
        component.backoff_initial = Some(delay);
        component.backoff_max = Some(delay);
        component
            .comments
            .push("PM2 waits restart_delay before every restart, so backoff stays at it".into());
    }
    if let Some(delay) = read_ms("exp_backoff_restart_delay", problems) {
        component.backoff_initial = Some(delay);
        component.backoff_max = Some(PM2_BACKOFF_MAX.max(delay));
    }
    if let Some(node) = app.get("max_memory_restart") {
        match memory(node) {
            Some(size) => component.max_memory = Some(size),
            None => {
                problems.push(node.problem(
                    file,
                    "expected `max_memory_restart` as bytes or a size like \"300M\"",
                ))
            }
        }
    }
}

fn skip_key(
    key: &str,
    node: &Node,
    file: &str,
    component: &mut Component,
    imported: &mut Imported,
) {
    let quiet = match key {
        "watch" => node.as_bool() == Some(false),
        "instances" => node.as_f64() == Some(1.0),
        "exec_mode" => node.as_str().is_some_and(|mode| mode == "fork" || mode == "fork_mode"),
        _ => false,
    };
    if quiet {
        return;
    }
    let reason = match key {
        "instances" | "exec_mode" => {
            "; Tend runs one process per component, copy the component to run more"
        }
        "watch" | "ignore_watch" => "; Tend does not restart on file changes",
        "cron_restart" => "; Tend has no scheduled restarts",
        _ if key.starts_with("env_") => {
            "; PM2 applies it with --env, copy the values you need into env"
        }
        _ => "",
    };
    let setting = format!("{}: {key} = {}{reason}", component.name, node.describe());
    imported.skip(setting, node.origin(file));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::tree::from_json;

    fn app(text: &str) -> (Component, Imported) {
        let root = from_json(text, "process.json").unwrap();
        let mut imported = Imported::default();
        let component = translate(&root, "process.json", &mut imported).unwrap();
        (component, imported)
    }

    #[test]
    fn script_gets_interpreter_and_args() {
        let (component, _) =
            app("{ name: 'api', script: 'app.js', node_args: '--harmony', args: ['-p', 80] }");
        assert_eq!(
            component.command,
            Command::Argv(["node", "--harmony", "app.js", "-p", "80"].map(String::from).to_vec())
        );
    }

    #[test]
    fn binary_script_runs_directly() {
        let (component, _) = app("{ script: 'npm', args: 'run \"${HOME}\"' }");
        assert_eq!(component.name, "npm");
        assert_eq!(
            component.command,
            Command::Argv(["npm", "run", "$${HOME}"].map(String::from).to_vec())
        );
    }

    #[test]
    fn policy_keys_map() {
        let (component, _) = app(
            "{ script: 'a.py', interpreter: 'python3', autorestart: false, max_restarts: 3, min_uptime: '2s', kill_timeout: 6000, exp_backoff_restart_delay: 100, max_memory_restart: '260M' }",
        );
        assert_eq!(component.restart, Some(RestartPolicy::Never));
        assert_eq!(component.max_restarts, Some(3));
        assert_eq!(component.min_uptime, Some(Duration::from_secs(2)));
        assert_eq!(component.stop_timeout, Some(Duration::from_secs(6)));
        assert_eq!(component.backoff_initial, Some(Duration::from_millis(100)));
        assert_eq!(component.backoff_max, Some(PM2_BACKOFF_MAX));
        assert_eq!(component.max_memory.as_deref(), Some("260MiB"));
    }

    #[test]
    fn unsupported_keys_are_noted_with_lines() {
        let (_, imported) = app(
            "{\n script: 'a.js',\n watch: true,\n instances: 'max',\n env_production: { A: 1 }\n}",
        );
        let settings: Vec<String> = imported
            .not_imported
            .iter()
            .map(|note| format!("{} @{:?}", note.setting, note.origin.line))
            .collect();
        assert_eq!(settings.len(), 3, "{settings:?}");
        assert!(
            settings[0].starts_with("a: watch = true") && settings[0].ends_with("@Some(3)"),
            "{settings:?}"
        );
        assert!(settings[1].starts_with("a: instances = \"max\""), "{settings:?}");
        assert!(settings[2].starts_with("a: env_production"), "{settings:?}");
    }

    #[test]
    fn env_objects_become_json_text() {
        let (component, _) = app("{ script: 'a.js', env: { J: { si: 'si' }, N: 3, D: '${X}' } }");
        assert_eq!(component.env[0], ("J".into(), "{\"si\":\"si\"}".into()));
        assert_eq!(component.env[1], ("N".into(), "3".into()));
        assert_eq!(component.env[2], ("D".into(), "$${X}".into()));
    }

    #[test]
    fn env_markers_become_references() {
        use super::super::load::{ENV_CLOSE, ENV_OPEN};
        let text = format!("x{ENV_OPEN}PORT{ENV_CLOSE}$");
        assert_eq!(tend_text(&text), "x${PORT}$");
    }

    #[test]
    fn missing_script_is_an_error() {
        let root = from_json("{\n  name: 'a'\n}", "process.json").unwrap();
        let problems = translate(&root, "process.json", &mut Imported::default()).unwrap_err();
        assert!(problems[0].message.contains("missing `script`"));
        assert_eq!(problems[0].origin.line, Some(1));
    }
}
