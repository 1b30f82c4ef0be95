//! Imports every file of the shared corpus of real process-manager configs:
//! each one either translates into a config that Tend's parser accepts, or
//! fails with an error that names its line.

use std::path::{Path, PathBuf};

use tend::import::{Format, import_file, to_toml};

/// Files that are broken as published, so the expected result is an error.
const ERROR_CASES: [&str; 4] = [
    "procfile/03-malika65-booking-system-Procfile.procfile",
    "pm2/10-azconcept-droid-fluentd-ecosystem-config.js",
    "supervisord/02-cvat-ai-cvat-server.conf",
    "process-compose/06-F1bonacc1-process-compose-process-compose-circular.yaml",
];

/// `../shared/corpus` beside the repository, or `TEND_CORPUS_DIR`.
fn corpus_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("TEND_CORPUS_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"),
    };
    dir.is_dir().then_some(dir)
}

fn format_of(folder: &str) -> Format {
    match folder {
        "procfile" => Format::Procfile,
        "pm2" => Format::Pm2,
        "supervisord" => Format::Supervisord,
        "process-compose" => Format::ProcessCompose,
        other => panic!("unknown corpus folder {other}"),
    }
}

fn corpus_files(dir: &Path) -> Vec<(String, Format, PathBuf)> {
    let mut files = Vec::new();
    for folder in ["procfile", "pm2", "supervisord", "process-compose"] {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir.join(folder))
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.is_file())
            .collect();
        entries.sort();
        for path in entries {
            let name = format!("{folder}/{}", path.file_name().unwrap().to_string_lossy());
            files.push((name, format_of(folder), path));
        }
    }
    files
}

/// Runs the real `tend check --config-only` on `text` in an environment
/// holding only PATH and the variables the import's header says it needs,
/// so a variable missing from that list fails the check.
fn check_config_only(text: &str, dir: &Path) -> Result<(), String> {
    let path = dir.join("tend.toml");
    std::fs::write(&path, text).unwrap();
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_tend"));
    command.args(["check", "--config-only", "--config"]).arg(&path).env_clear();
    command.env("PATH", std::env::var_os("PATH").unwrap_or_default());
    let listed = text
        .lines()
        .find_map(|line| line.strip_prefix("# Tend needs these variables set when it starts: "));
    for name in listed.into_iter().flat_map(|names| names.split(", ")) {
        command.env(name, format!("value-of-{name}"));
    }
    let output = command.output().expect("tend check runs");
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

#[test]
fn corpus_imports_or_names_the_line() {
    let Some(dir) = corpus_dir() else {
        eprintln!(
            "SKIPPED: no corpus at ../shared/corpus beside the repository (or set TEND_CORPUS_DIR)"
        );
        return;
    };
    let files = corpus_files(&dir);
    assert_eq!(files.len(), 44, "corpus file count");
    let node = std::process::Command::new("node").arg("--version").output().is_ok();
    let out_dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();

    for (name, format, path) in &files {
        if name.ends_with(".js") && !node {
            eprintln!("SKIPPED: {name} needs node");
            continue;
        }
        let expect_error = ERROR_CASES.contains(&name.as_str());
        match import_file(*format, path) {
            Ok(imported) => {
                let text = to_toml(&imported);
                if expect_error {
                    failures.push(format!("{name}: expected an error, got a translation:\n{text}"));
                } else if let Err(errors) = check_config_only(&text, out_dir.path()) {
                    failures.push(format!(
                        "{name}: output rejected by the config parser:\n{errors}\n{text}"
                    ));
                }
                if std::env::var_os("TEND_SHOW_IMPORTS").is_some() {
                    println!("==== {name}\n{text}");
                }
            }
            Err(error) => {
                let problems = error.problems();
                if problems.is_empty()
                    || problems.iter().any(|problem| problem.origin.line.is_none())
                {
                    failures.push(format!("{name}: error without a line: {error}"));
                } else if !expect_error {
                    failures.push(format!("{name}: unexpected error: {error}"));
                }
                if std::env::var_os("TEND_SHOW_IMPORTS").is_some() {
                    println!("==== {name} (error)\n{error}");
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} files failed:\n\n{}",
        failures.len(),
        files.len(),
        failures.join("\n\n")
    );
}
