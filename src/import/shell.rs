//! Shell command lines: whether one needs a shell, splitting it into argv
//! with `shlex`, and writing `$` so that Tend's `${VAR}` expansion leaves
//! literal dollars alone.
//!
//! Text on its way to the output marks a literal dollar with
//! [`LITERAL_DOLLAR`] and a Tend expansion with a real `$`, so the two
//! survive splitting; [`unmark`] turns the marks into Tend's syntax.

/// Stands for a `$` that must reach the program as written.
pub const LITERAL_DOLLAR: char = '\u{E000}';

/// Replaces every `$` in `text` with [`LITERAL_DOLLAR`].
pub fn mark_literal_dollars(text: &str) -> String {
    text.replace('$', &LITERAL_DOLLAR.to_string())
}

/// Writes marked text in Tend's syntax. A literal dollar is doubled only
/// where Tend would read it (before `{` or `$`), since Tend leaves a bare
/// `$NAME` as it is.
pub fn unmark(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    for (index, &c) in chars.iter().enumerate() {
        if c != LITERAL_DOLLAR {
            out.push(c);
            continue;
        }
        out.push('$');
        let next = chars.get(index + 1);
        if matches!(next, Some('{' | '$' | &LITERAL_DOLLAR)) {
            out.push('$');
        }
    }
    out
}

/// Writes `text` so that Tend passes it through unchanged.
pub fn escape_literal(text: &str) -> String {
    unmark(&mark_literal_dollars(text))
}

/// Splits marked text into words with POSIX shell quoting. Returns `None`
/// when a quote is not closed.
pub fn split_words(marked: &str) -> Option<Vec<String>> {
    shlex::split(marked).map(|words| words.iter().map(|word| unmark(word)).collect())
}

/// Whether `line` uses shell syntax beyond words, quotes and simple
/// `$NAME` / `${NAME}` / `${NAME:-default}` references: pipes, lists,
/// redirections, globs, substitutions, `~`, comments or several lines.
pub fn needs_shell(line: &str) -> bool {
    let chars: Vec<char> = line.chars().collect();
    let mut index = 0;
    let mut single = false;
    let mut double = false;
    let mut word_start = true;
    while index < chars.len() {
        let c = chars[index];
        if single {
            single = c != '\'';
            index += 1;
            continue;
        }
        match c {
            '\\' => index += 1,
            '\'' if !double => single = true,
            '"' => double = !double,
            '$' => match variable_len(&chars[index..]) {
                Some(len) => index += len - 1,
                None => return true,
            },
            '`' | '\n' => return true,
            '|' | '&' | ';' | '<' | '>' | '(' | ')' | '*' | '?' | '[' | '{' | '}' if !double => {
                return true;
            }
            '#' | '~' if !double && word_start => return true,
            _ => {}
        }
        word_start = !double && c.is_whitespace();
        index += 1;
    }
    false
}

/// A `$NAME`, `${NAME}` or `${NAME:-default}` reference at the start of text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub name: String,
    pub default: Option<String>,
    /// Characters the reference takes up, `$` included.
    pub len: usize,
}

/// Reads the reference that starts at `chars[0]` (a `$`), if it is one.
pub fn parse_reference(chars: &[char]) -> Option<Reference> {
    let is_name_start = |c: &char| c.is_ascii_alphabetic() || *c == '_';
    let is_name = |c: &char| c.is_ascii_alphanumeric() || *c == '_';
    match chars.get(1) {
        Some(c) if is_name_start(c) => {
            let name: String = chars[1..].iter().take_while(|c| is_name(c)).collect();
            let len = name.chars().count() + 1;
            Some(Reference { name, default: None, len })
        }
        Some('{') => {
            let close = chars.iter().position(|c| *c == '}')?;
            let inner: String = chars[2..close].iter().collect();
            let (name, default) = match inner.split_once(":-") {
                Some((name, default)) => (name.to_string(), Some(default.to_string())),
                None => (inner, None),
            };
            let valid = name.chars().next().is_some_and(|c| is_name_start(&c))
                && name.chars().all(|c| is_name(&c));
            valid.then_some(Reference { name, default, len: close + 1 })
        }
        _ => None,
    }
}

fn variable_len(chars: &[char]) -> Option<usize> {
    parse_reference(chars).map(|reference| reference.len)
}

/// Rewrites a command line that [`needs_shell`] accepted as words: each
/// variable reference outside single quotes becomes what `expand` returns
/// (Tend syntax), every other `$` is marked literal. The result is marked
/// text for [`split_words`].
pub fn rewrite_references(line: &str, mut expand: impl FnMut(&Reference) -> String) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len());
    let mut index = 0;
    let mut single = false;
    let mut double = false;
    while index < chars.len() {
        let c = chars[index];
        if c == '$' {
            match parse_reference(&chars[index..]).filter(|_| !single) {
                Some(reference) => {
                    out.push_str(&expand(&reference));
                    index += reference.len;
                }
                None => {
                    out.push(LITERAL_DOLLAR);
                    index += 1;
                }
            }
            continue;
        }
        if c == '\\' && !single && chars.get(index + 1) == Some(&'$') {
            out.push(LITERAL_DOLLAR);
            index += 2;
            continue;
        }
        match c {
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            _ => {}
        }
        out.push(c);
        index += 1;
    }
    out
}

/// Removes leading `NAME=value` words from `words` and returns them, as a
/// shell does for a command prefixed with variable assignments.
pub fn take_env_prefix(words: &mut Vec<String>) -> Vec<(String, String)> {
    let mut env = Vec::new();
    while words.len() > 1 {
        let Some((name, value)) = words[0].split_once('=') else {
            break;
        };
        let valid = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            break;
        }
        env.push((name.to_string(), value.to_string()));
        words.remove(0);
    }
    env
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needs_shell_table() {
        let cases = [
            ("bundle exec sidekiq", false),
            ("bin/rails server -p ${PORT:-5000}", false),
            ("gunicorn --bind=localhost:$PORT app", false),
            ("docker-gen -notify \"/app/updatessl.sh updatessl\" x", false),
            ("echo \"a | b\"", false),
            ("make a && make b", true),
            ("cat file | grep x", true),
            ("echo $(date)", true),
            ("ls *.txt", true),
            ("cd ~/app", true),
            ("echo $1", true),
            ("echo 'it''s'", false),
            ("line one\nline two", true),
        ];
        for (line, expected) in cases {
            assert_eq!(needs_shell(line), expected, "line {line:?}");
        }
    }

    #[test]
    fn unmark_doubles_only_where_tend_reads() {
        assert_eq!(escape_literal("echo $HOME"), "echo $HOME");
        assert_eq!(escape_literal("echo ${HOME}"), "echo $${HOME}");
        assert_eq!(escape_literal("kill $$"), "kill $$$");
        assert_eq!(escape_literal("price: 5$"), "price: 5$");
    }

    #[test]
    fn rewrite_references_keeps_single_quotes_literal() {
        let marked = rewrite_references("echo $A '${B}' \"$C\"", |reference| {
            format!("${{{}}}", reference.name)
        });
        let words = split_words(&marked).unwrap();
        assert_eq!(words, ["echo", "${A}", "$${B}", "${C}"]);
    }

    #[test]
    fn parse_reference_reads_defaults() {
        let chars: Vec<char> = "${PORT:-5000}x".chars().collect();
        let reference = parse_reference(&chars).unwrap();
        assert_eq!(reference.name, "PORT");
        assert_eq!(reference.default.as_deref(), Some("5000"));
        assert_eq!(reference.len, 13);
    }

    #[test]
    fn take_env_prefix_stops_at_command() {
        let mut words: Vec<String> =
            ["PORT=3000", "A_B=x=y", "bundle", "X=1"].map(String::from).to_vec();
        let env = take_env_prefix(&mut words);
        assert_eq!(env, [("PORT".into(), "3000".into()), ("A_B".into(), "x=y".into())]);
        assert_eq!(words, ["bundle", "X=1"]);
    }
}
