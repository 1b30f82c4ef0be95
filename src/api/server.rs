//! Binding and running the API: the Unix socket always, a TCP listener when
//! `[api] listen` is set, `endpoint.json` written once both are bound, and a
//! shutdown that ends event streams before waiting for connections.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::os::unix::fs::{DirBuilderExt, FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::net::{TcpListener, UnixListener, UnixStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::auth::Auth;
use super::endpoint::Endpoint;
use super::error::ApiError;
use super::{AppState, build_router, token};
use crate::paths::{ENDPOINT_FILE, TOKEN_FILE};
use crate::supervisor::SupervisorHandle;

/// How long shutdown waits for open requests once streams have ended.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// Listener settings for [`serve`].
#[derive(Debug, Clone)]
pub struct ServeSettings {
    pub state_dir: PathBuf,
    /// Usually [`crate::paths::socket_path`] of the state directory.
    pub socket_path: PathBuf,
    /// `[api] listen`, e.g. "127.0.0.1:7070"; port 0 picks a free port.
    pub listen: Option<String>,
    /// Accept a `listen` address that is not loopback.
    pub allow_remote: bool,
}

/// The running API. Call [`Server::shutdown`] to stop it; dropping it only
/// removes the socket and `endpoint.json`.
pub struct Server {
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    socket_path: PathBuf,
    endpoint_path: PathBuf,
    http_addr: Option<SocketAddr>,
    token: Option<String>,
}

/// Binds the listeners, writes `endpoint.json` and serves until
/// [`Server::shutdown`].
pub async fn serve(handle: SupervisorHandle, settings: ServeSettings) -> Result<Server, ApiError> {
    // Validate the TCP side before touching the socket, so a bad address
    // leaves nothing behind.
    let tcp_address = match &settings.listen {
        Some(listen) => Some(parse_listen(listen, settings.allow_remote)?),
        None => None,
    };
    let token = match tcp_address {
        Some(_) => Some(token::load_or_create(&settings.state_dir.join(TOKEN_FILE))?),
        None => None,
    };

    let unix = bind_socket(&settings.socket_path).await?;
    let tcp = match tcp_address {
        Some(address) => match TcpListener::bind(address).await {
            Ok(listener) => Some(listener),
            Err(error) => {
                remove_file_logged(&settings.socket_path);
                return Err(ApiError::Setup(format!(
                    "cannot listen on {address}: {error}; change [api] listen or free the port"
                )));
            }
        },
        None => None,
    };
    let http_addr = match &tcp {
        Some(listener) => Some(listener.local_addr().map_err(|error| {
            ApiError::Setup(format!("cannot read the bound tcp address: {error}"))
        })?),
        None => None,
    };

    let (shutdown, shutdown_receiver) = watch::channel(false);
    let app =
        AppState { handle, shutdown: Some(shutdown_receiver.clone()), started: Instant::now() };
    let mut tasks = vec![spawn_listener(unix, build_router(app.clone(), Auth::None), &shutdown)];
    if let (Some(listener), Some(token)) = (tcp, &token) {
        let auth =
            Auth::Token { token: Arc::from(token.as_str()), allow_ip_hosts: settings.allow_remote };
        tasks.push(spawn_listener(listener, build_router(app, auth), &shutdown));
    }

    let server = Server {
        shutdown,
        tasks,
        socket_path: settings.socket_path.clone(),
        endpoint_path: settings.state_dir.join(ENDPOINT_FILE),
        http_addr,
        token,
    };
    let endpoint = Endpoint {
        pid: std::process::id(),
        socket: settings.socket_path.clone(),
        http: http_addr.map(|address| address.to_string()),
        version: env!("CARGO_PKG_VERSION").to_string(),
    };
    endpoint.write(&server.endpoint_path).map_err(|error| {
        ApiError::Setup(format!("cannot write {}: {error}", server.endpoint_path.display()))
    })?;
    tracing::info!(socket = %settings.socket_path.display(), http = ?http_addr, "api listening");
    Ok(server)
}

impl Server {
    /// Returns the bound TCP address, when `[api] listen` is set.
    pub fn http_addr(&self) -> Option<SocketAddr> {
        self.http_addr
    }

    pub fn socket_path(&self) -> &Path {
        &self.socket_path
    }

    /// Returns the dashboard URL with the token in its fragment, when TCP is on.
    pub fn dashboard_url(&self) -> Option<String> {
        let address = self.http_addr?;
        let token = self.token.as_ref()?;
        Some(dashboard_url(&address.to_string(), token))
    }

    /// Ends every event stream, waits a bounded time for open requests, then
    /// removes the socket and `endpoint.json`.
    pub async fn shutdown(mut self) {
        // Streams end first: axum's graceful shutdown would otherwise wait
        // for them forever.
        self.shutdown.send_replace(true);
        for task in std::mem::take(&mut self.tasks) {
            let abort = task.abort_handle();
            if tokio::time::timeout(DRAIN_TIMEOUT, task).await.is_err() {
                tracing::warn!("api connections still open after the drain timeout; closing them");
                abort.abort();
            }
        }
        self.remove_files();
        tracing::info!("api stopped");
    }

    fn remove_files(&self) {
        remove_file_logged(&self.socket_path);
        // Another supervisor may have taken over the state dir; leave its file.
        if let Ok(Some(endpoint)) = Endpoint::read(&self.endpoint_path)
            && endpoint.pid == std::process::id()
        {
            remove_file_logged(&self.endpoint_path);
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if !self.tasks.is_empty() {
            self.shutdown.send_replace(true);
            self.remove_files();
        }
    }
}

/// `http://ADDRESS/#token=TOKEN`. The fragment never reaches a server log or
/// a Referer header.
pub fn dashboard_url(address: &str, token: &str) -> String {
    format!("http://{address}/#token={token}")
}

fn spawn_listener<L>(
    listener: L,
    router: axum::Router,
    shutdown: &watch::Sender<bool>,
) -> JoinHandle<()>
where
    L: axum::serve::Listener,
    L::Addr: std::fmt::Debug,
{
    let mut stop = shutdown.subscribe();
    tokio::spawn(async move {
        let signal = async move {
            // An error means the sender is gone, which also means stop.
            let _ = stop.wait_for(|stopping| *stopping).await;
        };
        if let Err(error) = axum::serve(listener, router).with_graceful_shutdown(signal).await {
            tracing::error!(%error, "api listener failed");
        }
    })
}

/// Parses `[api] listen`; `localhost:PORT` means 127.0.0.1.
fn parse_listen(listen: &str, allow_remote: bool) -> Result<SocketAddr, ApiError> {
    let address = match listen.strip_prefix("localhost:") {
        Some(port) => port
            .parse::<u16>()
            .ok()
            .map(|port| SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port)),
        None => listen.parse::<SocketAddr>().ok(),
    };
    let Some(address) = address else {
        return Err(ApiError::Setup(format!(
            "invalid [api] listen address {listen:?}; expected HOST:PORT such as \"127.0.0.1:7070\""
        )));
    };
    if !address.ip().is_loopback() && !allow_remote {
        return Err(ApiError::Setup(format!(
            "[api] listen address {listen:?} is not loopback; use 127.0.0.1 or [::1], or set \
             allow_remote = true in [api] (the token then crosses the network unencrypted)"
        )));
    }
    Ok(address)
}

/// Binds the Unix socket with mode 0600 in a 0700 folder, replacing a stale
/// socket only when nothing accepts connections on it.
async fn bind_socket(path: &Path) -> Result<UnixListener, ApiError> {
    let setup = |what: &str, error: std::io::Error| {
        ApiError::Setup(format!("cannot {what} {}: {error}", path.display()))
    };
    if let Some(folder) = path.parent() {
        prepare_private_folder(folder)?;
    }
    remove_stale_socket(path).await?;
    let listener = UnixListener::bind(path).map_err(|error| setup("bind socket", error))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        .map_err(|error| setup("set mode 0600 on", error))?;
    Ok(listener)
}

/// Creates `folder` (mode 0700) or checks that it is ours and makes it 0700.
fn prepare_private_folder(folder: &Path) -> Result<(), ApiError> {
    let setup = |what: &str, error: std::io::Error| {
        ApiError::Setup(format!("cannot {what} {}: {error}", folder.display()))
    };
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(folder)
        .map_err(|error| setup("create", error))?;
    let metadata = std::fs::metadata(folder).map_err(|error| setup("inspect", error))?;
    if metadata.uid() != nix::unistd::getuid().as_raw() {
        return Err(ApiError::Setup(format!(
            "socket folder {} belongs to another user; set XDG_RUNTIME_DIR to a folder of yours",
            folder.display()
        )));
    }
    if metadata.permissions().mode() & 0o777 != 0o700 {
        std::fs::set_permissions(folder, std::fs::Permissions::from_mode(0o700))
            .map_err(|error| setup("set mode 0700 on", error))?;
    }
    Ok(())
}

async fn remove_stale_socket(path: &Path) -> Result<(), ApiError> {
    let metadata = match std::fs::symlink_metadata(path) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(error) => {
            return Err(ApiError::Setup(format!("cannot inspect {}: {error}", path.display())));
        }
    };
    if !metadata.file_type().is_socket() {
        return Err(ApiError::Setup(format!(
            "{} exists and is not a socket; remove it or choose another state dir",
            path.display()
        )));
    }
    match UnixStream::connect(path).await {
        Ok(_) => Err(ApiError::Setup(format!(
            "another process accepts connections on {}; stop it first",
            path.display()
        ))),
        Err(error) if error.kind() == std::io::ErrorKind::ConnectionRefused => {
            tracing::info!(socket = %path.display(), "removing stale socket");
            std::fs::remove_file(path).map_err(|error| {
                ApiError::Setup(format!("cannot remove stale socket {}: {error}", path.display()))
            })
        }
        Err(error) => {
            Err(ApiError::Setup(format!("cannot probe socket {}: {error}", path.display())))
        }
    }
}

fn remove_file_logged(path: &Path) {
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
        Err(error) => tracing::warn!(path = %path.display(), %error, "cannot remove file"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_addresses() {
        assert_eq!(parse_listen("127.0.0.1:0", false).unwrap().port(), 0);
        assert!(parse_listen("[::1]:7070", false).unwrap().ip().is_loopback());
        assert!(parse_listen("localhost:7070", false).unwrap().ip().is_loopback());
        assert!(parse_listen("0.0.0.0:7070", false).is_err());
        assert!(parse_listen("0.0.0.0:7070", true).is_ok());
        assert!(parse_listen("nonsense", false).is_err());
    }
}
