//! Where things are: the config file, the state directory and its files, and
//! the API socket. Precedence: flag, then `TEND_*` variable, then the config,
//! then the XDG default.

use std::path::{Path, PathBuf};

/// File names inside the state directory.
pub const LOCK_FILE: &str = "tend.lock";
pub const ENDPOINT_FILE: &str = "endpoint.json";
pub const STATE_FILE: &str = "state.json";
pub const TOKEN_FILE: &str = "api-token";
pub const SUPERVISOR_LOG: &str = "tend.log";
pub const LOGS_DIR: &str = "logs";

/// Longest Unix socket path the kernel accepts (`sun_path` is 108 bytes with the NUL).
const MAX_SOCKET_PATH: usize = 107;

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "tend")
}

/// Finds the config file: `--config`, else `TEND_CONFIG`, else `./tend.toml`,
/// else `$XDG_CONFIG_HOME/tend/tend.toml`. Returns `None` when none exists and
/// none was named.
pub fn find_config(flag: Option<&Path>) -> Option<PathBuf> {
    if let Some(path) = flag {
        return Some(path.to_path_buf());
    }
    if let Some(path) = std::env::var_os("TEND_CONFIG").filter(|value| !value.is_empty()) {
        return Some(PathBuf::from(path));
    }
    let local = PathBuf::from("tend.toml");
    if local.is_file() {
        return Some(local);
    }
    let xdg = xdg_config_home()?.join("tend").join("tend.toml");
    xdg.is_file().then_some(xdg)
}

/// The config file used when none is named or found:
/// `$XDG_CONFIG_HOME/tend/tend.toml`.
pub fn default_config() -> Option<PathBuf> {
    Some(xdg_config_home()?.join("tend").join("tend.toml"))
}

fn xdg_config_home() -> Option<PathBuf> {
    match std::env::var_os("XDG_CONFIG_HOME").filter(|value| !value.is_empty()) {
        Some(dir) => Some(PathBuf::from(dir)),
        None => project_dirs()
            .map(|dirs| dirs.config_dir().parent().unwrap_or(dirs.config_dir()).to_path_buf()),
    }
}

/// Picks the state directory: `--state-dir`, else `TEND_STATE_DIR`, else the
/// config's `[supervisor] state_dir` (already absolute), else `$XDG_STATE_HOME/tend`.
pub fn state_dir(flag: Option<&Path>, from_config: Option<&Path>) -> PathBuf {
    if let Some(path) = flag {
        return absolute(path);
    }
    if let Some(path) = std::env::var_os("TEND_STATE_DIR").filter(|value| !value.is_empty()) {
        return absolute(Path::new(&path));
    }
    if let Some(path) = from_config {
        return path.to_path_buf();
    }
    if let Some(dir) = std::env::var_os("XDG_STATE_HOME").filter(|value| !value.is_empty()) {
        return PathBuf::from(dir).join("tend");
    }
    match project_dirs().and_then(|dirs| dirs.state_dir().map(Path::to_path_buf)) {
        Some(dir) => dir,
        None => std::env::temp_dir().join("tend-state"),
    }
}

/// Makes `path` absolute against the current directory, without touching the file system.
pub fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// The API socket for a state directory: `$XDG_RUNTIME_DIR/tend/<hash>.sock`,
/// or `state_dir/run/tend.sock` when `XDG_RUNTIME_DIR` is unset or the path
/// would be too long.
pub fn socket_path(state_dir: &Path) -> PathBuf {
    if let Some(runtime) = std::env::var_os("XDG_RUNTIME_DIR").filter(|value| !value.is_empty()) {
        let path =
            PathBuf::from(runtime).join("tend").join(format!("{}.sock", short_hash(state_dir)));
        if path.as_os_str().len() <= MAX_SOCKET_PATH {
            return path;
        }
    }
    state_dir.join("run").join("tend.sock")
}

/// A short stable hash (FNV-1a, 64 bit, hex) of a path, for socket names.
fn short_hash(path: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in path.as_os_str().as_bytes() {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{:012x}", hash & 0xffff_ffff_ffff)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_hash_is_stable_and_distinct() {
        let first = short_hash(Path::new("/tmp/a"));
        assert_eq!(first, short_hash(Path::new("/tmp/a")));
        assert_ne!(first, short_hash(Path::new("/tmp/b")));
        assert_eq!(first.len(), 12);
    }
}
