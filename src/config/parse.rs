//! From text to [`RawConfig`]: TOML syntax, extension keys, and every type
//! error and unknown key collected with its position.
//!
//! serde stops at the first error, so each error is recorded, the offending
//! key is removed from a copy of the document, and deserialization runs again
//! until it succeeds. Each round removes one key, so the loop ends.

use std::ops::Range;

use serde::Deserialize;
use serde_spanned::Spanned;
use toml::de::{DeArray, DeTable, DeValue};

use super::error::{Collector, KeyPath, Segment, Target, suggestion};
use super::raw::RawConfig;

/// Prefix of extension keys, which are kept in the file and ignored.
pub const EXTENSION_PREFIX: &str = "x-";

/// Tables whose keys are data (variable names), where `x-` is not special.
const DATA_TABLES: [&str; 1] = ["env"];

/// Parses the TOML syntax. A syntax error is recorded as one error.
pub fn parse_document<'t>(
    text: &'t str,
    errors: &mut Collector<'_>,
) -> Option<Spanned<DeTable<'t>>> {
    match DeTable::parse(text) {
        Ok(document) => Some(document),
        Err(error) => {
            let mut message = error.message().trim().replace('\n', "; ");
            if let Some(key) = error.span().and_then(|span| text.get(span)) {
                if message == "duplicate key" {
                    message =
                        format!("duplicate key \"{key}\"; each key and table may appear once");
                }
            }
            errors.push_span(&KeyPath::root(), error.span(), message);
            None
        }
    }
}

/// Reads the raw config from a parsed document, recording every type error
/// and unknown key. The result contains every value that was valid.
pub fn read_raw(document: &Spanned<DeTable<'_>>, errors: &mut Collector<'_>) -> RawConfig {
    let mut cleaned = document.clone();
    strip_extensions(cleaned.get_mut(), false);

    loop {
        let deserializer = toml::de::Deserializer::from(cleaned.clone());
        let error = match RawConfig::deserialize(deserializer) {
            Ok(raw) => return raw,
            Err(error) => error,
        };
        let found = error.span().and_then(|span| find_path(cleaned.get_ref(), &span));
        let Some((path, target)) = found else {
            errors.push_span(&KeyPath::root(), error.span(), error.message().to_owned());
            return RawConfig::default();
        };
        errors.push_at(&path, target, describe(error.message()));
        if !remove_path(cleaned.get_mut(), &path.0) {
            return RawConfig::default();
        }
    }
}

/// Removes `x-` keys from every table except data tables such as `env`.
fn strip_extensions(table: &mut DeTable<'_>, is_data: bool) {
    let keys: Vec<String> = table.iter().map(|(key, _)| key.get_ref().to_string()).collect();
    for key in keys {
        if !is_data && key.starts_with(EXTENSION_PREFIX) {
            table.remove(key.as_str());
            continue;
        }
        let Some(value) = table.get_mut(key.as_str()) else { continue };
        if let DeValue::Table(child) = value.get_mut() {
            strip_extensions(child, DATA_TABLES.contains(&key.as_str()));
        }
    }
}

/// Finds the deepest key path whose key or value contains `span`.
fn find_path(table: &DeTable<'_>, span: &Range<usize>) -> Option<(KeyPath, Target)> {
    let mut best: Option<(usize, KeyPath, Target)> = None;
    search_table(table, &KeyPath::root(), span, &mut best);
    best.map(|(_, path, target)| (path, target))
}

fn search_table(
    table: &DeTable<'_>,
    path: &KeyPath,
    span: &Range<usize>,
    best: &mut Option<(usize, KeyPath, Target)>,
) {
    for (key, value) in table.iter() {
        let child = path.key(key.get_ref());
        if contains(&key.span(), span) {
            consider(best, child.clone(), Target::Key);
        }
        search_value(value, &child, span, best);
    }
}

fn search_value(
    value: &Spanned<DeValue<'_>>,
    path: &KeyPath,
    span: &Range<usize>,
    best: &mut Option<(usize, KeyPath, Target)>,
) {
    if contains(&value.span(), span) {
        consider(best, path.clone(), Target::Value);
    }
    match value.get_ref() {
        DeValue::Table(table) => search_table(table, path, span, best),
        DeValue::Array(array) => {
            for (index, item) in array.iter().enumerate() {
                search_value(item, &path.index(index), span, best);
            }
        }
        _ => {}
    }
}

fn consider(best: &mut Option<(usize, KeyPath, Target)>, path: KeyPath, target: Target) {
    let depth = path.0.len();
    if best.as_ref().is_none_or(|(best_depth, _, _)| depth >= *best_depth) {
        *best = Some((depth, path, target));
    }
}

fn contains(outer: &Range<usize>, inner: &Range<usize>) -> bool {
    outer.start <= inner.start && inner.end <= outer.end && outer.start < outer.end
}

/// Removes the entry at `path`; false when it is not there.
fn remove_path(table: &mut DeTable<'_>, path: &[Segment]) -> bool {
    match path {
        [] => false,
        [Segment::Key(key)] => table.remove(key.as_str()).is_some(),
        [Segment::Key(key), rest @ ..] => match table.get_mut(key.as_str()) {
            Some(value) => remove_in_value(value.get_mut(), rest),
            None => false,
        },
        [Segment::Index(_), ..] => false,
    }
}

fn remove_in_value(value: &mut DeValue<'_>, path: &[Segment]) -> bool {
    match (value, path) {
        (DeValue::Table(table), _) => remove_path(table, path),
        (DeValue::Array(array), [Segment::Index(index)]) if *index < array.len() => {
            let items = std::mem::replace(array, DeArray::new());
            *array = items
                .into_iter()
                .enumerate()
                .filter(|(position, _)| position != index)
                .map(|(_, item)| item)
                .collect();
            true
        }
        (DeValue::Array(array), [Segment::Index(index), rest @ ..]) => {
            match array.get_mut(*index) {
                Some(item) => remove_in_value(item.get_mut(), rest),
                None => false,
            }
        }
        _ => false,
    }
}

/// Rewrites serde's messages into Tend's wording, with a did-you-mean.
fn describe(message: &str) -> String {
    if let Some(rest) = message.strip_prefix("unknown field ") {
        let (input, expected) = split_expected(rest);
        let hint = suggestion(&input, expected.iter().map(String::as_str));
        let fix = if hint.is_empty() {
            format!(
                ", expected one of {}, or an extension key starting with x-",
                expected.join(", ")
            )
        } else {
            hint
        };
        return format!("unknown key \"{input}\"{fix}");
    }
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        let (input, expected) = split_expected(rest);
        let hint = suggestion(&input, expected.iter().map(String::as_str));
        return format!("invalid value \"{input}\", expected one of {}{hint}", expected.join(", "));
    }
    if let Some(rest) = message.strip_prefix("missing field ") {
        return format!("missing key {}", rest.replace('`', "\""));
    }
    name_types(message)
}

/// serde's Rust type names in "expected i32" read as TOML types.
const TYPE_NAMES: [(&str, &str); 6] = [
    ("expected i32", "expected an integer"),
    ("expected i64", "expected an integer"),
    ("expected u16", "expected an integer from 0 to 65535"),
    ("expected u32", "expected an integer of 0 or more"),
    ("expected u64", "expected an integer of 0 or more"),
    ("expected f64", "expected a number"),
];

fn name_types(message: &str) -> String {
    let mut message = message.to_owned();
    for (rust, toml) in TYPE_NAMES {
        if message.ends_with(rust) {
            message = format!("{}{toml}", &message[..message.len() - rust.len()]);
        }
    }
    message
}

/// Splits serde's "`input`, expected one of `a`, `b`" into the input and the names.
fn split_expected(rest: &str) -> (String, Vec<String>) {
    let mut quoted = rest.split('`').skip(1).step_by(2).map(str::to_owned);
    let input = quoted.next().unwrap_or_default();
    (input, quoted.collect())
}
