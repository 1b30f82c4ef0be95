//! `tend.toml`: the raw schema, strict parsing with positioned errors,
//! `${VAR}` expansion and the resolved [`Config`].
//!
//! Parsing ([`raw`], `parse`) turns text into raw serde types and collects
//! every syntax error, type error and unknown key. Resolution turns the raw
//! types into [`Config`]: defaults, units, paths, `${VAR}` and the checks
//! across components. Both record into one collector, so every problem in a
//! file is reported at once.

pub mod defaults;
mod error;
mod expand;
mod graph;
mod model;
mod parse;
pub mod raw;
mod raw_health;
mod resolve;
mod resolve_component;
mod resolve_health;
mod schema;
mod signal;
mod units;

use std::path::Path;

pub use error::{ConfigError, ConfigErrors};
pub use expand::{ExpandError, expand};
pub use model::*;
pub use resolve_component::is_valid_name;
pub use schema::json_schema;

use error::{Collector, KeyPath};
use resolve::Resolver;

/// Parses and resolves the text of a config file. `path` names the file in
/// errors and its folder is where relative paths start; `env` is the
/// supervisor's environment for `${VAR}`.
pub fn parse_str(
    text: &str,
    path: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Config, ConfigErrors> {
    let mut errors = Collector::new(path, text);
    let Some(document) = parse::parse_document(text, &mut errors) else {
        return Err(failed(errors));
    };
    errors.set_document(document.get_ref());
    let raw = parse::read_raw(&document, &mut errors);

    let dir = config_dir(path);
    let mut resolver = Resolver { dir: &dir, env, errors: &mut errors };
    let config = resolve::resolve(raw, Some(path), &mut resolver);
    errors.finish()?;
    Ok(config)
}

/// Reads and resolves a config file with the process environment.
pub fn load(path: &Path) -> Result<Config, ConfigErrors> {
    let text = std::fs::read_to_string(path).map_err(|error| {
        let mut errors = Collector::new(path, "");
        let message =
            format!("cannot read config file: {error}; check the path or pass --config PATH");
        errors.push_span(&KeyPath::root(), None, message);
        failed(errors)
    })?;
    parse_str(&text, path, &|name| std::env::var(name).ok())
}

fn failed(errors: Collector<'_>) -> ConfigErrors {
    match errors.finish() {
        Err(errors) => errors,
        Ok(()) => ConfigErrors(Vec::new()),
    }
}

/// Returns the absolute folder of a config file.
fn config_dir(path: &Path) -> std::path::PathBuf {
    let absolute = crate::paths::absolute(path);
    match absolute.parent() {
        Some(parent) => parent.to_path_buf(),
        None => absolute,
    }
}

impl Config {
    /// Builds the config used when no file exists anywhere: defaults and no components,
    /// with relative paths starting at `dir`.
    pub fn empty(dir: &Path) -> Config {
        let text = "";
        let path = dir.join("tend.toml");
        let mut errors = Collector::new(&path, text);
        let mut resolver = Resolver { dir, env: &|_| None, errors: &mut errors };
        let mut config = resolve::resolve(raw::RawConfig::default(), None, &mut resolver);
        config.dir = dir.to_path_buf();
        config
    }
}
