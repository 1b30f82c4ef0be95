//! `tend check`, `tend --version` and `tend completions`, run as the built binary.

use std::path::Path;
use std::process::{Command, Output};

/// Runs `tend` in `dir` with no config found through the environment.
fn tend(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tend"))
        .args(args)
        .current_dir(dir)
        .env_remove("TEND_CONFIG")
        .env_remove("TEND_STATE_DIR")
        .env("XDG_CONFIG_HOME", dir.join("xdg-config"))
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn check_valid_config() {
    let dir = tempfile::tempdir().unwrap();
    let config = "[components.web]\ncommand = [\"a\"]\n[components.db]\ncommand = [\"b\"]\n";
    std::fs::write(dir.path().join("tend.toml"), config).unwrap();
    let output = tend(dir.path(), &["check", "--config-only"]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(text(&output.stdout), "tend.toml: 2 components, no errors\n");
}

#[test]
fn check_reports_every_error() {
    let dir = tempfile::tempdir().unwrap();
    let config = "[components.web]\ncommand = [\"a\"]\nrestart = \"sometimes\"\nrestrat = 1\n";
    std::fs::write(dir.path().join("broken.toml"), config).unwrap();
    let output = tend(dir.path(), &["check", "--config", "broken.toml"]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = text(&output.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 3, "{stderr}");
    assert_eq!(
        lines[0],
        "broken.toml:3:11: components.web.restart: invalid value \"sometimes\", expected one of always, on-failure, never"
    );
    assert_eq!(
        lines[1],
        "broken.toml:4:1: components.web.restrat: unknown key \"restrat\"; did you mean \"restart\"?"
    );
    assert_eq!(lines[2], "broken.toml: 2 errors");
    assert!(output.stdout.is_empty());
}

#[test]
fn check_reads_tend_config_variable() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("other.toml"), "[components.web]\ncommand = [\"a\"]\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_tend"))
        .args(["check", "--config-only"])
        .current_dir(dir.path())
        .env("TEND_CONFIG", "other.toml")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(text(&output.stdout), "other.toml: 1 component, no errors\n");
}

#[test]
fn check_without_config_fails() {
    let dir = tempfile::tempdir().unwrap();
    let output = tend(dir.path(), &["check"]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(text(&output.stderr).contains("no config file found"), "{output:?}");
}

#[test]
fn check_missing_named_file_fails() {
    let dir = tempfile::tempdir().unwrap();
    let output = tend(dir.path(), &["check", "--config", "absent.toml"]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(text(&output.stderr).starts_with("absent.toml: cannot read config file"), "{output:?}");
}

#[test]
fn usage_error_exits_two() {
    let dir = tempfile::tempdir().unwrap();
    let unknown_flag = tend(dir.path(), &["check", "--no-such-flag"]);
    assert_eq!(unknown_flag.status.code(), Some(2), "{unknown_flag:?}");
    let no_command = tend(dir.path(), &[]);
    assert_eq!(no_command.status.code(), Some(2), "{no_command:?}");
}

#[test]
fn version_prints_package_version() {
    let dir = tempfile::tempdir().unwrap();
    let output = tend(dir.path(), &["--version"]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(text(&output.stdout), format!("tend {}\n", env!("CARGO_PKG_VERSION")));
}

#[test]
fn completions_for_bash() {
    let dir = tempfile::tempdir().unwrap();
    let output = tend(dir.path(), &["completions", "bash"]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let script = text(&output.stdout);
    assert!(script.contains("_tend()"), "{script}");
    assert!(script.contains("--config-only"), "{script}");
}

#[test]
fn check_runs_preflight_and_exits_5() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("patch_runner.py"), "").unwrap();
    let config = "[components.monitor]\ncommand = [\"python3\", \"patch_executor.py\"]\n\
                  [components.tunnel]\ncommand = [\"sh\", \"-c\", \"true\"]\n\
                  requires = { env = [\"TEND_TEST_UNSET_TOKEN\"] }\n\
                  [components.fine]\ncommand = [\"sh\", \"-c\", \"true\"]\n";
    std::fs::write(dir.path().join("tend.toml"), config).unwrap();
    let output = tend(dir.path(), &["check"]);
    assert_eq!(output.status.code(), Some(5), "{output:?}");
    let stderr = text(&output.stderr);
    assert!(stderr.contains("monitor: "), "{stderr}");
    assert!(stderr.contains("patch_runner.py"), "did-you-mean names the real file: {stderr}");
    assert!(
        stderr.contains("tunnel: missing environment variable TEND_TEST_UNSET_TOKEN"),
        "{stderr}"
    );
    assert!(!stderr.contains("fine:"), "{stderr}");
    assert!(stderr.contains("2 components of 3 failed preflight checks"), "{stderr}");
}
