//! `tend check`: validates the config file and, unless `--config-only`, runs
//! the checks made before each start.

use crate::config::{self, Config};
use crate::paths;

use super::{Exit, GlobalArgs};

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Validate the file alone, without checking commands, files, env and ports
    #[arg(long)]
    pub config_only: bool,
}

pub fn run(global: &GlobalArgs, args: &CheckArgs) -> Exit {
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
            eprintln!("{}: {}", path.display(), count(errors.len(), "error"));
            return Exit::Failed;
        }
    };

    if !args.config_only {
        if let Some(exit) = preflight(&config) {
            return exit;
        }
    }
    println!("{}: {}, no errors", path.display(), count(config.components.len(), "component"));
    Exit::Ok
}

/// Runs the checks made before each start, for every component, and prints
/// each problem with its fix. Components that depend on others are checked
/// as they are now, without starting anything.
fn preflight(config: &Config) -> Option<Exit> {
    let lookup = |name: &str| std::env::var(name).ok();
    let results = crate::preflight::check_all(config, &lookup, &crate::diagnose::NoOwners);
    let mut failed = 0;
    for (name, problems) in &results {
        for problem in problems {
            eprintln!("{name}: {}", problem.diagnosis.summary);
            eprintln!("  fix: {}", problem.diagnosis.hint);
        }
        if !problems.is_empty() {
            failed += 1;
        }
    }
    if failed == 0 {
        return None;
    }
    eprintln!("{} of {} failed preflight checks", count(failed, "component"), results.len());
    Some(Exit::PreflightFailed)
}

/// "1 error", "3 errors".
fn count(number: usize, noun: &str) -> String {
    if number == 1 { format!("1 {noun}") } else { format!("{number} {noun}s") }
}
