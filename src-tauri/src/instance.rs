//! One supervisor per state directory: the app takes `STATE_DIR/tend.lock`
//! (as `tend up` does) and listens on a small Unix socket next to the API
//! socket, so that a second `tend-app` can bring the first one's window
//! forward instead of starting.

use std::fs::File;
use std::io::{Read, Write};
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

/// The held lock; released when the process exits.
pub struct InstanceLock {
    _lock: fd_lock::RwLockWriteGuard<'static, File>,
}

/// The socket a running `tend-app` listens on for "show" requests.
pub fn app_socket_path(state_dir: &Path) -> PathBuf {
    tend::paths::socket_path(state_dir).with_extension("app.sock")
}

/// Takes the lock, or asks the holder to show its window.
pub async fn claim(state_dir: &Path) -> anyhow::Result<Claim> {
    std::fs::create_dir_all(state_dir)
        .with_context(|| format!("cannot create the state directory {}", state_dir.display()))?;
    let path = state_dir.join(tend::paths::LOCK_FILE);
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .with_context(|| format!("cannot open the lock file {}", path.display()))?;
    // The lock lives as long as the process, so leaking it is the lifetime it needs.
    let lock: &'static mut fd_lock::RwLock<File> = Box::leak(Box::new(fd_lock::RwLock::new(file)));
    match lock.try_write() {
        Ok(mut guard) => {
            guard.set_len(0).with_context(|| format!("cannot write {}", path.display()))?;
            write!(&mut *guard, "{}", std::process::id())
                .with_context(|| format!("cannot write {}", path.display()))?;
            Ok(Claim::Acquired(InstanceLock { _lock: guard }))
        }
        Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {
            let pid = read_pid(&path);
            if ask_to_show(&app_socket_path(state_dir)).await {
                Ok(Claim::ShownExisting)
            } else {
                Ok(Claim::HeldByOther { pid })
            }
        }
        Err(error) => Err(error).with_context(|| format!("cannot lock {}", path.display())),
    }
}

fn read_pid(path: &Path) -> Option<u32> {
    let mut text = String::new();
    File::open(path).ok()?.read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

async fn ask_to_show(socket: &Path) -> bool {
    let deadline = tokio::time::Instant::now() + CONNECT_PATIENCE;
    loop {
        match try_show(socket).await {
            Ok(()) => return true,
            Err(error) if tokio::time::Instant::now() >= deadline => {
                tracing::debug!(socket = %socket.display(), %error, "no tend-app answers");
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
