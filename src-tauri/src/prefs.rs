//! The app's own settings, kept in `STATE_DIR/app-prefs.json` so that the
//! pause switch survives a restart.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

const PREFS_FILE: &str = "app-prefs.json";

/// Settings the tray menu toggles.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AppPrefs {
    pub notifications_paused: bool,
}

pub fn prefs_path(state_dir: &Path) -> PathBuf {
    state_dir.join(PREFS_FILE)
}

/// Reads the prefs; a missing file gives the defaults, an unreadable one is logged.
pub fn load(state_dir: &Path) -> AppPrefs {
    let path = prefs_path(state_dir);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return AppPrefs::default(),
        Err(error) => {
            tracing::warn!(path = %path.display(), %error, "cannot read app prefs; using defaults");
            return AppPrefs::default();
        }
    };
    serde_json::from_str(&text).unwrap_or_else(|error| {
        tracing::warn!(path = %path.display(), %error, "invalid app prefs; using defaults");
        AppPrefs::default()
    })
}

/// Writes the prefs through a temporary file, so a crash leaves the old or the new file.
pub fn save(state_dir: &Path, prefs: &AppPrefs) -> std::io::Result<()> {
    let path = prefs_path(state_dir);
    let temporary = path.with_extension("json.tmp");
    let text = serde_json::to_string_pretty(prefs).map_err(std::io::Error::other)?;
    std::fs::write(&temporary, text)?;
    std::fs::rename(&temporary, &path)
}
