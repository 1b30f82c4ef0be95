use super::*;
use crate::diagnose::{Diagnosis, DiagnosisKind};
use crate::state::StateName::*;
use crate::test_support::{component, crashed, snapshot};

fn find<'a>(items: &'a [MenuItem], id: &str) -> &'a MenuItem {
    items.iter().find(|item| item.id() == Some(id)).unwrap_or_else(|| panic!("no item {id}"))
}

fn enabled(item: &MenuItem) -> bool {
    match item {
        MenuItem::Text { enabled, .. } => *enabled,
        other => panic!("not a text item: {other:?}"),
    }
}

#[test]
fn action_ids_round_trip() {
    let actions = [
        Action::Component { name: "web".into(), verb: Verb::Restart },
        Action::Component { name: "db.main".into(), verb: Verb::Stop },
        Action::Component { name: "a-b_c".into(), verb: Verb::Start },
        Action::ShowLogs { name: "web".into() },
        Action::RestartFailed,
        Action::OpenWindow,
        Action::PauseNotifications,
        Action::ReloadConfig,
        Action::StartAtLogin,
        Action::Quit,
    ];
    for action in actions {
        assert_eq!(Action::parse(&action.id()), Some(action.clone()), "{}", action.id());
    }
}

#[test]
fn action_ids_are_stable_strings() {
    let cases = [
        (
            "component:web:restart",
            Some(Action::Component { name: "web".into(), verb: Verb::Restart }),
        ),
        ("component:web:logs", Some(Action::ShowLogs { name: "web".into() })),
        ("quit", Some(Action::Quit)),
        ("restart-failed", Some(Action::RestartFailed)),
        ("summary", None),
        ("component:web", None),
        ("component::restart", None),
        ("component:web:explode", None),
        ("nonsense", None),
    ];
    for (id, expected) in cases {
        assert_eq!(Action::parse(id), expected, "{id}");
    }
}

#[test]
fn menu_lists_fixed_items_in_order() {
    let model = menu_model(&snapshot(vec![component("web", Running)]), &MenuPrefs::default());
    let labels: Vec<&str> = model.items.iter().filter_map(MenuItem::label).collect();
    assert_eq!(
        labels,
        [
            "1 running",
            "web — running",
            "Restart failed (0)",
            "Open Tend",
            "Pause notifications",
            "Reload config",
            "Start at login",
            "Quit Tend"
        ]
    );
    assert_eq!(model.tooltip, "Tend: 1 running");
    assert_eq!(model.aggregate, Aggregate::Healthy);
    assert!(!enabled(find(&model.items, "summary")));
}

#[test]
fn empty_snapshot_has_no_component_section() {
    let model = menu_model(&snapshot(Vec::new()), &MenuPrefs::default());
    assert_eq!(model.items[0].label(), Some("no components"));
    assert!(!model.items.iter().any(|item| matches!(item, MenuItem::Submenu { .. })));
    assert_eq!(model.aggregate, Aggregate::Idle);
}

#[test]
fn restart_failed_counts_failed_components() {
    let mut worker = crashed("worker", Exited, 1, "crashed with exit code 1");
    worker.restart_pending = false;
    let components = vec![component("web", Running), component("db", Fatal), worker];
    let model = menu_model(&snapshot(components), &MenuPrefs::default());
    let item = find(&model.items, "restart-failed");
    assert_eq!(item.label(), Some("Restart failed (2)"));
    assert!(enabled(item));
    assert_eq!(model.aggregate, Aggregate::Failed);
}

#[test]
fn check_items_follow_prefs() {
    let prefs = MenuPrefs { notifications_paused: true, start_at_login: false };
    let model = menu_model(&snapshot(Vec::new()), &prefs);
    assert_eq!(
        find(&model.items, "pause-notifications"),
        &MenuItem::Check {
            id: "pause-notifications".into(),
            label: "Pause notifications".into(),
            checked: true
        }
    );
    assert_eq!(
        find(&model.items, "start-at-login"),
        &MenuItem::Check {
            id: "start-at-login".into(),
            label: "Start at login".into(),
            checked: false
        }
    );
}

#[test]
fn component_label_holds_state_and_short_diagnosis() {
    let mut web = component("web", Fatal);
    let long = "missing Python module flask_sqlalchemy_extension_with_a_really_long_name_indeed";
    web.diagnosis = Some(Diagnosis::new(DiagnosisKind::MissingModule, long, "pip install it"));
    let label = component_label(&web);
    assert!(label.starts_with("web — fatal: missing Python module flask"), "{label}");
    assert!(label.ends_with('…'), "{label}");
    let diagnosis_part = label.split(": ").nth(1).unwrap();
    assert_eq!(diagnosis_part.chars().count(), MAX_DIAGNOSIS_CHARS);
}

#[test]
fn verbs_enabled_per_state() {
    // (state, restart_pending, restart, stop, start)
    let cases = [
        (Stopped, false, false, false, true),
        (Starting, false, true, true, false),
        (Running, false, true, true, false),
        (Healthy, false, true, true, false),
        (Unhealthy, false, true, true, false),
        (Exited, true, true, true, false),
        (Exited, false, true, false, true),
        (Backoff, true, true, true, false),
        (Stopping, false, false, false, false),
        (Fatal, false, true, true, true),
        (Blocked, false, true, true, true),
        (Waiting, false, true, true, false),
        (Completed, false, true, false, true),
    ];
    for (state, pending, restart, stop, start) in cases {
        let mut subject = component("web", state);
        subject.restart_pending = pending;
        let case = format!("{state} pending={pending}");
        assert_eq!(verb_enabled(&subject, Verb::Restart), restart, "restart in {case}");
        assert_eq!(verb_enabled(&subject, Verb::Stop), stop, "stop in {case}");
        assert_eq!(verb_enabled(&subject, Verb::Start), start, "start in {case}");
    }
}

#[test]
fn component_submenu_items_carry_stable_ids() {
    let model = menu_model(&snapshot(vec![component("web", Stopped)]), &MenuPrefs::default());
    let MenuItem::Submenu { id, items, .. } = find(&model.items, "component:web") else {
        panic!("web is not a submenu");
    };
    assert_eq!(id, "component:web");
    let ids: Vec<&str> = items.iter().filter_map(MenuItem::id).collect();
    assert_eq!(
        ids,
        [
            "component:web:restart",
            "component:web:stop",
            "component:web:start",
            "component:web:logs"
        ]
    );
    assert!(!enabled(&items[0]), "restart of a stopped component");
    assert!(enabled(&items[2]), "start of a stopped component");
    assert!(enabled(&items[3]), "show logs");
}

#[test]
fn icon_per_aggregate_is_distinct() {
    let names: std::collections::BTreeSet<&str> =
        [Aggregate::Healthy, Aggregate::Degraded, Aggregate::Failed, Aggregate::Idle]
            .into_iter()
            .map(icon_name)
            .collect();
    assert_eq!(names.len(), 4);
}

#[test]
fn past_diagnosis_is_hidden_once_running() {
    let crashed_before = crashed("web", Running, 1, "killed by SIGKILL");
    assert_eq!(component_label(&crashed_before), "web — running");

    let mut warned = component("web", Running);
    warned.diagnosis = Some(
        Diagnosis::new(DiagnosisKind::MemoryLimit, "memory above 512MiB", "look for a leak")
            .warning(),
    );
    assert_eq!(component_label(&warned), "web — running: memory above 512MiB");

    let backoff = crashed("web", Backoff, 1, "killed by SIGKILL");
    assert_eq!(component_label(&backoff), "web — backoff: killed by SIGKILL");
}
