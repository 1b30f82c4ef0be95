//! Diagnosis of real failed runs: each test writes a program into a temporary
//! folder, runs it with the real interpreter and classifies its exit and output.

#[path = "diagnose_common/mod.rs"]
mod common;

use std::net::TcpListener;
use std::time::Duration;

use common::{
    OnePid, component, diagnose_run, diagnose_run_with, have, may_skip_without, shell_component,
    write,
};
use tend::diagnose::{DiagnosisKind, diagnose_spawn_error};

fn temp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

#[test]
fn python_missing_script_suggests_sibling() {
    let dir = temp();
    write(dir.path(), "patch_runner.py", "print('hi')\n");
    let config = component("patcher", &["python3", "patch_executor.py"], dir.path());
    let (diagnosis, _) = diagnose_run(&config);
    assert_eq!(diagnosis.kind, DiagnosisKind::FileNotFound);
    assert_eq!(diagnosis.summary, "script not found: patch_executor.py");
    assert!(diagnosis.hint.contains("did you mean patch_runner.py?"), "{}", diagnosis.hint);
    assert!(diagnosis.evidence.lines.iter().any(|line| line.contains("can't open file")));
    assert_eq!(diagnosis.evidence.exit.as_ref().and_then(|exit| exit.code), Some(2));
}

#[test]
fn python_missing_module_hints_pip() {
    let dir = temp();
    write(dir.path(), "main.py", "import apply_patch_tend_absent\n");
    let (diagnosis, _) = diagnose_run(&component("app", &["python3", "main.py"], dir.path()));
    assert_eq!(diagnosis.kind, DiagnosisKind::MissingModule);
    assert_eq!(diagnosis.summary, "missing Python module apply_patch_tend_absent");
    assert_eq!(diagnosis.hint, "pip install apply_patch_tend_absent");
    assert!(diagnosis.evidence.lines.iter().any(|line| line.contains("ModuleNotFoundError")));
}

#[test]
fn python_local_module_off_path() {
    let dir = temp();
    write(dir.path(), "app/main.py", "import helper\n");
    write(dir.path(), "helper.py", "VALUE = 1\n");
    let (diagnosis, _) = diagnose_run(&component("app", &["python3", "app/main.py"], dir.path()));
    assert_eq!(diagnosis.kind, DiagnosisKind::MissingModule);
    assert_eq!(diagnosis.summary, "local Python module helper is not on the import path");
    assert!(diagnosis.hint.contains("PYTHONPATH="), "{}", diagnosis.hint);
}

#[test]
fn python_similar_local_module() {
    let dir = temp();
    write(dir.path(), "main.py", "import patch_executor\n");
    write(dir.path(), "patch_runner.py", "VALUE = 1\n");
    let (diagnosis, _) = diagnose_run(&component("app", &["python3", "main.py"], dir.path()));
    assert_eq!(diagnosis.kind, DiagnosisKind::MissingModule);
    assert!(diagnosis.hint.contains("did you mean patch_runner.py?"), "{}", diagnosis.hint);
    assert!(diagnosis.hint.contains("pip install patch_executor"), "{}", diagnosis.hint);
}

#[test]
fn python_cannot_import_name() {
    let dir = temp();
    write(dir.path(), "main.py", "from os import no_such_name\n");
    let (diagnosis, _) = diagnose_run(&component("app", &["python3", "main.py"], dir.path()));
    assert_eq!(diagnosis.kind, DiagnosisKind::MissingModule);
    assert_eq!(diagnosis.summary, "cannot import no_such_name from Python module os");
}

#[test]
fn python_syntax_error_names_line() {
    let dir = temp();
    write(dir.path(), "bad.py", "x = 1\ndef f(:\n    pass\n");
    let (diagnosis, _) = diagnose_run(&component("app", &["python3", "bad.py"], dir.path()));
    assert_eq!(diagnosis.kind, DiagnosisKind::SyntaxError);
    assert!(
        diagnosis.summary.starts_with("syntax error in bad.py line 2"),
        "{}",
        diagnosis.summary
    );
    assert_eq!(diagnosis.hint, "fix bad.py:2");
}

#[test]
fn python_indentation_error() {
    let dir = temp();
    write(dir.path(), "bad.py", "if True:\nx = 1\n");
    let (diagnosis, _) = diagnose_run(&component("app", &["python3", "bad.py"], dir.path()));
    assert_eq!(diagnosis.kind, DiagnosisKind::SyntaxError);
    assert!(diagnosis.summary.contains("IndentationError"), "{}", diagnosis.summary);
    assert!(diagnosis.summary.contains("bad.py line 2"), "{}", diagnosis.summary);
}

#[test]
fn python_environ_key_error() {
    let dir = temp();
    write(dir.path(), "main.py", "import os\ntoken = os.environ['TEND_TEST_TUNNEL_TOKEN']\n");
    let (diagnosis, _) = diagnose_run(&component("tunnel", &["python3", "main.py"], dir.path()));
    assert_eq!(diagnosis.kind, DiagnosisKind::MissingEnv);
    assert_eq!(diagnosis.summary, "missing environment variable TEND_TEST_TUNNEL_TOKEN");
    assert!(diagnosis.hint.contains("[components.tunnel] env"), "{}", diagnosis.hint);
    assert!(diagnosis.hint.contains("requires.env"), "{}", diagnosis.hint);
}

#[test]
fn python_plain_key_error_is_crash() {
    let dir = temp();
    write(dir.path(), "main.py", "settings = {}\nsettings['mode']\n");
    let (diagnosis, _) = diagnose_run(&component("app", &["python3", "main.py"], dir.path()));
    assert_eq!(diagnosis.kind, DiagnosisKind::Crashed);
    assert_eq!(diagnosis.summary, "crashed with exit code 1: KeyError: 'mode'");
    assert!(diagnosis.evidence.lines.iter().any(|line| line.contains("KeyError: 'mode'")));
}

#[test]
fn python_missing_config_file() {
    let dir = temp();
    write(dir.path(), "settings.example.toml", "");
    write(dir.path(), "main.py", "open('settings.toml')\n");
    let (diagnosis, _) = diagnose_run(&component("app", &["python3", "main.py"], dir.path()));
    assert_eq!(diagnosis.kind, DiagnosisKind::MissingConfigFile);
    assert_eq!(diagnosis.summary, "config file not found: settings.toml");
    assert!(diagnosis.hint.contains("settings.example.toml"), "{}", diagnosis.hint);
}

#[test]
fn python_missing_data_file() {
    let dir = temp();
    write(dir.path(), "main.py", "open('data/input.csv')\n");
    let (diagnosis, _) = diagnose_run(&component("app", &["python3", "main.py"], dir.path()));
    assert_eq!(diagnosis.kind, DiagnosisKind::FileNotFound);
    assert_eq!(diagnosis.summary, "file not found: data/input.csv");
}

#[test]
fn python_run_module_missing() {
    let dir = temp();
    let (diagnosis, _) =
        diagnose_run(&component("app", &["python3", "-m", "tend_absent_pkg.main"], dir.path()));
    assert_eq!(diagnosis.kind, DiagnosisKind::MissingModule);
    assert_eq!(diagnosis.summary, "missing Python module tend_absent_pkg");
    assert_eq!(diagnosis.hint, "pip install tend_absent_pkg");
}

#[test]
fn node_exception_in_summary() {
    let dir = temp();
    write(dir.path(), "index.js", "const settings = undefined;\nconsole.log(settings.port);\n");
    let (diagnosis, _) = diagnose_run(&component("web", &["node", "index.js"], dir.path()));
    assert_eq!(diagnosis.kind, DiagnosisKind::Crashed);
    assert!(
        diagnosis.summary.starts_with(
            "crashed with exit code 1: TypeError: Cannot read properties of undefined"
        ),
        "{}",
        diagnosis.summary
    );
}

#[test]
fn daemon_exiting_zero_immediately() {
    let dir = temp();
    write(dir.path(), "lib.py", "def helper():\n    return 1\n");
    let (diagnosis, _) = diagnose_run(&component("lib", &["python3", "lib.py"], dir.path()));
    assert_eq!(diagnosis.kind, DiagnosisKind::ExitedImmediately);
    assert_eq!(diagnosis.summary, "exited immediately with status 0");
    assert_eq!(
        diagnosis.hint,
        "a daemon must keep running; is this a library module rather than an entry point? For a one-shot job set kind = \"task\""
    );
}

#[test]
fn daemon_exiting_zero_after_uptime() {
    let dir = temp();
    let mut config = component("lib", &["python3", "-c", "pass"], dir.path());
    config.min_uptime = Duration::ZERO;
    let (diagnosis, _) = diagnose_run(&config);
    assert_eq!(diagnosis.kind, DiagnosisKind::Crashed);
    assert!(diagnosis.summary.starts_with("exited with status 0 after"), "{}", diagnosis.summary);
}

#[test]
fn sigkill_not_sent_hints_oom() {
    let dir = temp();
    let script = "import os, signal, sys\nprint('allocating', file=sys.stderr)\nos.kill(os.getpid(), signal.SIGKILL)\n";
    write(dir.path(), "main.py", script);
    let (diagnosis, _) = diagnose_run(&component("hog", &["python3", "main.py"], dir.path()));
    assert_eq!(diagnosis.kind, DiagnosisKind::KilledBySignal);
    assert_eq!(diagnosis.summary, "killed by SIGKILL");
    assert!(
        diagnosis.hint.contains("`dmesg` / `journalctl -k` for the OOM killer"),
        "{}",
        diagnosis.hint
    );
    assert!(diagnosis.hint.contains("raise the memory available"), "{}", diagnosis.hint);
    assert_eq!(diagnosis.evidence.lines, vec!["allocating".to_string()]);
}

#[test]
fn sigterm_sent_by_tend() {
    let dir = temp();
    write(dir.path(), "main.py", "import os, signal\nos.kill(os.getpid(), signal.SIGTERM)\n");
    let config = component("app", &["python3", "main.py"], dir.path());
    let (diagnosis, _) = diagnose_run_with(&config, &tend::diagnose::NoOwners, true);
    assert_eq!(diagnosis.kind, DiagnosisKind::KilledBySignal);
    assert_eq!(diagnosis.summary, "stopped by SIGTERM from Tend");
}

#[test]
fn segfault_is_named() {
    let dir = temp();
    write(dir.path(), "main.py", "import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n");
    let (diagnosis, _) = diagnose_run(&component("app", &["python3", "main.py"], dir.path()));
    assert_eq!(diagnosis.kind, DiagnosisKind::KilledBySignal);
    assert_eq!(diagnosis.summary, "killed by SIGSEGV (segmentation fault)");
}

#[test]
fn shell_child_killed_reports_signal() {
    let dir = temp();
    // The `exit` after python keeps sh from exec-ing it, so sh itself reports 128 + 9.
    let config = shell_component(
        "app",
        "python3 -c 'import os; os.kill(os.getpid(), 9)'; exit $?",
        dir.path(),
    );
    let (diagnosis, run) = diagnose_run(&config);
    assert_eq!(run.exit.code, Some(137));
    assert_eq!(diagnosis.kind, DiagnosisKind::KilledBySignal);
    assert!(diagnosis.summary.contains("SIGKILL"), "{}", diagnosis.summary);
}

#[test]
fn crash_keeps_last_stderr_lines() {
    let dir = temp();
    let script = "import sys\nprint('starting')\nprint('database refused the connection', file=sys.stderr)\nsys.exit(3)\n";
    write(dir.path(), "main.py", script);
    let (diagnosis, _) = diagnose_run(&component("app", &["python3", "main.py"], dir.path()));
    assert_eq!(diagnosis.kind, DiagnosisKind::Crashed);
    assert_eq!(diagnosis.summary, "crashed with exit code 3");
    assert_eq!(diagnosis.evidence.lines, vec!["database refused the connection".to_string()]);
    assert!(diagnosis.hint.contains("tend logs app"), "{}", diagnosis.hint);
}

#[test]
fn evidence_strips_ansi_and_caps() {
    let dir = temp();
    let script = "import sys\nfor i in range(50):\n    print('\\x1b[31merror\\x1b[0m ' + 'x' * 1000, file=sys.stderr)\nsys.exit(1)\n";
    write(dir.path(), "main.py", script);
    let (diagnosis, _) = diagnose_run(&component("app", &["python3", "main.py"], dir.path()));
    assert!(diagnosis.evidence.lines.len() <= 12, "{} lines", diagnosis.evidence.lines.len());
    assert!(!diagnosis.evidence.lines.is_empty());
    for line in &diagnosis.evidence.lines {
        assert!(!line.contains('\u{1b}'), "escape kept in {line:?}");
        assert!(line.starts_with("error x"), "{line:?}");
        assert!(line.chars().count() <= 301, "{} chars", line.chars().count());
    }
}

#[test]
fn node_missing_entry_script() {
    let dir = temp();
    write(dir.path(), "serve.js", "");
    let (diagnosis, _) = diagnose_run(&component("web", &["node", "server.js"], dir.path()));
    assert_eq!(diagnosis.kind, DiagnosisKind::FileNotFound);
    assert_eq!(diagnosis.summary, "script not found: server.js");
    assert!(diagnosis.hint.contains("serve.js"), "{}", diagnosis.hint);
}

#[test]
fn node_missing_package_hints_npm() {
    let dir = temp();
    write(dir.path(), "index.js", "require('left-pad-tend-absent/lib')\n");
    let (diagnosis, _) = diagnose_run(&component("web", &["node", "index.js"], dir.path()));
    assert_eq!(diagnosis.kind, DiagnosisKind::MissingModule);
    assert_eq!(diagnosis.summary, "missing Node module left-pad-tend-absent");
    assert_eq!(diagnosis.hint, "npm install left-pad-tend-absent");
}

#[test]
fn node_declared_package_hints_install() {
    let dir = temp();
    write(dir.path(), "package.json", r#"{"dependencies": {"@tend/absent": "1.0.0"}}"#);
    write(dir.path(), "index.mjs", "import '@tend/absent';\n");
    let (diagnosis, _) = diagnose_run(&component("web", &["node", "index.mjs"], dir.path()));
    assert_eq!(diagnosis.kind, DiagnosisKind::MissingModule);
    assert_eq!(diagnosis.summary, "missing Node module @tend/absent");
    assert!(diagnosis.hint.contains("run `npm install` in"), "{}", diagnosis.hint);
}

#[test]
fn node_missing_relative_module() {
    let dir = temp();
    write(dir.path(), "src/index.js", "require('./route_handler')\n");
    write(dir.path(), "src/route_handlers.js", "");
    let (diagnosis, _) = diagnose_run(&component("web", &["node", "src/index.js"], dir.path()));
    assert_eq!(diagnosis.kind, DiagnosisKind::FileNotFound);
    assert_eq!(diagnosis.summary, "file not found: src/route_handler");
    assert!(diagnosis.hint.contains("src/route_handlers.js"), "{}", diagnosis.hint);
}

#[test]
fn node_syntax_error_names_line() {
    let dir = temp();
    write(dir.path(), "bad.js", "const a = 1;\nfunction (\n");
    let (diagnosis, _) = diagnose_run(&component("web", &["node", "bad.js"], dir.path()));
    assert_eq!(diagnosis.kind, DiagnosisKind::SyntaxError);
    assert!(
        diagnosis.summary.starts_with("syntax error in bad.js line 2"),
        "{}",
        diagnosis.summary
    );
}

#[test]
fn node_missing_config_file() {
    let dir = temp();
    write(dir.path(), "index.js", "require('fs').readFileSync('config.json')\n");
    let (diagnosis, _) = diagnose_run(&component("web", &["node", "index.js"], dir.path()));
    assert_eq!(diagnosis.kind, DiagnosisKind::MissingConfigFile);
    assert_eq!(diagnosis.summary, "config file not found: config.json");
}

#[test]
fn node_env_message() {
    let dir = temp();
    let script = "if (!process.env.TEND_TEST_API_URL) {\n  throw new Error('missing environment variable TEND_TEST_API_URL');\n}\n";
    write(dir.path(), "index.js", script);
    let (diagnosis, _) = diagnose_run(&component("web", &["node", "index.js"], dir.path()));
    assert_eq!(diagnosis.kind, DiagnosisKind::MissingEnv);
    assert_eq!(diagnosis.summary, "missing environment variable TEND_TEST_API_URL");
}

#[test]
fn ruby_missing_gem() {
    if may_skip_without("ruby") {
        return;
    }
    let dir = temp();
    write(dir.path(), "app.rb", "require 'tend_absent_gem/client'\n");
    let (diagnosis, _) = diagnose_run(&component("rb", &["ruby", "app.rb"], dir.path()));
    assert_eq!(diagnosis.kind, DiagnosisKind::MissingModule);
    assert_eq!(diagnosis.summary, "missing Ruby library tend_absent_gem/client");
    assert_eq!(diagnosis.hint, "gem install tend_absent_gem");

    write(dir.path(), "Gemfile", "source 'https://rubygems.org'\n");
    let (diagnosis, _) = diagnose_run(&component("rb", &["ruby", "app.rb"], dir.path()));
    assert!(diagnosis.hint.starts_with("bundle install"), "{}", diagnosis.hint);
}

#[test]
fn ruby_env_fetch_and_syntax() {
    if may_skip_without("ruby") {
        return;
    }
    let dir = temp();
    write(dir.path(), "env.rb", "ENV.fetch('TEND_TEST_RUBY_TOKEN')\n");
    let (diagnosis, _) = diagnose_run(&component("rb", &["ruby", "env.rb"], dir.path()));
    assert_eq!(diagnosis.kind, DiagnosisKind::MissingEnv);
    assert_eq!(diagnosis.summary, "missing environment variable TEND_TEST_RUBY_TOKEN");

    write(dir.path(), "bad.rb", "def f(\n  1 +\nend end\n");
    let (diagnosis, run) = diagnose_run(&component("rb", &["ruby", "bad.rb"], dir.path()));
    assert_eq!(diagnosis.kind, DiagnosisKind::SyntaxError, "{}", run.stderr());
    assert!(diagnosis.summary.contains("bad.rb line"), "{}", diagnosis.summary);
}

#[test]
fn java_missing_class() {
    if !have("java") {
        eprintln!("skipped: java is not installed");
        return;
    }
    let dir = temp();
    let (diagnosis, _) =
        diagnose_run(&component("jvm", &["java", "-cp", ".", "com.example.Main"], dir.path()));
    assert_eq!(diagnosis.kind, DiagnosisKind::MissingModule);
    assert_eq!(diagnosis.summary, "missing Java class com.example.Main");
    assert!(diagnosis.hint.contains("class path"), "{}", diagnosis.hint);
}

#[test]
fn shell_command_not_found_suggests() {
    let dir = temp();
    let (diagnosis, run) =
        diagnose_run(&shell_component("app", "pyhton3 -m http.server", dir.path()));
    assert_eq!(run.exit.code, Some(127));
    assert_eq!(diagnosis.kind, DiagnosisKind::CommandNotFound);
    assert_eq!(diagnosis.summary, "command not found: pyhton3");
    assert!(diagnosis.hint.contains("python3"), "{}", diagnosis.hint);
}

#[test]
fn bash_unbound_variable() {
    let dir = temp();
    let config =
        component("app", &["bash", "-c", "set -u; echo \"$TEND_TEST_UNSET_VAR\""], dir.path());
    let (diagnosis, _) = diagnose_run(&config);
    assert_eq!(diagnosis.kind, DiagnosisKind::MissingEnv);
    assert_eq!(diagnosis.summary, "missing environment variable TEND_TEST_UNSET_VAR");
}

#[test]
fn sh_parameter_not_set() {
    let dir = temp();
    let (diagnosis, _) =
        diagnose_run(&shell_component("app", "echo ${TEND_TEST_UNSET_VAR:?}", dir.path()));
    assert_eq!(diagnosis.kind, DiagnosisKind::MissingEnv);
    assert_eq!(diagnosis.summary, "missing environment variable TEND_TEST_UNSET_VAR");
}

#[test]
fn sh_missing_file() {
    let dir = temp();
    write(dir.path(), "input_data.txt", "");
    let (diagnosis, _) = diagnose_run(&shell_component("app", "cat input.txt", dir.path()));
    assert_eq!(diagnosis.kind, DiagnosisKind::FileNotFound);
    assert_eq!(diagnosis.summary, "file not found: input.txt");
    assert!(diagnosis.hint.contains("input_data.txt"), "{}", diagnosis.hint);
}

#[test]
fn sh_missing_script() {
    let dir = temp();
    write(dir.path(), "start_server.sh", "");
    let (diagnosis, _) = diagnose_run(&component("app", &["sh", "start-server.sh"], dir.path()));
    assert_eq!(diagnosis.kind, DiagnosisKind::FileNotFound);
    assert_eq!(diagnosis.summary, "script not found: start-server.sh");
    assert!(diagnosis.hint.contains("start_server.sh"), "{}", diagnosis.hint);
}

#[test]
fn sh_script_not_executable() {
    let dir = temp();
    write(dir.path(), "run.sh", "echo hi\n");
    let (diagnosis, run) = diagnose_run(&shell_component("app", "./run.sh", dir.path()));
    assert_eq!(run.exit.code, Some(126));
    assert_eq!(diagnosis.kind, DiagnosisKind::PermissionDenied);
    assert_eq!(diagnosis.summary, "permission denied: run.sh is not executable");
    assert!(diagnosis.hint.starts_with("chmod +x run.sh"), "{}", diagnosis.hint);
}

#[test]
fn missing_shared_library() {
    let dir = temp();
    let library = dir.path().join("libtendprobe.so.1");
    write(dir.path(), "probe.c", "int tend_probe(void) { return 0; }\n");
    write(dir.path(), "main.c", "int tend_probe(void);\nint main(void) { return tend_probe(); }\n");
    let gcc = |args: &[&str]| {
        let status = std::process::Command::new("gcc")
            .args(args)
            .current_dir(dir.path())
            .status()
            .expect("run gcc");
        assert!(status.success(), "gcc {args:?} failed");
    };
    gcc(&["-shared", "-fPIC", "-o", "libtendprobe.so.1", "probe.c"]);
    gcc(&["-o", "main", "main.c", "-L.", "-l:libtendprobe.so.1"]);
    std::fs::remove_file(&library).expect("delete the library");
    let (diagnosis, _) = diagnose_run(&component("native", &["./main"], dir.path()));
    assert_eq!(diagnosis.kind, DiagnosisKind::MissingLibrary);
    assert_eq!(diagnosis.summary, "missing shared library libtendprobe.so.1");
    assert!(diagnosis.hint.contains("LD_LIBRARY_PATH"), "{}", diagnosis.hint);
    assert!(diagnosis.evidence.lines[0].contains("error while loading shared libraries"));
}

#[test]
fn python_address_in_use_from_port_env() {
    let dir = temp();
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    let script =
        "import os, socket\ns = socket.socket()\ns.bind(('127.0.0.1', int(os.environ['PORT'])))\n";
    write(dir.path(), "server.py", script);
    let mut config = component("api", &["python3", "server.py"], dir.path());
    config.env.insert("PORT".into(), port.to_string());
    let (diagnosis, _) = diagnose_run(&config);
    assert_eq!(diagnosis.kind, DiagnosisKind::AddressInUse);
    let pid = std::process::id();
    assert!(
        diagnosis.summary.starts_with(&format!("address already in use: port {port} held by ")),
        "{}",
        diagnosis.summary
    );
    assert!(diagnosis.summary.ends_with(&format!("(pid {pid})")), "{}", diagnosis.summary);
    assert!(diagnosis.evidence.lines.iter().any(|line| line.contains("[Errno 98]")));
    drop(listener);
}

/// Parses one component from TOML, for settings such as probes and `requires`.
fn component_from_toml(dir: &std::path::Path, text: &str) -> tend::config::ComponentConfig {
    let path = dir.join("tend.toml");
    let config = tend::config::parse_str(text, &path, &|_| None).expect("valid config");
    config.components.into_values().next().expect("one component")
}

#[test]
fn python_address_in_use_port_candidates() {
    // Python's message names no port, so the port comes from the probe URL
    // or from `requires.ports`.
    let dir = temp();
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    let script =
        "import socket, sys\ns = socket.socket()\ns.bind(('127.0.0.1', int(sys.argv[1])))\n";
    write(dir.path(), "server.py", script);
    let command = format!("command = [\"python3\", \"server.py\", \"{port}\"]");
    let from_probe = format!(
        "[components.api]\n{command}\nhealth = {{ http = \"http://127.0.0.1:{port}/health\" }}\n"
    );
    let from_requires = format!("[components.api]\n{command}\nrequires = {{ ports = [{port}] }}\n");
    for text in [from_probe, from_requires] {
        let (diagnosis, _) = diagnose_run(&component_from_toml(dir.path(), &text));
        assert_eq!(diagnosis.kind, DiagnosisKind::AddressInUse, "{text}");
        let expected = format!("address already in use: port {port} held by ");
        assert!(diagnosis.summary.starts_with(&expected), "{text}: {}", diagnosis.summary);
    }
    drop(listener);
}

#[test]
fn node_address_in_use_names_component() {
    let dir = temp();
    let listener = TcpListener::bind("0.0.0.0:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    write(dir.path(), "server.js", &format!("require('http').createServer().listen({port});\n"));
    let config = component("web", &["node", "server.js"], dir.path());
    let pid = std::process::id();
    let owners = OnePid { pid, component: "ghost-bridge".into() };
    let (diagnosis, _) = diagnose_run_with(&config, &owners, false);
    assert_eq!(diagnosis.kind, DiagnosisKind::AddressInUse);
    assert_eq!(
        diagnosis.summary,
        format!("address already in use: port {port} held by ghost-bridge (pid {pid})")
    );

    let owners = OnePid { pid, component: "web".into() };
    let (diagnosis, _) = diagnose_run_with(&config, &owners, false);
    assert_eq!(
        diagnosis.summary,
        format!(
            "address already in use: port {port} held by this component's earlier run (pid {pid})"
        )
    );
    drop(listener);
}

#[test]
fn spawn_error_command_typo() {
    let dir = temp();
    let config = component("app", &["pyhton3", "-V"], dir.path());
    let error = std::process::Command::new("pyhton3")
        .current_dir(dir.path())
        .spawn()
        .expect_err("no such program");
    let diagnosis = diagnose_spawn_error(&config, &error);
    assert_eq!(diagnosis.kind, DiagnosisKind::CommandNotFound);
    assert_eq!(diagnosis.summary, "command not found: pyhton3");
    assert!(diagnosis.hint.contains("did you mean python3"), "{}", diagnosis.hint);
}

#[test]
fn spawn_error_missing_cwd() {
    let dir = temp();
    let missing = dir.path().join("sevice");
    std::fs::create_dir(dir.path().join("service")).expect("create folder");
    let config = component("app", &["python3", "-V"], &missing);
    let error =
        std::process::Command::new("python3").current_dir(&missing).spawn().expect_err("no cwd");
    let diagnosis = diagnose_spawn_error(&config, &error);
    assert_eq!(diagnosis.kind, DiagnosisKind::MissingCwd);
    assert!(diagnosis.summary.contains("sevice"), "{}", diagnosis.summary);
    assert!(diagnosis.hint.contains("service"), "{}", diagnosis.hint);
}

#[test]
fn spawn_error_not_executable() {
    let dir = temp();
    write(dir.path(), "run.sh", "echo hi\n");
    let config = component("app", &["./run.sh"], dir.path());
    let error = std::process::Command::new("./run.sh")
        .current_dir(dir.path())
        .spawn()
        .expect_err("not executable");
    let diagnosis = diagnose_spawn_error(&config, &error);
    assert_eq!(diagnosis.kind, DiagnosisKind::PermissionDenied);
    assert!(diagnosis.hint.starts_with("chmod +x run.sh"), "{}", diagnosis.hint);
}

#[test]
fn spawn_error_bad_shebang() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp();
    let script = write(dir.path(), "tool.py", "#!/usr/bin/pyhton3\nprint('hi')\n");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let config = component("app", &["./tool.py"], dir.path());
    let error = std::process::Command::new("./tool.py")
        .current_dir(dir.path())
        .spawn()
        .expect_err("bad interpreter");
    let diagnosis = diagnose_spawn_error(&config, &error);
    assert_eq!(diagnosis.kind, DiagnosisKind::CommandNotFound);
    assert_eq!(
        diagnosis.summary,
        "interpreter /usr/bin/pyhton3 named in the #! line of tool.py not found"
    );
    assert!(diagnosis.hint.contains("python3"), "{}", diagnosis.hint);
}
