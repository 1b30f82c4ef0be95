//! One `[program:x]` section translated into one component per process.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use crate::config::RestartPolicy;
use crate::import::error::Problem;
use crate::import::model::{Command, Component, Imported};
use crate::import::shell;

use super::expand::{self, Expansions};
use super::ini::{Entry, Section};

/// Keys [`translate`] maps; the others are listed as not imported.
const HANDLED: [&str; 15] = [
    "command",
    "directory",
    "environment",
    "autostart",
    "autorestart",
    "exitcodes",
    "startsecs",
    "startretries",
    "stopsignal",
    "stopwaitsecs",
    "stopasgroup",
    "killasgroup",
    "numprocs",
    "numprocs_start",
    "process_name",
];

/// What every program section shares: its group and the global environment.
pub struct Context {
    group_of: HashMap<String, String>,
    /// `[supervisord] environment=`, given to every program.
    global_env: Option<(Entry, String)>,
    here: String,
}

impl Context {
    pub fn new(sections: &[Section], path: &Path) -> Self {
        let mut group_of = HashMap::new();
        for section in sections {
            let Some(group) = section.name.strip_prefix("group:") else {
                continue;
            };
            for program in section
                .get("programs")
                .map(|entry| entry.value.as_str())
                .unwrap_or_default()
                .split(',')
            {
                group_of.insert(program.trim().to_string(), group.to_string());
            }
        }
        let global_env =
            sections.iter().find(|section| section.name == "supervisord").and_then(|section| {
                section.get("environment").map(|entry| (entry.clone(), section.file.clone()))
            });
        let folder = crate::paths::absolute(path.parent().unwrap_or(Path::new(".")));
        Context { group_of, global_env, here: folder.display().to_string() }
    }
}

/// Translates `[program:name]` into its `numprocs` components.
pub fn translate(
    section: &Section,
    name: &str,
    context: &Context,
    imported: &mut Imported,
) -> Result<Vec<Component>, Vec<Problem>> {
    let problem =
        |entry: &Entry, message: String| vec![Problem::new(section.origin_of(entry), message)];
    let count = match section.get("numprocs") {
        None => 1,
        Some(entry) if entry.value.contains("%(") => {
            return Err(problem(
                entry,
                format!(
                    "numprocs={} comes from the environment, which only supervisord reads at start; write the number of processes",
                    entry.value
                ),
            ));
        }
        Some(entry) => {
            entry.value.parse::<u32>().ok().filter(|count| *count > 0).ok_or_else(|| {
                problem(entry, format!("numprocs={}: expected a whole number from 1", entry.value))
            })?
        }
    };
    let start = match section.get("numprocs_start") {
        None => 0,
        Some(entry) => entry.value.parse::<u32>().map_err(|_| {
            problem(entry, format!("numprocs_start={}: expected a whole number", entry.value))
        })?,
    };
    let process_name =
        section.get("process_name").map_or("%(program_name)s", |entry| entry.value.as_str());
    if count > 1 && !process_name.contains("%(process_num)") {
        let entry = section.get("process_name").or_else(|| section.get("numprocs"));
        let message = "numprocs > 1 needs %(process_num) in process_name, e.g. process_name=%(program_name)s_%(process_num)02d".to_string();
        return Err(entry.map_or_else(
            || vec![Problem::new(section.origin(), message.clone())],
            |entry| problem(entry, message.clone()),
        ));
    }

    let mut components = Vec::new();
    for process_num in start..start + count {
        let vars = Expansions {
            program_name: name.to_string(),
            group_name: context.group_of.get(name).cloned().unwrap_or_else(|| name.to_string()),
            process_num,
            numprocs: count,
            here: context.here.clone(),
        };
        let mut component = process(section, process_name, &vars, context)?;
        if count > 1 {
            component
                .comments
                .push(format!("process {process_num} of [program:{name}] (numprocs = {count})"));
        }
        components.push(component);
    }
    skip_keys(section, name, imported);
    Ok(components)
}

fn process(
    section: &Section,
    process_name: &str,
    vars: &Expansions,
    context: &Context,
) -> Result<Component, Vec<Problem>> {
    let at = |entry: &Entry| section.origin_of(entry);
    let expand_entry = |entry: &Entry| {
        expand::expand(&entry.value, vars).map_err(|message| vec![Problem::new(at(entry), message)])
    };

    let name = shell::unmark(
        &expand::expand(process_name, vars)
            .map_err(|message| vec![Problem::new(section.origin(), message)])?,
    );
    let Some(command_entry) = section.get("command") else {
        return Err(vec![Problem::new(
            section.origin(),
            format!("[{}] has no command=", section.name),
        )]);
    };
    // NOTE: shlex reads a word that starts with `#` as a comment, where
    // supervisord's Python shlex.split keeps it; such a command loses words.
    let words = shell::split_words(&expand_entry(command_entry)?)
        .filter(|words| !words.is_empty())
        .ok_or_else(|| {
            vec![Problem::new(at(command_entry), "command= is empty or has an unclosed quote")]
        })?;
    let mut component = Component::new(name, section.origin(), Command::Argv(words.clone()));
    for word in words
        .iter()
        .filter(|word| word.starts_with("${") && word.ends_with('}') && !word[2..].contains('$'))
    {
        component.comments.push(format!(
            "{word} is passed as one argument, where supervisord splits its value into words"
        ));
    }

    if let Some(entry) = section.get("directory") {
        component.cwd = Some(shell::unmark(&expand_entry(entry)?));
    }
    let program_env = section.get("environment").map(|entry| (entry.clone(), section.file.clone()));
    for (entry, file) in context.global_env.iter().chain(program_env.iter()) {
        let origin = crate::import::error::Origin::line(file, entry.line);
        let expanded = expand::expand(&entry.value, vars)
            .map_err(|message| vec![Problem::new(origin.clone(), message)])?;
        let pairs = expand::parse_environment(&expanded)
            .map_err(|message| vec![Problem::new(origin, message)])?;
        for (key, value) in pairs {
            component.set_env(key, shell::unmark(&value));
        }
    }
    policy(section, &mut component)?;
    Ok(component)
}

fn policy(section: &Section, component: &mut Component) -> Result<(), Vec<Problem>> {
    let fail = |entry: &Entry, expected: &str| {
        vec![Problem::new(
            section.origin_of(entry),
            format!("{}={}: expected {expected}", entry.key, entry.value),
        )]
    };
    if let Some(entry) = section.get("autostart") {
        component.autostart =
            Some(boolean(&entry.value).ok_or_else(|| fail(entry, "true or false"))?);
    }
    // supervisord restarts only on an unexpected exit unless told otherwise.
    component.restart = Some(RestartPolicy::OnFailure);
    if let Some(entry) = section.get("autorestart") {
        component.restart = Some(match entry.value.to_ascii_lowercase().as_str() {
            "unexpected" => RestartPolicy::OnFailure,
            value => match boolean(value) {
                Some(true) => RestartPolicy::Always,
                Some(false) => RestartPolicy::Never,
                None => return Err(fail(entry, "true, false or unexpected")),
            },
        });
    }
    if let Some(entry) = section.get("exitcodes") {
        let codes: Option<Vec<i32>> =
            entry.value.split(',').map(|code| code.trim().parse().ok()).collect();
        let codes = codes.ok_or_else(|| fail(entry, "exit codes separated by commas"))?;
        if codes != [0] {
            component.success_codes = Some(codes);
        }
    }
    let seconds = |key: &str| -> Result<Option<u64>, Vec<Problem>> {
        section
            .get(key)
            .map(|entry| {
                entry.value.parse::<u64>().map_err(|_| fail(entry, "a whole number of seconds"))
            })
            .transpose()
    };
    component.min_uptime = seconds("startsecs")?.map(Duration::from_secs);
    component.stop_timeout = seconds("stopwaitsecs")?.map(Duration::from_secs);
    if let Some(entry) = section.get("startretries") {
        component.max_restarts =
            Some(entry.value.parse().map_err(|_| fail(entry, "a whole number"))?);
    }
    if let Some(entry) = section.get("stopsignal") {
        let signal = entry.value.trim().to_ascii_uppercase();
        component.stop_signal = Some(signal.strip_prefix("SIG").unwrap_or(&signal).to_string());
    }
    Ok(())
}

/// supervisord's booleans: true/false, yes/no, on/off, 1/0.
fn boolean(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" | "1" => Some(true),
        "false" | "no" | "off" | "0" => Some(false),
        _ => None,
    }
}

fn skip_keys(section: &Section, name: &str, imported: &mut Imported) {
    for entry in &section.entries {
        let as_group = matches!(entry.key.as_str(), "stopasgroup" | "killasgroup");
        if as_group && boolean(&entry.value) != Some(false) {
            continue;
        }
        if HANDLED.contains(&entry.key.as_str()) && !as_group {
            continue;
        }
        let reason = match entry.key.as_str() {
            "stopasgroup" | "killasgroup" => "; Tend always signals the whole process group",
            "user" => "; Tend runs components as the user it runs as",
            "priority" => "; Tend orders starts by depends_on",
            key if key.contains("logfile") || key == "redirect_stderr" => {
                "; Tend keeps logs/NAME.log itself"
            }
            _ => "",
        };
        imported.skip(
            format!("{name}: {} = {}{reason}", entry.key, entry.value),
            section.origin_of(entry),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::supervisord::ini;

    fn translate_text(text: &str) -> Result<(Vec<Component>, Imported), Vec<Problem>> {
        let sections = ini::parse(text, "s.conf").unwrap();
        let context = Context::new(&sections, Path::new("/etc/sv/s.conf"));
        let mut imported = Imported::default();
        let section = sections.iter().find(|section| section.name.starts_with("program:")).unwrap();
        let name = section.name.split_once(':').unwrap().1;
        translate(section, name, &context, &mut imported).map(|components| (components, imported))
    }

    #[test]
    fn numprocs_expands_names() {
        let text = "[program:w]\nprocess_name=%(program_name)s_%(process_num)02d\ncommand=php artisan --n=%(process_num)d\nnumprocs=3\n";
        let (components, _) = translate_text(text).unwrap();
        let names: Vec<&str> = components.iter().map(|component| component.name.as_str()).collect();
        assert_eq!(names, ["w_00", "w_01", "w_02"]);
        assert_eq!(
            components[2].command,
            Command::Argv(["php", "artisan", "--n=2"].map(String::from).to_vec())
        );
    }

    #[test]
    fn numprocs_without_process_num_is_an_error() {
        let problems = translate_text("[program:w]\ncommand=x\nnumprocs=2\n").unwrap_err();
        assert_eq!(problems[0].origin.line, Some(3));
    }

    #[test]
    fn settings_map_to_policy() {
        let text = "[supervisord]\nenvironment=G=1,A=0\n[program:p]\ncommand=bash -c \"echo ${X} %(ENV_Y)s\"\nenvironment=A=\"a,b\"\nautorestart=unexpected\nexitcodes=0,2\nstartsecs=0\nstartretries=4\nstopsignal=SIGQUIT\nstopwaitsecs=600\nautostart=false\nuser=nobody\n";
        let (components, imported) = translate_text(text).unwrap();
        let component = &components[0];
        assert_eq!(
            component.command,
            Command::Argv(["bash", "-c", "echo $${X} ${Y}"].map(String::from).to_vec())
        );
        assert_eq!(
            component.env,
            [("G".to_string(), "1".to_string()), ("A".to_string(), "a,b".to_string())]
        );
        assert_eq!(component.restart, Some(RestartPolicy::OnFailure));
        assert_eq!(component.success_codes, Some(vec![0, 2]));
        assert_eq!(component.min_uptime, Some(Duration::ZERO));
        assert_eq!(component.max_restarts, Some(4));
        assert_eq!(component.stop_signal.as_deref(), Some("QUIT"));
        assert_eq!(component.stop_timeout, Some(Duration::from_secs(600)));
        assert_eq!(component.autostart, Some(false));
        assert_eq!(imported.not_imported.len(), 1);
        assert!(imported.not_imported[0].setting.starts_with("p: user = nobody"));
    }
}
