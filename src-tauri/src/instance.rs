//! One supervisor per state directory: the app takes `STATE_DIR/tend.lock`
//! with the same lock as `tend up` and listens on a small Unix socket next to the API
//! socket, so that a second `tend-app` can bring the first one's window
//! forward instead of starting.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// The request a second instance sends.
const SHOW_REQUEST: &str = "show\n";
const OK_REPLY: &str = "ok\n";
/// How long a second instance keeps trying the first one's socket: the first
/// may hold the lock a moment before it listens.
const CONNECT_PATIENCE: Duration = Duration::from_secs(3);

/// The outcome of trying to become the state directory's supervisor.
pub enum Claim {
    /// This process holds the lock for its lifetime.
    Acquired(InstanceLock),
    /// Another `tend-app` holds it and was asked to show its window.
    ShownExisting,
    /// Something else (a `tend up`) holds it.
    HeldByOther { pid: Option<u32> },
}

pub use tend::instance::InstanceLock;

/// The socket a running `tend-app` listens on for "show" requests.
pub fn app_socket_path(state_dir: &Path) -> PathBuf {
    tend::paths::socket_path(state_dir).with_extension("app.sock")
}

/// Takes the lock, or asks the holder to show its window.
pub async fn claim(state_dir: &Path) -> anyhow::Result<Claim> {
    match InstanceLock::acquire(state_dir) {
        Ok(lock) => Ok(Claim::Acquired(lock)),
        Err(tend::instance::LockError::AlreadyRunning { pid, .. }) => {
            if ask_to_show(&app_socket_path(state_dir)).await {
                Ok(Claim::ShownExisting)
            } else {
                Ok(Claim::HeldByOther { pid })
            }
        }
        Err(error) => Err(error).context("cannot take the state directory's lock"),
    }
}

async fn ask_to_show(socket: &Path) -> bool {
    let deadline = tokio::time::Instant::now() + CONNECT_PATIENCE;
    loop {
        match try_show(socket).await {
            Ok(()) => return true,
            Err(error) if tokio::time::Instant::now() >= deadline => {
                tracing::debug!(socket = %socket.display(), %error, "no tend-app responded on its socket");
                return false;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

async fn try_show(socket: &Path) -> std::io::Result<()> {
    let mut stream = tokio::net::UnixStream::connect(socket).await?;
    stream.write_all(SHOW_REQUEST.as_bytes()).await?;
    let mut reply = String::new();
    BufReader::new(stream).read_line(&mut reply).await?;
    if reply == OK_REPLY {
        Ok(())
    } else {
        Err(std::io::Error::other(format!("unexpected reply {reply:?}")))
    }
}

/// Listens for "show" requests and calls `on_show` for each, until the task is dropped.
pub async fn serve_show_requests(socket: PathBuf, on_show: impl Fn() + Send + 'static) {
    let listener = match bind(&socket) {
        Ok(listener) => listener,
        Err(error) => {
            tracing::warn!(socket = %socket.display(), %error, "cannot listen for a second tend-app");
            return;
        }
    };
    loop {
        let Ok((stream, _)) = listener.accept().await else { continue };
        let mut reader = BufReader::new(stream);
        let mut request = String::new();
        if reader.read_line(&mut request).await.is_err() || request != SHOW_REQUEST {
            continue;
        }
        tracing::info!("a second tend-app asked to show the window");
        on_show();
        if let Err(error) = reader.into_inner().write_all(OK_REPLY.as_bytes()).await {
            tracing::debug!(%error, "second tend-app left before the reply");
        }
    }
}

fn bind(socket: &Path) -> std::io::Result<tokio::net::UnixListener> {
    if let Some(parent) = socket.parent() {
        std::fs::create_dir_all(parent)?;
        std::fs::set_permissions(parent, std::fs::Permissions::from_mode(0o700))?;
    }
    // The lock is held, so a socket file left here belongs to a dead instance.
    match std::fs::remove_file(socket) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => return Err(error),
        _ => {}
    }
    let listener = tokio::net::UnixListener::bind(socket)?;
    std::fs::set_permissions(socket, std::fs::Permissions::from_mode(0o600))?;
    Ok(listener)
}
