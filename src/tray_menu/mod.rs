//! The tray menu as data: a pure function from a [`Snapshot`] to a
//! [`MenuModel`], the stable item ids, and the [`Action`] each id stands for.
//! The app renders the model with its GUI toolkit; nothing here needs one.

mod refresh;
#[cfg(test)]
mod tests;

pub use refresh::coalesce_refreshes;

use crate::event::{ComponentSnapshot, Snapshot};
use crate::state::{Aggregate, StateName};
use crate::supervisor::Verb;

/// Longest diagnosis text shown in a component's submenu label, in characters.
const MAX_DIAGNOSIS_CHARS: usize = 60;

/// Settings the menu shows as check items; the app owns and persists them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MenuPrefs {
    pub notifications_paused: bool,
    pub start_at_login: bool,
}

/// One entry of the tray menu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MenuItem {
    /// A plain item; clicking it sends the [`Action`] its id parses to.
    Text {
        id: String,
        label: String,
        enabled: bool,
    },
    /// A check item whose mark shows a setting.
    Check {
        id: String,
        label: String,
        checked: bool,
    },
    /// A submenu with its own items.
    Submenu {
        id: String,
        label: String,
        items: Vec<MenuItem>,
    },
    Separator,
}

impl MenuItem {
    /// The item's id, `None` for a separator.
    pub fn id(&self) -> Option<&str> {
        match self {
            MenuItem::Text { id, .. }
            | MenuItem::Check { id, .. }
            | MenuItem::Submenu { id, .. } => Some(id),
            MenuItem::Separator => None,
        }
    }

    /// The item's label, `None` for a separator.
    pub fn label(&self) -> Option<&str> {
        match self {
            MenuItem::Text { label, .. }
            | MenuItem::Check { label, .. }
            | MenuItem::Submenu { label, .. } => Some(label),
            MenuItem::Separator => None,
        }
    }
}

/// Everything the tray shows: icon state, tooltip and menu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MenuModel {
    pub aggregate: Aggregate,
    /// Tooltip and title text, e.g. "Tend: 3 running, 1 failing".
    pub tooltip: String,
    pub items: Vec<MenuItem>,
}

/// What a click on a menu item asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Component { name: String, verb: Verb },
    ShowLogs { name: String },
    RestartFailed,
    OpenWindow,
    PauseNotifications,
    ReloadConfig,
    StartAtLogin,
    Quit,
}

const SUMMARY_ID: &str = "summary";
const RESTART_FAILED_ID: &str = "restart-failed";
const OPEN_ID: &str = "open";
const PAUSE_ID: &str = "pause-notifications";
const RELOAD_ID: &str = "reload";
const START_AT_LOGIN_ID: &str = "start-at-login";
const QUIT_ID: &str = "quit";
const COMPONENT_PREFIX: &str = "component:";
const LOGS_SUFFIX: &str = "logs";

impl Action {
    /// The stable menu item id, e.g. `component:web:restart` or `quit`.
    pub fn id(&self) -> String {
        match self {
            Action::Component { name, verb } => {
                format!("{COMPONENT_PREFIX}{name}:{}", verb.as_str())
            }
            Action::ShowLogs { name } => format!("{COMPONENT_PREFIX}{name}:{LOGS_SUFFIX}"),
            Action::RestartFailed => RESTART_FAILED_ID.to_string(),
            Action::OpenWindow => OPEN_ID.to_string(),
            Action::PauseNotifications => PAUSE_ID.to_string(),
            Action::ReloadConfig => RELOAD_ID.to_string(),
            Action::StartAtLogin => START_AT_LOGIN_ID.to_string(),
            Action::Quit => QUIT_ID.to_string(),
        }
    }

    /// Parses a menu item id; `None` for ids that trigger nothing (the
    /// summary line, submenus) and for unknown ids.
    pub fn parse(id: &str) -> Option<Action> {
        if let Some(rest) = id.strip_prefix(COMPONENT_PREFIX) {
            // Component names cannot contain ':', so the last one splits off the verb.
            let (name, what) = rest.rsplit_once(':')?;
            if name.is_empty() {
                return None;
            }
            let name = name.to_string();
            if what == LOGS_SUFFIX {
                return Some(Action::ShowLogs { name });
            }
            return Verb::parse(what).map(|verb| Action::Component { name, verb });
        }
        match id {
            RESTART_FAILED_ID => Some(Action::RestartFailed),
            OPEN_ID => Some(Action::OpenWindow),
            PAUSE_ID => Some(Action::PauseNotifications),
            RELOAD_ID => Some(Action::ReloadConfig),
            START_AT_LOGIN_ID => Some(Action::StartAtLogin),
            QUIT_ID => Some(Action::Quit),
            _ => None,
        }
    }
}

/// Builds the tray menu for a snapshot.
pub fn menu_model(snapshot: &Snapshot, prefs: &MenuPrefs) -> MenuModel {
    let mut items = vec![
        MenuItem::Text {
            id: SUMMARY_ID.to_string(),
            label: snapshot.summary.clone(),
            enabled: false,
        },
        MenuItem::Separator,
    ];
    if !snapshot.components.is_empty() {
        items.extend(snapshot.components.iter().map(component_submenu));
        items.push(MenuItem::Separator);
    }

    let failed = snapshot.counts.failed;
    items.push(MenuItem::Text {
        id: RESTART_FAILED_ID.to_string(),
        label: format!("Restart failed ({failed})"),
        enabled: failed > 0,
    });
    items.push(text(Action::OpenWindow, "Open Tend"));
    items.push(MenuItem::Separator);
    items.push(check(
        Action::PauseNotifications,
        "Pause notifications",
        prefs.notifications_paused,
    ));
    items.push(text(Action::ReloadConfig, "Reload config"));
    items.push(check(Action::StartAtLogin, "Start at login", prefs.start_at_login));
    items.push(MenuItem::Separator);
    items.push(text(Action::Quit, "Quit Tend"));

    MenuModel {
        aggregate: snapshot.aggregate,
        tooltip: format!("Tend: {}", snapshot.summary),
        items,
    }
}

fn text(action: Action, label: &str) -> MenuItem {
    MenuItem::Text { id: action.id(), label: label.to_string(), enabled: true }
}

fn check(action: Action, label: &str, checked: bool) -> MenuItem {
    MenuItem::Check { id: action.id(), label: label.to_string(), checked }
}

/// The submenu of one component: its label says name, state and diagnosis.
fn component_submenu(component: &ComponentSnapshot) -> MenuItem {
    let name = &component.name;
    let verb_item = |verb: Verb, label: &str| MenuItem::Text {
        id: Action::Component { name: name.clone(), verb }.id(),
        label: label.to_string(),
        enabled: verb_enabled(component, verb),
    };
    let items = vec![
        verb_item(Verb::Restart, "Restart"),
        verb_item(Verb::Stop, "Stop"),
        verb_item(Verb::Start, "Start"),
        MenuItem::Text {
            id: Action::ShowLogs { name: name.clone() }.id(),
            label: "Show logs".to_string(),
            enabled: true,
        },
    ];
    MenuItem::Submenu {
        id: format!("{COMPONENT_PREFIX}{name}"),
        label: component_label(component),
        items,
    }
}

/// "web — running", or "web — fatal: missing Python module flask" when a
/// diagnosis explains the state. The diagnosis of a past failure stays in the
/// snapshot after a recovery, so it is shown only while the component is not
/// up, or when it is a warning about the current run.
pub fn component_label(component: &ComponentSnapshot) -> String {
    use StateName::*;
    let mut label = format!("{} — {}", component.name, component.state);
    let up =
        matches!(component.state, Starting | Running | Healthy | Stopping | Stopped | Completed);
    let explains = |diagnosis: &&crate::diagnose::Diagnosis| {
        !up || diagnosis.severity == crate::diagnose::Severity::Warning
    };
    if let Some(diagnosis) = component.diagnosis.as_ref().filter(explains) {
        label.push_str(": ");
        label.push_str(&shorten(&diagnosis.summary, MAX_DIAGNOSIS_CHARS));
    }
    label
}

/// Whether a verb makes sense in the component's state. Start applies when no
/// process runs or will run by itself; Stop whenever a process runs or a
/// restart is coming; Restart to everything but a component that is stopping
/// or was stopped on purpose (Start is the action for that).
pub fn verb_enabled(component: &ComponentSnapshot, verb: Verb) -> bool {
    use StateName::*;
    let state = component.state;
    match verb {
        Verb::Start => {
            matches!(state, Stopped | Fatal | Blocked | Completed)
                || (state == Exited && !component.restart_pending)
        }
        Verb::Stop => {
            state.is_live() && state != Stopping
                || matches!(state, Backoff | Waiting | Fatal | Blocked)
                || (state == Exited && component.restart_pending)
        }
        Verb::Restart => !matches!(state, Stopping | Stopped),
    }
}

/// Cuts `text` to at most `max` characters, marking a cut with an ellipsis.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut short: String = text.chars().take(max.saturating_sub(1)).collect();
    short.push('…');
    short
}

/// The base name of the tray icon for an aggregate state, e.g. `tray-failed`;
/// the files are `icons/tray-failed-SIZE.png`.
pub fn icon_name(aggregate: Aggregate) -> &'static str {
    match aggregate {
        Aggregate::Healthy => "tray-healthy",
        Aggregate::Degraded => "tray-degraded",
        Aggregate::Failed => "tray-failed",
        Aggregate::Idle => "tray-idle",
    }
}
