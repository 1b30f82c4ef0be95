//! `${VAR}` expansion in `command`, `cwd`, `env` values and the `env_file`
//! path. `${VAR:-default}` uses the default when VAR is unset or empty, `$$`
//! is a literal `$`, and a bare `$VAR` stays as written so that a shell
//! command line can still use the shell's own variables.

/// Failure to expand a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExpandError {
    #[error("variable \"{0}\" is not set; set it or write ${{{0}:-default}}")]
    Unset(String),
    #[error(
        "invalid variable name \"{0}\" in ${{...}}; use letters, digits and _, or $$ for a literal $"
    )]
    InvalidName(String),
    #[error("unclosed ${{ without a }}; write $$ for a literal $")]
    Unclosed,
}

/// Expands `text`, looking variables up with `lookup`.
pub fn expand(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<String, ExpandError> {
    let mut output = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(dollar) = rest.find('$') {
        output.push_str(&rest[..dollar]);
        let after = &rest[dollar + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            output.push('$');
            rest = tail;
        } else if let Some(body) = after.strip_prefix('{') {
            let close = body.find('}').ok_or(ExpandError::Unclosed)?;
            output.push_str(&substitute(&body[..close], lookup)?);
            rest = &body[close + 1..];
        } else {
            output.push('$');
            rest = after;
        }
    }
    output.push_str(rest);
    Ok(output)
}

/// Looks up the value of one `${...}` body: `NAME` or `NAME:-default`.
fn substitute(body: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<String, ExpandError> {
    let (name, default) = match body.split_once(":-") {
        Some((name, default)) => (name, Some(default)),
        None => (body, None),
    };
    if !is_variable_name(name) {
        return Err(ExpandError::InvalidName(name.to_owned()));
    }
    match (lookup(name), default) {
        (Some(value), Some(default)) if value.is_empty() => Ok(default.to_owned()),
        (Some(value), _) => Ok(value),
        (None, Some(default)) => Ok(default.to_owned()),
        (None, None) => Err(ExpandError::Unset(name.to_owned())),
    }
}

fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(name: &str) -> Option<String> {
        match name {
            "PORT" => Some("8080".to_owned()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    #[test]
    fn expand_cases() {
        let cases = [
            ("plain", Ok("plain")),
            ("--port=${PORT}", Ok("--port=8080")),
            ("${MISSING:-3000}", Ok("3000")),
            ("${EMPTY:-fallback}", Ok("fallback")),
            ("${PORT:-1}", Ok("8080")),
            ("${MISSING:-}", Ok("")),
            ("cost $$5", Ok("cost $5")),
            ("$$${PORT}", Ok("$8080")),
            ("$HOME stays", Ok("$HOME stays")),
            ("trailing $", Ok("trailing $")),
            ("${MISSING}", Err(ExpandError::Unset("MISSING".to_owned()))),
            ("${1X}", Err(ExpandError::InvalidName("1X".to_owned()))),
            ("${PORT", Err(ExpandError::Unclosed)),
        ];
        for (input, expected) in cases {
            let expected = expected.map(str::to_owned);
            assert_eq!(expand(input, &lookup), expected, "input {input:?}");
        }
    }

    #[test]
    fn unset_message_names_variable() {
        let message = expand("${DB_URL}", &lookup).unwrap_err().to_string();
        assert_eq!(message, "variable \"DB_URL\" is not set; set it or write ${DB_URL:-default}");
    }
}
