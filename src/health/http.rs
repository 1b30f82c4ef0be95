//! The http probe: one HTTP/1.1 GET over a plain TCP connection with hyper's
//! low-level client, passing when the status is within the configured range.

use bytes::Bytes;
use http_body_util::Empty;
use hyper::Request;
use hyper::Uri;
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use super::check::describe_io;

/// Sends `GET url` and checks that the status is within `status_min..=status_max`.
pub(super) async fn get(url: &str, status_min: u16, status_max: u16) -> Result<(), String> {
    let target = Target::parse(url)?;
    let address = format!("{}:{}", target.host, target.port);

    let stream = TcpStream::connect(&address)
        .await
        .map_err(|error| format!("GET {url}: connect {address}: {}", describe_io(&error)))?;
    let (mut sender, connection) = http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|error| format!("GET {url}: {error}"))?;
    // The connection task ends when the response is read and `sender` is dropped.
    let connection = tokio::spawn(connection);

    let request = Request::get(target.path.as_str())
        .header(hyper::header::HOST, target.host_header.as_str())
        .header(hyper::header::USER_AGENT, concat!("tend/", env!("CARGO_PKG_VERSION")))
        .body(Empty::<Bytes>::new())
        .map_err(|error| format!("GET {url}: invalid request: {error}"))?;
    let response = sender.send_request(request).await;
    drop(sender);
    connection.abort();

    let status = response.map_err(|error| format!("GET {url}: {error}"))?.status().as_u16();
    if (status_min..=status_max).contains(&status) {
        Ok(())
    } else {
        Err(format!("GET {url} returned {status}"))
    }
}

/// The parts of an http URL the probe needs.
#[derive(Debug, PartialEq, Eq)]
struct Target {
    /// Host as `TcpStream::connect` takes it before `:PORT`, bracketed for IPv6.
    host: String,
    port: u16,
    /// The `Host` header value: the authority as written.
    host_header: String,
    /// Path and query, "/" when the URL has none.
    path: String,
}

impl Target {
    fn parse(url: &str) -> Result<Target, String> {
        let uri: Uri = url.parse().map_err(|error| format!("invalid probe URL {url}: {error}"))?;
        match uri.scheme_str() {
            Some("http") => {}
            Some("https") => {
                return Err(format!(
                    "GET {url}: https is not supported by http probes; probe the plain \
                     http port, or use an exec probe such as `curl -fsS {url}`"
                ));
            }
            _ => return Err(format!("invalid probe URL {url}: expected http://HOST[:PORT]/PATH")),
        }
        let Some(authority) = uri.authority() else {
            return Err(format!("invalid probe URL {url}: missing host"));
        };

        let host = authority.host().trim_start_matches('[').trim_end_matches(']');
        let path = uri.path_and_query().map_or("/", |path| path.as_str());
        Ok(Target {
            host: if host.contains(':') { format!("[{host}]") } else { host.to_owned() },
            port: authority.port_u16().unwrap_or(80),
            host_header: authority.as_str().to_owned(),
            path: if path.is_empty() { "/".to_owned() } else { path.to_owned() },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_url_with_port_and_query() {
        let target = Target::parse("http://127.0.0.1:8080/health?deep=1").unwrap();
        assert_eq!(target.host, "127.0.0.1");
        assert_eq!(target.port, 8080);
        assert_eq!(target.host_header, "127.0.0.1:8080");
        assert_eq!(target.path, "/health?deep=1");
    }

    #[test]
    fn parse_url_defaults_port_and_path() {
        let target = Target::parse("http://localhost").unwrap();
        assert_eq!(target.port, 80);
        assert_eq!(target.path, "/");
    }

    #[test]
    fn parse_url_keeps_ipv6_brackets() {
        let target = Target::parse("http://[::1]:9000/").unwrap();
        assert_eq!(target.host, "[::1]");
        assert_eq!(target.port, 9000);
    }

    #[test]
    fn parse_url_rejects_https() {
        let error = Target::parse("https://127.0.0.1/").unwrap_err();
        assert!(error.contains("https is not supported"), "{error}");
    }

    #[test]
    fn parse_url_rejects_other_schemes() {
        let error = Target::parse("ftp://127.0.0.1/").unwrap_err();
        assert!(error.starts_with("invalid probe URL"), "{error}");
    }
}
