//! A JSON body extractor whose every refusal is our JSON error with a sentence a person can act on.

use crate::error::AppError;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;
use xops_model::ErrorCode;

/// The largest request body the API takes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(rejection) => Err(match rejection {
                JsonRejection::MissingJsonContentType(_) => AppError::of(
                    ErrorCode::UnsupportedMediaType,
                    "Send the request body as JSON with Content-Type: application/json.",
                ),
                JsonRejection::JsonDataError(e) => AppError::of(
                    ErrorCode::Validation,
                    format!(
                        "The request body does not fit: {}",
                        e.body_text().trim_start_matches("Failed to deserialize the JSON body into the target type: ")
                    ),
                ),
                JsonRejection::JsonSyntaxError(_) => AppError::of(ErrorCode::BadRequest, "The request body is not valid JSON."),
                JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => AppError::of(
                    ErrorCode::PayloadTooLarge,
                    format!("The request body is larger than {} KiB.", MAX_BODY_BYTES / 1024),
                ),
                other => AppError::of(ErrorCode::BadRequest, other.body_text()),
            }),
        }
    }
}
