//! `tend export systemd`: one user unit per component, with the commands
//! to load and enable them.

use std::path::{Path, PathBuf};

use crate::config::Config;

pub use super::unit::{RESTART_STEPS_VERSION, unit_name};

/// The first line of every unit this module writes, so that an existing
/// file written by hand is never overwritten by mistake.
const MARKER: &str = "# Written by `tend export systemd`";

/// One unit file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    /// `tend-NAME.service`.
    pub file_name: String,
    pub component: String,
    pub text: String,
    /// Settings of the component the unit cannot express.
    pub unsupported: Vec<String>,
    pub autostart: bool,
    /// Whether an env value is a secret, so the file must not be world-readable.
    pub has_secret: bool,
}

/// Renders every component of `config` for systemd `systemd_version`.
pub fn units(config: &Config, systemd_version: u32) -> Vec<Unit> {
    config
        .components
        .values()
        .map(|component| {
            let (text, unsupported) = super::unit::render(config, component, systemd_version);
            Unit {
                file_name: unit_name(&component.name),
                component: component.name.clone(),
                text,
                unsupported,
                autostart: component.autostart,
                has_secret: component.env.keys().any(|name| component.is_secret(name)),
            }
        })
        .collect()
}

/// The version `systemctl --version` reports, e.g. 252 on Debian 12.
pub fn detect_version() -> Option<u32> {
    let output = std::process::Command::new("systemctl").arg("--version").output().ok()?;
    parse_version(&String::from_utf8_lossy(&output.stdout))
}

/// Reads the number from `systemd 252 (252.36-1~deb12u1)`.
pub fn parse_version(text: &str) -> Option<u32> {
    let first = text.lines().next()?;
    first.strip_prefix("systemd ")?.split_whitespace().next()?.parse().ok()
}

/// Returns the folder of user units, `$XDG_CONFIG_HOME/systemd/user`.
pub fn default_dir() -> Option<PathBuf> {
    let config = match std::env::var_os("XDG_CONFIG_HOME").filter(|value| !value.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(std::env::var_os("HOME")?).join(".config"),
    };
    Some(config.join("systemd").join("user"))
}

/// Failure to write a unit file.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{} exists and was not written by tend export; move it away or pass --force", path.display())]
    NotOurs { path: PathBuf },
    #[error("cannot write {}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
}

/// Writes the units into `dir`, creating it. A unit holding a secret is
/// made readable by its owner only.
pub fn write_units(dir: &Path, units: &[Unit], force: bool) -> Result<Vec<PathBuf>, WriteError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| WriteError::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let mut written = Vec::new();
    for unit in units {
        let path = dir.join(&unit.file_name);
        if !force && path.exists() {
            let existing = std::fs::read_to_string(&path).unwrap_or_default();
            if !existing.starts_with(MARKER) {
                return Err(WriteError::NotOurs { path });
            }
        }
        std::fs::write(&path, &unit.text).map_err(io(&path))?;
        if unit.has_secret {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
                .map_err(io(&path))?;
        }
        written.push(path);
    }
    Ok(written)
}

/// Lists the commands that load the units and enable those with autostart.
pub fn instructions(units: &[Unit]) -> String {
    let mut text = String::from("systemctl --user daemon-reload\n");
    for unit in units.iter().filter(|unit| unit.autostart) {
        text.push_str(&format!("systemctl --user enable --now {}\n", unit.file_name));
    }
    for unit in units.iter().filter(|unit| !unit.autostart) {
        text.push_str(&format!("systemctl --user start {}  # autostart = false\n", unit.file_name));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_version_reads_debian() {
        assert_eq!(parse_version("systemd 252 (252.36-1~deb12u1)\n+PAM +AUDIT"), Some(252));
        assert_eq!(parse_version("something else"), None);
    }
}
