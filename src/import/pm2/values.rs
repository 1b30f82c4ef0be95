//! PM2 value forms: durations, sizes, and text written for Tend with the
//! markers of unset `process.env` reads turned into `${NAME}`.

use std::time::Duration;

use crate::import::shell;
use crate::import::tree::{Node, Value};

use super::load::{ENV_CLOSE, ENV_OPEN};

/// PM2 durations: a number of milliseconds, or a string with a unit.
pub fn millis(node: &Node) -> Option<Duration> {
    if let Value::Number(number) = node.value {
        return (number >= 0.0).then(|| Duration::from_millis(number as u64));
    }
    let text = node.as_str()?.trim();
    match text.parse::<u64>() {
        Ok(number) => Some(Duration::from_millis(number)),
        Err(_) => humantime::parse_duration(text).ok(),
    }
}

/// PM2 sizes: bytes, or a number with K, M or G (powers of 1024).
pub fn memory(node: &Node) -> Option<String> {
    if let Value::Number(number) = node.value {
        return (number >= 1.0).then(|| format!("{}", number as u64));
    }
    let text = node.as_str()?.trim();
    let (digits, unit) =
        text.split_at(text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len()));
    let count: u64 = digits.parse().ok()?;
    let unit = match unit.trim().to_ascii_uppercase().as_str() {
        "" => return Some(count.to_string()),
        "K" | "KB" => "KiB",
        "M" | "MB" => "MiB",
        "G" | "GB" => "GiB",
        _ => return None,
    };
    Some(format!("{count}{unit}"))
}

/// Writes text for Tend: a literal `$` stays literal and an unset
/// `process.env.NAME` that the JavaScript read becomes `${NAME}`.
pub fn tend_text(text: &str) -> String {
    replace_env_markers(&shell::mark_literal_dollars(text))
}

pub fn replace_env_markers(marked: &str) -> String {
    let mut out = String::with_capacity(marked.len());
    let mut rest = marked;
    while let Some(start) = rest.find(ENV_OPEN) {
        out.push_str(&rest[..start]);
        let after = &rest[start + ENV_OPEN.len_utf8()..];
        match after.find(ENV_CLOSE) {
            Some(end) => {
                out.push_str(&format!("${{{}}}", &after[..end]));
                rest = &after[end + ENV_CLOSE.len_utf8()..];
            }
            None => {
                out.push(ENV_OPEN);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    shell::unmark(&out)
}

pub fn json_text(node: &Node) -> String {
    fn to_json(node: &Node) -> serde_json::Value {
        match &node.value {
            Value::Null => serde_json::Value::Null,
            Value::Bool(flag) => (*flag).into(),
            Value::Number(number) => {
                serde_json::Number::from_f64(*number).map_or(serde_json::Value::Null, Into::into)
            }
            Value::String(text) => text.clone().into(),
            Value::Array(items) => items.iter().map(to_json).collect(),
            Value::Object(entries) => {
                entries.iter().map(|(key, item)| (key.clone(), to_json(item))).collect()
            }
        }
    }
    to_json(node).to_string()
}
