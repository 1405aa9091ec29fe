//! `POST /api/v1/integrations/{id}/keys` and `.../keys/{key_id}/remove`: renew a Microsoft
//! account's certificate without the portal (see `graph_keys`). The account is looked up in the
//! signed-in organization; its tenant and application come from the record, never the request.

use super::json::ApiJson;
use super::verify::{integration, limit};
use crate::activity::{self, Entry};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::microsoft::looks_like_jwt;
use crate::{certificates, AppState};
use axum::extract::{Path, State};
use axum::Json;
use xops_model::renew::{AddKeyRequest, KeyChange, RemoveKeyRequest};
use xops_model::{ActivityKind, ApiError, ApplicationId, ErrorCode, Integration, KeyId, TenantId};

fn invalid(field: &str, message: &str) -> AppError {
    AppError::of(ErrorCode::Validation, message).field(field.to_string())
}

/// What every key change needs checked before Microsoft is called: a Microsoft account (its app
/// registration is what the change is for), and an assertion and a proof that are signed JWTs.
fn app_of(integration: &Integration, graph_assertion: &str, proof: &str) -> Result<(TenantId, ApplicationId), AppError> {
    let (tenant, application, _) = integration
        .details
        .app_registration()
        .ok_or_else(|| invalid("id", "AWS accounts are linked through a role; they have no certificate to renew."))?;
    for (field, jwt) in [("graph_assertion", graph_assertion), ("proof", proof)] {
        if !looks_like_jwt(jwt) {
            return Err(invalid(field, "This must be a JWT signed in your browser (three base64url parts)."));
        }
    }
    Ok((tenant.clone(), application.clone()))
}

#[utoipa::path(post, path = "/api/v1/integrations/{id}/keys", tag = "integrations", security(("session" = [])),
    params(("id" = String, Path, description = "The integration record's id")),
    request_body = AddKeyRequest,
    responses(
        (status = 200, description = "Microsoft added the certificate to the app registration", body = KeyChange),
        (status = 404, description = "No such integration in your organization", body = ApiError),
        (status = 422, description = "Not a Microsoft account, a bad certificate or JWT (code validation), or Microsoft refused (code microsoft_refused, with the reason and the fix)", body = ApiError),
        (status = 502, description = "Microsoft could not be reached (code microsoft_unreachable)", body = ApiError),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "A viewer may not change accounts", body = ApiError),
        (status = 429, description = "Too many calls to Microsoft for the organization; see Retry-After", body = ApiError)))]
pub async fn add(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<AddKeyRequest>,
) -> Result<Json<KeyChange>, AppError> {
    let (id, integration) = integration(&state, &current, &id).await?;
    let (tenant, application) = app_of(&integration, &req.graph_assertion, &req.proof)?;
    // Public only, and a key Entra takes: a private key in this field is refused unread.
    if req.certificate_pem.contains("PRIVATE KEY") {
        return Err(invalid("certificate_pem", "Send the certificate only; a private key never leaves your browser."));
    }
    let der = certificates::entra_der(&req.certificate_pem, "certificate_pem")
        .map_err(|e| AppError::of(ErrorCode::Validation, e.message).field(e.field.to_string()))?;
    let _running = limit(&state, &current).await?;
    let key_id = state.microsoft.add_key(&tenant, &application, &req.graph_assertion, &req.proof, &der).await?;
    tracing::info!(integration = %id, key_id = %key_id, "certificate added to the app registration");
    let detail = Some(format!("Certificate ID {key_id}"));
    let entry =
        Entry { kind: ActivityKind::CertificateAdded, account: Some(&id), account_name: Some(integration.name.as_str()), detail };
    activity::record_outside_change(&state.db, &current, entry).await;
    Ok(Json(KeyChange { key_id }))
}

#[utoipa::path(post, path = "/api/v1/integrations/{id}/keys/{key_id}/remove", tag = "integrations", security(("session" = [])),
    params(("id" = String, Path, description = "The integration record's id"), ("key_id" = String, Path, description = "Entra's id of the certificate to remove")),
    request_body = RemoveKeyRequest,
    responses(
        (status = 200, description = "Microsoft removed the certificate from the app registration", body = KeyChange),
        (status = 404, description = "No such integration in your organization", body = ApiError),
        (status = 422, description = "Not a Microsoft account, a bad JWT, or Microsoft refused (code microsoft_refused)", body = ApiError),
        (status = 502, description = "Microsoft could not be reached (code microsoft_unreachable)", body = ApiError),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "A viewer may not change accounts", body = ApiError),
        (status = 429, description = "Too many calls to Microsoft for the organization; see Retry-After", body = ApiError)))]
pub async fn remove(
    State(state): State<AppState>,
    current: CurrentUser,
    Path((id, key_id)): Path<(String, String)>,
    ApiJson(req): ApiJson<RemoveKeyRequest>,
) -> Result<Json<KeyChange>, AppError> {
    let (id, integration) = integration(&state, &current, &id).await?;
    let (tenant, application) = app_of(&integration, &req.graph_assertion, &req.proof)?;
    let key_id = KeyId::parse(&key_id).map_err(|e| invalid("key_id", &e.message))?;
    let _running = limit(&state, &current).await?;
    state.microsoft.remove_key(&tenant, &application, &req.graph_assertion, &req.proof, &key_id).await?;
    tracing::info!(integration = %id, key_id = %key_id, "certificate removed from the app registration");
    let detail = Some(format!("Certificate ID {key_id}"));
    let entry = Entry {
        kind: ActivityKind::CertificateRemoved,
        account: Some(&id),
        account_name: Some(integration.name.as_str()),
        detail,
    };
    activity::record_outside_change(&state.db, &current, entry).await;
    Ok(Json(KeyChange { key_id }))
}
