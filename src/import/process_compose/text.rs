//! process-compose's substitutions: `{{.NAME}}` templates from `vars` and
//! the replica number, and `$VAR` / `${VAR}` from the environment, which it
//! applies to the whole file when it loads it (`$$` is a literal `$`).

use std::collections::HashMap;

use crate::import::shell::{self, LITERAL_DOLLAR, parse_reference};

/// What the templates of one process replica can refer to.
#[derive(Debug, Clone, Default)]
pub struct Templates {
    pub vars: HashMap<String, String>,
    pub replica: u32,
}

impl Templates {
    /// Replaces `{{.NAME}}` for names in `vars` and `PC_REPLICA_NUM`; other
    /// templates are left as written, since they may belong to another tool.
    pub fn apply(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(open) = rest.find("{{") {
            out.push_str(&rest[..open]);
            let after = &rest[open + 2..];
            let Some(close) = after.find("}}") else {
                out.push_str(&rest[open..]);
                return out;
            };
            let name = after[..close].trim().trim_start_matches('.');
            match self.lookup(name) {
                Some(value) => out.push_str(&value),
                None => out.push_str(&rest[open..open + 2 + close + 2]),
            }
            rest = &after[close + 2..];
        }
        out.push_str(rest);
        out
    }

    fn lookup(&self, name: &str) -> Option<String> {
        if name == "PC_REPLICA_NUM" {
            return Some(self.replica.to_string());
        }
        self.vars.get(name).cloned()
    }
}

/// Text for `command`, `cwd` and `env`: each `$VAR` / `${VAR}` becomes
/// Tend's `${VAR:-}`, empty when unset as in process-compose, and keeps a
/// `:-default`. Returns marked text and the variable names it reads.
pub fn to_tend(text: &str) -> (String, Vec<String>) {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut names = Vec::new();
    let mut index = 0;
    while index < chars.len() {
        if chars[index] != '$' {
            out.push(chars[index]);
            index += 1;
            continue;
        }
        if chars.get(index + 1) == Some(&'$') {
            out.push(LITERAL_DOLLAR);
            index += 2;
            continue;
        }
        match parse_reference(&chars[index..]) {
            Some(reference) => {
                let default =
                    reference.default.as_deref().map(shell::escape_literal).unwrap_or_default();
                out.push_str(&format!("${{{}:-{default}}}", reference.name));
                names.push(reference.name);
                index += reference.len;
            }
            None => {
                out.push(LITERAL_DOLLAR);
                index += 1;
            }
        }
    }
    (out, names)
}

/// Text that Tend does not expand (probe settings): only `$$` becomes `$`.
/// Returns `None` when the text still refers to a variable, which only
/// process-compose could fill in.
pub fn literal(text: &str) -> Option<String> {
    let (_, names) = to_tend(text);
    names.is_empty().then(|| text.replace("$$", "$"))
}

/// Text for a probe run by a shell: `$$` becomes `$` and `$VAR` is left for
/// the shell to expand when the probe runs.
pub fn for_probe_shell(text: &str) -> String {
    text.replace("$$", "$")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::shell::unmark;

    #[test]
    fn templates_replace_known_names() {
        let templates = Templates {
            vars: HashMap::from([("PY".to_string(), "python3".to_string())]),
            replica: 1,
        };
        assert_eq!(
            templates.apply("{{.PY}} -m http.server 404{{.PC_REPLICA_NUM}}"),
            "python3 -m http.server 4041"
        );
        assert_eq!(
            templates.apply("docker inspect -f '{{.State}}'"),
            "docker inspect -f '{{.State}}'"
        );
    }

    #[test]
    fn references_become_tend_syntax() {
        let (marked, names) = to_tend("run $A ${B:-x} $${C} 5$");
        assert_eq!(unmark(&marked), "run ${A:-} ${B:-x} $${C} 5$");
        assert_eq!(names, ["A", "B"]);
    }

    #[test]
    fn literal_rejects_references() {
        assert_eq!(literal("8080"), Some("8080".to_string()));
        assert_eq!(literal("$PORT"), None);
    }
}
