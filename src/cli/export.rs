//! `tend export systemd`: writes one systemd user unit per component.

use std::path::PathBuf;

use crate::config;
use crate::export::systemd;
use crate::paths;

use super::{Exit, GlobalArgs};

/// The systemd version assumed when `systemctl` cannot be asked (Debian 12).
const FALLBACK_SYSTEMD_VERSION: u32 = 252;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Target {
    /// systemd user units (tend-NAME.service)
    Systemd,
}

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    #[arg(value_enum)]
    pub target: Target,
    /// Folder for the units. Default: $XDG_CONFIG_HOME/systemd/user
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// systemd version to write for; 254 and later get growing restart
    /// delays. Default: from `systemctl --version`, else 252
    #[arg(long, value_name = "N")]
    pub systemd_version: Option<u32>,
    /// Overwrite unit files that tend export did not write
    #[arg(long)]
    pub force: bool,
}

pub fn run(global: &GlobalArgs, args: &ExportArgs) -> Exit {
    let Target::Systemd = args.target;
    let Some(path) = paths::find_config(global.config.as_deref()) else {
        eprintln!(
            "tend: no config file found: looked for ./tend.toml and $XDG_CONFIG_HOME/tend/tend.toml; pass --config PATH"
        );
        return Exit::Failed;
    };
    let config = match config::load(&path) {
        Ok(config) => config,
        Err(errors) => {
            for error in errors.iter() {
                eprintln!("{error}");
            }
            return Exit::Failed;
        }
    };
    let Some(dir) = args.out.clone().or_else(systemd::default_dir) else {
        eprintln!("tend: cannot find the user unit folder: HOME is unset; pass --out DIR");
        return Exit::Failed;
    };

    let version =
        args.systemd_version.or_else(systemd::detect_version).unwrap_or(FALLBACK_SYSTEMD_VERSION);
    let units = systemd::units(&config, version);
    let written = match systemd::write_units(&dir, &units, args.force) {
        Ok(written) => written,
        Err(error) => {
            eprintln!("tend: {error}");
            return Exit::Failed;
        }
    };
    for unit in &units {
        for item in &unit.unsupported {
            eprintln!("{}: not exported: {item}", unit.file_name);
        }
    }
    eprintln!("wrote {} units for systemd {version} to {}", written.len(), dir.display());
    println!("{}", systemd::instructions(&units).trim_end());
    Exit::Ok
}
