//! Reads a PM2 ecosystem file into a [`Node`] tree: JSON (with the JSON5
//! relaxations PM2 accepts), YAML, or JavaScript evaluated by `node`.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::import::error::{Origin, Problem};
use crate::import::tree::{self, Node};

/// Marks where the JavaScript read an unset `process.env.NAME`: the text
/// between [`ENV_OPEN`] and [`ENV_CLOSE`] is the name.
pub const ENV_OPEN: char = '\u{E001}';
pub const ENV_CLOSE: char = '\u{E002}';

/// How long `node` may take to evaluate an ecosystem file.
const NODE_TIMEOUT: Duration = Duration::from_secs(15);

/// Loads the file and evaluates a config written in JavaScript. Second in
/// the result: the names of set variables the JavaScript read.
pub fn load(path: &Path, text: &str, file: &str) -> Result<(Node, Vec<String>), Problem> {
    let extension = path.extension().and_then(|ext| ext.to_str()).unwrap_or_default();
    match extension {
        "js" | "cjs" | "mjs" => evaluate_js(path, file),
        "yaml" | "yml" => Ok((tree::from_yaml(text, file)?, Vec::new())),
        _ if text.trim_start().starts_with("module.exports") => evaluate_js(path, file),
        _ => Ok((tree::from_json(text, file)?, Vec::new())),
    }
}

/// Loads the module, with `process.env` answering every unset name with a
/// marker, and prints the exported config and the set names it read.
const EVALUATE: &str = r#"
const path = require('path').resolve(process.argv[1]);
const read = new Set();
const real = process.env;
process.env = new Proxy(real, {
  get(target, key) {
    if (typeof key !== 'string') return target[key];
    if (Object.prototype.hasOwnProperty.call(target, key)) { read.add(key); return target[key]; }
    return '\uE001' + key + '\uE002';
  },
});
import(require('url').pathToFileURL(path))
  .then((module) => {
    const config = module.default === undefined ? module : module.default;
    process.stdout.write(JSON.stringify({ config, read: [...read] }));
  })
  .catch((error) => {
    process.stderr.write(String(error && error.stack ? error.stack : error));
    process.exit(1);
  });
"#;

fn evaluate_js(path: &Path, file: &str) -> Result<(Node, Vec<String>), Problem> {
    let whole_file = Origin { file: file.to_string(), line: None, key: None };
    let mut child = Command::new("node")
        .arg("-e")
        .arg(EVALUATE)
        .arg(path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| {
            Problem::new(
                whole_file.clone(),
                format!("node is needed to read a JavaScript ecosystem file ({error}); install Node.js, or export the config as JSON with `node -p \"JSON.stringify(require('./{file}'))\"`"),
            )
        })?;

    let mut stdout = child.stdout.take().map(read_in_thread);
    let mut stderr = child.stderr.take().map(read_in_thread);
    let deadline = Instant::now() + NODE_TIMEOUT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            Ok(None) | Err(_) => {
                // The file may start a server or wait on input; it is not ours to keep.
                let _ = child.kill();
                let _ = child.wait();
                return Err(Problem::new(
                    whole_file,
                    format!(
                        "node did not finish evaluating the file within {}s",
                        NODE_TIMEOUT.as_secs()
                    ),
                ));
            }
        }
    };
    let output = stdout.take().map(join_text).unwrap_or_default();
    let errors = stderr.take().map(join_text).unwrap_or_default();
    if !status.success() {
        return Err(js_error(path, file, &errors));
    }
    parse_output(&output, &whole_file)
}

fn read_in_thread<R: Read + Send + 'static>(mut reader: R) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        let _ = reader.read_to_string(&mut text);
        text
    })
}

fn join_text(handle: std::thread::JoinHandle<String>) -> String {
    handle.join().unwrap_or_default()
}

/// Turns node's error output into a problem at the line it names.
fn js_error(path: &Path, file: &str, errors: &str) -> Problem {
    let location = errors.lines().next().unwrap_or_default();
    let line = location
        .rsplit_once(':')
        .filter(|(prefix, _)| {
            prefix.ends_with(&path.display().to_string()) || prefix.ends_with(file)
        })
        .and_then(|(_, number)| number.trim().parse().ok());
    let message = errors
        .lines()
        .find(|text| text.contains("Error:") || text.contains("Error ["))
        .unwrap_or(location)
        .trim();
    let origin = Origin { file: file.to_string(), line, key: None };
    Problem::new(origin, format!("node could not evaluate the file: {message}"))
}

fn parse_output(output: &str, whole_file: &Origin) -> Result<(Node, Vec<String>), Problem> {
    let parsed: serde_json::Value = serde_json::from_str(output).map_err(|error| {
        Problem::new(
            whole_file.clone(),
            format!("node printed no JSON config ({error}); does the file assign module.exports?"),
        )
    })?;
    let config = parsed.get("config").cloned().unwrap_or(serde_json::Value::Null);
    let read = parsed
        .get("read")
        .and_then(|names| names.as_array())
        .map(|names| names.iter().filter_map(|name| name.as_str().map(String::from)).collect())
        .unwrap_or_default();
    Ok((tree::from_serde(&config, String::new()), read))
}
