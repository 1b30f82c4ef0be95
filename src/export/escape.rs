//! Quoting for systemd unit files: command lines, `Environment=` values
//! and paths, with `%` specifiers and `$` variables made literal.

/// Quotes one `ExecStart=` word in double quotes. Inside, systemd reads C
/// escapes and expands `$VAR` and `%` specifiers, so `\`, `"`, `$`, `%` and control
/// characters are escaped.
pub fn exec_word(word: &str) -> String {
    let mut out = String::with_capacity(word.len() + 2);
    out.push('"');
    for c in word.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '$' => out.push_str("$$"),
            '%' => out.push_str("%%"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Quotes a whole command line, word by word.
pub fn exec_line(words: &[String]) -> String {
    words.iter().map(|word| exec_word(word)).collect::<Vec<_>>().join(" ")
}

/// Quotes one `Environment="NAME=value"` assignment, where `$` is not expanded.
pub fn environment(name: &str, value: &str) -> String {
    let mut out = String::from("\"");
    for c in format!("{name}={value}").chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '%' => out.push_str("%%"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Escapes a path for `WorkingDirectory=` or `EnvironmentFile=`, which
/// take the rest of the line as written apart from `%` specifiers.
pub fn path(text: &str) -> String {
    text.replace('%', "%%")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exec_word_escapes() {
        let cases = [
            ("plain", "\"plain\""),
            ("say \"hi\"", "\"say \\\"hi\\\"\""),
            ("$HOME", "\"$$HOME\""),
            ("50%", "\"50%%\""),
            ("a\\b", "\"a\\\\b\""),
            ("line\nbreak", "\"line\\nbreak\""),
        ];
        for (input, expected) in cases {
            assert_eq!(exec_word(input), expected, "input {input:?}");
        }
    }

    #[test]
    fn environment_quotes_whole_assignment() {
        assert_eq!(environment("A", "x y \"z\" 5%"), "\"A=x y \\\"z\\\" 5%%\"");
        assert_eq!(environment("P", "$PATH"), "\"P=$PATH\"");
    }

    #[test]
    fn path_escapes_specifiers() {
        assert_eq!(path("/srv/my app"), "/srv/my app");
        assert_eq!(path("/srv/%h"), "/srv/%%h");
    }
}
