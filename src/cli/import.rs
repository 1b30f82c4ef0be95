//! `tend import`: translates another supervisor's config into `tend.toml`.

use std::io::Write;
use std::path::PathBuf;

use crate::import::{self, Format};

use super::Exit;

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// Format of FILE. A JavaScript PM2 file is evaluated with node, as PM2 does
    #[arg(value_enum)]
    pub format: Format,
    /// The file to import: Procfile, ecosystem file, supervisord.conf or process-compose.yaml
    pub file: PathBuf,
    /// Write the config to this file instead of standard output
    #[arg(short, long, value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// Overwrite the --output file when it exists
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: &ImportArgs) -> Exit {
    let imported = match import::import_file(args.format, &args.file) {
        Ok(imported) => imported,
        Err(error) => {
            eprintln!("{error}");
            eprintln!("tend: nothing imported from {}", args.file.display());
            return Exit::Failed;
        }
    };
    let text = import::to_toml(&imported);

    // Every variable gets a value here: the check is of the structure, and
    // variables are only read when Tend starts.
    let check_path = args.output.clone().unwrap_or_else(|| PathBuf::from("tend.toml"));
    if let Err(errors) = crate::config::parse_str(&text, &check_path, &|_| Some(String::new())) {
        eprintln!(
            "tend: the translation is not a valid config, which is a bug in tend import:\n{errors}"
        );
        return Exit::Failed;
    }

    if let Err(message) = write_output(args, &text) {
        eprintln!("tend: {message}");
        return Exit::Failed;
    }
    for note in &imported.not_imported {
        eprintln!("not imported: {} ({})", note.setting, note.origin);
    }
    let count = imported.components.len();
    let noun = if count == 1 { "component" } else { "components" };
    eprintln!(
        "imported {count} {noun} from {}; {} settings not imported are listed at the top of the output",
        args.file.display(),
        imported.not_imported.len()
    );
    Exit::Ok
}

fn write_output(args: &ImportArgs, text: &str) -> Result<(), String> {
    let Some(path) = &args.output else {
        return std::io::stdout()
            .write_all(text.as_bytes())
            .map_err(|error| format!("cannot write the config: {error}"));
    };
    if path.exists() && !args.force {
        return Err(format!("{} exists; pass --force to overwrite it", path.display()));
    }
    std::fs::write(path, text).map_err(|error| format!("cannot write {}: {error}", path.display()))
}
