//! Finding and loading the config for the CLI, and the state dir that
//! follows from it.
//!
//! TODO: replace `parse_minimal` with the config module's loader once it
//! lands; until then only `[supervisor] state_dir` and `[api]` are read and
//! components are ignored.

use std::path::{Path, PathBuf};

use super::GlobalArgs;
use super::error::CliError;
use crate::config::Config;
use crate::paths;

/// Loads the config named by the flags (or found by the usual search). No
/// config file at all gives an empty config.
pub fn load_config(global: &GlobalArgs) -> Result<Config, CliError> {
    let Some(path) = paths::find_config(global.config.as_deref()) else {
        return Ok(empty_config(None, paths::absolute(Path::new("."))));
    };
    let path = paths::absolute(&path);
    let text = std::fs::read_to_string(&path).map_err(|error| {
        CliError::Failed(format!("cannot read config {}: {error}", path.display()))
    })?;
    parse_minimal(&path, &text).map_err(CliError::Failed)
}

/// The state dir for a client command. A config that cannot be read is
/// skipped here: the client only needs its `state_dir`.
pub fn client_state_dir(global: &GlobalArgs) -> PathBuf {
    let from_config = load_config(global).ok().and_then(|config| config.supervisor.state_dir);
    paths::state_dir(global.state_dir.as_deref(), from_config.as_deref())
}

fn parse_minimal(path: &Path, text: &str) -> Result<Config, String> {
    let table: toml::Table =
        toml::from_str(text).map_err(|error| format!("{}: {error}", path.display()))?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."));
    let mut config = empty_config(Some(path.to_path_buf()), dir.clone());

    let section = |name: &str| table.get(name).and_then(|value| value.as_table());
    if let Some(supervisor) = section("supervisor")
        && let Some(state_dir) = supervisor.get("state_dir").and_then(|value| value.as_str())
    {
        config.supervisor.state_dir = Some(dir.join(state_dir));
    }
    if let Some(api) = section("api") {
        config.api.listen = api.get("listen").and_then(|value| value.as_str()).map(str::to_string);
        config.api.allow_remote =
            api.get("allow_remote").and_then(|value| value.as_bool()).unwrap_or(false);
    }
    Ok(config)
}

fn empty_config(path: Option<PathBuf>, dir: PathBuf) -> Config {
    Config { path, ..Config::empty(dir) }
}
