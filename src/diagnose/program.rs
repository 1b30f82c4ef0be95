//! Program lookup for a component's command: resolving the program on PATH or against
//! the working directory, recognising interpreters and the script they are
//! given, and the first word of a shell-form command.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

use crate::config::ComponentConfig;

/// The result of resolving a program name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Resolved {
    Found(PathBuf),
    /// A file exists there but has no execute permission.
    NotExecutable(PathBuf),
    Directory(PathBuf),
    Missing,
}

/// Resolves `program` as `execvp` would: a name with a `/` against `cwd`,
/// any other name through the folders of `path_var`.
pub(crate) fn resolve_command(program: &str, path_var: Option<&OsStr>, cwd: &Path) -> Resolved {
    if program.contains('/') {
        return classify_file(cwd.join(program));
    }
    let Some(path_var) = path_var else {
        return Resolved::Missing;
    };
    let mut fallback = Resolved::Missing;
    for dir in std::env::split_paths(path_var) {
        let dir = if dir.as_os_str().is_empty() { cwd.to_path_buf() } else { cwd.join(dir) };
        match classify_file(dir.join(program)) {
            found @ Resolved::Found(_) => return found,
            Resolved::Missing => {}
            // execvp skips these and keeps searching; report them only when nothing else is found.
            other => {
                if fallback == Resolved::Missing {
                    fallback = other;
                }
            }
        }
    }
    fallback
}

fn classify_file(path: PathBuf) -> Resolved {
    match std::fs::metadata(&path) {
        Ok(meta) if meta.is_dir() => Resolved::Directory(path),
        Ok(meta) if is_executable(&meta) => Resolved::Found(path),
        Ok(_) => Resolved::NotExecutable(path),
        Err(_) => Resolved::Missing,
    }
}

#[cfg(unix)]
fn is_executable(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn is_executable(_meta: &std::fs::Metadata) -> bool {
    true
}

/// Returns the `PATH` a component's process gets: its own env first, then
/// the supervisor's as `env` returns it.
pub(crate) fn path_var(
    component: &ComponentConfig,
    env: &dyn Fn(&str) -> Option<String>,
) -> Option<OsString> {
    component.env.get("PATH").cloned().or_else(|| env("PATH")).map(OsString::from)
}

/// Returns the `PATH` of a component run by this process.
pub(crate) fn current_path_var(component: &ComponentConfig) -> Option<OsString> {
    let supervisor = |key: &str| std::env::var(key).ok();
    path_var(component, &supervisor)
}

/// Returns the file name of a program, without its folder.
pub(crate) fn base_name(program: &str) -> &str {
    program.rsplit('/').next().unwrap_or(program)
}

/// Interpreters whose first non-option argument is a script file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Interpreter {
    Python,
    Node,
    Ruby,
    Shell,
    Perl,
    Deno,
    Bun,
}

impl Interpreter {
    /// Recognises `python3.12`, `/usr/bin/node`, `bash` and the like.
    pub(crate) fn of(program: &str) -> Option<Interpreter> {
        let name = base_name(program).trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
        match name {
            "python" | "pypy" => Some(Interpreter::Python),
            "node" | "nodejs" => Some(Interpreter::Node),
            "ruby" => Some(Interpreter::Ruby),
            "sh" | "bash" | "dash" | "zsh" | "ksh" => Some(Interpreter::Shell),
            "perl" => Some(Interpreter::Perl),
            "deno" => Some(Interpreter::Deno),
            "bun" => Some(Interpreter::Bun),
            _ => None,
        }
    }

    /// Options after which the code comes from the command line, not a file.
    fn inline_code_options(self) -> &'static [&'static str] {
        match self {
            Interpreter::Python => &["-c", "-m"],
            Interpreter::Node => &["-e", "--eval", "-p", "--print"],
            Interpreter::Ruby | Interpreter::Perl => &["-e", "-E"],
            Interpreter::Shell => &["-c", "-s"],
            Interpreter::Deno | Interpreter::Bun => &["-e", "--eval"],
        }
    }

    /// Options that take the next argument as their value.
    fn options_with_value(self) -> &'static [&'static str] {
        match self {
            Interpreter::Python => &["-W", "-X", "--check-hash-based-pycs"],
            Interpreter::Node => &["-r", "--require", "--import", "--loader", "-C", "--conditions"],
            Interpreter::Ruby => &["-I", "-r", "-C", "-E", "-F"],
            Interpreter::Perl => &["-I", "-M", "-m"],
            Interpreter::Shell => &["-o", "+o"],
            Interpreter::Deno | Interpreter::Bun => &["--config", "-c", "--cwd"],
        }
    }
}

/// Returns the script an interpreter command runs, when the first
/// non-option argument looks like a file path (it has a `/` or an extension).
pub(crate) fn interpreter_script(command: &[String]) -> Option<(Interpreter, &str)> {
    let interpreter = Interpreter::of(command.first()?)?;
    let mut args = command[1..].iter().map(String::as_str).peekable();
    if matches!(interpreter, Interpreter::Deno | Interpreter::Bun) {
        args.next_if(|arg| *arg == "run");
    }
    while let Some(arg) = args.next() {
        if interpreter.inline_code_options().contains(&arg) {
            return None;
        }
        if interpreter.options_with_value().contains(&arg) {
            args.next();
            continue;
        }
        if arg == "--" {
            return args
                .next()
                .filter(|next| looks_like_path(next))
                .map(|next| (interpreter, next));
        }
        if arg.starts_with('-') || arg.starts_with('+') {
            continue;
        }
        return looks_like_path(arg).then_some((interpreter, arg));
    }
    None
}

fn looks_like_path(arg: &str) -> bool {
    let has_extension = Path::new(arg).extension().is_some_and(|ext| {
        !ext.is_empty() && ext.to_string_lossy().chars().all(|c| c.is_ascii_alphanumeric())
    });
    arg.contains('/') || has_extension
}

/// Shell words that are builtins or keywords rather than programs.
const SHELL_WORDS: &[&str] = &[
    ".", ":", "[", "alias", "cd", "case", "command", "eval", "exec", "exit", "export", "for", "if",
    "read", "set", "source", "test", "trap", "ulimit", "umask", "unset", "until", "wait", "while",
    "{", "(", "!",
];

/// Returns the program a shell-form line starts, when its first word is a
/// plain word: no quoting, expansion, assignment or shell keyword.
pub(crate) fn shell_first_word(line: &str) -> Option<&str> {
    let mut words = line.split_whitespace();
    let mut first = words.next()?;
    if first == "exec" {
        first = words.next()?;
    }
    let plain = first.chars().all(|c| c.is_ascii_alphanumeric() || "_./+-@%,".contains(c));
    (plain && !SHELL_WORDS.contains(&first)).then_some(first)
}

/// Returns the program a component runs, as the user wrote it: for
/// `shell = true` the first plain word of the line, else argv\[0].
pub(crate) fn user_program(component: &ComponentConfig) -> Option<&str> {
    if component.shell {
        return component.command.last().and_then(|line| shell_first_word(line));
    }
    component.command.first().map(String::as_str)
}
