//! `/api/v1/members`, `/api/v1/invitations`, `/api/v1/activity`, and joining through an
//! invitation (`/api/v1/auth/invitation`, `/api/v1/auth/join`). What each role may do is the
//! model's (`Role`); `team` enforces it in the transaction that makes the change.

use super::auth::{address_limit, signed_in, signup_limits};
use super::json::ApiJson;
use super::records::parse_id;
use crate::activity;
use crate::auth::{self, client_address, CurrentUser};
use crate::error::AppError;
use crate::{team, AppState};
use axum::extract::{Path, Query, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use xops_model::team::{InvitationPreview, InvitationRequest, InvitationToken, JoinRequest, RoleChange};
use xops_model::{
    ActivityFilter, ActivityKind, ActivityPage, ApiError, ErrorCode, InvitationCreated, InvitationId, Me, Member, Members,
    NewPassword, UserId,
};

fn invalid(field: &str, message: String) -> AppError {
    AppError::of(ErrorCode::Validation, message).field(field)
}

#[utoipa::path(get, path = "/api/v1/members", tag = "team", security(("session" = [])), responses((status = 200, description = "The organization's members and pending invitations", body = Members), (status = 401, description = "Not signed in", body = ApiError)))]
pub async fn members(State(state): State<AppState>, current: CurrentUser) -> Result<Json<Members>, AppError> {
    Ok(Json(team::members(&state.db, &current.user.organization_id).await?))
}

#[utoipa::path(post, path = "/api/v1/invitations", tag = "team", security(("session" = [])), request_body = InvitationRequest, responses((status = 201, description = "Invited; the token is in the answer only this once (the link is `/join#TOKEN`)", body = InvitationCreated), (status = 403, description = "Viewers invite no one; admins invite only admins and viewers", body = ApiError), (status = 409, description = "The email is already a member, or has an account in another organization", body = ApiError), (status = 422, description = "Not an email address", body = ApiError)))]
pub async fn invite(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiJson(req): ApiJson<InvitationRequest>,
) -> Result<Response, AppError> {
    let email = req.email().map_err(|e| invalid("email", e.message))?;
    let created = team::invite(&state.db, &current, &email, req.role, state.config.invitation_lifetime()).await?;
    tracing::info!(invitation = %created.invitation.id, role = req.role.as_str(), "invited");
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

#[utoipa::path(delete, path = "/api/v1/invitations/{id}", tag = "team", security(("session" = [])), params(("id" = String, Path, description = "The invitation's id")), responses((status = 204, description = "Revoked: the link no longer works"), (status = 403, description = "Not allowed for this role", body = ApiError), (status = 404, description = "No pending invitation with this id", body = ApiError)))]
pub async fn revoke(State(state): State<AppState>, current: CurrentUser, Path(id): Path<String>) -> Result<StatusCode, AppError> {
    let id: InvitationId = parse_id(&id)?;
    team::revoke(&state.db, &current, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// After a change to a person's membership, this process forgets their sessions (so the next
/// request reads their new role, or finds them gone); other processes within `recent::RECHECK`.
fn forget_sessions_of(state: &AppState, id: &UserId) {
    state.sessions.forget_where(|s| &s.user.user_id == id);
}

#[utoipa::path(put, path = "/api/v1/members/{id}/role", tag = "team", security(("session" = [])), request_body = RoleChange, params(("id" = String, Path, description = "The member's user id")), responses((status = 200, description = "The member with their new role", body = Member), (status = 403, description = "Only owners change roles", body = ApiError), (status = 404, description = "No such member", body = ApiError), (status = 409, description = "It would leave the organization without an owner", body = ApiError)))]
pub async fn change_role(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<RoleChange>,
) -> Result<Json<Member>, AppError> {
    let id: UserId = parse_id(&id)?;
    let member = team::change_role(&state.db, &current, &id, req.role).await?;
    forget_sessions_of(&state, &id);
    Ok(Json(member))
}

#[utoipa::path(delete, path = "/api/v1/members/{id}", tag = "team", security(("session" = [])), params(("id" = String, Path, description = "The member's user id")), responses((status = 204, description = "Removed; their sessions have ended"), (status = 403, description = "Only owners remove members", body = ApiError), (status = 404, description = "No such member", body = ApiError), (status = 409, description = "It would leave the organization without an owner", body = ApiError)))]
pub async fn remove(State(state): State<AppState>, current: CurrentUser, Path(id): Path<String>) -> Result<StatusCode, AppError> {
    let id: UserId = parse_id(&id)?;
    team::remove(&state.db, &current, &id).await?;
    forget_sessions_of(&state, &id);
    tracing::info!(member = %id, "member removed");
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActivityQuery {
    account: Option<String>,
    person: Option<String>,
    kind: Option<String>,
    before: Option<i64>,
    limit: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/activity", tag = "team", security(("session" = [])), params(("account" = Option<String>, Query, description = "Only this account's entries (its record id)"), ("person" = Option<String>, Query, description = "Only this person's (their user id)"), ("kind" = Option<String>, Query, description = "Only this kind, e.g. account_linked"), ("before" = Option<i64>, Query, description = "Only entries older than this seq: the previous page's next_before"), ("limit" = Option<i64>, Query, description = "At most this many, 1 to 200 (default 50)")), responses((status = 200, description = "Entries, newest first", body = ActivityPage), (status = 400, description = "A bad filter", body = ApiError), (status = 401, description = "Not signed in", body = ApiError)))]
pub async fn activity(
    State(state): State<AppState>,
    current: CurrentUser,
    query: Result<Query<ActivityQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<ActivityPage>, AppError> {
    let Query(q) = query.map_err(|e| {
        AppError::of(
            ErrorCode::BadRequest,
            format!("Bad query: {}. Use ?account=ID&person=ID&kind=KIND&before=SEQ&limit=N.", e.body_text()),
        )
    })?;
    let limit = q.limit.unwrap_or(activity::DEFAULT_PAGE);
    if !(1..=activity::MAX_PAGE).contains(&limit) {
        return Err(activity::bad_filter("limit", format!("limit must be 1 to {}.", activity::MAX_PAGE)));
    }
    let filter = ActivityFilter {
        account: q.account.filter(|a| !a.is_empty()).map(|a| parse_id(&a)).transpose()?,
        person: q.person.filter(|p| !p.is_empty()).map(|p| parse_id(&p)).transpose().map_err(|e| e.field("person"))?,
        kind: q
            .kind
            .filter(|k| !k.is_empty())
            .map(|k| {
                ActivityKind::parse(&k).ok_or_else(|| activity::bad_filter("kind", format!("There is no activity kind {k}.")))
            })
            .transpose()?,
        before: q.before,
    };
    Ok(Json(activity::list(&state.db, &current.user.organization_id, &filter, limit).await?))
}

#[utoipa::path(post, path = "/api/v1/auth/invitation", tag = "accounts", request_body = InvitationToken, responses((status = 200, description = "What the invitation offers", body = InvitationPreview), (status = 410, description = "Used, revoked, expired or unknown (code invitation_invalid)", body = ApiError), (status = 429, description = "Too many tries from this address", body = ApiError)))]
pub async fn invitation(
    State(state): State<AppState>,
    parts: Parts,
    ApiJson(req): ApiJson<InvitationToken>,
) -> Result<Json<InvitationPreview>, AppError> {
    let address = client_address(&state, &parts);
    address_limit(&state, "invitation-address", &address, 5, "Too many invitation links opened from your network.").await?;
    Ok(Json(team::preview(&state.db, &req.token).await?))
}

#[utoipa::path(post, path = "/api/v1/auth/join", tag = "accounts", request_body = JoinRequest, responses((status = 201, description = "Created the invited person in the organization; signed in (Set-Cookie)", body = Me), (status = 410, description = "Used, revoked, expired or unknown (code invitation_invalid)", body = ApiError), (status = 409, description = "The invited email already has an account", body = ApiError), (status = 422, description = "The password is not good enough", body = ApiError), (status = 429, description = "Too many sign-ups from this address", body = ApiError)))]
pub async fn join(State(state): State<AppState>, parts: Parts, ApiJson(req): ApiJson<JoinRequest>) -> Result<Response, AppError> {
    let address = client_address(&state, &parts);
    signup_limits(&state, &address, "join").await?;
    let invited = team::preview(&state.db, &req.token).await?;
    let password = NewPassword::parse_for(&req.password, &invited.email).map_err(|e| invalid("password", e.message))?;
    let password = password.expose().to_string();
    let hash = state.hashing.run(move || auth::hash_password(&password)).await??;
    let user = team::join(&state.db, &req.token, &hash, address.clone()).await?;
    tracing::info!(user = %user.user_id, organization = %user.organization_id, "joined through an invitation");
    // A new person: this browser becomes their first known device.
    signed_in(&state, &parts.headers, address, user, StatusCode::CREATED, None).await
}
