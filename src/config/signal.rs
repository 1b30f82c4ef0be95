//! Signal names and numbers of the platform.

/// Looks up the number of a signal name such as "TERM" or "SIGTERM", in any case.
#[cfg(unix)]
pub fn from_name(name: &str) -> Option<i32> {
    use std::str::FromStr;

    let upper = name.trim().to_ascii_uppercase();
    let full = if upper.starts_with("SIG") { upper } else { format!("SIG{upper}") };
    nix::sys::signal::Signal::from_str(&full).ok().map(|signal| signal as i32)
}

/// Returns the number itself when it names a signal of this platform.
#[cfg(unix)]
pub fn from_number(number: i32) -> Option<i32> {
    nix::sys::signal::Signal::try_from(number).ok().map(|signal| signal as i32)
}

// NOTE: without Unix signals only the names that map to a forced stop are known.
#[cfg(not(unix))]
pub fn from_name(name: &str) -> Option<i32> {
    match name.trim().to_ascii_uppercase().trim_start_matches("SIG") {
        "INT" => Some(2),
        "KILL" => Some(9),
        "TERM" => Some(15),
        _ => None,
    }
}

#[cfg(not(unix))]
pub fn from_number(number: i32) -> Option<i32> {
    [2, 9, 15].contains(&number).then_some(number)
}
