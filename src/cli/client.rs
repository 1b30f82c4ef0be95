//! A small HTTP/1 client for the supervisor's Unix socket. It finds the
//! supervisor only through `STATE_DIR/endpoint.json`.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use futures_util::{Stream, StreamExt, TryStreamExt};
use http_body_util::{BodyExt, BodyStream, Full};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::net::UnixStream;

use super::GlobalArgs;
use super::error::CliError;
use crate::api::{Endpoint, ErrorBody};
use crate::paths::ENDPOINT_FILE;

/// A connection target: the state dir and the endpoint found in it.
#[derive(Debug, Clone)]
pub struct Client {
    state_dir: PathBuf,
    endpoint: Option<Endpoint>,
}

/// One server-sent event.
pub type SseEvent = eventsource_stream::Event;

impl Client {
    /// Resolves the state dir from the flags, the environment and the config,
    /// then reads `endpoint.json` in it.
    pub fn from_global(global: &GlobalArgs) -> Result<Client, CliError> {
        let state_dir = super::config_load::client_state_dir(global);
        Client::for_state_dir(&state_dir)
    }

    pub fn for_state_dir(state_dir: &Path) -> Result<Client, CliError> {
        let path = state_dir.join(ENDPOINT_FILE);
        let endpoint = Endpoint::read(&path).map_err(|error| {
            CliError::Failed(format!("cannot read {}: {error}", path.display()))
        })?;
        Ok(Client { state_dir: state_dir.to_path_buf(), endpoint })
    }

    pub fn state_dir(&self) -> &Path {
        &self.state_dir
    }

    /// Returns the endpoint of the running supervisor, or the "no supervisor" error.
    pub fn endpoint(&self) -> Result<&Endpoint, CliError> {
        self.endpoint.as_ref().ok_or_else(|| self.no_supervisor())
    }

    fn no_supervisor(&self) -> CliError {
        CliError::NoSupervisor { state_dir: self.state_dir.display().to_string() }
    }

    /// Sends one request on a new connection.
    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> Result<Response<Incoming>, CliError> {
        let endpoint = self.endpoint()?;
        let stream = match UnixStream::connect(&endpoint.socket).await {
            Ok(stream) => stream,
            // A leftover endpoint.json of a supervisor that died.
            Err(error)
                if matches!(error.kind(), ErrorKind::ConnectionRefused | ErrorKind::NotFound) =>
            {
                return Err(self.no_supervisor());
            }
            Err(error) => {
                return Err(CliError::Failed(format!(
                    "cannot connect to {}: {error}",
                    endpoint.socket.display()
                )));
            }
        };
        let failed = |error: hyper::Error| CliError::Failed(format!("api request failed: {error}"));
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.map_err(failed)?;
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "api connection ended with an error");
            }
        });

        let has_body = body.is_some();
        let mut request =
            Request::builder().method(method).uri(path).header(hyper::header::HOST, "localhost");
        if has_body {
            request = request.header(hyper::header::CONTENT_TYPE, "application/json");
        }
        let request = request
            .body(Full::new(Bytes::from(body.unwrap_or_default())))
            .map_err(|error| CliError::Failed(format!("invalid request {path}: {error}")))?;
        sender.send_request(request).await.map_err(failed)
    }

    /// Sends a request and reads the whole response.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> Result<(StatusCode, Bytes), CliError> {
        let response = self.send(method, path, body).await?;
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .map_err(|error| CliError::Failed(format!("cannot read the api response: {error}")))?
            .to_bytes();
        Ok((status, bytes))
    }

    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, CliError> {
        let (status, bytes) = self.request(Method::GET, path, None).await?;
        decode(status, &bytes)
    }

    pub async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &impl Serialize,
    ) -> Result<T, CliError> {
        let json = serde_json::to_vec(body)
            .map_err(|error| CliError::Failed(format!("cannot encode the request: {error}")))?;
        let (status, bytes) = self.request(Method::POST, path, Some(json)).await?;
        decode(status, &bytes)
    }

    /// Opens a server-sent event stream.
    pub async fn events(
        &self,
        path: &str,
    ) -> Result<impl Stream<Item = Result<SseEvent, CliError>> + use<>, CliError> {
        use eventsource_stream::Eventsource;
        let response = self.send(Method::GET, path, None).await?;
        let status = response.status();
        if !status.is_success() {
            let bytes = response.into_body().collect().await.map(|body| body.to_bytes());
            return Err(error_from_body(status, &bytes.unwrap_or_default()));
        }
        let frames = BodyStream::new(response.into_body())
            .try_filter_map(|frame| std::future::ready(Ok(frame.into_data().ok())));
        Ok(frames.eventsource().map(|event| {
            event.map_err(|error| CliError::Failed(format!("event stream failed: {error}")))
        }))
    }
}

/// Decodes a success body, or turns an error body into the matching error.
pub fn decode<T: DeserializeOwned>(status: StatusCode, bytes: &[u8]) -> Result<T, CliError> {
    if !status.is_success() {
        return Err(error_from_body(status, bytes));
    }
    serde_json::from_slice(bytes)
        .map_err(|error| CliError::Failed(format!("unexpected api response: {error}")))
}

/// Maps an API error response to a CLI error with its exit code.
pub fn error_from_body(status: StatusCode, bytes: &[u8]) -> CliError {
    let Ok(body) = serde_json::from_slice::<ErrorBody>(bytes) else {
        return CliError::Failed(format!(
            "api request failed with status {status}: {}",
            String::from_utf8_lossy(bytes).trim()
        ));
    };
    match body.kind.as_str() {
        "no-such-component" => CliError::NoSuchComponent(body.message),
        "bad-request" => CliError::Usage(body.message),
        _ => CliError::Failed(body.message),
    }
}
