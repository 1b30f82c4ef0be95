//! Component names: Tend accepts `^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`, so
//! names from other tools are mapped onto that set and kept unique.

use std::collections::HashSet;

/// The rule every component name must match, as shown in comments.
pub const NAME_RULE: &str = "^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$";

const MAX_NAME_LEN: usize = 64;

/// Maps `name` onto the valid set: each run of other characters becomes one
/// `-`, leading and trailing punctuation goes, and the result is cut to 64
/// bytes. An empty result becomes `component`.
pub fn sanitize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut replaced = false;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') {
            out.push(c);
            replaced = false;
        } else if !replaced {
            out.push('-');
            replaced = true;
        }
    }
    let trimmed = out.trim_start_matches(|c: char| !c.is_ascii_alphanumeric());
    let mut result: String = trimmed.chars().take(MAX_NAME_LEN).collect();
    while result.ends_with('-') {
        result.pop();
    }
    if result.is_empty() { "component".to_string() } else { result }
}

/// Names already given out, so that two inputs never map to one name.
#[derive(Debug, Default)]
pub struct NameTable {
    taken: HashSet<String>,
}

impl NameTable {
    /// Reserves the sanitized form of `wanted`, with a `-2`, `-3` … suffix
    /// when it is taken. Returns the name and, when it differs from
    /// `wanted`, a comment saying why.
    pub fn claim(&mut self, wanted: &str) -> (String, Option<String>) {
        let base = sanitize(wanted);
        let mut name = base.clone();
        let mut counter = 2;
        while self.taken.contains(&name) {
            let suffix = format!("-{counter}");
            let keep = MAX_NAME_LEN - suffix.len();
            name = format!("{}{suffix}", &base[..base.len().min(keep)]);
            counter += 1;
        }
        self.taken.insert(name.clone());
        let comment = (name != wanted)
            .then(|| format!("renamed from {wanted:?}: component names must match {NAME_RULE}"));
        (name, comment)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_maps_invalid_names() {
        let cases = [
            ("web", "web"),
            ("_process2", "process2"),
            ("__pc_log", "pc_log"),
            ("test_öäü", "test_"),
            ("a b/c", "a-b-c"),
            ("---", "component"),
            ("HTTP-API", "HTTP-API"),
        ];
        for (input, expected) in cases {
            assert_eq!(sanitize(input), expected, "input {input:?}");
            assert!(crate::config::is_valid_name(&sanitize(input)), "input {input:?}");
        }
    }

    #[test]
    fn sanitize_cuts_long_names() {
        let long = "x".repeat(100);
        assert_eq!(sanitize(&long).len(), MAX_NAME_LEN);
    }

    #[test]
    fn claim_suffixes_collisions() {
        let mut table = NameTable::default();
        assert_eq!(table.claim("process2"), ("process2".to_string(), None));
        let (name, comment) = table.claim("_process2");
        assert_eq!(name, "process2-2");
        assert!(comment.unwrap().contains("renamed from \"_process2\""));
    }
}
