//! A desktop on a private session bus for end-to-end tests: a
//! StatusNotifierWatcher that records tray items, a notification server that
//! records every Notify call, and a dbusmenu client that reads and clicks
//! the tray menu.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use zbus::zvariant::{OwnedValue, Value};
use zbus::{Connection, interface};

/// How long a test waits for any one thing to happen.
pub const DEADLINE: Duration = Duration::from_secs(30);

/// Polls `probe` until it returns `Some`, or panics naming `what`.
pub async fn wait_for<T, F, Fut>(what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Tray items that registered: (bus name of the sender, service argument).
#[derive(Clone, Default)]
pub struct Watcher {
    items: Arc<Mutex<Vec<(String, String)>>>,
}

#[interface(name = "org.kde.StatusNotifierWatcher")]
impl Watcher {
    async fn register_status_notifier_item(
        &self,
        service: &str,
        #[zbus(header)] header: zbus::message::Header<'_>,
    ) {
        let sender = header.sender().map(|name| name.to_string()).unwrap_or_default();
        self.items.lock().unwrap().push((sender, service.to_string()));
    }

    async fn register_status_notifier_host(&self, _service: &str) {}

    #[zbus(property)]
    async fn registered_status_notifier_items(&self) -> Vec<String> {
        self.items.lock().unwrap().iter().map(|(_, service)| service.clone()).collect()
    }

    #[zbus(property)]
    async fn is_status_notifier_host_registered(&self) -> bool {
        true
    }

    #[zbus(property)]
    async fn protocol_version(&self) -> i32 {
        0
    }
}

impl Watcher {
    pub fn items(&self) -> Vec<(String, String)> {
        self.items.lock().unwrap().clone()
    }
}

/// One recorded Notify call.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub id: u32,
    pub app_name: String,
    pub summary: String,
    pub body: String,
    pub actions: Vec<String>,
}

/// A notification server that records every Notify call.
#[derive(Clone, Default)]
pub struct NotificationServer {
    notes: Arc<Mutex<Vec<Recorded>>>,
}

#[interface(name = "org.freedesktop.Notifications")]
impl NotificationServer {
    #[allow(clippy::too_many_arguments)]
    async fn notify(
        &self,
        app_name: String,
        _replaces_id: u32,
        _app_icon: String,
        summary: String,
        body: String,
        actions: Vec<String>,
        _hints: HashMap<String, OwnedValue>,
        _expire_timeout: i32,
    ) -> u32 {
        let mut notes = self.notes.lock().unwrap();
        let id = notes.len() as u32 + 1;
        notes.push(Recorded { id, app_name, summary, body, actions });
        id
    }

    async fn get_capabilities(&self) -> Vec<String> {
        vec!["actions".to_string(), "body".to_string()]
    }

    async fn get_server_information(&self) -> (String, String, String, String) {
        ("recorder".into(), "tend tests".into(), "1".into(), "1.2".into())
    }

    async fn close_notification(&self, _id: u32) {}
}

impl NotificationServer {
    pub fn notes(&self) -> Vec<Recorded> {
        self.notes.lock().unwrap().clone()
    }
}

/// Owns the watcher and the notification server on the session bus.
pub async fn start_desktop() -> (Connection, Watcher, NotificationServer) {
    let watcher = Watcher::default();
    let server = NotificationServer::default();
    let connection = zbus::connection::Builder::session()
        .unwrap()
        .name("org.kde.StatusNotifierWatcher")
        .unwrap()
        .name("org.freedesktop.Notifications")
        .unwrap()
        .serve_at("/StatusNotifierWatcher", watcher.clone())
        .unwrap()
        .serve_at("/org/freedesktop/Notifications", server.clone())
        .unwrap()
        .build()
        .await
        .expect("cannot connect to the private session bus");
    (connection, watcher, server)
}

/// Clicks a notification's action button, as a notification server does.
pub async fn invoke_action(connection: &Connection, id: u32, key: &str) {
    connection
        .emit_signal(
            None::<&str>,
            "/org/freedesktop/Notifications",
            "org.freedesktop.Notifications",
            "ActionInvoked",
            &(id, key),
        )
        .await
        .unwrap();
}

/// One menu entry as dbusmenu describes it.
#[derive(Debug, Clone)]
pub struct Entry {
    pub id: i32,
    pub label: String,
    pub enabled: bool,
    /// `Some(true)` for a checked check item.
    pub checked: Option<bool>,
    pub children: Vec<Entry>,
}

impl Entry {
    /// Finds the first entry, depth first, whose label satisfies `matches`.
    pub fn find(&self, matches: &dyn Fn(&str) -> bool) -> Option<&Entry> {
        if matches(&self.label) {
            return Some(self);
        }
        self.children.iter().find_map(|child| child.find(matches))
    }
}

/// The tray item's menu, read over dbusmenu.
pub struct TrayMenu {
    pub service: String,
    pub path: String,
}

impl TrayMenu {
    /// Finds the menu object of the registered tray item `service` (sent by `sender`).
    pub async fn of_item(connection: &Connection, sender: &str, service: &str) -> TrayMenu {
        // An item registers with its bus name or with an object path on the sender.
        let (destination, item_path) = if service.starts_with('/') {
            (sender.to_string(), service.to_string())
        } else {
            (service.to_string(), "/StatusNotifierItem".to_string())
        };
        let proxy = zbus::Proxy::new(
            connection,
            destination.clone(),
            item_path,
            "org.kde.StatusNotifierItem",
        )
        .await
        .unwrap();
        let menu: zbus::zvariant::OwnedObjectPath = proxy.get_property("Menu").await.unwrap();
        TrayMenu { service: destination, path: menu.to_string() }
    }

    pub async fn item_property(&self, connection: &Connection, name: &str) -> OwnedValue {
        let proxy = zbus::Proxy::new(
            connection,
            self.service.clone(),
            "/StatusNotifierItem",
            "org.kde.StatusNotifierItem",
        )
        .await
        .unwrap();
        proxy.get_property(name).await.unwrap()
    }

    pub async fn layout(&self, connection: &Connection) -> Entry {
        let reply = connection
            .call_method(
                Some(self.service.as_str()),
                self.path.as_str(),
                Some("com.canonical.dbusmenu"),
                "GetLayout",
                &(0i32, -1i32, Vec::<String>::new()),
            )
            .await
            .unwrap();
        type Layout = (i32, HashMap<String, OwnedValue>, Vec<OwnedValue>);
        let (_revision, (id, properties, children)): (u32, Layout) =
            reply.body().deserialize().unwrap();
        let properties = properties.iter().map(|(key, value)| (key.as_str(), &**value));
        let children: Vec<Value<'_>> =
            children.iter().map(|child| Value::from(child.clone())).collect();
        build_entry(id, properties, &children)
    }

    pub async fn click(&self, connection: &Connection, id: i32) {
        connection
            .call_method(
                Some(self.service.as_str()),
                self.path.as_str(),
                Some("com.canonical.dbusmenu"),
                "Event",
                &(id, "clicked", Value::I32(0), 0u32),
            )
            .await
            .unwrap();
    }
}

fn entry(value: &Value<'_>) -> Entry {
    let value = match value {
        Value::Value(inner) => inner.as_ref(),
        other => other,
    };
    let Value::Structure(structure) = value else {
        panic!("menu entry is not a struct: {value:?}")
    };
    let fields = structure.fields();
    let Value::I32(id) = fields[0] else { panic!("menu entry id: {:?}", fields[0]) };
    let mut properties = Vec::new();
    if let Value::Dict(dict) = &fields[1] {
        for (key, value) in dict.iter() {
            if let (Value::Str(key), Value::Value(value)) = (key, value) {
                properties.push((key.as_str(), value.as_ref()));
            }
        }
    }
    let children = match &fields[2] {
        Value::Array(children) => children.iter().cloned().collect(),
        _ => Vec::new(),
    };
    build_entry(id, properties.into_iter(), &children)
}

fn build_entry<'a>(
    id: i32,
    properties: impl Iterator<Item = (&'a str, &'a Value<'a>)>,
    children: &[Value<'_>],
) -> Entry {
    let mut label = String::new();
    let mut enabled = true;
    let mut checked = None;
    for (key, value) in properties {
        match (key, value) {
            ("label", Value::Str(text)) => label = unmnemonic(text.as_str()),
            ("enabled", Value::Bool(flag)) => enabled = *flag,
            ("toggle-state", Value::I32(state)) => checked = Some(*state == 1),
            _ => {}
        }
    }
    let children = children.iter().map(entry).collect();
    Entry { id, label, enabled, checked, children }
}

/// Removes the mnemonic marks of a dbusmenu label ("__" is a literal underscore).
fn unmnemonic(label: &str) -> String {
    label.replace("__", "\u{0}").replace('_', "").replace('\u{0}', "_")
}
