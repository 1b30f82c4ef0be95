//! Config parsing and resolution against real files in temporary folders.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rstest::rstest;
use tend::config::{
    self, Config, ConfigError, DependCondition, Kind, ProbeCheck, RestartPolicy, parse_str,
};

fn env_of(name: &str) -> Option<String> {
    match name {
        "PORT" => Some("8080".to_owned()),
        "HOME" => Some("/home/dev".to_owned()),
        _ => None,
    }
}

fn parse_in(dir: &Path, text: &str) -> Result<Config, config::ConfigErrors> {
    parse_str(text, &dir.join("tend.toml"), &env_of)
}

fn parse(text: &str) -> Config {
    match parse_in(Path::new("/project"), text) {
        Ok(config) => config,
        Err(errors) => panic!("expected a valid config, got:\n{errors}"),
    }
}

fn errors(text: &str) -> Vec<ConfigError> {
    match parse_in(Path::new("/project"), text) {
        Ok(_) => panic!("expected errors for:\n{text}"),
        Err(errors) => errors.0,
    }
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

#[test]
fn defaults_resolve() {
    let config = parse("[components.web]\ncommand = [\"python3\", \"app.py\"]\n");
    let web = &config.components["web"];
    assert_eq!(web.command, ["python3", "app.py"]);
    assert_eq!(web.cwd, Path::new("/project"));
    assert_eq!(web.kind, Kind::Daemon);
    assert_eq!(web.restart, RestartPolicy::Always);
    assert!(web.autostart);
    assert_eq!(web.backoff.initial, Duration::from_millis(500));
    assert_eq!(web.backoff.max, Duration::from_secs(30));
    assert_eq!(web.backoff.multiplier, 2.0);
    assert_eq!(web.backoff.jitter, 0.2);
    assert_eq!(web.backoff.reset_after, Duration::from_secs(30));
    assert_eq!(web.max_restarts, 5);
    assert_eq!(web.restart_window, Duration::from_secs(60));
    assert_eq!(web.fatal_retry, Some(Duration::from_secs(300)));
    assert_eq!(web.min_uptime, Duration::from_secs(1));
    assert_eq!(web.success_codes, [0]);
    assert_eq!(web.stop_signal, 15);
    assert_eq!(web.stop_timeout, Duration::from_secs(10));
    assert_eq!(web.logs.max_size, 10 * 1024 * 1024);
    assert_eq!(web.logs.max_files, 5);
    assert_eq!(web.logs.tail_bytes, 256 * 1024);
    assert_eq!(web.health.readiness, None);
    assert_eq!(config.supervisor.state_dir, None);
    assert!(!config.supervisor.watch_config);
    assert!(config.notifications.enabled);
    assert_eq!(config.notifications.rate_limit, Duration::from_secs(60));
    assert_eq!(config.notifications.startup_grace, Duration::from_secs(10));
    assert_eq!(config.api.listen, None);
}

#[test]
fn task_defaults_to_on_failure() {
    let config = parse("[components.seed]\ncommand = [\"seed\"]\nkind = \"task\"\n");
    assert_eq!(config.components["seed"].restart, RestartPolicy::OnFailure);
}

#[test]
fn empty_config_has_defaults() {
    let config = Config::empty(Path::new("/somewhere"));
    assert!(config.components.is_empty());
    assert_eq!(config.path, None);
    assert_eq!(config.dir, Path::new("/somewhere"));
    assert_eq!(config.supervisor.logs.max_files, 5);
}

#[test]
fn full_fixture_resolves() {
    let path = fixtures().join("full.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let config = match parse_str(&text, &path, &env_of) {
        Ok(config) => config,
        Err(errors) => panic!("full.toml has errors:\n{errors}"),
    };
    let dir = fixtures();
    assert_eq!(config.supervisor.state_dir, Some(dir.join(".tend")));
    assert_eq!(config.supervisor.logs.max_size, 20 * 1024 * 1024);
    assert_eq!(config.components.len(), 5);

    let migrate = &config.components["migrate"];
    assert_eq!(migrate.command, ["sh", "-c", "echo migrating && sleep 0"]);
    assert_eq!(migrate.restart, RestartPolicy::Never);

    let db = &config.components["db"];
    assert_eq!(db.command, ["postgres", "-p", "6543"], "env_file value wins over the default");
    assert_eq!(db.cwd, dir.join("data"));
    assert_eq!(db.env["GREETING"], "cost $5");
    assert_eq!(db.env["DB_PASSWORD"], "hunter2");
    assert!(db.is_secret("DB_PASSWORD"));
    assert!(db.is_secret("PGPORT"), "every env_file key is secret");
    assert!(db.is_secret("PGDATA"), "listed in secret_env");
    assert!(!db.is_secret("GREETING"));
    assert_eq!(db.env_file, Some(dir.join("db.env")));
    assert_eq!(db.fatal_retry, None);
    assert_eq!(db.stop_signal, 2);
    assert_eq!(db.max_memory, Some(1_000_000_000));
    assert_eq!(db.logs.max_size, 1_048_576);
    assert_eq!(db.logs.max_files, 2);
    assert_eq!(db.logs.tail_bytes, 128 * 1024);
    assert_eq!(db.requires.files, [dir.join("data/pg_hba.conf")]);
    assert_eq!(db.requires.ports, [5432]);
    let alert = db.cpu_alert.unwrap();
    assert_eq!(alert.above, 90.0);
    assert_eq!(alert.for_duration, Duration::from_secs(60));
    assert_eq!(db.backoff.multiplier, 1.5);
    assert_eq!(db.depends_on["migrate"], DependCondition::Completed);
    let probe = db.health.readiness.as_ref().unwrap();
    assert_eq!(db.health.liveness.as_ref(), Some(probe), "one probe serves both roles");
    assert_eq!(probe.interval, Duration::from_secs(5));
    assert_eq!(probe.failure_threshold, 5);

    let web = &config.components["web"];
    let readiness = web.health.readiness.as_ref().unwrap();
    assert_eq!(
        readiness.check,
        ProbeCheck::Http {
            url: "http://127.0.0.1:8080/".to_owned(),
            status_min: 200,
            status_max: 299
        }
    );
    assert_eq!(readiness.interval, Duration::from_secs(3), "inherited from health");
    assert_eq!(readiness.timeout, Duration::from_secs(1));
    let liveness = web.health.liveness.as_ref().unwrap();
    assert_eq!(liveness.check, ProbeCheck::Tcp { address: "127.0.0.1:8080".to_owned() });
    assert_eq!(liveness.interval, Duration::from_secs(30));

    let worker = &config.components["worker"];
    let heartbeat = &worker.health.readiness.as_ref().unwrap().check;
    let expected = ProbeCheck::Heartbeat {
        path: dir.join("run/worker.beat"),
        max_age: Duration::from_secs(45),
    };
    assert_eq!(heartbeat, &expected);

    let api = &config.components["api"].health.readiness.as_ref().unwrap().check;
    let expected = ProbeCheck::Http {
        url: "http://localhost:9292/health".to_owned(),
        status_min: 200,
        status_max: 399,
    };
    assert_eq!(api, &expected);
}

#[rstest]
#[case::unknown_key(
    "[components.web]\ncommand = [\"a\"]\nrestrat = \"always\"\n",
    "components.web.restrat", (3, 1), "unknown key \"restrat\"; did you mean \"restart\"?"
)]
#[case::unknown_top_level(
    "[supervisr]\n",
    "supervisr", (1, 1), "did you mean \"supervisor\"?"
)]
#[case::bad_enum(
    "[components.web]\ncommand = [\"a\"]\nrestart = \"sometimes\"\n",
    "components.web.restart", (3, 11), "invalid value \"sometimes\", expected one of always, on-failure, never"
)]
#[case::wrong_type(
    "[components.web]\ncommand = [\"a\"]\nmax_restarts = \"five\"\n",
    "components.web.max_restarts", (3, 16), "invalid type: string \"five\", expected an integer of 0 or more"
)]
#[case::string_command_without_shell(
    "[components.web]\ncommand = \"npm run dev\"\n",
    "components.web.command", (2, 11), "command = [\"npm\", \"run\", \"dev\"], or set shell = true"
)]
#[case::array_command_with_shell(
    "[components.web]\ncommand = [\"a\"]\nshell = true\n",
    "components.web.command", (2, 11), "with shell = true, command must be one string"
)]
#[case::missing_command(
    "[components.web]\nkind = \"task\"\n",
    "components.web", (1, 13), "missing key \"command\""
)]
#[case::bad_duration(
    "[components.web]\ncommand = [\"a\"]\nmin_uptime = \"soon\"\n",
    "components.web.min_uptime", (3, 14), "invalid duration \"soon\""
)]
#[case::duration_as_number(
    "[components.web]\ncommand = [\"a\"]\nstop_timeout = 10\n",
    "components.web.stop_timeout", (3, 16), "expected a duration string such as \"500ms\""
)]
#[case::bad_size(
    "[components.web]\ncommand = [\"a\"]\nmax_memory = \"lots\"\n",
    "components.web.max_memory", (3, 14), "invalid size \"lots\""
)]
#[case::bad_signal(
    "[components.web]\ncommand = [\"a\"]\nstop_signal = \"SIGFOO\"\n",
    "components.web.stop_signal", (3, 15), "unknown signal \"SIGFOO\""
)]
#[case::bad_jitter(
    "[components.web]\ncommand = [\"a\"]\nbackoff = { jitter = 1.5 }\n",
    "components.web.backoff.jitter", (3, 22), "invalid jitter 1.5, expected a fraction from 0 to 1"
)]
#[case::bad_first_character(
    "[components.-web]\ncommand = [\"a\"]\n",
    "components.-web", (1, 13), "invalid component name \"-web\""
)]
#[case::bad_character(
    "[components.\"my web\"]\ncommand = [\"a\"]\n",
    "components.\"my web\"", (1, 13), "invalid component name \"my web\""
)]
#[case::long_name(
    &format!("[components.{}]\ncommand = [\"a\"]\n", "a".repeat(65)),
    &format!("components.{}", "a".repeat(65)), (1, 13), "use up to 64 letters"
)]
#[case::duplicate_component(
    "[components.web]\ncommand = [\"a\"]\n[components.web]\ncommand = [\"b\"]\n",
    "", (3, 13), "duplicate key \"web\""
)]
#[case::syntax_error(
    "[components.web\ncommand = [\"a\"]\n",
    "", (1, 16), ""
)]
#[case::unknown_dependency(
    "[components.db]\ncommand = [\"a\"]\n[components.web]\ncommand = [\"a\"]\ndepends_on = { dbb = \"started\" }\n",
    "components.web.depends_on.dbb", (5, 16), "unknown component \"dbb\"; did you mean \"db\"?"
)]
#[case::self_dependency(
    "[components.web]\ncommand = [\"a\"]\ndepends_on = { web = \"started\" }\n",
    "components.web.depends_on.web", (3, 16), "\"web\" depends on itself"
)]
#[case::healthy_without_probe(
    "[components.db]\ncommand = [\"a\"]\n[components.web]\ncommand = [\"a\"]\ndepends_on = { db = \"healthy\" }\n",
    "components.web.depends_on.db", (5, 21), "\"healthy\" needs a readiness probe on \"db\""
)]
#[case::completed_on_daemon(
    "[components.db]\ncommand = [\"a\"]\n[components.web]\ncommand = [\"a\"]\ndepends_on = { db = \"completed\" }\n",
    "components.web.depends_on.db", (5, 21), "\"completed\" applies only to a task"
)]
#[case::missing_variable(
    "[components.web]\ncommand = [\"serve\", \"${DB_URL}\"]\n",
    "components.web.command[1]", (2, 21), "variable \"DB_URL\" is not set"
)]
#[case::missing_variable_in_env(
    "[components.web]\ncommand = [\"a\"]\nenv = { URL = \"${DB_URL}\" }\n",
    "components.web.env.URL", (3, 15), "variable \"DB_URL\" is not set"
)]
#[case::two_probes(
    "[components.web]\ncommand = [\"a\"]\n[components.web.health]\ntcp = \"127.0.0.1:1\"\nexec = [\"true\"]\n",
    "components.web.health", (3, 1), "2 probes given (tcp, exec); keep exactly one"
)]
#[case::probe_and_roles(
    "[components.web]\ncommand = [\"a\"]\n[components.web.health]\ntcp = \"127.0.0.1:1\"\nreadiness = { tcp = \"127.0.0.1:1\" }\n",
    "components.web.health", (3, 1), "not both"
)]
#[case::unknown_key_in_http_probe(
    "[components.web]\ncommand = [\"a\"]\nhealth = { http = { url = \"http://127.0.0.1/\", staus = \"200\" } }\n",
    "components.web.health.http.staus", (3, 48), "did you mean \"status\"?"
)]
#[case::bad_url(
    "[components.web]\ncommand = [\"a\"]\nhealth = { http = \"localhost:80\" }\n",
    "components.web.health.http", (3, 19), "invalid URL \"localhost:80\""
)]
#[case::remote_listen(
    "[api]\nlisten = \"0.0.0.0:7070\"\n",
    "api.listen", (2, 10), "not a loopback address"
)]
fn invalid_config(
    #[case] text: &str,
    #[case] key: &str,
    #[case] position: (usize, usize),
    #[case] message: &str,
) {
    let found = errors(text);
    assert_eq!(found.len(), 1, "expected one error, got {found:#?}");
    let error = &found[0];
    assert_eq!(error.key, key);
    assert_eq!(error.position, Some(position));
    assert!(error.message.contains(message), "message {:?} lacks {message:?}", error.message);
    assert_eq!(error.file, Path::new("/project/tend.toml"));
}

#[test]
fn error_display_format() {
    let found = errors("\n[components.web]\ncommand = [\"a\"]\nrestart = \"sometimes\"\n");
    assert_eq!(
        found[0].to_string(),
        "/project/tend.toml:4:11: components.web.restart: invalid value \"sometimes\", expected one of always, on-failure, never"
    );
}

#[test]
fn several_errors_reported_in_file_order() {
    let text = "\
[supervisor]
log_max_fils = 3

[components.web]
command = [\"a\"]
restart = \"sometimes\"
stop_timeout = \"forever\"
depends_on = { dbb = \"started\" }

[components.db]
command = [\"b\"]
kind = \"deamon\"
";
    let found = errors(text);
    let keys: Vec<&str> = found.iter().map(|error| error.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "supervisor.log_max_fils",
            "components.web.restart",
            "components.web.stop_timeout",
            "components.web.depends_on.dbb",
            "components.db.kind",
        ]
    );
    assert!(found[4].message.contains("did you mean \"daemon\"?"), "{}", found[4].message);
}

#[test]
fn cycle_names_whole_cycle() {
    let text = "\
[components.a]
command = [\"a\"]
depends_on = { b = \"started\" }
[components.b]
command = [\"b\"]
depends_on = { c = \"started\" }
[components.c]
command = [\"c\"]
depends_on = { a = \"started\" }
";
    let found = errors(text);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        found[0].message,
        "dependency cycle: a -> b -> c -> a; remove one of these depends_on entries"
    );
    assert_eq!(found[0].key, "components.a.depends_on.b");
    assert_eq!(found[0].position, Some((3, 16)));
}

#[test]
fn extension_keys_ignored_everywhere() {
    let text = "\
x-top = 1
[x-anchors]
anything = true
[components.x-template]
whatever = 1
[components.web]
command = [\"a\"]
x-note = \"kept\"
backoff = { x-why = \"slow\" }
env = { x-literal = \"env names are data\" }
";
    let config = parse(text);
    assert_eq!(config.components.keys().collect::<Vec<_>>(), ["web"]);
    assert_eq!(config.components["web"].env["x-literal"], "env names are data");
}

#[rstest]
#[case::plain("a", "a")]
#[case::braced("--port=${PORT}", "--port=8080")]
#[case::default_unused("${PORT:-1}", "8080")]
#[case::default_used("${NOPE:-3000}", "3000")]
#[case::literal_dollar("$$PORT", "$PORT")]
#[case::bare_stays("$PORT", "$PORT")]
fn expansion_in_command(#[case] arg: &str, #[case] expected: &str) {
    let config = parse(&format!("[components.web]\ncommand = [\"serve\", \"{arg}\"]\n"));
    assert_eq!(config.components["web"].command[1], expected);
}

#[test]
fn expansion_in_cwd_env_and_shell() {
    let text = "\
[components.web]
command = \"serve --home ${HOME} $$HOME\"
shell = true
cwd = \"${HOME}/app\"
env = { PORT = \"${PORT}\", LITERAL = \"$PORT\" }
";
    let web = &parse(text).components["web"];
    assert_eq!(web.command, ["sh", "-c", "serve --home /home/dev $HOME"]);
    assert_eq!(web.cwd, Path::new("/home/dev/app"));
    assert_eq!(web.env["PORT"], "8080");
    assert_eq!(web.env["LITERAL"], "$PORT");
}

#[test]
fn relative_paths_from_config_folder() {
    let dir = tempfile::tempdir().unwrap();
    let text = "\
[supervisor]
state_dir = \"state\"
[components.web]
command = [\"a\"]
cwd = \"app\"
requires = { files = [\"app/main.py\", \"/etc/hosts\"] }
";
    let config = parse_in(dir.path(), text).unwrap();
    let web = &config.components["web"];
    assert_eq!(config.dir, dir.path());
    assert_eq!(config.supervisor.state_dir, Some(dir.path().join("state")));
    assert_eq!(web.cwd, dir.path().join("app"));
    assert_eq!(web.requires.files, [dir.path().join("app/main.py"), PathBuf::from("/etc/hosts")]);
}

#[test]
fn env_file_values_and_masking() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".env"), "API_URL=http://127.0.0.1:9000\nPORT=9999\n").unwrap();
    let text = "\
[components.web]
command = [\"serve\", \"${API_URL}\", \"${PORT}\"]
env_file = \".env\"
env = { PORT = \"7000\", MODE = \"dev\" }
";
    let web = parse_in(dir.path(), text).unwrap().components.remove("web").unwrap();
    assert_eq!(web.command, ["serve", "http://127.0.0.1:9000", "9999"]);
    let expected: BTreeMap<String, String> =
        [("API_URL", "http://127.0.0.1:9000"), ("MODE", "dev"), ("PORT", "7000")]
            .into_iter()
            .map(|(key, value)| (key.to_owned(), value.to_owned()))
            .collect();
    assert_eq!(web.env, expected, "env wins over env_file");
    assert!(web.is_secret("API_URL"));
    assert!(web.is_secret("PORT"));
    assert!(!web.is_secret("MODE"));
}

#[test]
fn missing_env_file_is_error() {
    let dir = tempfile::tempdir().unwrap();
    let text = "[components.web]\ncommand = [\"a\"]\nenv_file = \"missing.env\"\n";
    let found = parse_in(dir.path(), text).unwrap_err().0;
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].key, "components.web.env_file");
    assert_eq!(found[0].position, Some((3, 12)));
    assert!(found[0].message.contains("cannot read env file"), "{}", found[0].message);
    assert!(found[0].message.contains("missing.env"), "{}", found[0].message);
}

#[test]
fn load_reads_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tend.toml");
    std::fs::write(&path, "[components.web]\ncommand = [\"a\"]\n").unwrap();
    let config = config::load(&path).unwrap();
    assert_eq!(config.path, Some(path));
    assert_eq!(config.components.len(), 1);
}

#[test]
fn load_missing_file_is_error() {
    let dir = tempfile::tempdir().unwrap();
    let found = config::load(&dir.path().join("absent.toml")).unwrap_err().0;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].position, None);
    assert!(found[0].message.contains("cannot read config file"), "{}", found[0].message);
}
