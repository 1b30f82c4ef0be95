//! supervisord's `%(name)s` expansions and its `environment=` syntax.
//!
//! Expanded text is marked text (see `import::shell`): a `$` of the input
//! stays literal and `%(ENV_X)s` becomes Tend's `${X}`, which Tend expands
//! when it loads the config, as supervisord does when it reads its own.

use crate::import::shell::mark_literal_dollars;

/// The names a program section may expand besides `ENV_*`.
#[derive(Debug, Clone)]
pub struct Expansions {
    pub program_name: String,
    pub group_name: String,
    pub process_num: u32,
    pub numprocs: u32,
    /// The folder of the file the section is in.
    pub here: String,
}

/// Expands `%(name)s`-style references and `%%` in `text`.
pub fn expand(text: &str, vars: &Expansions) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(percent) = rest.find('%') {
        out.push_str(&mark_literal_dollars(&rest[..percent]));
        let after = &rest[percent + 1..];
        if let Some(tail) = after.strip_prefix('%') {
            out.push('%');
            rest = tail;
            continue;
        }
        let Some(inner) = after.strip_prefix('(') else {
            out.push('%');
            rest = after;
            continue;
        };
        let close = inner.find(')').ok_or_else(|| format!("unclosed `%(` in {text:?}"))?;
        let name = &inner[..close];
        let spec_len = inner[close + 1..]
            .find(|c: char| c.is_ascii_alphabetic())
            .ok_or_else(|| format!("`%({name})` needs a conversion such as `s` or `d`"))?;
        let flags = &inner[close + 1..close + 1 + spec_len];
        let conversion = &inner[close + 1 + spec_len..close + 2 + spec_len];
        out.push_str(&value_of(name, flags, conversion, vars)?);
        rest = &inner[close + 2 + spec_len..];
    }
    out.push_str(&mark_literal_dollars(rest));
    Ok(out)
}

fn value_of(
    name: &str,
    flags: &str,
    conversion: &str,
    vars: &Expansions,
) -> Result<String, String> {
    if let Some(variable) = name.strip_prefix("ENV_") {
        return Ok(format!("${{{variable}}}"));
    }
    let number = |value: u32| -> Result<String, String> {
        let width: usize = flags.trim_start_matches(['0', '-', ' ', '+', '#']).parse().unwrap_or(0);
        Ok(match (conversion, flags.starts_with('0')) {
            ("d" | "i" | "s", true) => format!("{value:0width$}"),
            ("d" | "i" | "s", false) => format!("{value:width$}"),
            _ => return Err(format!("unsupported conversion `%({name}){flags}{conversion}`")),
        })
    };
    match name {
        "program_name" => Ok(mark_literal_dollars(&vars.program_name)),
        "group_name" => Ok(mark_literal_dollars(&vars.group_name)),
        "here" => Ok(mark_literal_dollars(&vars.here)),
        "process_num" => number(vars.process_num),
        "numprocs" => number(vars.numprocs),
        _ => Err(format!(
            "unknown expansion `%({name})`: supervisord knows ENV_*, program_name, group_name, process_num, numprocs and here"
        )),
    }
}

/// Parses `KEY="a,b",K2=v` into pairs; quotes protect commas and spaces.
pub fn parse_environment(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut pairs = Vec::new();
    for item in split_outside_quotes(text)? {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        let (key, value) =
            item.split_once('=').ok_or_else(|| format!("expected KEY=value, got {item:?}"))?;
        let value = value.trim();
        let unquoted = ['"', '\'']
            .iter()
            .find_map(|quote| {
                value.strip_prefix(*quote).and_then(|inner| inner.strip_suffix(*quote))
            })
            .unwrap_or(value);
        pairs.push((key.trim().to_string(), unquoted.to_string()));
    }
    Ok(pairs)
}

fn split_outside_quotes(text: &str) -> Result<Vec<String>, String> {
    let mut items = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    for c in text.chars() {
        match (quote, c) {
            (None, ',') => items.push(std::mem::take(&mut current)),
            (None, '"' | '\'') => {
                quote = Some(c);
                current.push(c);
            }
            (Some(open), _) if c == open => {
                quote = None;
                current.push(c);
            }
            _ => current.push(c),
        }
    }
    if quote.is_some() {
        return Err(format!("unclosed quote in {text:?}"));
    }
    items.push(current);
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::shell::unmark;

    fn vars() -> Expansions {
        Expansions {
            program_name: "worker".into(),
            group_name: "worker".into(),
            process_num: 3,
            numprocs: 8,
            here: "/etc/sv".into(),
        }
    }

    #[test]
    fn expands_names_and_formats() {
        let cases = [
            ("%(program_name)s_%(process_num)02d", "worker_03"),
            ("db_%(process_num)03d", "db_003"),
            ("%(here)s/hello.sh", "/etc/sv/hello.sh"),
            ("%(ENV_HOME)s/logs", "${HOME}/logs"),
            ("%%h:%%p", "%h:%p"),
            ("echo ${X}", "echo $${X}"),
        ];
        for (input, expected) in cases {
            assert_eq!(unmark(&expand(input, &vars()).unwrap()), expected, "input {input:?}");
        }
    }

    #[test]
    fn unknown_name_is_an_error() {
        let error = expand("%(host)s", &vars()).unwrap_err();
        assert!(error.contains("unknown expansion `%(host)`"), "{error}");
    }

    #[test]
    fn environment_keeps_quoted_commas() {
        let pairs = parse_environment("A=\"x,y\",B=plain, C='q:r'").unwrap();
        let expected = [("A", "x,y"), ("B", "plain"), ("C", "q:r")]
            .map(|(k, v)| (k.to_string(), v.to_string()));
        assert_eq!(pairs, expected);
    }
}
