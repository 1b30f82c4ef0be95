//! Exact output of `tend import` for one small fixture per format, and the
//! command line around it.

use std::path::{Path, PathBuf};
use std::process::Command;

use tend::import::{Format, import_file, to_toml};

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import")
}

/// Compares the translation of `input` with `expected`; `TEND_BLESS=1`
/// rewrites the expected file instead.
fn check(format: Format, input: &str, expected: &str) {
    let imported = import_file(format, &fixture_dir().join(input))
        .unwrap_or_else(|error| panic!("{input}: {error}"));
    let actual = to_toml(&imported).replace(&fixture_dir().display().to_string(), "@DIR@");
    let expected_path = fixture_dir().join(expected);
    if std::env::var_os("TEND_BLESS").is_some() {
        std::fs::write(&expected_path, &actual).unwrap();
    }
    let wanted = std::fs::read_to_string(&expected_path)
        .unwrap_or_else(|error| panic!("{}: {error}", expected_path.display()));
    assert_eq!(actual, wanted, "{input}");

    let config_path = fixture_dir().join("tend.toml");
    let env = |name: &str| Some(format!("value-of-{name}"));
    if let Err(errors) = tend::config::parse_str(&actual, &config_path, &env) {
        panic!("{input}: the config parser rejects the output:\n{errors}");
    }
}

#[test]
fn procfile_fixture() {
    check(Format::Procfile, "Procfile", "Procfile.toml");
}

#[test]
fn pm2_fixture() {
    check(Format::Pm2, "ecosystem.config.json", "ecosystem.toml");
}

#[test]
fn supervisord_fixture() {
    check(Format::Supervisord, "supervisord.conf", "supervisord.toml");
}

#[test]
fn process_compose_fixture() {
    check(Format::ProcessCompose, "process-compose.yaml", "process-compose.toml");
}

#[test]
fn pm2_javascript_goes_through_node() {
    if Command::new("node").arg("--version").output().is_err() {
        assert!(
            std::env::var_os("TEND_REQUIRE_TOOLS").is_none(),
            "node is not installed; `make deps` installs it"
        );
        eprintln!("SKIPPED: node is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ecosystem.config.js");
    let script = "module.exports = { apps: [{ name: 'web', script: 'app.js', env: { PORT: process.env.TEND_TEST_UNSET_PORT, HOME_DIR: process.env.HOME } }] };\n";
    std::fs::write(&path, script).unwrap();
    let imported = import_file(Format::Pm2, &path).unwrap();
    let web = &imported.components[0];
    let port = web.env.iter().find(|(name, _)| name == "PORT").map(|(_, value)| value.as_str());
    assert_eq!(port, Some("${TEND_TEST_UNSET_PORT}"));
    assert!(
        imported.remarks.iter().any(|remark| remark.contains("read HOME")),
        "{:?}",
        imported.remarks
    );

    std::fs::write(
        &path,
        "module.exports = {\n  apps: [{\n    name: 'web'\n    script: 'a.js' }] };\n",
    )
    .unwrap();
    let error = import_file(Format::Pm2, &path).unwrap_err();
    let problem = &error.problems()[0];
    assert_eq!(problem.origin.line, Some(4), "{error}");
    assert!(problem.message.contains("SyntaxError"), "{error}");
}

#[test]
fn cli_writes_output_and_refuses_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let output_path = dir.path().join("tend.toml");
    let run = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_tend"))
            .args(["import", "procfile"])
            .arg(fixture_dir().join("Procfile"))
            .arg("-o")
            .arg(&output_path)
            .args(extra)
            .output()
            .unwrap()
    };
    let first = run(&[]);
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    assert!(String::from_utf8_lossy(&first.stderr).contains("imported 4 components"));
    let text = std::fs::read_to_string(&output_path).unwrap();
    assert!(text.contains("[components.web]"), "{text}");

    let second = run(&[]);
    assert_eq!(second.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&second.stderr).contains("pass --force"));
    assert!(run(&["--force"]).status.success());
}

#[test]
fn cli_reports_broken_input() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("Procfile");
    std::fs::write(&path, "web: ok\nnot a process line\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_tend"))
        .args(["import", "procfile"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("Procfile:2: expected `name: command`"), "{stderr}");
    assert!(output.stdout.is_empty());
}
