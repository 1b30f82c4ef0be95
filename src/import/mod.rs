//! `tend import`: translates a Procfile, a PM2 ecosystem file, a supervisord
//! config or a process-compose file into a commented `tend.toml`.
//!
//! Every setting Tend cannot express is listed at the top of the output with
//! its source line; broken or unsupported input is an error naming the line.

mod error;
mod model;
mod names;
mod pm2;
mod process_compose;
mod procfile;
mod shell;
mod supervisord;
mod tree;
mod write;

use std::path::Path;

pub use error::{ImportError, Origin, Problem, Problems};
pub use model::{Check, Command, Component, Imported, Note, ProbeSpec};
pub use names::{NAME_RULE, sanitize};
pub use write::to_toml;

/// The input formats `tend import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A Procfile (foreman, honcho, Heroku).
    Procfile,
    /// A PM2 ecosystem file: JSON, JSON5, YAML or `ecosystem.config.js`.
    Pm2,
    /// A supervisord config with its `[include]` files.
    Supervisord,
    /// A process-compose YAML file.
    ProcessCompose,
}

/// Reads and translates the file at `path`.
pub fn import_file(format: Format, path: &Path) -> Result<Imported, ImportError> {
    let text = read(path)?;
    let file = display_name(path);
    let mut imported = match format {
        Format::Procfile => procfile::import(&text, &file),
        Format::Pm2 => pm2::import(path, &text, &file),
        Format::Supervisord => supervisord::import(path, &text, &file),
        Format::ProcessCompose => process_compose::import(&text, &file),
    }?;
    note_required_env(&mut imported);
    Ok(imported)
}

/// Adds a remark naming the variables the output expands without a
/// default, since Tend rejects the config while one of them is unset.
fn note_required_env(imported: &mut Imported) {
    let mut required = std::collections::BTreeSet::new();
    for component in &imported.components {
        let words = match &component.command {
            Command::Argv(words) => words.clone(),
            Command::Shell(line) => vec![line.clone()],
        };
        let values = component.env.iter().map(|(_, value)| value.clone());
        // Tend expands variables in probe fields too.
        let probes = [&component.readiness, &component.liveness].into_iter().flatten();
        let probe_texts = probes.flat_map(|probe| match &probe.check {
            Check::Http(text) | Check::Tcp(text) => vec![text.clone()],
            Check::Exec(argv) => argv.clone(),
        });
        let texts = words.into_iter().chain(component.cwd.clone()).chain(values);
        for text in texts.chain(probe_texts) {
            required.extend(variables_without_default(&text));
        }
    }
    if !required.is_empty() {
        let names: Vec<String> = required.into_iter().collect();
        imported
            .remark(format!("Tend needs these variables set when it starts: {}", names.join(", ")));
    }
}

/// Names in `${NAME}` references of Tend text, skipping `$$` and `${NAME:-…}`.
fn variables_without_default(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(dollar) = rest.find('$') {
        let after = &rest[dollar + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            rest = tail;
            continue;
        }
        match after.strip_prefix('{').and_then(|body| body.split_once('}')) {
            Some((inner, tail)) => {
                if !inner.contains(":-") {
                    names.push(inner.to_string());
                }
                rest = tail;
            }
            None => rest = after,
        }
    }
    names
}

fn read(path: &Path) -> Result<String, ImportError> {
    std::fs::read_to_string(path)
        .map_err(|source| ImportError::Read { path: path.to_path_buf(), source })
}

/// The file name shown in comments and errors.
fn display_name(path: &Path) -> String {
    path.file_name()
        .map_or_else(|| path.display().to_string(), |name| name.to_string_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_variables_skip_defaults_and_literals() {
        let names = variables_without_default("${A} $${B} ${C:-x} $$${D} $E");
        assert_eq!(names, ["A", "D"]);
    }
}
