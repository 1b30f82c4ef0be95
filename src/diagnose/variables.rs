//! Environment variables a program needed and did not get: Python's
//! `os.environ[...]`, Ruby's `ENV.fetch`, `set -u` and `${X:?}` in shells,
//! and the "missing environment variable X" messages programs write.

use std::sync::LazyLock;

use regex::Regex;

use super::classify::Context;
use super::{Diagnosis, DiagnosisKind, Evidence};
use crate::config::ComponentConfig;

fn pattern(source: &str) -> Regex {
    Regex::new(source).expect("variable patterns are valid")
}

static PYTHON_KEY_ERROR: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"^KeyError: '(?P<name>[^']+)'$"));
/// Traceback lines that show the `KeyError` came from `os.environ`.
static PYTHON_ENVIRON: LazyLock<Regex> =
    LazyLock::new(|| pattern(r#"environ|<frozen os>|os\.py", line \d+, in __getitem__"#));
/// Messages that name the variable on their own, each with a `name` group.
static NAMED: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    vec![
        // dash: `X: parameter not set`, `X: parameter not set or null`; bash: `X: unbound variable`
        pattern(
            r"(?:^|: )(?P<name>\w+): (?:parameter (?:not set|null or not set)|unbound variable)",
        ),
        // ruby: ENV.fetch raises `key not found: "X" (KeyError)`
        pattern(r#"fetch'?: key not found: "(?P<name>[^"]+)" \(KeyError\)"#),
        pattern(
            r#"(?i:missing|required|undefined|unset|no)\s+(?i:env(?:ironment)?\s+var(?:iable)?)\s*:?\s*['"`]?(?P<name>[A-Z_][A-Z0-9_]*)"#,
        ),
        pattern(
            r#"(?i:env(?:ironment)?\s+var(?:iable)?)\s+['"`]?(?P<name>[A-Z_][A-Z0-9_]*)['"`]?\s+(?i:is\s+)?(?i:not set|missing|required|undefined|empty|unset)"#,
        ),
    ]
});

/// Diagnoses a run that stopped because an environment variable was not set.
pub(crate) fn missing_env(context: &Context<'_>) -> Option<Diagnosis> {
    let (index, name) = python(context).or_else(|| {
        NAMED.iter().find_map(|pattern| {
            context.find(pattern).map(|(index, found)| (index, found["name"].to_string()))
        })
    })?;
    let diagnosis = missing_variable(&name, context.component);
    Some(
        diagnosis.with_evidence(Evidence {
            lines: context.evidence_of(&[index]),
            ..Evidence::default()
        }),
    )
}

fn python(context: &Context<'_>) -> Option<(usize, String)> {
    let (index, found) = context.find(&PYTHON_KEY_ERROR)?;
    let from_environ =
        context.lines[..index].iter().any(|line| PYTHON_ENVIRON.is_match(&line.text));
    from_environ.then(|| (index, found["name"].to_string()))
}

/// Builds the diagnosis for the unset or empty variable `name`.
pub(crate) fn missing_variable(name: &str, component: &ComponentConfig) -> Diagnosis {
    let place = format!(
        "set {name} in [components.{}] env, its env_file, or the environment Tend starts in",
        component.name
    );
    let hint = if component.requires.env.iter().any(|required| required == name) {
        place
    } else {
        format!("{place}; list it in requires.env so Tend checks it before starting")
    };
    let summary = match component.env.get(name) {
        Some(value) if value.is_empty() => format!("environment variable {name} is empty"),
        _ => format!("missing environment variable {name}"),
    };
    Diagnosis::new(DiagnosisKind::MissingEnv, summary, hint)
}
