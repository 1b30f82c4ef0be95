//! Start-up and lifecycle: load the config, take the state directory, start
//! the supervisor on the Tauri async runtime, build the tray, and quit by
//! stopping every component first (from the menu, on SIGTERM or SIGINT, or
//! when the supervisor receives a quit request through its API).

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use anyhow::Context;
use tauri::{AppHandle, Manager, RunEvent};
use tend::config::Config;
use tend::notify::{DesktopSink, NotificationAction, NotificationPolicy, PolicySettings};
use tend::supervisor::{self, SupervisorHandle, Target, Verb};
use tokio::sync::watch;

use crate::instance::{self, Claim};
use crate::{Args, ipc, prefs, tray, window};

/// State shared by every part of the app, managed by Tauri as `Arc<Core>`.
pub struct Core {
    pub handle: SupervisorHandle,
    pub state_dir: PathBuf,
    /// The pause switch; the notification loop watches it.
    pub paused: watch::Sender<bool>,
    pub start_at_login: AtomicBool,
    pub quitting: AtomicBool,
    /// Log follows started by the window, by component name.
    pub log_follows: Mutex<HashMap<String, tauri::async_runtime::JoinHandle<()>>>,
    /// The tray model last shown, so an unchanged one is not rebuilt.
    pub shown_model: Mutex<Option<tend::tray_menu::MenuModel>>,
    /// The control API server, taken out to shut it down on quit.
    pub api: Mutex<Option<tend::api::Server>>,
}

impl Core {
    /// Ends the API's streams, removes its socket and endpoint.json.
    async fn shutdown_api(&self) {
        let server = self.api.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take();
        if let Some(server) = server {
            server.shutdown().await;
        }
    }
}

/// Runs the app until it quits; returns the process exit code.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    init_tracing();
    let config = load_config(&args)?;
    let state_dir =
        tend::paths::state_dir(args.state_dir.as_deref(), config.supervisor.state_dir.as_deref());

    // Runs before the GTK event loop exists, so blocking here freezes nothing.
    let lock = match tauri::async_runtime::block_on(instance::claim(&state_dir))? {
        Claim::Acquired(lock) => lock,
        Claim::ShownExisting => {
            println!(
                "tend-app already runs for {}; its window was brought forward",
                state_dir.display()
            );
            return Ok(ExitCode::SUCCESS);
        }
        Claim::HeldByOther { pid } => {
            let pid = pid.map_or_else(|| "unknown".to_string(), |pid| pid.to_string());
            anyhow::bail!(
                "a supervisor (pid {pid}) already runs for {dir}, probably `tend up`; \
                 control it with `tend status --state-dir {dir}` or stop it with `tend quit` first",
                dir = state_dir.display()
            );
        }
    };
    tend::process::init_supervisor().context("cannot become the child subreaper")?;

    // The tray's D-Bus service (ksni over zbus, with zbus's tokio feature on)
    // is created and updated on the GTK thread and spawns onto the current
    // tokio runtime, so that thread carries the runtime's context. Nothing
    // blocks on it.
    let _runtime = tauri::async_runtime::handle().inner().enter();
    tracing::info!(state_dir = %state_dir.display(), components = config.components.len(), "starting");
    // With nothing to supervise, the window opens at start to say how to add components.
    let open_window = config.components.is_empty();

    let notifications = PolicySettings::from_config(&config.notifications);
    let api_settings = tend::api::ServeSettings {
        state_dir: state_dir.clone(),
        socket_path: tend::paths::socket_path(&state_dir),
        listen: config.api.listen.clone(),
        allow_remote: config.api.allow_remote,
    };
    let handle = supervisor::start(config, supervisor::Options { state_dir: state_dir.clone() });
    // The same API as `tend up`, so `tend status` and the other commands reach the app.
    let api = match tauri::async_runtime::block_on(tend::api::serve(handle.clone(), api_settings)) {
        Ok(server) => server,
        Err(error) => {
            if let Err(shutdown) = tauri::async_runtime::block_on(handle.shutdown()) {
                tracing::warn!(%shutdown, "supervisor shutdown failed");
            }
            return Err(error).context("cannot serve the control API");
        }
    };
    let prefs = prefs::load(&state_dir);
    let core = Arc::new(Core {
        handle,
        state_dir,
        paused: watch::Sender::new(prefs.notifications_paused),
        start_at_login: AtomicBool::new(false),
        quitting: AtomicBool::new(false),
        log_follows: Mutex::new(HashMap::new()),
        shown_model: Mutex::new(None),
        api: Mutex::new(Some(api)),
    });

    let app = tauri::Builder::default()
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            None,
        ))
        .manage(core.clone())
        .invoke_handler(ipc::handler())
        .setup(move |app| {
            // Tauri panics on a setup error, so the cause is logged first.
            setup(app.handle(), &core, notifications).map_err(|error| {
                tracing::error!("{error:#}");
                error
            })?;
            if open_window {
                crate::window::open(app.handle());
            }
            Ok(())
        })
        .build(tauri::generate_context!())
        .context("cannot start the desktop app")?;

    let code = app.run_return(|app, event| {
        if let RunEvent::ExitRequested { api, code, .. } = event {
            // Closing the last window requests an exit with no code, and the app stays in the tray then.
            let quitting = app.state::<Arc<Core>>().quitting.load(Ordering::SeqCst);
            if !quitting && code.is_none() {
                api.prevent_exit();
            }
        }
    });
    drop(lock);
    tracing::info!(code, "exited");
    Ok(ExitCode::from(u8::try_from(code).unwrap_or(1)))
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
}

fn load_config(args: &Args) -> anyhow::Result<Config> {
    let Some(path) = tend::paths::find_config(args.config.as_deref()) else {
        // Reload reads the default location, so a file written there after
        // start-up needs no restart.
        let path = tend::paths::default_config();
        let dir = match path.as_ref().and_then(|path| path.parent()) {
            Some(dir) => dir.to_path_buf(),
            None => std::env::current_dir().context("cannot read the current directory")?,
        };
        tracing::info!(path = ?path, "no tend.toml found; starting with no components");
        let mut config = Config::empty(&dir);
        config.path = path;
        return Ok(config);
    };
    tend::config::load(&path)
        .map_err(|errors| anyhow::anyhow!("invalid config {}:\n{errors}", path.display()))
}

fn setup(app: &AppHandle, core: &Arc<Core>, notifications: PolicySettings) -> anyhow::Result<()> {
    use tauri_plugin_autostart::ManagerExt;
    match app.autolaunch().is_enabled() {
        Ok(enabled) => core.start_at_login.store(enabled, Ordering::SeqCst),
        Err(error) => tracing::warn!(%error, "cannot read the start-at-login setting"),
    }
    tauri::async_runtime::spawn(tray::create_when_possible(app.clone()));

    let refresh_app = app.clone();
    let handle = core.handle.clone();
    tauri::async_runtime::spawn(async move {
        match handle.subscribe().await {
            Ok(subscription) => tray::follow(refresh_app, subscription.events).await,
            Err(error) => tracing::error!(%error, "cannot follow supervisor events for the tray"),
        }
    });
    tauri::async_runtime::spawn(run_notifications(app.clone(), core.clone(), notifications));
    tauri::async_runtime::spawn(quit_on_signal(app.clone()));
    tauri::async_runtime::spawn(exit_when_supervisor_ends(app.clone(), core.handle.clone()));

    let show_app = app.clone();
    let socket = instance::app_socket_path(&core.state_dir);
    tauri::async_runtime::spawn(instance::serve_show_requests(socket, move || {
        let app = show_app.clone();
        tauri::async_runtime::spawn(async move { window::open(&app) });
    }));
    Ok(())
}

async fn run_notifications(app: AppHandle, core: Arc<Core>, settings: PolicySettings) {
    let subscription = match core.handle.subscribe().await {
        Ok(subscription) => subscription,
        Err(error) => {
            tracing::error!(%error, "cannot follow supervisor events for notifications");
            return;
        }
    };
    let action_app = app.clone();
    let sink = DesktopSink::start("Tend", move |invoked| {
        let app = action_app.clone();
        tauri::async_runtime::spawn(async move {
            on_notification_action(&app, invoked.component, invoked.action).await;
        });
    });
    let policy = NotificationPolicy::new(settings, tokio::time::Instant::now());
    let paused = core.paused.subscribe();
    tend::notify::run(policy, subscription.events, paused, Arc::new(sink)).await;
}

async fn on_notification_action(
    app: &AppHandle,
    component: Option<String>,
    action: NotificationAction,
) {
    match (action, component) {
        (NotificationAction::Restart, Some(name)) => {
            let handle = app.state::<Arc<Core>>().handle.clone();
            crate::actions::report(handle.act(Verb::Restart, Target::Names(vec![name])).await);
        }
        (NotificationAction::ShowLogs, Some(name)) => window::show_logs(app, &name),
        _ => window::open(app),
    }
}

/// Stops every component, then exits the app. Safe to call more than once.
pub fn quit(app: &AppHandle) {
    let core = app.state::<Arc<Core>>().inner().clone();
    if core.quitting.swap(true, Ordering::SeqCst) {
        return;
    }
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        tracing::info!("quitting: stopping every component");
        if let Err(error) = core.handle.shutdown().await {
            tracing::warn!(%error, "supervisor shutdown failed");
        }
        core.handle.finished().await;
        core.shutdown_api().await;
        tray::remove(&app);
        app.exit(0);
    });
}

async fn quit_on_signal(app: AppHandle) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut terminate), Ok(mut interrupt)) =
        (signal(SignalKind::terminate()), signal(SignalKind::interrupt()))
    else {
        tracing::error!("cannot install the SIGTERM and SIGINT handlers");
        return;
    };
    tokio::select! {
        _ = terminate.recv() => tracing::info!("SIGTERM received"),
        _ = interrupt.recv() => tracing::info!("SIGINT received"),
    }
    quit(&app);
}

/// Exits the app when the supervisor ends by itself (e.g. a quit request through the API).
async fn exit_when_supervisor_ends(app: AppHandle, handle: SupervisorHandle) {
    handle.finished().await;
    let core = app.state::<Arc<Core>>().inner().clone();
    if !core.quitting.swap(true, Ordering::SeqCst) {
        tracing::info!("the supervisor ended; exiting");
        core.shutdown_api().await;
        tray::remove(&app);
        app.exit(0);
    }
}
