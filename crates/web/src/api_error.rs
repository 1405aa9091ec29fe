//! Every way a call to the store can fail, as a value whose `Display` is a sentence a person can
//! act on. The app's API client (`src/api.rs`) and the sign-in page make these alike.

use std::fmt;
use xops_model::{ApiBase, ApiError, Conflict, ErrorCode};

#[derive(Debug, Clone, PartialEq)]
pub enum ApiClientError {
    /// The store could not be reached at all (offline, DNS, refused, CORS).
    Network,
    /// The store answered with one of its JSON errors.
    Api { status: u16, error: ApiError },
    /// 409: the record changed since the change was made; the store's current copy is inside.
    Conflict(Box<Conflict>),
    /// Something else answered (a proxy's error page, a broken body).
    Unexpected { status: u16 },
    /// Signed in, but the browser did not send the session cookie back: the app and the store
    /// are on different sites and the browser blocks cookies between them.
    SessionNotKept { app: String, store: String },
}

impl ApiClientError {
    /// What a store's answer that is not a success says: its JSON error (a 409 with the store's
    /// current copy), or, when the body is not one, an unexpected answer.
    pub fn from_answer(status: u16, body: &str) -> ApiClientError {
        if status == 409 {
            if let Ok(conflict) = serde_json::from_str::<Conflict>(body) {
                return ApiClientError::Conflict(Box::new(conflict));
            }
        }
        ApiClientError::from_error(status, body)
    }

    /// The same for an answer that cannot be a conflict (`GET /session`): its code does not
    /// parse records, so the app's first module, which only asks who is signed in, holds none.
    pub fn from_error(status: u16, body: &str) -> ApiClientError {
        match serde_json::from_str::<ApiError>(body) {
            Ok(error) => ApiClientError::Api { status, error },
            Err(_) => ApiClientError::Unexpected { status },
        }
    }

    /// Signed in, but the browser did not send the session back: this page's origin and the
    /// store's, for the sentence.
    pub fn session_not_kept(base: &ApiBase) -> ApiClientError {
        let app = web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default();
        let store = match base {
            ApiBase::SameOrigin => app.clone(),
            ApiBase::Url(url) => url.clone(),
        };
        ApiClientError::SessionNotKept { app, store }
    }

    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            ApiClientError::Api { error, .. } => Some(error.error.code),
            ApiClientError::Conflict(c) => Some(c.error.code),
            _ => None,
        }
    }

    /// The request field the error is about, for showing it beside that field.
    pub fn field(&self) -> Option<&str> {
        match self {
            ApiClientError::Api { error, .. } => error.error.field.as_deref(),
            _ => None,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            ApiClientError::Api { status, .. } | ApiClientError::Unexpected { status } => Some(*status),
            ApiClientError::Conflict(_) => Some(409),
            ApiClientError::Network | ApiClientError::SessionNotKept { .. } => None,
        }
    }
}

impl fmt::Display for ApiClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiClientError::Network => f.write_str("Cannot reach Xops. Check your internet connection and try again."),
            ApiClientError::Api { error, .. } => f.write_str(&error.error.message),
            ApiClientError::Conflict(c) => f.write_str(&c.error.message),
            ApiClientError::SessionNotKept { app, store } => write!(
                f,
                "You were signed in, but this browser did not keep the session, so the next page would ask you to sign in again. \
                 The app ({app}) and its server ({store}) are on different sites, and this browser does not send cookies between them. \
                 Ask whoever runs Xops to serve both from one site (for example app.example.com and api.example.com), or the app from the server itself."
            ),
            ApiClientError::Unexpected { status } => write!(
                f,
                "Xops answered unexpectedly (HTTP {status}). Try again in a moment; if it keeps happening, contact support."
            ),
        }
    }
}

impl std::error::Error for ApiClientError {}
