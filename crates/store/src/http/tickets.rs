//! Sign-in tickets (see `crate::tickets`): browsers upload them (`/api/v1/accounts/{id}/tickets`)
//! and read how far ahead each account is covered (`/api/v1/tickets`); services take the current
//! one (`/api/v1/service/accounts/{id}/ticket`, with a service token, not a session).

use super::json::ApiJson;
use super::records::parse_id;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::sealing::SealingKey;
use crate::services::Service;
use crate::{ticket_desk, tickets, AppState};
use axum::extract::{Path, Query, State};
use axum::Json;
use serde::Deserialize;
use xops_model::tickets::{ClaimedTicket, TicketBatch, TicketCoverages, TicketsKept};
use xops_model::{ApiError, ErrorCode, OrganizationId, RecordId};

fn sealing_key(state: &AppState) -> Result<&SealingKey, AppError> {
    state.tickets_key.as_ref().ok_or_else(|| {
        AppError::of(
            ErrorCode::Unavailable,
            "This Xops keeps no sign-in tickets yet: the people who run it can turn them on (--secrets-key-file).",
        )
    })
}

#[utoipa::path(get, path = "/api/v1/tickets", tag = "tickets", security(("session" = [])), responses((status = 200, description = "How far ahead Xops can use each account of your organization that has tickets (`kept`: false where this deployment keeps none)", body = TicketCoverages), (status = 401, description = "Not signed in", body = ApiError)))]
pub async fn coverage(State(state): State<AppState>, current: CurrentUser) -> Result<Json<TicketCoverages>, AppError> {
    if state.tickets_key.is_none() {
        return Ok(Json(TicketCoverages { kept: false, accounts: Vec::new() }));
    }
    Ok(Json(TicketCoverages { kept: true, accounts: tickets::coverage(&state.db, &current.user.organization_id, None).await? }))
}

#[utoipa::path(post, path = "/api/v1/accounts/{id}/tickets", tag = "tickets", security(("session" = [])), request_body = TicketBatch, params(("id" = String, Path, description = "The account's record id")), responses((status = 200, description = "Kept (replacing any for the same windows); how far ahead the account is now covered", body = TicketsKept), (status = 422, description = "A ticket Xops could not hand out (the message names it and says why)", body = ApiError), (status = 409, description = "The account's tickets are Off", body = ApiError), (status = 403, description = "A viewer may not change accounts", body = ApiError), (status = 404, description = "No such account in your organization", body = ApiError), (status = 503, description = "This deployment keeps no tickets", body = ApiError)))]
pub async fn upload(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiJson(batch): ApiJson<TicketBatch>,
) -> Result<Json<TicketsKept>, AppError> {
    current.may_change_accounts()?;
    let key = sealing_key(&state)?;
    let id: RecordId = parse_id(&id)?;
    let authority = &state.config.microsoft_authority;
    Ok(Json(ticket_desk::keep(&state.db, key, authority, &current.user.organization_id, &id, &batch.tickets).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimQuery {
    organization: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/service/accounts/{id}/ticket", tag = "service", security(("service" = [])), params(("id" = String, Path, description = "The account's record id"), ("organization" = Option<String>, Query, description = "The account's organization, only where accounts of several organizations share the id")), responses((status = 200, description = "The ticket for the current window, now gone from Xops: present it to `token_endpoint` once, before `expires_at`", body = ClaimedTicket), (status = 404, description = "No ticket for this window (the message says why: the horizon ran out on …, tickets Off, …)", body = ApiError), (status = 401, description = "No service token, or a revoked one", body = ApiError), (status = 503, description = "This deployment keeps no tickets", body = ApiError)))]
pub async fn claim(
    State(state): State<AppState>,
    service: Service,
    Path(id): Path<String>,
    query: Result<Query<ClaimQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<ClaimedTicket>, AppError> {
    let key = sealing_key(&state)?;
    let id: RecordId = parse_id(&id)?;
    let Query(q) = query.map_err(|e| AppError::of(ErrorCode::BadRequest, format!("Bad query: {}.", e.body_text())))?;
    let organization = q
        .organization
        .map(|o| OrganizationId::parse(&o).map_err(|e| AppError::of(ErrorCode::BadRequest, e.message).field("organization")))
        .transpose()?;
    let authority = &state.config.microsoft_authority;
    Ok(Json(ticket_desk::claim(&state.db, key, authority, &service, &id, organization.as_ref()).await?))
}
