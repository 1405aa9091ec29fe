//! Bodies of the JSON API under `/api/v1`.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The version prefix every API path starts with.
pub const API_PREFIX: &str = "/api/v1";

/// Machine-readable error codes. The store sends them; the app matches on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ErrorCode {
    NotFound,
    MethodNotAllowed,
    BadRequest,
    Unauthorized,
    InvalidCredentials,
    OriginNotAllowed,
    Forbidden,
    Conflict,
    PreconditionRequired,
    PayloadTooLarge,
    UnsupportedMediaType,
    Validation,
    TooManyRequests,
    Internal,
    Unavailable,
    /// The organization has reached a limit on what it may store.
    QuotaExceeded,
    /// The request named a host this store does not answer as (DNS rebinding).
    HostNotAllowed,
    /// Microsoft refused a change to the app registration; the message says why and what to do.
    MicrosoftRefused,
    /// Microsoft could not be reached from the store.
    MicrosoftUnreachable,
    /// The invitation link was used, revoked, has expired, or never existed.
    InvitationInvalid,
    /// The password reset link was used, replaced by a newer one, has expired, or never existed.
    ResetLinkInvalid,
    /// The organization requires a passkey and the person has none: they must add one first.
    PasskeyRequired,
    /// A passkey ceremony failed: the passkey was not accepted (the message says why).
    PasskeyRefused,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::InvalidCredentials => "invalid_credentials",
            ErrorCode::OriginNotAllowed => "origin_not_allowed",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::Conflict => "conflict",
            ErrorCode::PreconditionRequired => "precondition_required",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::Validation => "validation",
            ErrorCode::TooManyRequests => "too_many_requests",
            ErrorCode::Internal => "internal",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::QuotaExceeded => "quota_exceeded",
            ErrorCode::HostNotAllowed => "host_not_allowed",
            ErrorCode::MicrosoftRefused => "microsoft_refused",
            ErrorCode::MicrosoftUnreachable => "microsoft_unreachable",
            ErrorCode::InvitationInvalid => "invitation_invalid",
            ErrorCode::ResetLinkInvalid => "reset_link_invalid",
            ErrorCode::PasskeyRequired => "passkey_required",
            ErrorCode::PasskeyRefused => "passkey_refused",
        }
    }
}

impl ErrorCode {
    /// The HTTP status every answer with this code has: the one place they are paired.
    pub fn status(self) -> u16 {
        match self {
            ErrorCode::BadRequest | ErrorCode::PasskeyRefused => 400,
            ErrorCode::Unauthorized | ErrorCode::InvalidCredentials => 401,
            ErrorCode::OriginNotAllowed | ErrorCode::Forbidden | ErrorCode::QuotaExceeded | ErrorCode::PasskeyRequired => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::Conflict => 409,
            ErrorCode::InvitationInvalid | ErrorCode::ResetLinkInvalid => 410,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::UnsupportedMediaType => 415,
            ErrorCode::HostNotAllowed => 421,
            ErrorCode::Validation | ErrorCode::MicrosoftRefused => 422,
            ErrorCode::PreconditionRequired => 428,
            ErrorCode::TooManyRequests => 429,
            ErrorCode::Internal => 500,
            ErrorCode::MicrosoftUnreachable => 502,
            ErrorCode::Unavailable => 503,
        }
    }
}

/// What a client does with a change the store answered with an error: the sync decides by this,
/// not by status numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhenRefused {
    /// Someone changed the record first; the answer carries the store's copy.
    Conflict,
    /// The session has ended: sign in again (the change waits).
    SignIn,
    /// Refused for good: the same change would be refused again. Keep it, with the reason, for
    /// the person to decide.
    Keep,
    /// A passing condition (too many requests, the store or Microsoft busy or away): try again.
    Retry,
}

impl ErrorCode {
    /// What a client does with a change refused with this code.
    pub fn when_refused(self) -> WhenRefused {
        match self {
            ErrorCode::Conflict => WhenRefused::Conflict,
            ErrorCode::Unauthorized | ErrorCode::InvalidCredentials => WhenRefused::SignIn,
            ErrorCode::TooManyRequests | ErrorCode::Internal | ErrorCode::Unavailable | ErrorCode::MicrosoftUnreachable => {
                WhenRefused::Retry
            }
            ErrorCode::NotFound
            | ErrorCode::MethodNotAllowed
            | ErrorCode::BadRequest
            | ErrorCode::OriginNotAllowed
            | ErrorCode::Forbidden
            | ErrorCode::PreconditionRequired
            | ErrorCode::PayloadTooLarge
            | ErrorCode::UnsupportedMediaType
            | ErrorCode::Validation
            | ErrorCode::QuotaExceeded
            | ErrorCode::HostNotAllowed
            | ErrorCode::MicrosoftRefused
            | ErrorCode::InvitationInvalid
            | ErrorCode::ResetLinkInvalid
            | ErrorCode::PasskeyRequired
            | ErrorCode::PasskeyRefused => WhenRefused::Keep,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Every API error has this shape: `{ "error": { "code", "message", "field"? } }`.
/// (Readers tolerate extra members: a 409 also carries the current record.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiError {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    pub code: ErrorCode,
    /// A sentence a person can act on: what is wrong and how to fix it.
    pub message: String,
    /// The request field the error is about, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError { error: ErrorDetail { code, message: message.into(), field: None } }
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.error.field = Some(field.into());
        self
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.error.message)
    }
}

impl std::error::Error for ApiError {}

/// `GET /api/v1/platform`: facts about this deployment that the link pages show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Platform {
    /// The AWS account Xops assumes customers' roles from (their trust policies name it), if the
    /// operator configured one.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "111122223333"))]
    pub aws_account_id: Option<crate::AwsAccountId>,
    /// The Microsoft identity platform the store relays client assertions to; an assertion's
    /// audience is `{microsoft_authority}/{tenant}/oauth2/v2.0/token`.
    #[serde(default = "default_authority")]
    pub microsoft_authority: String,
    /// The `aud` of a proof of possession for Graph's addKey and removeKey.
    #[serde(default = "default_proof_audience")]
    pub microsoft_proof_audience: String,
    /// Whether this deployment can test AWS accounts (it has AWS credentials of its own to assume
    /// customers' roles with). Without them, the AWS account page says so instead of a button.
    #[serde(default)]
    pub aws_checks: bool,
}

pub const DEFAULT_MICROSOFT_AUTHORITY: &str = "https://login.microsoftonline.com";
pub const DEFAULT_MICROSOFT_GRAPH: &str = "https://graph.microsoft.com";

fn default_proof_audience() -> String {
    crate::renew::DEFAULT_PROOF_AUDIENCE.to_string()
}

fn default_authority() -> String {
    DEFAULT_MICROSOFT_AUTHORITY.to_string()
}

/// `GET /api/v1/healthz`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    pub status: HealthStatus,
    pub version: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum HealthStatus {
    Ok,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_serializes_to_the_documented_shape() {
        let e = ApiError::new(ErrorCode::Validation, "Tenant ID must be a GUID").with_field("tenant_id");
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"error": {"code": "validation", "message": "Tenant ID must be a GUID", "field": "tenant_id"}})
        );
    }

    #[test]
    fn error_without_field_omits_it() {
        let v = serde_json::to_value(ApiError::new(ErrorCode::NotFound, "x")).unwrap();
        assert_eq!(v, serde_json::json!({"error": {"code": "not_found", "message": "x"}}));
    }

    #[test]
    fn every_code_is_an_error_status() {
        for code in [ErrorCode::NotFound, ErrorCode::Validation, ErrorCode::Internal, ErrorCode::HostNotAllowed] {
            assert!((400..600).contains(&code.status()), "{code}");
        }
        assert_eq!(ErrorCode::Validation.status(), 422);
    }

    const EVERY_CODE: [ErrorCode; 23] = [
        ErrorCode::NotFound,
        ErrorCode::MethodNotAllowed,
        ErrorCode::BadRequest,
        ErrorCode::Unauthorized,
        ErrorCode::InvalidCredentials,
        ErrorCode::OriginNotAllowed,
        ErrorCode::Forbidden,
        ErrorCode::Conflict,
        ErrorCode::PreconditionRequired,
        ErrorCode::PayloadTooLarge,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::Validation,
        ErrorCode::TooManyRequests,
        ErrorCode::Internal,
        ErrorCode::Unavailable,
        ErrorCode::QuotaExceeded,
        ErrorCode::HostNotAllowed,
        ErrorCode::MicrosoftRefused,
        ErrorCode::MicrosoftUnreachable,
        ErrorCode::InvitationInvalid,
        ErrorCode::ResetLinkInvalid,
        ErrorCode::PasskeyRequired,
        ErrorCode::PasskeyRefused,
    ];

    /// The sync once decided by status numbers: 409 a conflict, 401 signed out, any other 4xx but
    /// 408 and 429 refused for good, the rest tried again. The codes say the same of every answer.
    #[test]
    fn what_a_refused_change_does_is_what_its_status_said() {
        for code in EVERY_CODE {
            let by_status = match code.status() {
                409 => WhenRefused::Conflict,
                401 => WhenRefused::SignIn,
                s if (400..500).contains(&s) && s != 408 && s != 429 => WhenRefused::Keep,
                _ => WhenRefused::Retry,
            };
            assert_eq!(code.when_refused(), by_status, "{code}");
        }
    }

    #[test]
    fn error_code_strings_match_serde() {
        for code in [
            ErrorCode::NotFound,
            ErrorCode::PreconditionRequired,
            ErrorCode::TooManyRequests,
            ErrorCode::QuotaExceeded,
            ErrorCode::HostNotAllowed,
        ] {
            assert_eq!(serde_json::to_value(code).unwrap(), serde_json::Value::String(code.as_str().into()));
        }
    }
}
