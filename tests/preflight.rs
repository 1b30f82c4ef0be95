//! Preflight checks against real file system state, real PATH lookups and a
//! port bound by the test itself.

#[path = "diagnose_common/mod.rs"]
mod common;

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::time::Duration;

use common::{OnePid, component, shell_component, write};
use tend::config::{
    ApiConfig, ComponentConfig, Config, LogSettings, NotificationsConfig, SupervisorConfig,
};
use tend::diagnose::{DiagnosisKind, NoOwners};
use tend::preflight::{Problem, check, check_all};

fn temp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// Looks a variable up in the test process's environment, standing in for the supervisor's.
fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

fn run_checks(config: &ComponentConfig) -> Vec<Problem> {
    check(config, &process_env, &NoOwners)
}

fn only(problems: &[Problem]) -> &Problem {
    assert_eq!(problems.len(), 1, "expected one problem, got {problems:#?}");
    &problems[0]
}

#[test]
fn clean_component_passes() {
    let dir = temp();
    write(dir.path(), "server.py", "");
    write(dir.path(), "config.toml", "");
    let mut config = component("api", &["python3", "-u", "server.py"], dir.path());
    config.requires.files.push(PathBuf::from("config.toml"));
    config.requires.commands.push("sh".into());
    config.env.insert("API_TOKEN".into(), "secret".into());
    config.requires.env.push("API_TOKEN".into());
    assert_eq!(run_checks(&config), Vec::new());
}

#[test]
fn command_typo_suggests_python3() {
    let dir = temp();
    let problems = run_checks(&component("api", &["pyhton3", "server.py"], dir.path()));
    let problem = only(&problems);
    assert_eq!(problem.check, "command pyhton3");
    assert_eq!(problem.diagnosis.kind, DiagnosisKind::CommandNotFound);
    assert!(problem.diagnosis.hint.contains("did you mean python3"), "{}", problem.diagnosis.hint);
    assert_eq!(problem.diagnosis.evidence.check.as_deref(), Some("command pyhton3"));
}

#[test]
fn component_path_overrides_supervisor_path() {
    let dir = temp();
    let bin = dir.path().join("bin");
    let tool = write(&bin, "mytool", "#!/bin/sh\n");
    std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let mut config = component("api", &["mytool"], dir.path());
    assert_eq!(only(&run_checks(&config)).check, "command mytool");
    config.env.insert("PATH".into(), bin.display().to_string());
    assert_eq!(run_checks(&config), Vec::new());
}

#[test]
fn missing_script_suggests_sibling() {
    let dir = temp();
    write(dir.path(), "patch_runner.py", "");
    write(dir.path(), "README.md", "");
    let problems = run_checks(&component("patcher", &["python3", "patch_executor.py"], dir.path()));
    let problem = only(&problems);
    assert_eq!(problem.check, "script patch_executor.py");
    assert_eq!(problem.diagnosis.kind, DiagnosisKind::FileNotFound);
    assert_eq!(problem.diagnosis.summary, "script not found: patch_executor.py");
    assert!(
        problem.diagnosis.hint.starts_with("did you mean patch_runner.py?"),
        "{}",
        problem.diagnosis.hint
    );
}

#[test]
fn inline_code_is_not_a_script() {
    let dir = temp();
    let config = component("api", &["python3", "-c", "import x.py"], dir.path());
    assert_eq!(run_checks(&config), Vec::new());
    let config = component("api", &["node", "-e", "require('./x.js')"], dir.path());
    assert_eq!(run_checks(&config), Vec::new());
}

#[test]
fn script_in_missing_folder_suggests_folder() {
    let dir = temp();
    write(dir.path(), "services/main.js", "");
    let problems = run_checks(&component(
        "web",
        &["node", "--enable-source-maps", "service/main.js"],
        dir.path(),
    ));
    let problem = only(&problems);
    assert_eq!(problem.check, "script service/main.js");
    assert!(problem.diagnosis.hint.contains("services/main.js"), "{}", problem.diagnosis.hint);
}

#[test]
fn missing_cwd_is_reported() {
    let dir = temp();
    std::fs::create_dir(dir.path().join("backend")).expect("create folder");
    let cwd = dir.path().join("backnd");
    let problems = run_checks(&component("api", &["python3", "app.py"], &cwd));
    let problem = only(&problems);
    assert_eq!(problem.diagnosis.kind, DiagnosisKind::MissingCwd);
    assert!(problem.check.starts_with("cwd "), "{}", problem.check);
    assert!(problem.diagnosis.hint.contains("backend"), "{}", problem.diagnosis.hint);
}

#[test]
fn command_not_executable() {
    let dir = temp();
    write(dir.path(), "run.sh", "echo hi\n");
    let problem = run_checks(&component("api", &["./run.sh"], dir.path())).remove(0);
    assert_eq!(problem.diagnosis.kind, DiagnosisKind::PermissionDenied);
    assert!(problem.diagnosis.hint.starts_with("chmod +x run.sh"), "{}", problem.diagnosis.hint);
}

#[test]
fn command_with_bad_shebang() {
    let dir = temp();
    let script = write(dir.path(), "tool", "#!/usr/bin/env pyhton3\n");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let problems = run_checks(&component("api", &["./tool"], dir.path()));
    let problem = only(&problems);
    assert_eq!(problem.diagnosis.kind, DiagnosisKind::CommandNotFound);
    assert_eq!(
        problem.diagnosis.summary,
        "interpreter pyhton3 named in the #! line of tool not found"
    );
    assert!(problem.diagnosis.hint.contains("python3"), "{}", problem.diagnosis.hint);
}

#[test]
fn required_files_and_config_files() {
    let dir = temp();
    write(dir.path(), "config.example.yaml", "");
    let mut config = component("api", &["sh", "-c", "true"], dir.path());
    config.requires.files = vec![PathBuf::from("config.yaml"), dir.path().join("certs/server.pem")];
    let problems = run_checks(&config);
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert_eq!(problems[0].check, "requires.files config.yaml");
    assert_eq!(problems[0].diagnosis.kind, DiagnosisKind::MissingConfigFile);
    assert!(
        problems[0].diagnosis.hint.contains("config.example.yaml"),
        "{}",
        problems[0].diagnosis.hint
    );
    assert_eq!(problems[1].diagnosis.kind, DiagnosisKind::FileNotFound);
    assert_eq!(problems[1].diagnosis.summary, "file not found: certs/server.pem");
}

#[test]
fn required_env_from_either_source() {
    let dir = temp();
    let mut config = component("tunnel", &["sh", "-c", "true"], dir.path());
    config.requires.env = vec!["TUNNEL_TOKEN".into(), "REGION".into(), "EMPTY_ONE".into()];
    config.env.insert("EMPTY_ONE".into(), String::new());
    let supervisor = |name: &str| match name {
        "REGION" => Some("eu".to_string()),
        "PATH" => process_env("PATH"),
        _ => None,
    };
    let problems = check(&config, &supervisor, &NoOwners);
    let checks: Vec<&str> = problems.iter().map(|problem| problem.check.as_str()).collect();
    assert_eq!(checks, ["requires.env TUNNEL_TOKEN", "requires.env EMPTY_ONE"]);
    assert_eq!(problems[0].diagnosis.kind, DiagnosisKind::MissingEnv);
    assert_eq!(problems[0].diagnosis.summary, "missing environment variable TUNNEL_TOKEN");
    assert_eq!(problems[1].diagnosis.summary, "environment variable EMPTY_ONE is empty");
}

#[test]
fn required_command_missing() {
    let dir = temp();
    let mut config = component("api", &["sh", "-c", "true"], dir.path());
    config.requires.commands = vec!["sh".into(), "nodee".into()];
    let problem = only(&run_checks(&config)).clone();
    assert_eq!(problem.check, "requires.commands nodee");
    assert_eq!(problem.diagnosis.kind, DiagnosisKind::CommandNotFound);
    assert!(problem.diagnosis.hint.contains("node"), "{}", problem.diagnosis.hint);
}

#[test]
fn required_port_held_by_test() {
    let dir = temp();
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    let mut config = component("api", &["sh", "-c", "true"], dir.path());
    config.requires.ports = vec![port];
    let pid = std::process::id();
    let owners = OnePid { pid, component: "ghost-bridge".into() };
    let problems = check(&config, &process_env, &owners);
    let problem = only(&problems);
    assert_eq!(problem.check, format!("requires.ports {port}"));
    assert_eq!(problem.diagnosis.kind, DiagnosisKind::AddressInUse);
    assert_eq!(
        problem.diagnosis.summary,
        format!("address already in use: port {port} held by ghost-bridge (pid {pid})")
    );

    drop(listener);
    assert_eq!(check(&config, &process_env, &owners), Vec::new());
}

#[test]
fn problems_are_all_collected() {
    let dir = temp();
    let mut config = component("api", &["pyhton3", "app.py"], dir.path());
    config.requires.env = vec!["TEND_TEST_NEVER_SET".into()];
    config.requires.files = vec![PathBuf::from("data.db")];
    config.requires.commands = vec!["tend-test-absent-tool".into()];
    let checks: Vec<String> =
        run_checks(&config).into_iter().map(|problem| problem.check).collect();
    assert_eq!(
        checks,
        [
            "command pyhton3",
            "requires.files data.db",
            "requires.env TEND_TEST_NEVER_SET",
            "requires.commands tend-test-absent-tool"
        ]
    );
}

#[test]
fn shell_form_checks_plain_first_word() {
    let dir = temp();
    let problems = run_checks(&shell_component("api", "pyhton3 -m http.server 8000", dir.path()));
    let problem = only(&problems);
    assert_eq!(problem.check, "command pyhton3");

    for line in ["FOO=1 some-tool", "\"$TOOL\" run", "cd sub && ./run", "exec python3 -V"] {
        let problems = run_checks(&shell_component("api", line, dir.path()));
        assert_eq!(problems, Vec::new(), "{line}");
    }
    let problems = run_checks(&shell_component("api", "exec pyhton3 -V", dir.path()));
    assert_eq!(only(&problems).check, "command pyhton3");
}

#[test]
fn check_all_covers_every_component() {
    let dir = temp();
    let logs = LogSettings { max_size: 1 << 20, max_files: 2, tail_bytes: 4096 };
    let mut components = BTreeMap::new();
    components.insert("good".to_string(), component("good", &["sh", "-c", "true"], dir.path()));
    components.insert("bad".to_string(), component("bad", &["pyhton3"], dir.path()));
    let config = Config {
        path: None,
        dir: dir.path().to_path_buf(),
        supervisor: SupervisorConfig { state_dir: None, logs, watch_config: false },
        api: ApiConfig { listen: None, allow_remote: false },
        notifications: NotificationsConfig {
            enabled: false,
            rate_limit: Duration::from_secs(60),
            startup_grace: Duration::from_secs(10),
        },
        components,
    };
    let results = check_all(&config, &process_env, &NoOwners);
    let names: Vec<&str> = results.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, ["bad", "good"]);
    assert_eq!(results[0].1.len(), 1);
    assert!(results[1].1.is_empty());
}
