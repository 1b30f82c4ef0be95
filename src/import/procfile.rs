//! Procfiles (foreman, honcho, Heroku): one `name: command` line per process
//! type, `#` comments and blank lines.
//!
//! Foreman runs each line with `sh -c` and gives entry N the port
//! `5000 + 100 * N` in `PORT`. A line without shell syntax becomes an argv
//! array with its `NAME=value` prefix moved to `env`; any other line keeps
//! `shell = true`.

use std::collections::HashMap;

use crate::config::Kind;

use super::error::{ImportError, Origin, Problem};
use super::model::{Command, Component, Imported};
use super::names::NameTable;
use super::shell;

/// `PORT` that foreman gives the first entry when no base port is set.
const FOREMAN_BASE_PORT: u32 = 5000;
/// Increase of `PORT` from one foreman entry to the next.
const FOREMAN_PORT_STEP: u32 = 100;

/// Translates the Procfile `text`, read from the file named `file`.
pub fn import(text: &str, file: &str) -> Result<Imported, ImportError> {
    let mut imported = Imported {
        source: file.to_string(),
        format: "procfile".to_string(),
        ..Imported::default()
    };
    let mut problems = Vec::new();
    let mut first_line: HashMap<String, usize> = HashMap::new();
    let mut names = NameTable::default();

    for (index, raw) in text.lines().enumerate() {
        let line_number = index + 1;
        let origin = Origin::line(file, line_number);
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((name, command)) = split_entry(line) else {
            problems.push(Problem::new(
                origin,
                "expected `name: command`, e.g. `web: bin/server`; comment the line out with `#` if it is not a process",
            ));
            continue;
        };
        if let Some(first) = first_line.get(name) {
            problems.push(Problem::new(
                origin,
                format!("duplicate process type {name:?}, first defined at line {first}; rename one of them"),
            ));
            continue;
        }
        first_line.insert(name.to_string(), line_number);
        let port = FOREMAN_BASE_PORT + FOREMAN_PORT_STEP * (first_line.len() as u32 - 1);
        match translate(name, command, port, origin.clone(), &mut imported) {
            Ok(mut component) => {
                let (final_name, comment) = names.claim(name);
                component.name = final_name;
                component.comments.extend(comment);
                imported.components.push(component);
            }
            Err(message) => problems.push(Problem::new(origin, message)),
        }
    }
    if problems.is_empty() { Ok(imported) } else { Err(problems.into()) }
}

/// Splits `name: command` as foreman does: the name is letters, digits,
/// `_`, `-` or `.`, and the command is not empty.
fn split_entry(line: &str) -> Option<(&str, &str)> {
    let (name, command) = line.split_once(':')?;
    let valid_name = !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    let command = command.trim();
    (valid_name && !command.is_empty()).then_some((name, command))
}

fn translate(
    name: &str,
    command: &str,
    port: u32,
    origin: Origin,
    imported: &mut Imported,
) -> Result<Component, String> {
    let mut uses_port = false;
    let mut component = if shell::needs_shell(command) {
        uses_port = command.contains("$PORT") || command.contains("${PORT");
        Component::new(name, origin, Command::Shell(shell::escape_literal(command)))
    } else {
        let marked = shell::rewrite_references(command, |reference| {
            if reference.name == "PORT" {
                uses_port = true;
                return port.to_string();
            }
            imported.remark(format!(
                "{} is read from the environment when Tend starts; when unset it takes the default written after :-, or is empty as in a shell",
                reference.name
            ));
            let default = reference.default.as_deref().map(shell::escape_literal);
            format!("${{{}:-{}}}", reference.name, default.unwrap_or_default())
        });
        let mut words = shell::split_words(&marked)
            .ok_or_else(|| format!("unclosed quote in the command of {name:?}"))?;
        let prefix = shell::take_env_prefix(&mut words);
        let mut component = Component::new(name, origin, Command::Argv(words));
        for (key, value) in prefix {
            component.set_env(key, value);
        }
        component
    };

    if uses_port && !component.has_env("PORT") {
        component.set_env("PORT", port.to_string());
        component.comments.push(format!("PORT = {port}, the port foreman gives this entry"));
    }
    if name == "release" {
        component.kind = Some(Kind::Task);
        component
            .comments
            .push("Heroku runs `release` once per deploy; here it is a task run at start".into());
    }
    Ok(component)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(component: &Component) -> Vec<&str> {
        match &component.command {
            Command::Argv(words) => words.iter().map(String::as_str).collect(),
            Command::Shell(line) => panic!("expected argv, got shell line {line:?}"),
        }
    }

    #[test]
    fn entries_become_components() {
        let text = "# comment\n\nweb: bin/rails server -p $PORT\nworker:  bundle exec sidekiq\n";
        let imported = import(text, "Procfile").unwrap();
        let [web, worker] = imported.components.as_slice() else {
            panic!("expected two components, got {:?}", imported.components);
        };
        assert_eq!(argv(web), ["bin/rails", "server", "-p", "5000"]);
        assert_eq!(web.env, [("PORT".to_string(), "5000".to_string())]);
        assert_eq!(web.origin.line, Some(3));
        assert_eq!(argv(worker), ["bundle", "exec", "sidekiq"]);
    }

    #[test]
    fn env_prefix_moves_to_env() {
        let imported = import("web: PORT=3000 bundle exec puma", "Procfile").unwrap();
        let web = &imported.components[0];
        assert_eq!(argv(web), ["bundle", "exec", "puma"]);
        assert_eq!(web.env, [("PORT".to_string(), "3000".to_string())]);
    }

    #[test]
    fn shell_syntax_keeps_shell() {
        let imported = import("web: make a && echo ${HOME}", "Procfile").unwrap();
        let web = &imported.components[0];
        assert_eq!(web.command, Command::Shell("make a && echo $${HOME}".into()));
    }

    #[test]
    fn other_variables_expand_empty_when_unset() {
        let imported = import("w: sidekiq -e $RAILS_ENV", "Procfile").unwrap();
        assert_eq!(argv(&imported.components[0]), ["sidekiq", "-e", "${RAILS_ENV:-}"]);
        assert!(imported.remarks[0].contains("RAILS_ENV"));
    }

    #[test]
    fn broken_lines_name_their_line() {
        let error = import("web: a\n.listen(1)\nweb: b\n", "Procfile").unwrap_err();
        let problems = error.problems();
        assert_eq!(problems.len(), 2);
        assert_eq!(problems[0].origin.line, Some(2));
        assert!(problems[0].message.contains("expected `name: command`"));
        assert_eq!(problems[1].origin.line, Some(3));
        assert!(problems[1].message.contains("duplicate process type \"web\""));
    }
}
