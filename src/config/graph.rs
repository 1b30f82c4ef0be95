//! Checks across components: `depends_on` names, conditions and cycles.

use std::collections::BTreeMap;

use super::error::{Collector, KeyPath, Target, suggestion};
use super::model::{ComponentConfig, DependCondition, Kind};

/// Records every invalid dependency and every cycle.
pub fn check(components: &BTreeMap<String, ComponentConfig>, errors: &mut Collector<'_>) {
    for (name, component) in components {
        for (dependency, condition) in &component.depends_on {
            let path =
                KeyPath::root().key("components").key(name).key("depends_on").key(dependency);
            check_edge(components, name, dependency, *condition, &path, errors);
        }
    }
    for cycle in find_cycles(components) {
        let path =
            KeyPath::root().key("components").key(&cycle[0]).key("depends_on").key(&cycle[1]);
        let message = format!(
            "dependency cycle: {}; remove one of these depends_on entries",
            cycle.join(" -> ")
        );
        errors.push_at(&path, Target::Key, message);
    }
}

fn check_edge(
    components: &BTreeMap<String, ComponentConfig>,
    name: &str,
    dependency: &str,
    condition: DependCondition,
    path: &KeyPath,
    errors: &mut Collector<'_>,
) {
    if dependency == name {
        errors.push_at(
            path,
            Target::Key,
            format!("\"{name}\" depends on itself; remove this entry"),
        );
        return;
    }
    let Some(target) = components.get(dependency) else {
        let hint = suggestion(dependency, components.keys().map(String::as_str));
        let fix = if hint.is_empty() {
            let known: Vec<&str> = components.keys().map(String::as_str).collect();
            format!(", expected one of {}", known.join(", "))
        } else {
            hint
        };
        errors.push_at(path, Target::Key, format!("unknown component \"{dependency}\"{fix}"));
        return;
    };
    match condition {
        DependCondition::Healthy if target.health.readiness.is_none() => errors.push(
            path,
            format!(
                "\"healthy\" needs a readiness probe on \"{dependency}\", which has none; add [components.{dependency}.health] or use \"started\""
            ),
        ),
        DependCondition::Completed if target.kind != Kind::Task => errors.push(
            path,
            format!(
                "\"completed\" applies only to a task, and \"{dependency}\" is a daemon; use \"started\" or \"healthy\", or set kind = \"task\" on \"{dependency}\""
            ),
        ),
        _ => {}
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mark {
    Unvisited,
    OnStack,
    Done,
}

/// Finds every cycle with a depth-first search and returns each as names from its first
/// component back to the same one, e.g. `["a", "b", "a"]`. Self-dependencies
/// and unknown names are reported elsewhere and skipped here.
pub fn find_cycles(components: &BTreeMap<String, ComponentConfig>) -> Vec<Vec<String>> {
    let mut marks: BTreeMap<&str, Mark> =
        components.keys().map(|name| (name.as_str(), Mark::Unvisited)).collect();
    let mut cycles = Vec::new();
    for name in components.keys() {
        if marks[name.as_str()] == Mark::Unvisited {
            let mut stack = Vec::new();
            visit(components, name, &mut marks, &mut stack, &mut cycles);
        }
    }
    cycles
}

fn visit<'c>(
    components: &'c BTreeMap<String, ComponentConfig>,
    name: &'c str,
    marks: &mut BTreeMap<&'c str, Mark>,
    stack: &mut Vec<&'c str>,
    cycles: &mut Vec<Vec<String>>,
) {
    marks.insert(name, Mark::OnStack);
    stack.push(name);
    for dependency in components[name].depends_on.keys() {
        if dependency == name {
            continue;
        }
        match marks.get(dependency.as_str()).copied() {
            Some(Mark::Unvisited) => visit(components, dependency, marks, stack, cycles),
            Some(Mark::OnStack) => {
                let start = stack.iter().position(|entry| *entry == dependency).unwrap_or(0);
                let mut cycle: Vec<String> =
                    stack[start..].iter().map(|entry| entry.to_string()).collect();
                cycle.push(dependency.clone());
                cycles.push(cycle);
            }
            Some(Mark::Done) | None => {}
        }
    }
    stack.pop();
    marks.insert(name, Mark::Done);
}
