//! One error type for the whole API. Handlers return `Result<_, AppError>` and use `?`;
//! internal details are logged, never sent.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use xops_model::{ApiError, ErrorCode};

#[derive(Debug)]
pub struct AppError {
    pub status: StatusCode,
    pub body: ApiError,
    /// Seconds, for 429 and 503 answers.
    pub retry_after: Option<u64>,
}

impl AppError {
    /// An answer with this code, and the status the code has (`ErrorCode::status`).
    pub fn of(code: ErrorCode, message: impl Into<String>) -> Self {
        let status = StatusCode::from_u16(code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        AppError { status, body: ApiError::new(code, message), retry_after: None }
    }

    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.body = self.body.with_field(field);
        self
    }

    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::of(ErrorCode::NotFound, message)
    }

    /// Logs the cause and answers with a generic 500 that leaks nothing.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(%cause, "internal error");
        Self::of(ErrorCode::Internal, "Something went wrong on the server. Try again; if it keeps happening, contact support.")
    }
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        AppError::internal(format!("database: {e}"))
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut res = (self.status, Json(self.body)).into_response();
        if let Some(secs) = self.retry_after {
            res.headers_mut().insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        res
    }
}
