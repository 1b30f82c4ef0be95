//! `STATE_DIR/endpoint.json`: how clients reach a running supervisor. It is
//! written only after every listener is bound, and is the only file clients
//! read to find the supervisor.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The contents of `endpoint.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    pub pid: u32,
    /// The Unix socket the API listens on.
    pub socket: PathBuf,
    /// The TCP address (`127.0.0.1:PORT`) when `[api] listen` is set.
    pub http: Option<String>,
    pub version: String,
}

impl Endpoint {
    /// Writes the file atomically (a temporary file renamed into place), so a
    /// client never reads half of it.
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        let json = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        let temporary = path.with_extension("json.tmp");
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(&json)?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)
    }

    /// Reads the file; `Ok(None)` when it does not exist.
    pub fn read(path: &Path) -> std::io::Result<Option<Endpoint>> {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|error| std::io::Error::new(std::io::ErrorKind::InvalidData, error)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("endpoint.json");
        assert_eq!(Endpoint::read(&path).unwrap(), None);
        let endpoint = Endpoint {
            pid: 42,
            socket: dir.path().join("tend.sock"),
            http: Some("127.0.0.1:7070".into()),
            version: "0.1.0".into(),
        };
        endpoint.write(&path).unwrap();
        assert_eq!(Endpoint::read(&path).unwrap(), Some(endpoint));
    }
}
