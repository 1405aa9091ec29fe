//! Cross-site request forgery defence for the API: a state-changing request must carry an
//! Origin that is the store's own or a configured one, and (when it has a body) be JSON.
//! Together with the SameSite=Strict cookie, a page on another site cannot act as the user.

use crate::error::AppError;
use crate::AppState;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use xops_model::ErrorCode;

pub async fn state_changing_requests(State(state): State<AppState>, req: Request, next: Next) -> Response {
    // Services authenticate with a bearer token (which a page on another site cannot make a
    // browser send), never with a cookie.
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) || req.uri().path().starts_with("/service/") {
        return next.run(req).await;
    }
    if let Err(e) = check(&state, req.headers()) {
        return e.into_response();
    }
    next.run(req).await
}

fn check(state: &AppState, headers: &HeaderMap) -> Result<(), AppError> {
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()).ok_or_else(|| {
        AppError::of(
            ErrorCode::OriginNotAllowed,
            "This request has no Origin header. Changes are accepted only from the Xops app in a browser.",
        )
    })?;
    let origin = origin.to_ascii_lowercase();
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default().to_ascii_lowercase();
    let same_origin = !host.is_empty()
        && (origin.strip_prefix("http://") == Some(host.as_str()) || origin.strip_prefix("https://") == Some(host.as_str()));
    if !same_origin && !state.config.allowed_origins.contains(&origin) {
        return Err(AppError::of(
            ErrorCode::OriginNotAllowed,
            format!("Requests from {origin} are not allowed. The store's operator can allow it with --allowed-origins."),
        ));
    }
    let has_body = match headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()) {
        Some(length) => length.trim() != "0",
        None => headers.contains_key(header::TRANSFER_ENCODING),
    };
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"));
    if has_body && !is_json {
        return Err(AppError::of(
            ErrorCode::UnsupportedMediaType,
            "Send the request body as JSON with Content-Type: application/json.",
        ));
    }
    Ok(())
}
