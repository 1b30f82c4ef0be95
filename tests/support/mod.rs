//! Helpers shared by the integration tests: child processes that are killed
//! with their process group on drop, and polling with a deadline.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;

/// Maximum time for any single wait in a test.
pub const DEADLINE: Duration = Duration::from_secs(20);

/// A child in its own process group, killed with the whole group on drop.
pub struct ChildGuard {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl ChildGuard {
    /// Spawns `argv` with stdout read line by line in a thread and stderr
    /// discarded (Python's http.server logs every request there).
    pub fn spawn(argv: &[&str]) -> ChildGuard {
        let mut child = Command::new(argv[0])
            .args(&argv[1..])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|error| panic!("spawn {argv:?}: {error}"));
        let stdout = child.stdout.take().expect("stdout is piped");
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        ChildGuard { child, lines }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for the next stdout line that contains `needle`.
    pub fn wait_for_line(&self, needle: &str) -> String {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return line,
                Ok(_) => continue,
                Err(error) => panic!("no line with {needle:?} from pid {}: {error}", self.pid()),
            }
        }
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = killpg(Pid::from_raw(self.child.id() as i32), Signal::SIGKILL);
        let _ = self.child.wait();
    }
}

/// Calls `probe` every few milliseconds until it returns `Some`, panicking
/// with `what` after [`DEADLINE`].
pub fn poll_until<T>(what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + DEADLINE;
    loop {
        if let Some(value) = probe() {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Whether `pid` is gone or a zombie waiting to be reaped.
pub fn process_gone(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            stat.rsplit_once(')').is_some_and(|(_, rest)| rest.trim_start().starts_with('Z'))
        }
        Err(_) => true,
    }
}

/// Starts `python3 -m http.server` on a free loopback port and returns it with the port.
pub fn python_http_server(dir: &std::path::Path) -> (ChildGuard, u16) {
    let dir = dir.to_str().expect("temporary paths are UTF-8");
    let server = ChildGuard::spawn(&[
        "python3",
        "-u",
        "-m",
        "http.server",
        "0",
        "--bind",
        "127.0.0.1",
        "--directory",
        dir,
    ]);
    let port = serving_port(&server);
    (server, port)
}

/// Starts a Python HTTP server that responds to every GET with `status`.
pub fn python_status_server(status: u16) -> (ChildGuard, u16) {
    let script = format!(
        r#"
import http.server
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response({status})
        self.end_headers()
        self.wfile.write(b"status {status}")
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
print("Serving HTTP on 127.0.0.1 port", server.server_address[1], flush=True)
server.serve_forever()
"#
    );
    let server = ChildGuard::spawn(&["python3", "-u", "-c", &script]);
    let port = serving_port(&server);
    (server, port)
}

fn serving_port(server: &ChildGuard) -> u16 {
    let line = server.wait_for_line("Serving HTTP on");
    let after = line.split(" port ").nth(1).unwrap_or_else(|| panic!("no port in {line:?}"));
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().unwrap_or_else(|error| panic!("port in {line:?}: {error}"))
}

/// A loopback port that nothing listens on (bound, then released).
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    listener.local_addr().expect("local address").port()
}
