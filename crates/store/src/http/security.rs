//! A person's own sign-in: `/api/v1/sessions` (see and end their sessions), reset links for
//! members (`/api/v1/members/{id}/reset-link`), and using one (`/api/v1/auth/reset-link`,
//! `/api/v1/auth/reset`).

use super::auth::{address_limit, signed_in};
use super::json::ApiJson;
use super::records::parse_id;
use crate::auth::{self, client_address, throttle, CurrentUser, PasskeySetup};
use crate::error::AppError;
use crate::{resets, sessions, AppState};
use axum::extract::{Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use xops_model::security::{ResetLinkCreated, ResetPreview, ResetRequest, ResetToken, SessionList, SessionsEnded};
use xops_model::{ApiError, ErrorCode, Me, NewPassword, SessionId, UserId};

#[utoipa::path(get, path = "/api/v1/sessions", tag = "accounts", security(("session" = [])), responses((status = 200, description = "Your own live sessions, this browser's first", body = SessionList), (status = 401, description = "Not signed in", body = ApiError)))]
pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    current: PasskeySetup,
) -> Result<Json<SessionList>, AppError> {
    let hash = sessions::current_hash(&headers);
    Ok(Json(sessions::list(&state, &current, hash.as_deref()).await?))
}

#[utoipa::path(delete, path = "/api/v1/sessions/{id}", tag = "accounts", security(("session" = [])), params(("id" = String, Path, description = "The session's id (from the list)")), responses((status = 204, description = "Signed out: that browser's next request is refused (on every store process within 2 s)"), (status = 404, description = "You have no session with this id", body = ApiError)))]
pub async fn end_one(
    State(state): State<AppState>,
    current: PasskeySetup,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    let id: SessionId = parse_id(&id)?;
    sessions::end_one(&state, &current, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/sessions/end-others", tag = "accounts", security(("session" = [])), responses((status = 200, description = "Every session of yours but this one ended", body = SessionsEnded), (status = 401, description = "Not signed in", body = ApiError)))]
pub async fn end_others(
    State(state): State<AppState>,
    headers: HeaderMap,
    current: PasskeySetup,
) -> Result<Json<SessionsEnded>, AppError> {
    let hash = sessions::current_hash(&headers).ok_or_else(auth::not_signed_in)?;
    let ended = sessions::end_others(&state, &current, &hash).await?;
    Ok(Json(SessionsEnded { ended }))
}

#[utoipa::path(post, path = "/api/v1/members/{id}/reset-link", tag = "team", security(("session" = [])), params(("id" = String, Path, description = "The member's user id")), responses((status = 201, description = "A one-time link for an hour; the token is in the answer only this once (the link is `/reset#TOKEN`)", body = ResetLinkCreated), (status = 403, description = "Viewers make none; admins only for admins and viewers; no one for themselves", body = ApiError), (status = 404, description = "No such member", body = ApiError)))]
pub async fn create_reset_link(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<ResetLinkCreated>), AppError> {
    let id: UserId = parse_id(&id)?;
    let created = resets::create_for_member(&state.db, &current, &id).await?;
    tracing::info!(member = %id, "made a password reset link");
    Ok((StatusCode::CREATED, Json(created)))
}

/// Its own limit per address, like opening invitation links.
async fn link_limit(state: &AppState, address: &str) -> Result<(), AppError> {
    address_limit(state, "reset-address", address, 5, "Too many reset links tried from your network.").await
}

#[utoipa::path(post, path = "/api/v1/auth/reset-link", tag = "accounts", request_body = ResetToken, responses((status = 200, description = "Whose password the link sets", body = ResetPreview), (status = 410, description = "Used, replaced, expired or unknown (code reset_link_invalid)", body = ApiError), (status = 429, description = "Too many tries from this address", body = ApiError)))]
pub async fn preview(
    State(state): State<AppState>,
    parts: Parts,
    ApiJson(req): ApiJson<ResetToken>,
) -> Result<Json<ResetPreview>, AppError> {
    link_limit(&state, &client_address(&state, &parts)).await?;
    Ok(Json(resets::preview(&state.db, &req.token).await?))
}

#[utoipa::path(post, path = "/api/v1/auth/reset", tag = "accounts", request_body = ResetRequest, responses((status = 200, description = "The new password is set, every earlier session of the person ended, and this browser signed in (Set-Cookie)", body = Me), (status = 410, description = "Used, replaced, expired or unknown (code reset_link_invalid)", body = ApiError), (status = 422, description = "The password is not good enough", body = ApiError), (status = 429, description = "Too many tries from this address", body = ApiError)))]
pub async fn reset(
    State(state): State<AppState>,
    parts: Parts,
    ApiJson(req): ApiJson<ResetRequest>,
) -> Result<Response, AppError> {
    let address = client_address(&state, &parts);
    link_limit(&state, &address).await?;
    let preview = resets::preview(&state.db, &req.token).await?;
    let password = NewPassword::parse_for(&req.password, &preview.email)
        .map_err(|e| AppError::of(ErrorCode::Validation, e.message).field("password"))?;
    let password = password.expose().to_string();
    let hash = state.hashing.run(move || auth::hash_password(&password)).await??;
    let used = resets::use_link(&state.db, &req.token, &hash, address.clone()).await?;
    sessions::forget(&state, &used.ended);
    state.sessions.forget_where(|s| s.user.user_id == used.user.user_id);
    // The person proved who they are: strangers' failed guesses no longer hold their account.
    throttle::clear(&state.db, &throttle::account_key(&used.email)).await?;
    tracing::info!(user = %used.user.user_id, ended = used.ended.len(), "set a new password with a reset link");
    signed_in(&state, &parts.headers, address, used.user, StatusCode::OK, None).await
}
