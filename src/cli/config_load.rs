//! Finding and loading the config for the CLI, and the state dir that
//! follows from it.

use std::path::{Path, PathBuf};

use super::GlobalArgs;
use super::error::CliError;
use crate::config::{self, Config};
use crate::paths;

/// Loads the config named by the flags (or found by the usual search). No
/// config file at all gives an empty config rooted at the current folder.
pub fn load_config(global: &GlobalArgs) -> Result<Config, CliError> {
    let Some(path) = paths::find_config(global.config.as_deref()) else {
        return Ok(Config::empty(&paths::absolute(Path::new("."))));
    };
    let path = paths::absolute(&path);
    config::load(&path).map_err(|errors| {
        let count = match errors.len() {
            1 => "1 error".to_string(),
            count => format!("{count} errors"),
        };
        CliError::Failed(format!("{}: {count}\n{errors}", path.display()))
    })
}

/// Picks the state dir for a client command. A config that cannot be loaded
/// is skipped here, because the client needs only its `state_dir`.
pub fn client_state_dir(global: &GlobalArgs) -> PathBuf {
    let from_config = load_config(global).ok().and_then(|config| config.supervisor.state_dir);
    paths::state_dir(global.state_dir.as_deref(), from_config.as_deref())
}
