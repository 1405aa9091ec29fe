//! `POST /api/v1/integrations/{id}/verify`: test a Microsoft account with assertions its browser signed.

use super::json::ApiJson;
use super::records::parse_id;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::microsoft::{looks_like_jwt, Running, Target};
use crate::{auth, db, records, AppState};
use axum::extract::{Path, State};
use axum::Json;
use xops_model::verify::{ConnectionTest, VerifyRequest};
use xops_model::{ApiError, ErrorCode, Integration, IntegrationDetails, RecordId};

#[utoipa::path(post, path = "/api/v1/integrations/{id}/verify", tag = "integrations", security(("session" = [])),
    params(("id" = String, Path, description = "The integration record's id")),
    request_body = VerifyRequest,
    responses(
        (status = 200, description = "The checklist (also when Microsoft refused: see its checks)", body = ConnectionTest),
        (status = 404, description = "No such integration in your organization", body = ApiError),
        (status = 422, description = "Not a Microsoft account, or an assertion is not a JWT", body = ApiError),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "A viewer may not test accounts", body = ApiError),
        (status = 429, description = "Too many connection tests for the organization (per minute, or at once); see Retry-After", body = ApiError)))]
pub async fn verify(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<VerifyRequest>,
) -> Result<Json<ConnectionTest>, AppError> {
    let (id, integration) = integration(&state, &current, &id).await?;
    let invalid = |field: &str, message: &str| AppError::of(ErrorCode::Validation, message).field(field.to_string());
    let (target, needs_exchange) = match &integration.details {
        IntegrationDetails::Microsoft365(d) => {
            (Target { tenant: &d.tenant_id, application: &d.application_id, organization: Some(&d.organization) }, true)
        }
        IntegrationDetails::Azure(d) => {
            (Target { tenant: &d.tenant_id, application: &d.application_id, organization: None }, false)
        }
        IntegrationDetails::Aws(_) => {
            return Err(invalid(
                "id",
                "AWS accounts are linked through a role; Test connection is for Microsoft 365 and Azure accounts.",
            ))
        }
    };
    if !looks_like_jwt(&req.graph_assertion) {
        return Err(invalid("graph_assertion", "The assertion must be a signed JWT (three base64url parts)."));
    }
    let exchange = match (needs_exchange, req.exchange_assertion.as_deref()) {
        (true, Some(a)) if looks_like_jwt(a) => Some(a),
        (true, _) => {
            return Err(invalid("exchange_assertion", "Microsoft 365 accounts need a second assertion, for Exchange Online."))
        }
        (false, _) => None,
    };
    // Each test calls Microsoft (twice, up to 20 s each): bounded per organization, in rate and
    // at once, so no one organization can make the store a flood of calls or of open connections.
    let _running = limit(&state, &current).await?;
    // Cut to the bounds a record keeps, so the browser can always save what it was told.
    let result = state.microsoft.test(target, &req.graph_assertion, exchange, db::now_millis()).await.bounded();
    tracing::info!(integration = %id, passed = result.passed(), "connection tested");
    Ok(Json(result))
}

/// The signed-in organization's integration `id` (a live record), parsed, for a person who may
/// change accounts (testing and changing certificates are changes: they call Microsoft).
pub(super) async fn integration(state: &AppState, current: &CurrentUser, id: &str) -> Result<(RecordId, Integration), AppError> {
    current.may_change_accounts()?;
    let id = parse_id(id)?;
    let record = records::get(&state.db, &current.user.organization_id, &id)
        .await?
        .filter(|r| !r.deleted)
        .ok_or_else(|| records::not_found(&id))?;
    let body = record.body.ok_or_else(|| records::not_found(&id))?;
    let integration: Integration = serde_json::from_value(body).map_err(AppError::internal)?;
    Ok((id, integration))
}

/// Every call to Microsoft for an organization (connection tests, certificate changes) is bounded,
/// in rate and at once, so no one organization can make the store a flood of calls or of open
/// connections. Hold the answer until the call is done.
pub(super) async fn limit<'a>(state: &'a AppState, current: &CurrentUser) -> Result<Running<'a>, AppError> {
    let organization = &current.user.organization_id;
    let key = format!("connection-tests:{organization}");
    if let Some(wait) = auth::throttle::over_limit(&state.db, &key, state.config.connection_tests_per_minute, 60_000).await? {
        return Err(auth::throttle::too_many("Too many connection tests and certificate changes for your organization.", wait));
    }
    state.microsoft.begin(organization).ok_or_else(|| {
        auth::throttle::too_many(
            "Your organization is already running connection tests or certificate changes; wait for them to finish.",
            1000,
        )
    })
}
