//! Access control for the TCP listener: the `Host` header must name a
//! loopback host (against DNS rebinding) and every request but the dashboard
//! files must carry the bearer token. The Unix socket relies on its file mode.

use std::net::IpAddr;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::{AUTHORIZATION, HOST};
use axum::middleware::Next;
use axum::response::Response;
use subtle::ConstantTimeEq;

use super::error::ApiError;

/// The access check a router applies to its callers.
#[derive(Clone)]
pub enum Auth {
    /// No checks: for the Unix socket, whose 0600 mode admits only its owner.
    None,
    /// Loopback `Host` and `Authorization: Bearer TOKEN` on every request
    /// except the dashboard files.
    Token {
        token: Arc<str>,
        /// Also accept a `Host` that is an IP literal, for a listener that
        /// `allow_remote` put on a non-loopback address. An IP literal cannot
        /// be rebound by DNS, so this keeps the rebinding defence.
        allow_ip_hosts: bool,
    },
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Auth::None => f.write_str("Auth::None"),
            Auth::Token { allow_ip_hosts, .. } => {
                write!(f, "Auth::Token {{ token: ****, allow_ip_hosts: {allow_ip_hosts} }}")
            }
        }
    }
}

/// Middleware enforcing [`Auth::Token`]: 403 for a foreign host, then 401 for
/// a missing or wrong token.
pub(crate) async fn check(
    State(auth): State<Auth>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let Auth::Token { token, allow_ip_hosts } = auth else {
        return Ok(next.run(request).await);
    };

    let host = request.headers().get(HOST).and_then(|value| value.to_str().ok()).unwrap_or("");
    let host_allowed = match host_name(host) {
        Some(name) => is_loopback_name(name) || (allow_ip_hosts && name.parse::<IpAddr>().is_ok()),
        None => false,
    };
    if !host_allowed {
        return Err(ApiError::ForbiddenHost(host.to_string()));
    }

    if !is_dashboard_path(request.uri().path()) {
        let presented = request
            .headers()
            .get(AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(bearer_token);
        let matches = presented
            .is_some_and(|presented| bool::from(presented.as_bytes().ct_eq(token.as_bytes())));
        if !matches {
            return Err(ApiError::Unauthorized);
        }
    }
    Ok(next.run(request).await)
}

/// Returns true for the dashboard page and its assets, which load without the
/// token. The page reads the token from the URL fragment and sends it itself.
fn is_dashboard_path(path: &str) -> bool {
    path == "/" || path == "/index.html" || path.starts_with("/assets/")
}

/// Extracts the token of an `Authorization: Bearer TOKEN` header value.
fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Extracts the host name of a `Host` header value without its port and
/// brackets. Returns `None` when the value is malformed.
fn host_name(host: &str) -> Option<&str> {
    let (name, port) = match host.strip_prefix('[') {
        Some(rest) => {
            let (inside, after) = rest.split_once(']')?;
            match after {
                "" => (inside, None),
                _ => (inside, Some(after.strip_prefix(':')?)),
            }
        }
        None => match host.split_once(':') {
            Some((name, port)) => (name, Some(port)),
            None => (host, None),
        },
    };
    if port.is_some_and(|port| port.is_empty() || !port.chars().all(|c| c.is_ascii_digit())) {
        return None;
    }
    (!name.is_empty()).then_some(name)
}

/// True for `localhost` and loopback IP addresses (127.0.0.0/8 and ::1).
fn is_loopback_name(name: &str) -> bool {
    name.eq_ignore_ascii_case("localhost")
        || name.parse::<IpAddr>().is_ok_and(|address| address.is_loopback())
}

/// True for `127.0.0.1`, `[::1]`, `localhost` (and any 127/8 address), with or
/// without a port.
#[cfg(test)]
fn is_loopback_host(host: &str) -> bool {
    host_name(host).is_some_and(is_loopback_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_host_table() {
        let cases = [
            ("127.0.0.1", true),
            ("127.0.0.1:7070", true),
            ("localhost:80", true),
            ("LOCALHOST", true),
            ("[::1]:7070", true),
            ("[::1]", true),
            ("127.1.2.3:9", true),
            ("", false),
            ("example.com", false),
            ("evil.localhost", false),
            ("localhost.evil.com:80", false),
            ("10.0.0.1:7070", false),
            ("[::2]:1", false),
            ("[::1]x", false),
            ("127.0.0.1:80:80", false),
        ];
        for (host, expected) in cases {
            assert_eq!(is_loopback_host(host), expected, "{host:?}");
        }
    }

    #[test]
    fn bearer_token_parsing() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer abc"), Some("abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer"), None);
    }
}
