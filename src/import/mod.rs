//! `tend import`: translates a Procfile, a PM2 ecosystem file, a supervisord
//! config or a process-compose file into a commented `tend.toml`.
//!
//! Every setting Tend cannot express is listed at the top of the output with
//! its source line; broken or unsupported input is an error naming the line.

mod error;
mod model;
mod names;
mod pm2;
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
    match format {
        Format::Procfile => procfile::import(&text, &file),
        Format::Pm2 => pm2::import(path, &text, &file),
        Format::Supervisord => supervisord::import(path, &text, &file),
        Format::ProcessCompose => {
            todo!("format not written yet")
        }
    }
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
