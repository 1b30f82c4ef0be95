//! `tend-app`: the Tend supervisor with a tray icon, a menu, a window and
//! desktop notifications. The supervisor core runs in-process on the Tauri
//! async runtime; this crate only wires it to the desktop.

mod actions;
mod app;
mod instance;
mod ipc;
mod prefs;
mod tray;
mod window;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

/// Command-line options, the same as `tend up`'s.
#[derive(Debug, Parser)]
#[command(name = "tend-app", version, about = "Tend's tray application")]
pub struct Args {
    /// The config file (default: ./tend.toml, else $XDG_CONFIG_HOME/tend/tend.toml).
    #[arg(long, env = "TEND_CONFIG")]
    config: Option<PathBuf>,
    /// The state directory (default: the config's [supervisor] state_dir, else $XDG_STATE_HOME/tend).
    #[arg(long, env = "TEND_STATE_DIR")]
    state_dir: Option<PathBuf>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match app::run(args) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("tend-app: {error:#}");
            ExitCode::FAILURE
        }
    }
}
