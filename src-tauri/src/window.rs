//! The Tend window: opened on demand, destroyed on close (the app stays in
//! the tray and the WebKit web process exits with the window).

use tauri::{AppHandle, Emitter, Manager, WebviewUrl, WebviewWindowBuilder};

const WINDOW_LABEL: &str = "main";

/// Shows the window, creating it when it does not exist.
pub fn open(app: &AppHandle) {
    open_at(app, "index.html".into());
}

/// Shows the window; a new one loads `page`. Returns whether it already existed.
fn open_at(app: &AppHandle, page: String) -> bool {
    if let Some(window) = app.get_webview_window(WINDOW_LABEL) {
        let shown =
            window.unminimize().and_then(|()| window.show()).and_then(|()| window.set_focus());
        if let Err(error) = shown {
            tracing::warn!(%error, "cannot bring the window forward");
        }
        return true;
    }
    let built = WebviewWindowBuilder::new(app, WINDOW_LABEL, WebviewUrl::App(page.into()))
        .title("Tend")
        .inner_size(960.0, 640.0)
        .min_inner_size(480.0, 600.0)
        .build();
    match built {
        Ok(_) => tracing::info!("window opened"),
        Err(error) => tracing::error!(%error, "cannot open the window"),
    }
    false
}

/// Opens the window on a component's log panel: a new window reads the
/// component from its URL, and an open one gets a `show-logs` event.
pub fn show_logs(app: &AppHandle, name: &str) {
    // Component names match [A-Za-z0-9_.-], so they need no URL escaping.
    if !open_at(app, format!("index.html?logs={name}")) {
        return;
    }
    if let Err(error) = app.emit_to(WINDOW_LABEL, "show-logs", name) {
        tracing::debug!(%error, component = name, "cannot ask the window to show logs");
    }
}
