//! `tend up`: runs the supervisor in the foreground. Loads the config, takes
//! the single-instance lock, serves the API and waits for SIGINT, SIGTERM or
//! a quit request, then stops every component and exits.

use super::Exit;
use std::fs::OpenOptions;
use std::io::IsTerminal;
use std::path::Path;
use std::sync::Arc;

use clap::Args;
use tokio::signal::unix::{SignalKind, signal};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use super::GlobalArgs;
use super::config_load::load_config;
use super::error::CliError;
use crate::api::{self, ServeSettings};
use crate::instance::InstanceLock;
use crate::paths::{self, SUPERVISOR_LOG};
use crate::supervisor::{self, Options, SupervisorError};

/// The TCP address `--dashboard` listens on when `[api] listen` is not set.
const DASHBOARD_LISTEN: &str = "127.0.0.1:0";

#[derive(Debug, Args)]
pub struct UpArgs {
    /// Serve the dashboard on loopback TCP (a free port unless `[api] listen`
    /// is set) and print its URL
    #[arg(long)]
    dashboard: bool,
}

pub fn run(global: &GlobalArgs, args: UpArgs) -> Result<Exit, CliError> {
    let config = load_config(global)?;
    let state_dir =
        paths::state_dir(global.state_dir.as_deref(), config.supervisor.state_dir.as_deref());
    let lock =
        InstanceLock::acquire(&state_dir).map_err(|error| CliError::Failed(error.to_string()))?;
    init_tracing(&state_dir)?;
    crate::process::init_supervisor().map_err(|error| {
        CliError::Failed(format!("cannot prepare the supervisor process: {error}"))
    })?;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|error| CliError::Failed(format!("cannot start the async runtime: {error}")))?;
    let outcome = runtime.block_on(supervise(config, &state_dir, args));
    drop(lock);
    outcome
}

async fn supervise(
    config: crate::config::Config,
    state_dir: &Path,
    args: UpArgs,
) -> Result<Exit, CliError> {
    let listen =
        config.api.listen.clone().or_else(|| args.dashboard.then(|| DASHBOARD_LISTEN.to_string()));
    let settings = ServeSettings {
        state_dir: state_dir.to_path_buf(),
        socket_path: paths::socket_path(state_dir),
        listen,
        allow_remote: config.api.allow_remote,
    };
    tracing::info!(
        state_dir = %state_dir.display(),
        config = ?config.path,
        components = config.components.len(),
        "supervisor starting"
    );

    let handle = supervisor::start(config, Options { state_dir: state_dir.to_path_buf() });
    let server = match api::serve(handle.clone(), settings).await {
        Ok(server) => server,
        Err(error) => {
            stop_supervisor(&handle).await;
            return Err(CliError::Failed(error.to_string()));
        }
    };
    if let Some(url) = server.dashboard_url() {
        println!("dashboard: {url}");
        if api::dashboard_is_placeholder() {
            println!("(this build has no web UI; run `make` to build it)");
        }
    }

    let reason = wait_for_stop(&handle).await?;
    tracing::info!(reason, "supervisor stopping");
    stop_supervisor(&handle).await;
    server.shutdown().await;
    tracing::info!("supervisor stopped");
    Ok(Exit::Ok)
}

/// Waits for SIGINT, SIGTERM or the end of the actor (after a quit request).
async fn wait_for_stop(handle: &supervisor::SupervisorHandle) -> Result<&'static str, CliError> {
    let install = |kind: SignalKind| {
        signal(kind)
            .map_err(|error| CliError::Failed(format!("cannot install a signal handler: {error}")))
    };
    let mut interrupt = install(SignalKind::interrupt())?;
    let mut terminate = install(SignalKind::terminate())?;
    Ok(tokio::select! {
        _ = interrupt.recv() => "SIGINT",
        _ = terminate.recv() => "SIGTERM",
        () = handle.finished() => "quit requested",
    })
}

async fn stop_supervisor(handle: &supervisor::SupervisorHandle) {
    match handle.shutdown().await {
        Ok(()) | Err(SupervisorError::ShuttingDown) => {}
        Err(error) => tracing::error!(%error, "supervisor shutdown failed"),
    }
    handle.finished().await;
}

/// Logs to stderr and to `STATE_DIR/tend.log`; `RUST_LOG` sets the filter
/// (default `info`).
fn init_tracing(state_dir: &Path) -> Result<(), CliError> {
    let path = state_dir.join(SUPERVISOR_LOG);
    // NOTE: tend.log is appended to and never rotated.
    let file =
        OpenOptions::new().create(true).append(true).open(&path).map_err(|error| {
            CliError::Failed(format!("cannot open {}: {error}", path.display()))
        })?;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let stderr = tracing_subscriber::fmt::layer()
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    let file = tracing_subscriber::fmt::layer().with_ansi(false).with_writer(Arc::new(file));
    // A subscriber set earlier (e.g. by an embedding program) stays in place.
    let _ = tracing_subscriber::registry().with(filter).with(stderr).with(file).try_init();
    Ok(())
}
