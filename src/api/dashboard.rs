//! The web dashboard: `ui/dist` embedded at compile time (or the placeholder
//! page from the build script when the UI was not built), served at `/` and
//! `/assets/*` without the token.

use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS};
use axum::response::{IntoResponse, Response};
use include_dir::{Dir, include_dir};

use super::error::ApiError;
use super::extract::PathParams;

static UI: Dir<'static> = include_dir!("$TEND_UI_DIR");

pub(crate) async fn index() -> Result<Response, ApiError> {
    serve_file("index.html")
}

pub(crate) async fn asset(PathParams(path): PathParams<String>) -> Result<Response, ApiError> {
    serve_file(&format!("assets/{path}"))
}

fn serve_file(path: &str) -> Result<Response, ApiError> {
    let Some(file) = UI.get_file(path) else {
        return Err(ApiError::NotFound { method: "GET".to_string(), path: format!("/{path}") });
    };
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    let headers = [
        (CONTENT_TYPE, mime.essence_str().to_string()),
        (CACHE_CONTROL, "no-cache".to_string()),
        (X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        // The page URL carries the token in its fragment; send it nowhere.
        (REFERRER_POLICY, "no-referrer".to_string()),
    ];
    Ok((StatusCode::OK, headers, file.contents()).into_response())
}

/// Returns true when the embedded UI is the placeholder page because the real
/// UI was not built.
pub fn is_placeholder() -> bool {
    UI.get_dir("assets").is_none() && UI.files().count() == 1
}
