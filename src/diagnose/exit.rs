//! Diagnoses from the exit status alone: killed by a signal, exited 0 too
//! soon for a daemon, and the generic crash with its exit code.

use std::sync::LazyLock;
use std::time::Duration;

use regex::Regex;

use super::classify::Context;
use super::program::{Interpreter, user_program};
use super::{Diagnosis, DiagnosisKind};
use crate::config::Kind;

/// Hint for a daemon that exited 0 before `min_uptime`.
pub(crate) const NOT_A_DAEMON_HINT: &str = "a daemon must keep running; is this a library module \
     rather than an entry point? For a one-shot job set kind = \"task\"";

const OOM_HINT: &str = "nothing in Tend sent it, which points at the OOM killer: check `dmesg` / \
     `journalctl -k` for the OOM killer, or raise the memory available";

/// Shells report a child killed by signal N as exit code 128 + N.
const SHELL_SIGNAL_BASE: i32 = 128;

/// Diagnoses a run ended by a signal, or by a shell reporting its child's signal.
pub(crate) fn by_signal(context: &Context<'_>) -> Option<Diagnosis> {
    if let Some(signal) = &context.exit.signal {
        return Some(signaled(context, &normalise(signal), None));
    }
    let code = context.exit.code?;
    let runs_shell = context.component.shell
        || context.component.command.first().and_then(|program| Interpreter::of(program))
            == Some(Interpreter::Shell);
    let number = code - SHELL_SIGNAL_BASE;
    if !runs_shell || !(1..=64).contains(&number) {
        return None;
    }
    let name = nix::sys::signal::Signal::try_from(number).ok()?.as_str().to_string();
    Some(signaled(context, &name, Some(code)))
}

fn normalise(signal: &str) -> String {
    let upper = signal.to_ascii_uppercase();
    if upper.starts_with("SIG") { upper } else { format!("SIG{upper}") }
}

fn signaled(context: &Context<'_>, signal: &str, shell_code: Option<i32>) -> Diagnosis {
    let cause = match shell_code {
        Some(code) => format!("a child was killed by {signal} (shell exit code {code})"),
        None => format!("killed by {signal}"),
    };
    let (summary, hint) = match signal {
        _ if context.sent_signal => (
            format!("stopped by {signal} from Tend"),
            "Tend sent it this signal (a stop or `tend signal`); start it again when needed"
                .to_string(),
        ),
        "SIGKILL" => (cause, OOM_HINT.to_string()),
        "SIGSEGV" | "SIGBUS" | "SIGILL" | "SIGFPE" | "SIGABRT" | "SIGSYS" => (
            format!("{cause} ({})", describe(signal)),
            "a crash inside the program or a native library it loads; check the last output \
             lines, and enable core dumps (ulimit -c unlimited) to debug it"
                .to_string(),
        ),
        "SIGTERM" | "SIGINT" | "SIGHUP" | "SIGQUIT" => (
            format!("{cause} from outside Tend"),
            "another process sent it; check for a `kill`, a second supervisor or a parent \
             shell stopping it"
                .to_string(),
        ),
        _ => (cause, format!("check what sends {signal} to it")),
    };
    Diagnosis::new(DiagnosisKind::KilledBySignal, summary, hint)
}

fn describe(signal: &str) -> &'static str {
    match signal {
        "SIGSEGV" => "segmentation fault",
        "SIGBUS" => "bus error",
        "SIGILL" => "illegal instruction",
        "SIGFPE" => "arithmetic error",
        "SIGABRT" => "aborted",
        _ => "bad system call",
    }
}

/// Diagnoses a daemon that exited 0, which a daemon should not do.
pub(crate) fn by_success_code(context: &Context<'_>) -> Option<Diagnosis> {
    if context.exit.code != Some(0) || context.component.kind != Kind::Daemon {
        return None;
    }
    let uptime = Duration::from_millis(context.exit.uptime_ms);
    if uptime < context.component.min_uptime {
        return Some(Diagnosis::new(
            DiagnosisKind::ExitedImmediately,
            "exited immediately with status 0",
            NOT_A_DAEMON_HINT,
        ));
    }
    Some(Diagnosis::new(
        DiagnosisKind::Crashed,
        format!("exited with status 0 after {}", humantime::format_duration(round_secs(uptime))),
        "a daemon must keep running; check the last output lines for why it stopped, or set \
         kind = \"task\" for a job that ends",
    ))
}

fn round_secs(duration: Duration) -> Duration {
    Duration::from_secs(duration.as_secs())
}

/// An uncaught exception or panic as runtimes print it: Python and Node
/// `TypeError: message`, Java `java.lang.IllegalStateException: message`,
/// Go `panic: message`, Rust `thread 'main' panicked at src/main.rs:2:5:`.
static EXCEPTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:Uncaught |Exception in thread \S+ )?(?:[A-Za-z_][\w.$]*(?:Error|Exception)|panic|thread '[^']*' panicked at \S+)(?::\s.*|:)?$",
    )
    .expect("exception pattern is valid")
});

/// Characters of an exception line kept in a summary.
const MAX_SUMMARY_DETAIL: usize = 120;

/// Diagnoses from the exit code (or the lack of one) and the last lines,
/// naming the last uncaught exception the output shows.
pub(crate) fn crashed(context: &Context<'_>) -> Diagnosis {
    let name = &context.component.name;
    let program = user_program(context.component).unwrap_or("the command");
    let mut summary = match context.exit.code {
        Some(code) => format!("crashed with exit code {code}"),
        None => "exited without an exit code".to_string(),
    };
    let exception = context.lines.iter().rev().find(|line| EXCEPTION.is_match(&line.text));
    if let Some(line) = exception {
        let detail: String =
            line.text.trim_end_matches(':').chars().take(MAX_SUMMARY_DETAIL).collect();
        summary = format!("{summary}: {detail}");
    }
    let hint = if context.lines.iter().any(|line| !line.text.trim().is_empty()) {
        format!("the last output lines of {program} show why; `tend logs {name}` has the rest")
    } else {
        format!("{program} wrote no output; run it by hand in its working directory to see why")
    };
    Diagnosis::new(DiagnosisKind::Crashed, summary, hint)
}
