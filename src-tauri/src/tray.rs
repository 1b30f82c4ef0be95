//! The tray icon: renders [`tend::tray_menu::menu_model`] with Tauri's menu
//! types, and rebuilds icon, tooltip and menu when the supervisor's state
//! changes (at most [`MAX_REBUILDS_PER_SECOND`] times a second).

use std::sync::Arc;
use std::time::Duration;

use tauri::image::Image;
use tauri::menu::{CheckMenuItem, IsMenuItem, Menu, MenuItem, PredefinedMenuItem, Submenu};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, Wry};
use tend::event::Event;
use tend::state::Aggregate;
use tend::tray_menu::{self, MenuModel, MenuPrefs};
use tokio::sync::broadcast;

use crate::app::Core;

const TRAY_ID: &str = "tend";
const MAX_REBUILDS_PER_SECOND: u32 = 4;
/// How often to try again to create the tray while no tray host is on the bus.
const CREATE_RETRY: Duration = Duration::from_secs(2);

const HEALTHY_ICON: &[u8] = include_bytes!("../../icons/tray-healthy-32.png");
const DEGRADED_ICON: &[u8] = include_bytes!("../../icons/tray-degraded-32.png");
const FAILED_ICON: &[u8] = include_bytes!("../../icons/tray-failed-32.png");
const IDLE_ICON: &[u8] = include_bytes!("../../icons/tray-idle-32.png");

/// Creates the tray icon, retrying while the session has no tray host
/// (StatusNotifierWatcher) to register with, then shows the current state.
pub async fn create_when_possible(app: AppHandle) {
    let mut logged = false;
    loop {
        let creator = app.clone();
        match tauri::async_runtime::spawn_blocking(move || create(&creator)).await {
            Ok(Ok(())) => break,
            Ok(Err(error)) if !logged => {
                tracing::warn!(%error, "cannot create the tray icon; retrying every {}s", CREATE_RETRY.as_secs());
                logged = true;
            }
            Ok(Err(error)) => tracing::debug!(%error, "cannot create the tray icon"),
            Err(error) => tracing::error!(%error, "tray creation task failed"),
        }
        tokio::time::sleep(CREATE_RETRY).await;
    }
    tracing::info!("tray icon created");
    let core = app.state::<Arc<Core>>().inner().clone();
    *core.shown_model.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = None;
    refresh(&app).await;
}

/// Creates the tray icon with an empty model; [`refresh`] fills it in.
fn create(app: &AppHandle) -> tauri::Result<()> {
    let model = tray_menu::menu_model(
        &tend::event::Snapshot::new(None, Vec::new(), None),
        &current_prefs(app),
    );
    let menu = build_menu(app, &model)?;
    TrayIconBuilder::with_id(TRAY_ID)
        .icon(icon(model.aggregate)?)
        .title("Tend")
        .tooltip(&model.tooltip)
        .menu(&menu)
        .show_menu_on_left_click(true)
        .on_menu_event(|app, event| crate::actions::on_menu_event(app, event.id().as_ref()))
        .build(app)?;
    Ok(())
}

/// Rebuilds the tray after state changes until the event stream ends.
pub async fn follow(app: AppHandle, events: broadcast::Receiver<Event>) {
    refresh(&app).await;
    let interval = Duration::from_secs(1) / MAX_REBUILDS_PER_SECOND;
    tray_menu::coalesce_refreshes(events, interval, || refresh(&app)).await;
}

/// Renders the current snapshot into the tray, unless it shows the same already.
pub async fn refresh(app: &AppHandle) {
    let core = app.state::<Arc<Core>>().inner().clone();
    let snapshot = match core.handle.snapshot().await {
        Ok(snapshot) => snapshot,
        Err(error) => {
            tracing::debug!(%error, "no snapshot for the tray");
            return;
        }
    };
    let model = tray_menu::menu_model(&snapshot, &current_prefs(app));
    {
        let mut shown = core.shown_model.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if shown.as_ref() == Some(&model) {
            return;
        }
        *shown = Some(model.clone());
    }
    // Tauri runs menu and tray calls on the GTK thread and waits for them, so
    // this waits on a blocking thread rather than an async worker.
    let app = app.clone();
    let applied = tauri::async_runtime::spawn_blocking(move || apply(&app, &model)).await;
    match applied {
        Ok(Ok(())) => {}
        Ok(Err(error)) => tracing::warn!(%error, "cannot update the tray"),
        Err(error) => tracing::warn!(%error, "tray update task failed"),
    }
}

/// Takes the tray icon off the bus before exit, while the runtime its D-Bus
/// service spawns onto still runs.
pub fn remove(app: &AppHandle) {
    if app.remove_tray_by_id(TRAY_ID).is_none() {
        tracing::debug!("no tray icon to remove");
    }
}

fn apply(app: &AppHandle, model: &MenuModel) -> tauri::Result<()> {
    let Some(tray) = app.tray_by_id(TRAY_ID) else { return Ok(()) };
    let menu = build_menu(app, model)?;
    tray.set_menu(Some(menu))?;
    tray.set_icon(Some(icon(model.aggregate)?))?;
    tray.set_tooltip(Some(&model.tooltip))?;
    tracing::debug!(aggregate = model.aggregate.as_str(), "tray updated");
    Ok(())
}

fn current_prefs(app: &AppHandle) -> MenuPrefs {
    let core = app.state::<Arc<Core>>();
    MenuPrefs {
        notifications_paused: *core.paused.borrow(),
        start_at_login: core.start_at_login.load(std::sync::atomic::Ordering::SeqCst),
    }
}

fn icon(aggregate: Aggregate) -> tauri::Result<Image<'static>> {
    let bytes = match aggregate {
        Aggregate::Healthy => HEALTHY_ICON,
        Aggregate::Degraded => DEGRADED_ICON,
        Aggregate::Failed => FAILED_ICON,
        Aggregate::Idle => IDLE_ICON,
    };
    Image::from_bytes(bytes)
}

fn build_menu(app: &AppHandle, model: &MenuModel) -> tauri::Result<Menu<Wry>> {
    let menu = Menu::new(app)?;
    for item in &model.items {
        menu.append(build_item(app, item)?.as_ref())?;
    }
    Ok(menu)
}

fn build_item(
    app: &AppHandle,
    item: &tray_menu::MenuItem,
) -> tauri::Result<Box<dyn IsMenuItem<Wry>>> {
    Ok(match item {
        tray_menu::MenuItem::Text { id, label, enabled } => {
            Box::new(MenuItem::with_id(app, id, escape(label), *enabled, None::<&str>)?)
        }
        tray_menu::MenuItem::Check { id, label, checked } => {
            Box::new(CheckMenuItem::with_id(app, id, escape(label), true, *checked, None::<&str>)?)
        }
        tray_menu::MenuItem::Submenu { id, label, items } => {
            let submenu = Submenu::with_id(app, id, escape(label), true)?;
            for child in items {
                submenu.append(build_item(app, child)?.as_ref())?;
            }
            Box::new(submenu)
        }
        tray_menu::MenuItem::Separator => Box::new(PredefinedMenuItem::separator(app)?),
    })
}

/// Escapes `&`, which menu labels read as the mnemonic marker.
fn escape(label: &str) -> String {
    label.replace('&', "&&")
}
