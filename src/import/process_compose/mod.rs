//! process-compose files: `processes:` with commands, environment,
//! `depends_on` conditions, probes, availability, shutdown and replicas.

mod process;
mod text;

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::config::DependCondition;

use super::error::{ImportError, Problem};
use super::model::Imported;
use super::names::NameTable;
use super::tree::{self, Node, Value};

use process::{Dependency, Globals, Shell};
use text::Templates;

/// Top-level keys read by the import.
const HANDLED: [&str; 6] = ["version", "processes", "environment", "vars", "shell", "is_strict"];

/// Translates the process-compose YAML `text`, read from the file `file`.
pub fn import(text: &str, file: &str) -> Result<Imported, ImportError> {
    let root = tree::from_yaml(text, file)?;
    let mut imported = Imported {
        source: file.to_string(),
        format: "process-compose".to_string(),
        ..Imported::default()
    };
    let processes = root.get("processes").filter(|node| matches!(node.value, Value::Object(_)));
    let Some(processes) = processes else {
        return Err(root
            .problem(file, "no `processes:` mapping: this is not a process-compose file")
            .into());
    };
    for (key, value) in root.entries() {
        if !HANDLED.contains(&key.as_str()) {
            imported.skip(format!("{key} = {}", value.describe()), value.origin(file));
        }
    }
    let globals = Globals {
        file,
        shell: shell_of(&root),
        env: root.get("environment"),
        templates: Templates { vars: vars_of(&root), replica: 0 },
    };
    let strict = root.get("is_strict").and_then(Node::as_bool) == Some(true);

    let mut names = NameTable::default();
    let mut final_names: HashMap<String, Vec<String>> = HashMap::new();
    let mut dependencies: Vec<(Vec<String>, Vec<Dependency>)> = Vec::new();
    let mut problems = Vec::new();
    for (name, node) in processes.entries() {
        match process::translate(name, node, &globals, &mut imported) {
            Ok((components, depends)) => {
                let mut given = Vec::new();
                for mut component in components {
                    let (final_name, comment) = names.claim(&component.name);
                    component.name = final_name.clone();
                    component.comments.extend(comment);
                    given.push(final_name);
                    imported.components.push(component);
                }
                final_names.insert(name.clone(), given.clone());
                dependencies.push((given, depends));
            }
            Err(mut found) => problems.append(&mut found),
        }
    }
    if !problems.is_empty() {
        return Err(problems.into());
    }
    let order: Vec<String> = processes.entries().iter().map(|(name, _)| name.clone()).collect();
    if let Some(problem) = find_cycle(&order, processes, file) {
        return Err(problem.into());
    }
    for (dependents, depends) in dependencies {
        for dependency in depends {
            link(&dependents, &dependency, &final_names, strict, file, &mut imported)
                .map_err(ImportError::from)?;
        }
    }
    Ok(imported)
}

fn shell_of(root: &Node) -> Shell {
    let shell = root.get("shell");
    let field = |key: &str, default: &str| {
        shell.and_then(|node| node.get(key)).and_then(Node::as_str).unwrap_or(default).to_string()
    };
    Shell { program: field("shell_command", "bash"), argument: field("shell_argument", "-c") }
}

fn vars_of(root: &Node) -> HashMap<String, String> {
    let Some(vars) = root.get("vars") else {
        return HashMap::new();
    };
    vars.entries()
        .iter()
        .filter_map(|(key, value)| value.scalar_text().map(|text| (key.clone(), text)))
        .collect()
}

/// Adds one `depends_on` entry to each replica of the dependent.
fn link(
    dependents: &[String],
    dependency: &Dependency,
    final_names: &HashMap<String, Vec<String>>,
    strict: bool,
    file: &str,
    imported: &mut Imported,
) -> Result<(), Problem> {
    let node = &dependency.node;
    let Some(targets) = final_names.get(&dependency.target) else {
        let message =
            format!("depends on {:?}, which is not defined in `processes:`", dependency.target);
        if strict {
            return Err(
                node.problem(file, format!("{message}; define it or remove the dependency"))
            );
        }
        imported.skip(
            format!("{} (process-compose drops it when is_strict is off)", node.path),
            node.origin(file),
        );
        return Ok(());
    };
    let mut condition = match dependency.condition.as_str() {
        "process_started" => DependCondition::Started,
        "process_healthy" => DependCondition::Healthy,
        "process_completed_successfully" => DependCondition::Completed,
        "process_completed" => {
            imported.skip(format!("{}: condition = \"process_completed\" is imported as completed, which needs exit code 0", node.path), node.origin(file));
            DependCondition::Completed
        }
        "process_log_ready" => {
            imported.skip(format!("{}: condition = \"process_log_ready\" is imported as started; Tend has no log-line readiness", node.path), node.origin(file));
            DependCondition::Started
        }
        other => return Err(node.problem(file, format!("unknown condition {other:?}, expected process_started, process_healthy, process_completed or process_completed_successfully"))),
    };
    let without_probe = targets.iter().any(|target| {
        imported
            .components
            .iter()
            .any(|component| component.name == *target && component.readiness.is_none())
    });
    if condition == DependCondition::Healthy && without_probe {
        imported.skip(format!("{}: condition = \"process_healthy\" is imported as started, since {:?} has no readiness probe Tend can run", node.path, dependency.target), node.origin(file));
        condition = DependCondition::Started;
    }
    for target in targets {
        if condition == DependCondition::Completed {
            if let Some(component) = imported.component_mut(target) {
                process::make_task(component);
            }
        }
        for dependent in dependents {
            if let Some(component) = imported.component_mut(dependent) {
                component.depends_on.push((target.clone(), condition));
            }
        }
    }
    Ok(())
}

/// A dependency cycle among the processes, as an error at the
/// `depends_on` entry that closes it, naming the whole cycle.
fn find_cycle(order: &[String], processes: &Node, file: &str) -> Option<Problem> {
    let mut edges: BTreeMap<&str, Vec<(&str, &Node)>> = BTreeMap::new();
    for name in order {
        let depends = processes.get(name).and_then(|node| node.get("depends_on"));
        let targets = depends.map(Node::entries).unwrap_or_default();
        edges.insert(name, targets.iter().map(|(target, node)| (target.as_str(), node)).collect());
    }
    let mut done = HashSet::new();
    for start in order {
        let mut stack = Vec::new();
        if let Some(problem) = visit(start, &edges, &mut done, &mut stack, file) {
            return Some(problem);
        }
    }
    None
}

fn visit<'a>(
    name: &'a str,
    edges: &BTreeMap<&'a str, Vec<(&'a str, &'a Node)>>,
    done: &mut HashSet<&'a str>,
    stack: &mut Vec<&'a str>,
    file: &str,
) -> Option<Problem> {
    if done.contains(name) {
        return None;
    }
    stack.push(name);
    for (target, node) in edges.get(name).into_iter().flatten() {
        if let Some(start) = stack.iter().position(|step| step == target) {
            let mut cycle = stack[start..].to_vec();
            cycle.push(target);
            let message = format!(
                "dependency cycle {}; remove one of these depends_on entries",
                cycle.join(" -> ")
            );
            return Some(node.problem(file, message));
        }
        if edges.contains_key(target) {
            if let Some(problem) = visit(target, edges, done, stack, file) {
                return Some(problem);
            }
        }
    }
    stack.pop();
    done.insert(name);
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::RestartPolicy;
    use crate::import::model::{Check, Command};
    use std::time::Duration;

    #[test]
    fn processes_translate() {
        let text = "vars:\n  PY: python3\nprocesses:\n  api:\n    command: \"{{.PY}} api.py --port $PORT\"\n    working_dir: /srv\n    environment:\n      - 'A=1'\n    availability:\n      restart: on_failure\n      backoff_seconds: 2\n      max_restarts: 3\n    shutdown:\n      signal: 1\n      timeout_seconds: 5\n    readiness_probe:\n      http_get:\n        host: 127.0.0.1\n        port: 8110\n        path: /health\n      period_seconds: 2\n  web:\n    command: make a && make b\n    replicas: 2\n    depends_on:\n      api:\n        condition: process_healthy\n      migrate:\n        condition: process_completed_successfully\n  migrate:\n    command: migrate\n    disabled: true\n";
        let imported = import(text, "pc.yaml").unwrap();
        let names: Vec<&str> = imported.components.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["api", "web-0", "web-1", "migrate"]);
        let api = &imported.components[0];
        assert_eq!(
            api.command,
            Command::Argv(["python3", "api.py", "--port", "${PORT:-}"].map(String::from).to_vec())
        );
        assert_eq!(api.cwd.as_deref(), Some("/srv"));
        assert_eq!(api.restart, Some(RestartPolicy::OnFailure));
        assert_eq!(api.backoff_initial, Some(Duration::from_secs(2)));
        assert_eq!(api.max_restarts, Some(3));
        assert_eq!(api.stop_signal.as_deref(), Some("HUP"));
        assert_eq!(api.stop_timeout, Some(Duration::from_secs(5)));
        let probe = api.readiness.as_ref().unwrap();
        assert_eq!(probe.check, Check::Http("http://127.0.0.1:8110/health".into()));
        assert_eq!(probe.interval, Some(Duration::from_secs(2)));
        let web = &imported.components[1];
        assert_eq!(
            web.command,
            Command::Argv(["bash", "-c", "make a && make b"].map(String::from).to_vec())
        );
        assert_eq!(
            web.depends_on,
            [
                ("api".to_string(), DependCondition::Healthy),
                ("migrate".to_string(), DependCondition::Completed)
            ]
        );
        assert_eq!(web.restart, Some(RestartPolicy::Never));
        let migrate = &imported.components[3];
        assert_eq!(migrate.kind, Some(crate::config::Kind::Task));
        assert_eq!(migrate.autostart, Some(false));
    }

    #[test]
    fn cycle_is_named() {
        let text = "processes:\n  a:\n    command: x\n    depends_on:\n      b:\n        condition: process_started\n  b:\n    command: y\n    depends_on:\n      a:\n        condition: process_started\n";
        let error = import(text, "pc.yaml").unwrap_err();
        let problem = &error.problems()[0];
        assert!(problem.message.contains("dependency cycle a -> b -> a"), "{}", problem.message);
        assert_eq!(problem.origin.line, Some(10));
    }

    #[test]
    fn undefined_dependency_depends_on_strictness() {
        let base = "processes:\n  a:\n    command: x\n    depends_on:\n      nginx:\n        condition: process_healthy\n";
        let lenient = import(base, "pc.yaml").unwrap();
        assert!(lenient.components[0].depends_on.is_empty());
        assert_eq!(lenient.not_imported[0].origin.line, Some(5));
        let strict = format!("is_strict: true\n{base}");
        let error = import(&strict, "pc.yaml").unwrap_err();
        assert!(error.problems()[0].message.contains("\"nginx\", which is not defined"));
    }
}
