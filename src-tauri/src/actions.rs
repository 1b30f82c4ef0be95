//! Handlers of the tray menu's items. They run on the GTK thread, so each
//! spawns its work on the async runtime and returns at once.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use tauri::{AppHandle, Manager};
use tend::supervisor::{ActionResult, SupervisorError, Target, Verb};
use tend::tray_menu::Action;

use crate::app::Core;
use crate::{prefs, tray, window};

/// Handles a click on the menu item `id`.
pub fn on_menu_event(app: &AppHandle, id: &str) {
    let Some(action) = Action::parse(id) else {
        tracing::debug!(id, "menu item without an action");
        return;
    };
    tracing::info!(id, "menu action");
    let app = app.clone();
    tauri::async_runtime::spawn(async move { perform(&app, action).await });
}

async fn perform(app: &AppHandle, action: Action) {
    let core = app.state::<Arc<Core>>().inner().clone();
    match action {
        Action::Component { name, verb } => {
            report(core.handle.act(verb, Target::Names(vec![name])).await);
        }
        Action::RestartFailed => report(core.handle.act(Verb::Restart, Target::Failed).await),
        Action::ShowLogs { name } => window::show_logs(app, &name),
        Action::OpenWindow => window::open(app),
        Action::PauseNotifications => toggle_pause(&core),
        Action::ReloadConfig => match core.handle.reload().await {
            Ok(outcome) if outcome.ok => tracing::info!(
                added = ?outcome.added, removed = ?outcome.removed, changed = ?outcome.changed,
                "config reloaded"
            ),
            Ok(outcome) => tracing::warn!(errors = ?outcome.errors, "config reload rejected"),
            Err(error) => tracing::warn!(%error, "config reload failed"),
        },
        Action::StartAtLogin => toggle_start_at_login(app, &core),
        Action::Quit => {
            crate::app::quit(app);
            return;
        }
    }
    tray::refresh(app).await;
}

/// Logs the outcome of a start, stop or restart.
pub fn report(outcome: Result<Vec<ActionResult>, SupervisorError>) {
    match outcome {
        Ok(results) => {
            for result in results {
                if result.ok {
                    tracing::info!(component = result.name, state = %result.state, "{}", result.message);
                } else {
                    tracing::warn!(component = result.name, state = %result.state, "{}", result.message);
                }
            }
        }
        Err(error) => tracing::warn!(%error, "action failed"),
    }
}

fn toggle_pause(core: &Core) {
    let paused = !*core.paused.borrow();
    core.paused.send_replace(paused);
    tracing::info!(paused, "notifications paused switched");
    let saved = prefs::save(&core.state_dir, &prefs::AppPrefs { notifications_paused: paused });
    if let Err(error) = saved {
        let path = prefs::prefs_path(&core.state_dir);
        tracing::warn!(path = %path.display(), %error, "cannot save the pause switch");
    }
}

fn toggle_start_at_login(app: &AppHandle, core: &Core) {
    use tauri_plugin_autostart::ManagerExt;
    let launcher = app.autolaunch();
    let enable = !core.start_at_login.load(Ordering::SeqCst);
    let result = if enable { launcher.enable() } else { launcher.disable() };
    match result {
        Ok(()) => {
            core.start_at_login.store(enable, Ordering::SeqCst);
            tracing::info!(enabled = enable, "start at login switched");
        }
        Err(error) => tracing::warn!(%error, enable, "cannot change start at login"),
    }
}
