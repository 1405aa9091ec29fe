//! `/api/v1/records`: every query is scoped to the session's organization.

use super::json::ApiJson;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::recent::RECHECK;
use crate::records::{self, Change, Outcome, Precondition, Served};
use crate::AppState;
use crate::{certificates, secrets};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use xops_model::{ApiError, Conflict, ErrorCode, FieldError, Record, RecordChanges, RecordId, RecordPut};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangesQuery {
    #[serde(default)]
    since: i64,
    limit: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/records", tag = "records", security(("session" = [])), params(("since" = Option<i64>, Query, description = "Only changes after this revision (default 0)"), ("limit" = Option<i64>, Query, description = "At most this many changes, 1 to 5000 (default 500)")), responses((status = 200, description = "The changes after `since`, in revision order, tombstones included", body = RecordChanges), (status = 400, description = "A bad query", body = ApiError), (status = 401, description = "Not signed in, or the session expired", body = ApiError)))]
pub async fn list(
    State(state): State<AppState>,
    current: CurrentUser,
    query: Result<Query<ChangesQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<RecordChanges>, AppError> {
    let Query(q) = query.map_err(|e| {
        AppError::of(ErrorCode::BadRequest, format!("Bad query: {}. Use ?since=REVISION&limit=N.", e.body_text()))
    })?;
    let limit = q.limit.unwrap_or(records::DEFAULT_PAGE);
    if !(1..=records::MAX_PAGE).contains(&limit) || q.since < 0 {
        return Err(AppError::of(
            ErrorCode::BadRequest,
            format!("limit must be 1 to {} and since 0 or more.", records::MAX_PAGE),
        )
        .field(if q.since < 0 { "since" } else { "limit" }));
    }
    Ok(Json(records::changes_since(&state.db, &current.user.organization_id, q.since, limit).await?))
}

/// An id from the path (a record's, a member's, an invitation's), parsed into its type; a 400
/// naming `id` otherwise.
pub(super) fn parse_id<T: TryFrom<String, Error = FieldError>>(id: &str) -> Result<T, AppError> {
    T::try_from(id.to_string()).map_err(|e| AppError::of(ErrorCode::BadRequest, e.message).field("id"))
}

fn precondition(headers: &HeaderMap) -> Result<Precondition, AppError> {
    let get = |h| headers.get(h).and_then(|v: &HeaderValue| v.to_str().ok()).map(str::trim);
    if get(header::IF_NONE_MATCH) == Some("*") {
        return Ok(Precondition::Create);
    }
    match get(header::IF_MATCH) {
        Some(v) => v.trim_start_matches("W/").trim_matches('"').parse::<i64>().map(Precondition::Revision).map_err(|_| {
            AppError::of(ErrorCode::BadRequest, format!("If-Match must be a revision in quotes, like \"42\"; it is {v}."))
        }),
        None => Err(records::precondition_required()),
    }
}

fn with_etag(status: StatusCode, record: Record) -> Response {
    let etag = format!("\"{}\"", record.revision);
    (status, [(header::ETAG, etag)], Json(record)).into_response()
}

fn respond(outcome: Outcome) -> Response {
    match outcome {
        Outcome::Created(r) => with_etag(StatusCode::CREATED, r),
        Outcome::Updated(r) | Outcome::AlreadyApplied(r) => with_etag(StatusCode::OK, r),
        Outcome::Conflict(c) => (StatusCode::CONFLICT, Json(*c)).into_response(),
    }
}

#[utoipa::path(get, path = "/api/v1/records/{id}", tag = "records", security(("session" = [])), params(("id" = String, Path, description = "The record id, a UUID made by the client")), responses((status = 200, description = "The record (ETag: its revision)", body = Record), (status = 404, description = "No such record in your organization", body = ApiError), (status = 401, description = "Not signed in, or the session expired", body = ApiError)))]
pub async fn get_one(State(state): State<AppState>, current: CurrentUser, Path(id): Path<String>) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let key = (current.user.organization_id.clone(), id);
    if let Some(served) = state.records.get(&key, RECHECK) {
        return Ok(served.response());
    }
    let ticket = state.records.ticket();
    let record = records::get(&state.db, &key.0, &key.1).await?.ok_or_else(|| records::not_found(&key.1))?;
    let served = Served::of(&record)?;
    state.records.confirmed(ticket, key, served.clone());
    Ok(served.response())
}

/// Writes a record, then forgets how it read (after the commit), so this process never serves the
/// old copy again; other processes ask the database again within `recent::RECHECK`.
async fn write(
    state: &AppState,
    actor: &crate::accounts::Actor,
    id: &RecordId,
    change: Change,
    precondition: Precondition,
) -> Result<Outcome, AppError> {
    let outcome = state.writes.write(actor, id, change, precondition, state.config.quota()).await;
    state.records.forget(&(actor.user.organization_id.clone(), id.clone()));
    outcome
}

#[utoipa::path(put, path = "/api/v1/records/{id}", tag = "records", security(("session" = [])), request_body = RecordPut, params(("id" = String, Path, description = "The record id, a UUID made by the client"), ("If-None-Match" = Option<String>, Header, description = "`*` to create"), ("If-Match" = Option<String>, Header, description = "`\"REVISION\"` to update")), responses((status = 201, description = "Created", body = Record), (status = 200, description = "Updated, or the same change was already applied", body = Record), (status = 409, description = "Changed since that revision; `current` is the store's copy", body = Conflict), (status = 428, description = "No precondition header", body = ApiError), (status = 413, description = "Body over 64 KiB", body = ApiError), (status = 422, description = "Not valid for its kind, an unknown field, or private key material", body = ApiError), (status = 403, description = "A viewer may not change accounts", body = ApiError), (status = 401, description = "Not signed in, or the session expired", body = ApiError)))]
pub async fn put(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<RecordPut>,
) -> Result<Response, AppError> {
    current.may_change_accounts()?;
    let id = parse_id(&id)?;
    let precondition = precondition(&headers)?;
    if let Some(path) = secrets::find_private_key(&req.body, "body") {
        return Err(AppError::of(ErrorCode::Validation,
            "This looks like private key material. Private keys never leave the browser that made them; send only the certificate.",
        )
        .field(path));
    }
    let invalid = |e: xops_model::FieldError| AppError::of(ErrorCode::Validation, e.message).field(format!("body.{}", e.field));
    let checked = req.kind.check_body(&req.body).map_err(invalid)?;
    for (path, c) in checked.certificates() {
        certificates::check(c)
            .map_err(|e| FieldError { field: e.field.replacen("certificate", &path, 1).into(), message: e.message })
            .map_err(invalid)?;
    }
    // What is kept is what was checked, in its one written form (not the bytes as sent).
    let mut body = checked.canonical().map_err(AppError::internal)?;
    // An account's last test is the store's own, unless the store sealed this one for this very
    // account and a certificate it now lists (a renewal's). The seal itself is not kept.
    let xops_model::CheckedBody::Integration(integration) = &checked;
    let sealed_test = integration.last_test.as_ref().is_some_and(|t| {
        t.certificate.as_ref().is_some_and(|c| integration.uses_certificate(c))
            && state.seal.verify(&current.user.organization_id, &id, t)
    });
    if let Some(test) = body.get_mut("last_test").and_then(|t| t.as_object_mut()) {
        test.remove("seal");
    }
    let change = Change::Put { kind: req.kind, body, unique_keys: checked.unique_keys(), checked, sealed_test };
    let outcome = write(&state, &current, &id, change, precondition).await?;
    Ok(respond(outcome))
}

#[utoipa::path(delete, path = "/api/v1/records/{id}", tag = "records", security(("session" = [])), params(("id" = String, Path, description = "The record id, a UUID made by the client"), ("If-Match" = String, Header, description = "`\"REVISION\"`")), responses((status = 200, description = "Deleted (the tombstone), or already deleted", body = Record), (status = 409, description = "Changed since that revision", body = Conflict), (status = 428, description = "No If-Match", body = ApiError), (status = 403, description = "A viewer may not change accounts", body = ApiError), (status = 401, description = "Not signed in, or the session expired", body = ApiError)))]
pub async fn delete(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    current.may_change_accounts()?;
    let id = parse_id(&id)?;
    let precondition = match precondition(&headers)? {
        Precondition::Create => return Err(AppError::of(ErrorCode::BadRequest, "Delete with If-Match: \"REVISION\".")),
        p => p,
    };
    Ok(respond(write(&state, &current, &id, Change::Delete, precondition).await?))
}
