//! Writes an [`Imported`] translation as a commented `tend.toml`.

use std::time::Duration;

use toml_edit::{Array, DocumentMut, InlineTable, Item, Table, value};

use crate::config::{DependCondition, Kind, RestartPolicy};

use super::model::{Check, Command, Component, Imported, ProbeSpec};

/// Renders `imported` as TOML: a header listing what was not imported, then
/// one `[components.NAME]` table per component in input order.
pub fn to_toml(imported: &Imported) -> String {
    let mut doc = DocumentMut::new();
    let mut components = Table::new();
    components.set_implicit(true);
    let mut position = 0;
    for component in &imported.components {
        add_component(&mut components, component, &mut position);
    }
    doc.insert("components", Item::Table(components));
    format!("{}{}", header(imported), doc)
}

fn header(imported: &Imported) -> String {
    let mut text =
        format!("# Imported from {} by `tend import {}`.\n", imported.source, imported.format);
    if imported.components.is_empty() {
        text.push_str("# The input defines no programs.\n");
    }
    for note in &imported.not_imported {
        text.push_str(&comment_line(&format!("not imported: {} ({})", note.setting, note.origin)));
    }
    for remark in &imported.remarks {
        text.push_str(&comment_line(remark));
    }
    text
}

/// One `# ` line per line of `text`, so a value with a newline cannot end the comment.
fn comment_line(text: &str) -> String {
    text.lines().map(|line| format!("# {line}\n").replace("# \n", "#\n")).collect()
}

fn add_component(parent: &mut Table, component: &Component, position: &mut isize) {
    let mut table = Table::new();
    let mut prefix = String::from("\n");
    for comment in &component.comments {
        prefix.push_str(&comment_line(comment));
    }
    table.decor_mut().set_prefix(prefix);
    next_position(&mut table, position);

    match &component.command {
        Command::Argv(words) => table.insert("command", value(string_array(words))),
        Command::Shell(line) => {
            table.insert("shell", value(true));
            table.insert("command", value(line.as_str()))
        }
    };
    if let Some(cwd) = &component.cwd {
        table.insert("cwd", value(cwd.as_str()));
    }
    add_policy(&mut table, component);
    if !component.depends_on.is_empty() {
        let mut depends = InlineTable::new();
        for (name, condition) in &component.depends_on {
            depends.insert(name, condition_name(*condition).into());
        }
        table.insert("depends_on", value(depends));
    }
    if !component.env.is_empty() {
        let mut env = Table::new();
        for (name, text) in &component.env {
            env.insert(name, value(text.as_str()));
        }
        next_position(&mut env, position);
        table.insert("env", Item::Table(env));
    }
    add_health(&mut table, component, position);
    parent.insert(&component.name, Item::Table(table));
}

fn add_policy(table: &mut Table, component: &Component) {
    if let Some(kind) = component.kind {
        table.insert("kind", value(kind_name(kind)));
    }
    if let Some(autostart) = component.autostart {
        table.insert("autostart", value(autostart));
    }
    if let Some(restart) = component.restart {
        table.insert("restart", value(restart_name(restart)));
    }
    if let Some(max_restarts) = component.max_restarts {
        table.insert("max_restarts", value(i64::from(max_restarts)));
    }
    if let Some(min_uptime) = component.min_uptime {
        table.insert("min_uptime", value(duration(min_uptime)));
    }
    if let Some(codes) = &component.success_codes {
        let array: Array = codes.iter().map(|code| i64::from(*code)).collect();
        table.insert("success_codes", value(array));
    }
    if let Some(signal) = &component.stop_signal {
        table.insert("stop_signal", value(signal.as_str()));
    }
    if let Some(timeout) = component.stop_timeout {
        table.insert("stop_timeout", value(duration(timeout)));
    }
    if let Some(max_memory) = &component.max_memory {
        table.insert("max_memory", value(max_memory.as_str()));
    }
    if component.backoff_initial.is_some() || component.backoff_max.is_some() {
        let mut backoff = InlineTable::new();
        if let Some(initial) = component.backoff_initial {
            backoff.insert("initial", duration(initial).into());
        }
        if let Some(max) = component.backoff_max {
            backoff.insert("max", duration(max).into());
        }
        table.insert("backoff", value(backoff));
    }
}

fn add_health(table: &mut Table, component: &Component, position: &mut isize) {
    let (readiness, liveness) = (&component.readiness, &component.liveness);
    if readiness.is_none() && liveness.is_none() {
        return;
    }
    let mut health = Table::new();
    next_position(&mut health, position);
    if readiness == liveness {
        if let Some(probe) = readiness {
            fill_probe(&mut health, probe);
        }
    } else {
        health.set_implicit(true);
        for (key, probe) in [("readiness", readiness), ("liveness", liveness)] {
            if let Some(probe) = probe {
                let mut sub = Table::new();
                next_position(&mut sub, position);
                fill_probe(&mut sub, probe);
                health.insert(key, Item::Table(sub));
            }
        }
    }
    table.insert("health", Item::Table(health));
}

fn fill_probe(table: &mut Table, probe: &ProbeSpec) {
    match &probe.check {
        Check::Http(url) => table.insert("http", value(url.as_str())),
        Check::Tcp(address) => table.insert("tcp", value(address.as_str())),
        Check::Exec(words) => table.insert("exec", value(string_array(words))),
    };
    let durations = [
        ("interval", probe.interval),
        ("timeout", probe.timeout),
        ("start_period", probe.start_period),
    ];
    for (key, duration_value) in durations {
        if let Some(duration_value) = duration_value {
            table.insert(key, value(duration(duration_value)));
        }
    }
    let counts = [
        ("failure_threshold", probe.failure_threshold),
        ("success_threshold", probe.success_threshold),
    ];
    for (key, count) in counts {
        if let Some(count) = count {
            table.insert(key, value(i64::from(count)));
        }
    }
}

fn next_position(table: &mut Table, position: &mut isize) {
    *position += 1;
    table.set_position(Some(*position));
}

fn string_array(words: &[String]) -> Array {
    words.iter().map(String::as_str).collect()
}

/// A duration in Tend's syntax: whole seconds as `"5s"`, else milliseconds.
pub fn duration(duration: Duration) -> String {
    let millis = duration.as_millis();
    if millis % 1000 == 0 { format!("{}s", millis / 1000) } else { format!("{millis}ms") }
}

pub fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Daemon => "daemon",
        Kind::Task => "task",
    }
}

pub fn restart_name(policy: RestartPolicy) -> &'static str {
    match policy {
        RestartPolicy::Always => "always",
        RestartPolicy::OnFailure => "on-failure",
        RestartPolicy::Never => "never",
    }
}

pub fn condition_name(condition: DependCondition) -> &'static str {
    match condition {
        DependCondition::Started => "started",
        DependCondition::Healthy => "healthy",
        DependCondition::Completed => "completed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::error::Origin;

    #[test]
    fn duration_formats() {
        assert_eq!(duration(Duration::from_secs(5)), "5s");
        assert_eq!(duration(Duration::from_millis(1500)), "1500ms");
        assert_eq!(duration(Duration::ZERO), "0s");
    }

    #[test]
    fn to_toml_quotes_and_orders() {
        let origin = Origin::line("Procfile", 1);
        let mut web = Component::new(
            "web.v2",
            origin.clone(),
            Command::Argv(vec!["echo".into(), "say \"hi\"".into()]),
        );
        web.set_env("A", "1");
        web.comments.push("first".into());
        let worker = Component::new("worker", origin.clone(), Command::Shell("a | b".into()));
        let mut imported = Imported {
            source: "Procfile".into(),
            format: "procfile".into(),
            components: vec![web, worker],
            ..Imported::default()
        };
        imported.skip("watch = true", origin);
        let text = to_toml(&imported);
        let parsed: toml::Table = toml::from_str(&text).unwrap();
        let web = &parsed["components"]["web.v2"];
        assert_eq!(web["command"][1].as_str(), Some("say \"hi\""));
        assert_eq!(web["env"]["A"].as_str(), Some("1"));
        assert!(text.contains("# not imported: watch = true (Procfile:1)"));
        assert!(text.find("first").unwrap() < text.find("[components.worker]").unwrap());
    }
}
