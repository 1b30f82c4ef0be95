//! The API token in `STATE_DIR/api-token`: 32 random bytes as hex, created
//! exclusively with mode 0600 when missing.

use std::fs::OpenOptions;
use std::io::{ErrorKind, Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use super::error::ApiError;

const TOKEN_BYTES: usize = 32;

/// Reads the token file, creating it first when it does not exist. A file
/// that others may read is rejected, because anyone who reads it controls
/// the supervisor.
pub fn load_or_create(path: &Path) -> Result<String, ApiError> {
    match OpenOptions::new().write(true).create_new(true).mode(0o600).open(path) {
        Ok(mut file) => {
            let token = random_hex()?;
            file.write_all(token.as_bytes()).map_err(|error| {
                ApiError::Setup(format!("cannot write api token {}: {error}", path.display()))
            })?;
            tracing::info!(path = %path.display(), "created api token");
            Ok(token)
        }
        Err(error) if error.kind() == ErrorKind::AlreadyExists => read_existing(path),
        Err(error) => {
            Err(ApiError::Setup(format!("cannot create api token {}: {error}", path.display())))
        }
    }
}

/// Reads an existing token file without creating one.
pub fn read_existing(path: &Path) -> Result<String, ApiError> {
    let setup = |error: std::io::Error| {
        ApiError::Setup(format!("cannot read api token {}: {error}", path.display()))
    };
    let mut file = std::fs::File::open(path).map_err(setup)?;
    let mode = file.metadata().map_err(setup)?.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(ApiError::Setup(format!(
            "api token {} is readable by other users (mode {mode:o}); run `chmod 600 {}`",
            path.display(),
            path.display()
        )));
    }
    let mut token = String::new();
    file.read_to_string(&mut token).map_err(setup)?;
    let token = token.trim().to_string();
    if token.is_empty() {
        return Err(ApiError::Setup(format!(
            "api token {} is empty; delete it and a new one is created",
            path.display()
        )));
    }
    Ok(token)
}

fn random_hex() -> Result<String, ApiError> {
    let mut bytes = [0u8; TOKEN_BYTES];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut urandom| urandom.read_exact(&mut bytes))
        .map_err(|error| ApiError::Setup(format!("cannot read /dev/urandom: {error}")))?;
    Ok(bytes.iter().map(|byte| format!("{byte:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_created_once_with_mode_0600() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("api-token");
        let first = load_or_create(&path).unwrap();
        assert_eq!(first.len(), TOKEN_BYTES * 2);
        assert!(first.chars().all(|c| c.is_ascii_hexdigit()));
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(load_or_create(&path).unwrap(), first);
    }

    #[test]
    fn token_readable_by_others_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("api-token");
        std::fs::write(&path, "abc").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let error = load_or_create(&path).unwrap_err().to_string();
        assert!(error.contains("chmod 600"), "{error}");
    }
}
