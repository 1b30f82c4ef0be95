//! `tend export systemd` on a small fixture: exact unit text, acceptance by
//! `systemd-analyze verify`, and the rules for writing unit files.

use std::path::{Path, PathBuf};
use std::process::Command;

use tend::export::systemd::{self, Unit};

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/export")
}

fn fixture_units(version: u32) -> Vec<Unit> {
    let config = tend::config::load(&fixture_dir().join("tend.toml")).unwrap();
    systemd::units(&config, version)
}

/// The unit text with the fixture folder written as `@DIR@`.
fn normalized(unit: &Unit) -> String {
    unit.text.replace(&fixture_dir().display().to_string(), "@DIR@")
}

#[test]
fn units_match_expected_text() {
    for version in [252, 254] {
        for unit in fixture_units(version) {
            let expected_path =
                fixture_dir().join(format!("expected-{version}")).join(&unit.file_name);
            let actual = normalized(&unit);
            if std::env::var_os("TEND_BLESS").is_some() {
                std::fs::create_dir_all(expected_path.parent().unwrap()).unwrap();
                std::fs::write(&expected_path, &actual).unwrap();
            }
            let expected = std::fs::read_to_string(&expected_path)
                .unwrap_or_else(|error| panic!("{}: {error}", expected_path.display()));
            assert_eq!(actual, expected, "{} for systemd {version}", unit.file_name);
        }
    }
}

#[test]
fn unsupported_settings_are_listed() {
    let units = fixture_units(252);
    let db = units.iter().find(|unit| unit.component == "db").unwrap();
    assert!(
        db.unsupported.iter().any(|item| item.starts_with("health probe (tcp 127.0.0.1:5432)")),
        "{:?}",
        db.unsupported
    );
    assert!(
        db.unsupported.iter().any(|item| item.contains("RestartSteps needs 254")),
        "{:?}",
        db.unsupported
    );
    let migrate = units.iter().find(|unit| unit.component == "migrate").unwrap();
    assert!(
        migrate.unsupported.iter().any(|item| item.starts_with("depends_on db = \"healthy\"")),
        "{:?}",
        migrate.unsupported
    );
    let web = units.iter().find(|unit| unit.component == "web").unwrap();
    assert!(!web.unsupported.iter().any(|item| item.contains("jitter")), "{:?}", web.unsupported);
}

#[test]
fn systemd_analyze_accepts_units() {
    let Some(version) = Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .ok()
        .and_then(|output| systemd::parse_version(&String::from_utf8_lossy(&output.stdout)))
    else {
        assert!(
            std::env::var_os("TEND_REQUIRE_TOOLS").is_none(),
            "systemd-analyze is not installed; `make deps` installs systemd"
        );
        eprintln!("SKIPPED: systemd-analyze is not installed (apt-get install -y systemd)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let units = fixture_units(version);
    let written = systemd::write_units(dir.path(), &units, false).unwrap();
    let output = Command::new("systemd-analyze")
        .arg("verify")
        .arg("--man=no")
        .args(&written)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "systemd-analyze verify failed: {stderr}");
    assert!(stderr.trim().is_empty(), "systemd-analyze verify warned: {stderr}");
}

#[test]
fn write_units_protects_foreign_files_and_secrets() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let units = fixture_units(252);
    let foreign = dir.path().join("tend-db.service");
    std::fs::write(&foreign, "[Unit]\nDescription=mine\n").unwrap();
    let error = systemd::write_units(dir.path(), &units, false).unwrap_err();
    assert!(error.to_string().contains("was not written by tend export"), "{error}");
    assert_eq!(std::fs::read_to_string(&foreign).unwrap(), "[Unit]\nDescription=mine\n");

    systemd::write_units(dir.path(), &units, true).unwrap();
    systemd::write_units(dir.path(), &units, false).unwrap();
    let web_mode =
        std::fs::metadata(dir.path().join("tend-web.service")).unwrap().permissions().mode();
    assert_eq!(web_mode & 0o777, 0o600, "a unit with API_TOKEN must be private");
}

#[test]
fn cli_prints_enable_commands() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_tend"))
        .arg("--config")
        .arg(fixture_dir().join("tend.toml"))
        .args(["export", "systemd", "--systemd-version", "252", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stdout.starts_with("systemctl --user daemon-reload\n"), "{stdout}");
    assert!(stdout.contains("systemctl --user enable --now tend-db.service"), "{stdout}");
    assert!(stdout.contains("systemctl --user start tend-web.service"), "{stdout}");
    assert!(stderr.contains("tend-db.service: not exported: health probe"), "{stderr}");
    assert!(dir.path().join("tend-migrate.service").is_file());
}
