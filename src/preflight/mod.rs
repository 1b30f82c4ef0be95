//! Checks run before every start attempt: the command and its script, the
//! working directory, required files, variables, commands and free ports.
//! Every failing check is reported, not only the first.

use std::ffi::OsStr;
use std::path::Path;

use crate::config::{ComponentConfig, Config};
use crate::diagnose::commands::{command_not_found, missing_interpreter};
use crate::diagnose::files::{FileRole, file_not_found};
use crate::diagnose::network::port_in_use;
use crate::diagnose::ports::{self, PortState};
use crate::diagnose::program::{
    Resolved, interpreter_script, path_var, resolve_command, user_program,
};
use crate::diagnose::spawn::missing_cwd;
use crate::diagnose::variables::missing_variable;
use crate::diagnose::{Diagnosis, Evidence, PortOwners};

/// One failed preflight check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The check in words, e.g. "requires.env TUNNEL_TOKEN".
    pub check: String,
    pub diagnosis: Diagnosis,
}

impl Problem {
    fn new(check: String, diagnosis: Diagnosis) -> Problem {
        let evidence = Evidence { check: Some(check.clone()), ..diagnosis.evidence.clone() };
        Problem { check, diagnosis: diagnosis.with_evidence(evidence) }
    }
}

/// Runs every check on `component` and returns the problems found.
///
/// `env` looks a variable up in the supervisor's environment, after the
/// component's own `env`. `owners` maps the pid listening on a required
/// port to its component.
pub fn check(
    component: &ComponentConfig,
    env: &dyn Fn(&str) -> Option<String>,
    owners: &dyn PortOwners,
) -> Vec<Problem> {
    let mut problems = Vec::new();
    let cwd_exists = component.cwd.is_dir();
    if !cwd_exists {
        let check = format!("cwd {}", component.cwd.display());
        problems.push(Problem::new(check, missing_cwd(&component.cwd)));
    }

    let path_var = path_var(component, env);
    problems.extend(check_command(component, path_var.as_deref(), cwd_exists));
    if cwd_exists {
        problems.extend(check_script(component));
    }

    problems.extend(check_files(component));
    problems.extend(check_env(component, env));
    problems.extend(check_commands(component, path_var.as_deref()));
    problems.extend(check_ports(component, owners));
    if !problems.is_empty() {
        tracing::debug!(component = %component.name, problems = problems.len(), "preflight failed");
    }
    problems
}

/// Runs [`check`] on every component, in name order, including those
/// without problems (their list is empty).
pub fn check_all(
    config: &Config,
    env: &dyn Fn(&str) -> Option<String>,
    owners: &dyn PortOwners,
) -> Vec<(String, Vec<Problem>)> {
    let checked = config.components.iter();
    checked.map(|(name, component)| (name.clone(), check(component, env, owners))).collect()
}

/// Checks that the program resolves and is executable, and that a `#!` interpreter it names exists.
fn check_command(
    component: &ComponentConfig,
    path_var: Option<&OsStr>,
    cwd_exists: bool,
) -> Option<Problem> {
    let program = user_program(component)?;
    // A relative path cannot be judged without its working directory, which is reported already.
    if program.contains('/') && !Path::new(program).is_absolute() && !cwd_exists {
        return None;
    }
    let cwd = &component.cwd;
    let diagnosis = match resolve_command(program, path_var, cwd) {
        Resolved::Found(path) => missing_interpreter(&path, path_var, cwd)?,
        _ => command_not_found(program, path_var, cwd),
    };
    Some(Problem::new(format!("command {program}"), diagnosis))
}

/// Checks that the script an interpreter is given exists.
fn check_script(component: &ComponentConfig) -> Option<Problem> {
    if component.shell {
        return None;
    }
    let (_, script) = interpreter_script(&component.command)?;
    let path = component.cwd.join(script);
    if path.exists() {
        return None;
    }
    let diagnosis = file_not_found(&path, &component.cwd, FileRole::Script);
    Some(Problem::new(format!("script {script}"), diagnosis))
}

fn check_files(component: &ComponentConfig) -> Vec<Problem> {
    let mut problems = Vec::new();
    for file in &component.requires.files {
        let path = component.cwd.join(file);
        if path.exists() {
            continue;
        }
        let role = FileRole::of(&file.to_string_lossy());
        let diagnosis = file_not_found(&path, &component.cwd, role);
        problems.push(Problem::new(format!("requires.files {}", file.display()), diagnosis));
    }
    problems
}

fn check_env(component: &ComponentConfig, env: &dyn Fn(&str) -> Option<String>) -> Vec<Problem> {
    let mut problems = Vec::new();
    for name in &component.requires.env {
        let value = component.env.get(name).cloned().or_else(|| env(name));
        if value.is_some_and(|value| !value.is_empty()) {
            continue;
        }
        problems
            .push(Problem::new(format!("requires.env {name}"), missing_variable(name, component)));
    }
    problems
}

fn check_commands(component: &ComponentConfig, path_var: Option<&OsStr>) -> Vec<Problem> {
    let mut problems = Vec::new();
    for name in &component.requires.commands {
        if matches!(resolve_command(name, path_var, &component.cwd), Resolved::Found(_)) {
            continue;
        }
        let diagnosis = command_not_found(name, path_var, &component.cwd);
        problems.push(Problem::new(format!("requires.commands {name}"), diagnosis));
    }
    problems
}

fn check_ports(component: &ComponentConfig, owners: &dyn PortOwners) -> Vec<Problem> {
    let mut problems = Vec::new();
    for port in &component.requires.ports {
        let state = ports::lookup(*port, &[]);
        if state == PortState::Free {
            continue;
        }
        let diagnosis = port_in_use(*port, &state, component, owners);
        problems.push(Problem::new(format!("requires.ports {port}"), diagnosis));
    }
    problems
}
