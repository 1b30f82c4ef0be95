//! Helpers shared by the integration tests: a `tend up` child process stopped
//! on drop, an in-process supervisor with its API, HTTP over the Unix socket
//! and TCP, server-sent event reading, and polling with a deadline.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::{Stream, StreamExt, TryStreamExt};
use http_body_util::{BodyExt, BodyStream, Full};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use tend::api::{Endpoint, ServeSettings, Server};
use tend::config::{ComponentConfig, Config};
use tend::supervisor::{Options, SupervisorHandle};

/// Maximum time any single wait in a test may take.
pub const DEADLINE: Duration = Duration::from_secs(20);

pub const TEND: &str = env!("CARGO_BIN_EXE_tend");

/// Polls `check` every 20 ms until it returns `Some`, or panics after [`DEADLINE`].
pub async fn poll_until<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + DEADLINE;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Blocking variant of [`poll_until`] for tests without a runtime.
pub fn poll_until_blocking<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + DEADLINE;
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A temporary workspace: a state dir, a runtime dir for sockets and a config file.
pub struct Workspace {
    pub root: tempfile::TempDir,
}

impl Workspace {
    pub fn new() -> Workspace {
        Workspace { root: tempfile::tempdir().expect("create a temporary folder") }
    }

    pub fn state_dir(&self) -> PathBuf {
        self.root.path().join("state")
    }

    pub fn runtime_dir(&self) -> PathBuf {
        self.root.path().join("runtime")
    }

    /// Writes `tend.toml` and returns its path.
    pub fn write_config(&self, text: &str) -> PathBuf {
        let path = self.root.path().join("tend.toml");
        std::fs::write(&path, text).expect("write tend.toml");
        path
    }

    /// Builds a `tend` command with this workspace's state dir and runtime dir.
    pub fn tend(&self, args: &[&str]) -> Command {
        let mut command = Command::new(TEND);
        command
            .args(args)
            .arg("--state-dir")
            .arg(self.state_dir())
            .env("XDG_RUNTIME_DIR", self.runtime_dir())
            .env_remove("TEND_CONFIG")
            .env_remove("TEND_STATE_DIR")
            .env("NO_COLOR", "1")
            .current_dir(self.root.path())
            .stdin(Stdio::null());
        command
    }

    /// Runs a `tend` client command to completion.
    pub fn run(&self, args: &[&str]) -> Output {
        self.tend(args).output().expect("run tend")
    }

    pub fn endpoint(&self) -> Option<Endpoint> {
        Endpoint::read(&self.state_dir().join("endpoint.json")).ok().flatten()
    }

    /// Waits for `endpoint.json` with a pid of `pid`.
    pub fn wait_for_endpoint(&self, pid: u32) -> Endpoint {
        poll_until_blocking("endpoint.json", || self.endpoint().filter(|found| found.pid == pid))
    }
}

/// A `tend up` child in its own process group. Dropping it sends SIGTERM,
/// then kills the group if tend up has not exited by [`DEADLINE`].
pub struct TendUp {
    pub child: Child,
}

impl TendUp {
    pub fn spawn(workspace: &Workspace, config: &Path, extra: &[&str]) -> TendUp {
        let mut command = workspace.tend(&["up", "--config", config.to_str().expect("utf-8 path")]);
        command.args(extra);
        TendUp::from_command(command)
    }

    /// Spawns a `tend up` command the caller built, in its own process group.
    pub fn from_command(mut command: Command) -> TendUp {
        use std::os::unix::process::CommandExt;
        command.stdout(Stdio::piped()).stderr(Stdio::piped()).process_group(0);
        TendUp { child: command.spawn().expect("spawn tend up") }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for the process to exit by itself, with a deadline.
    pub fn wait_exit(&mut self) -> std::process::ExitStatus {
        poll_until_blocking("tend up to exit", || self.child.try_wait().expect("try_wait"))
    }

    pub fn signal(&self, signal: nix::sys::signal::Signal) {
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(self.pid() as i32), signal)
            .expect("signal tend up");
    }
}

impl Drop for TendUp {
    fn drop(&mut self) {
        let group = nix::unistd::Pid::from_raw(self.child.id() as i32);
        // Components run in their own sessions, out of reach of a group kill,
        // so a tend up still running gets SIGTERM first, which makes it stop
        // every component and exit. The group kill follows at the deadline.
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = nix::sys::signal::kill(group, nix::sys::signal::Signal::SIGTERM);
            let deadline = Instant::now() + DEADLINE;
            while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        // The group may be gone already; then there is nothing to kill.
        let _ = nix::sys::signal::killpg(group, nix::sys::signal::Signal::SIGKILL);
        let _ = self.child.wait();
    }
}

/// Builds a component running a shell loop that prints `tick N` every 100 ms.
pub fn ticker(name: &str, dir: &Path) -> ComponentConfig {
    let script = "i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.1; done";
    ComponentConfig::with_defaults(
        name,
        vec!["sh".into(), "-c".into(), script.into()],
        dir.to_path_buf(),
    )
}

/// A supervisor and its API running inside the test process.
pub struct InProcess {
    pub handle: SupervisorHandle,
    pub server: Option<Server>,
    pub workspace: Workspace,
}

impl InProcess {
    /// Starts the supervisor with `components` and serves the API; `listen`
    /// turns on TCP.
    pub async fn start(components: Vec<ComponentConfig>, listen: Option<&str>) -> InProcess {
        let workspace = Workspace::new();
        std::fs::create_dir_all(workspace.state_dir()).expect("create the state dir");
        let mut config = Config::empty(workspace.root.path());
        config.components = components
            .into_iter()
            .map(|component| (component.name.clone(), component))
            .collect::<BTreeMap<_, _>>();
        let handle = tend::supervisor::start(config, Options { state_dir: workspace.state_dir() });
        let settings = ServeSettings {
            state_dir: workspace.state_dir(),
            socket_path: workspace.runtime_dir().join("tend").join("test.sock"),
            listen: listen.map(str::to_string),
            allow_remote: false,
        };
        let server = tend::api::serve(handle.clone(), settings).await.expect("serve the api");
        InProcess { handle, server: Some(server), workspace }
    }

    pub fn socket(&self) -> PathBuf {
        self.server.as_ref().expect("server running").socket_path().to_path_buf()
    }

    pub fn http_addr(&self) -> std::net::SocketAddr {
        self.server.as_ref().and_then(Server::http_addr).expect("tcp listener")
    }

    pub fn token(&self) -> String {
        std::fs::read_to_string(self.workspace.state_dir().join("api-token"))
            .expect("read api-token")
            .trim()
            .to_string()
    }

    /// Stops every component, then the API.
    pub async fn shutdown(mut self) {
        self.handle.shutdown().await.expect("shut the supervisor down");
        if let Some(server) = self.server.take() {
            server.shutdown().await;
        }
    }

    /// Waits until `name` reaches `state` in the snapshot.
    pub async fn wait_for_state(&self, name: &str, state: &str) {
        let what = format!("{name} to be {state}");
        poll_until(&what, || async {
            let snapshot = self.handle.snapshot().await.ok()?;
            let component = snapshot.component(name)?;
            (component.state.as_str() == state).then_some(())
        })
        .await
    }
}

impl Drop for InProcess {
    fn drop(&mut self) {
        // A test that failed before `shutdown` still must not leave components
        // running: kill their process groups (each component leads its own).
        if self.server.is_none() {
            return;
        }
        let handle = self.handle.clone();
        let snapshot = tokio::task::block_in_place(|| {
            tokio::runtime::Handle::current().block_on(handle.snapshot())
        });
        for pid in snapshot.iter().flat_map(|snapshot| &snapshot.components).filter_map(|c| c.pid) {
            let _ = nix::sys::signal::killpg(
                nix::unistd::Pid::from_raw(pid as i32),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
    }
}

/// A response read to its end.
pub struct Reply {
    pub status: StatusCode,
    pub headers: hyper::HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|error| panic!("body is not JSON ({error}): {}", self.text()))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Where to send a request.
#[derive(Clone)]
pub enum Target {
    Unix(PathBuf),
    Tcp(std::net::SocketAddr),
}

async fn open(target: &Target) -> hyper::client::conn::http1::SendRequest<Full<Bytes>> {
    async fn handshake<S>(stream: S) -> hyper::client::conn::http1::SendRequest<Full<Bytes>>
    where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        let (sender, connection) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.expect("handshake");
        tokio::spawn(connection);
        sender
    }
    match target {
        Target::Unix(path) => {
            handshake(tokio::net::UnixStream::connect(path).await.expect("connect to the socket"))
                .await
        }
        Target::Tcp(address) => {
            handshake(tokio::net::TcpStream::connect(address).await.expect("connect over tcp"))
                .await
        }
    }
}

fn build(
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<String>,
) -> Request<Full<Bytes>> {
    let mut request = Request::builder().method(method).uri(path);
    let has_host = headers.iter().any(|(name, _)| name.eq_ignore_ascii_case("host"));
    if !has_host {
        request = request.header("host", "localhost");
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if body.is_some() {
        request = request.header("content-type", "application/json");
    }
    request.body(Full::new(Bytes::from(body.unwrap_or_default()))).expect("valid request")
}

/// Sends one request and reads the whole response, with a deadline.
pub async fn send(
    target: &Target,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<String>,
) -> Reply {
    let exchange = async {
        let mut sender = open(target).await;
        let response = sender.send_request(build(method, path, headers, body)).await.expect("send");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.expect("read body").to_bytes();
        Reply { status, headers, body }
    };
    tokio::time::timeout(DEADLINE, exchange).await.expect("request timed out")
}

pub async fn get(target: &Target, path: &str) -> Reply {
    send(target, Method::GET, path, &[], None).await
}

pub async fn post(target: &Target, path: &str, body: serde_json::Value) -> Reply {
    send(target, Method::POST, path, &[], Some(body.to_string())).await
}

/// Opens a server-sent event stream and returns its events.
pub async fn events(
    target: &Target,
    path: &str,
    headers: &[(&str, &str)],
) -> impl Stream<Item = eventsource_stream::Event> + Unpin {
    use eventsource_stream::Eventsource;
    let mut sender = open(target).await;
    let response =
        sender.send_request(build(Method::GET, path, headers, None)).await.expect("send");
    assert_eq!(response.status(), StatusCode::OK, "event stream {path}");
    let frames = BodyStream::new(response.into_body())
        .try_filter_map(|frame| std::future::ready(Ok(frame.into_data().ok())));
    Box::pin(frames.eventsource().map(|event| event.expect("valid event")))
}

/// Reads events until one satisfies `matches`, with a deadline.
pub async fn next_matching(
    stream: &mut (impl Stream<Item = eventsource_stream::Event> + Unpin),
    what: &str,
    mut matches: impl FnMut(&eventsource_stream::Event) -> bool,
) -> eventsource_stream::Event {
    let search = async {
        while let Some(event) = stream.next().await {
            if matches(&event) {
                return event;
            }
        }
        panic!("stream ended before {what}");
    };
    tokio::time::timeout(DEADLINE, search)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}
