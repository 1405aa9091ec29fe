//! Passkeys: `/api/v1/passkeys` (a person's own: list, add, remove), the owners' policy
//! (`/api/v1/organization/passkeys`), and signing in with one (`/api/v1/auth/passkey*`). The
//! ceremonies are `crate::passkeys`'.

use super::auth::{address_limit, signed_in};
use super::json::ApiJson;
use super::records::parse_id;
use crate::auth::{client_address, CurrentUser, PasskeySetup};
use crate::error::AppError;
use crate::{passkeys, AppState};
use axum::extract::{Path, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use xops_model::security::{passkey_name, Passkey, PasskeyAdd, PasskeyList, PasskeyOptions, PasskeyPolicy, PasskeySignIn};
use xops_model::{ApiError, ErrorCode, Me, PasskeyId};

/// The page's origin (the guard has let only the store's own or a configured one through).
fn origin(headers: &HeaderMap) -> Result<String, AppError> {
    headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()).map(str::to_ascii_lowercase).ok_or_else(|| {
        AppError::of(
            ErrorCode::OriginNotAllowed,
            "Passkeys work only from the Xops app in a browser (this request has no Origin).",
        )
    })
}

/// A person whose organization now requires passkeys (or who just added one) is read afresh.
fn forget_sessions_of(state: &AppState, person: &PasskeySetup) {
    state.sessions.forget_where(|s| s.user.user_id == person.user.user_id);
}

#[utoipa::path(get, path = "/api/v1/passkeys", tag = "accounts", security(("session" = [])), responses((status = 200, description = "Your passkeys, and whether your organization requires one", body = PasskeyList), (status = 401, description = "Not signed in", body = ApiError)))]
pub async fn list(State(state): State<AppState>, person: PasskeySetup) -> Result<Json<PasskeyList>, AppError> {
    Ok(Json(passkeys::list(&state.db, &person.user).await?))
}

#[utoipa::path(post, path = "/api/v1/passkeys/options", tag = "accounts", security(("session" = [])), responses((status = 200, description = "Options for navigator.credentials.create (PublicKeyCredentialCreationOptionsJSON); the challenge works once, for 5 minutes", body = PasskeyOptions)))]
pub async fn start_adding(
    State(state): State<AppState>,
    headers: HeaderMap,
    person: PasskeySetup,
) -> Result<Json<PasskeyOptions>, AppError> {
    let options = passkeys::start_adding(&state.db, &person, &origin(&headers)?).await?;
    Ok(Json(PasskeyOptions { options }))
}

#[utoipa::path(post, path = "/api/v1/passkeys", tag = "accounts", security(("session" = [])), request_body = PasskeyAdd, responses((status = 201, description = "Added", body = Passkey), (status = 400, description = "The browser's answer was not accepted (code passkey_refused)", body = ApiError), (status = 422, description = "A bad name", body = ApiError)))]
pub async fn add(
    State(state): State<AppState>,
    headers: HeaderMap,
    person: PasskeySetup,
    ApiJson(req): ApiJson<PasskeyAdd>,
) -> Result<(StatusCode, Json<Passkey>), AppError> {
    let name = passkey_name(&req.name).map_err(|e| AppError::of(ErrorCode::Validation, e.message).field("name"))?;
    let added = passkeys::finish_adding(&state.db, &person, &origin(&headers)?, &name, &req.credential).await?;
    forget_sessions_of(&state, &person);
    tracing::info!(passkey = %added.id, "added a passkey");
    Ok((StatusCode::CREATED, Json(added)))
}

#[utoipa::path(delete, path = "/api/v1/passkeys/{id}", tag = "accounts", security(("session" = [])), params(("id" = String, Path, description = "The passkey's id")), responses((status = 204, description = "Removed: it signs no one in any more"), (status = 404, description = "You have no passkey with this id", body = ApiError), (status = 409, description = "Your only passkey, while your organization requires one", body = ApiError)))]
pub async fn remove(State(state): State<AppState>, current: CurrentUser, Path(id): Path<String>) -> Result<StatusCode, AppError> {
    let id: PasskeyId = parse_id(&id)?;
    passkeys::remove(&state.db, &current, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(put, path = "/api/v1/organization/passkeys", tag = "team", security(("session" = [])), request_body = PasskeyPolicy, responses((status = 200, description = "Set: with `required`, members without a passkey can do nothing but add one", body = PasskeyPolicy), (status = 403, description = "Only owners", body = ApiError)))]
pub async fn set_policy(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiJson(req): ApiJson<PasskeyPolicy>,
) -> Result<Json<PasskeyPolicy>, AppError> {
    passkeys::set_policy(&state.db, &current, req.required).await?;
    let organization = current.user.organization_id.clone();
    state.sessions.forget_where(|s| s.user.organization_id == organization);
    Ok(Json(req))
}

/// Passkey sign-ins from one address: a generous bound (they cost a signature check, not a
/// password hash), far from what guessing would need.
async fn sign_in_limit(state: &AppState, address: &str) -> Result<(), AppError> {
    address_limit(state, "passkey-address", address, 10, "Too many passkey sign-ins from your network.").await
}

#[utoipa::path(post, path = "/api/v1/auth/passkey/options", tag = "accounts", responses((status = 200, description = "Options for navigator.credentials.get (PublicKeyCredentialRequestOptionsJSON, no account named); the challenge works once, for 5 minutes", body = PasskeyOptions), (status = 429, description = "Too many from this address", body = ApiError)))]
pub async fn start_sign_in(State(state): State<AppState>, parts: Parts) -> Result<Json<PasskeyOptions>, AppError> {
    sign_in_limit(&state, &client_address(&state, &parts)).await?;
    let options = passkeys::start_sign_in(&state.db, &origin(&parts.headers)?).await?;
    Ok(Json(PasskeyOptions { options }))
}

#[utoipa::path(post, path = "/api/v1/auth/passkey", tag = "accounts", request_body = PasskeySignIn, responses((status = 200, description = "Signed in (Set-Cookie)", body = Me), (status = 400, description = "The passkey was not accepted (code passkey_refused)", body = ApiError)))]
pub async fn sign_in(
    State(state): State<AppState>,
    parts: Parts,
    ApiJson(req): ApiJson<PasskeySignIn>,
) -> Result<Response, AppError> {
    let address = client_address(&state, &parts);
    let user = passkeys::finish_sign_in(&state.db, &origin(&parts.headers)?, &req.credential).await?;
    tracing::info!(user = %user.user_id, "signed in with a passkey");
    signed_in(&state, &parts.headers, address, user, StatusCode::OK, None).await
}
