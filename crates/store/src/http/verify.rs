//! `POST /api/v1/integrations/{id}/verify`: test an account. Microsoft 365 and Azure accounts
//! send assertions their browser signed; for AWS accounts the store signs its own calls. The
//! store keeps a conclusive result on the account itself (`connection_tests::keep`).

use super::json::ApiJson;
use super::records::parse_id;
use crate::auth::CurrentUser;
use crate::connection_tests::{self, signer_of, Tester};
use crate::error::AppError;
use crate::microsoft::{looks_like_jwt, Running, Target};
use crate::{accounts, auth, aws, azure, db, records, scheduled, AppState};
use axum::extract::{Path, State};
use axum::Json;
use xops_model::verify::{ConnectionTest, VerifyRequest};
use xops_model::{ApiError, ErrorCode, Integration, IntegrationDetails, RecordId};

/// What a person reads when the deployment has no AWS credentials of its own (the operator's log
/// says which settings are missing).
pub const AWS_NOT_SET_UP: &str =
    "This Xops deployment cannot test AWS accounts yet. Your account is saved as it is; the people who run Xops for you can turn AWS testing on.";

#[utoipa::path(post, path = "/api/v1/integrations/{id}/verify", tag = "integrations", security(("session" = [])),
    params(("id" = String, Path, description = "The integration record's id")),
    request_body = VerifyRequest,
    responses(
        (status = 200, description = "The checklist (also when the cloud refused: see its checks). A conclusive result is kept on the account as its `last_test`; a result for a certificate the account does not list yet comes back sealed instead", body = ConnectionTest),
        (status = 404, description = "No such integration in your organization", body = ApiError),
        (status = 422, description = "An assertion is missing or not a JWT", body = ApiError),
        (status = 401, description = "Not signed in", body = ApiError),
        (status = 403, description = "A viewer may not test accounts", body = ApiError),
        (status = 429, description = "Too many connection tests for the organization (per minute, or at once); see Retry-After", body = ApiError),
        (status = 503, description = "An AWS account, and this deployment has no AWS credentials to test with", body = ApiError)))]
pub async fn verify(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<VerifyRequest>,
) -> Result<Json<ConnectionTest>, AppError> {
    let (id, integration) = integration(&state, &current, &id).await?;
    let organization = &current.user.organization_id;
    let invalid = |field: &str, message: &str| AppError::of(ErrorCode::Validation, message).field(field.to_string());
    let assertion = |a: Option<&String>| match a {
        Some(a) if looks_like_jwt(a) => Ok(a.clone()),
        _ => Err(invalid("assertion", "The assertion must be a signed JWT (three base64url parts).")),
    };
    let now = db::now_millis();
    let (result, signer) = match &integration.details {
        IntegrationDetails::Microsoft365(d) => {
            let graph = assertion(req.assertion.as_ref())?;
            let exchange = match req.exchange_assertion.as_deref() {
                Some(a) if looks_like_jwt(a) => a,
                _ => {
                    return Err(invalid(
                        "exchange_assertion",
                        "Microsoft 365 accounts need a second assertion, for Exchange Online.",
                    ))
                }
            };
            // Each test calls Microsoft (twice, up to 20 s each): bounded per organization.
            let _running = limit(&state, &current).await?;
            let target = Target { tenant: &d.tenant_id, application: &d.application_id, organization: Some(&d.organization) };
            (state.microsoft.test(target, &graph, Some(exchange), now).await, signer_of(&graph))
        }
        IntegrationDetails::Azure(d) => {
            let arm = assertion(req.assertion.as_ref())?;
            let _running = limit(&state, &current).await?;
            let target = azure::Target { tenant: &d.tenant_id, application: &d.application_id, scope: &d.scope };
            (state.microsoft.test_azure(target, &arm, now).await, signer_of(&arm))
        }
        IntegrationDetails::Aws(d) => (test_aws(&state, &current, d, now).await?, None),
    };
    // Cut to the bounds a record keeps, and named by the certificate that signed it.
    let result = ConnectionTest { certificate: signer, ..result.bounded() };
    tracing::info!(integration = %id, passed = result.passed(), conclusive = result.conclusive(), automatic = req.automatic, "connection tested");
    if !result.conclusive() {
        return Ok(Json(result));
    }
    let tester = Tester::Person { actor: &current, automatic: req.automatic };
    Ok(Json(match connection_tests::keep(&state, organization, &id, result.clone(), tester).await? {
        Some(kept) => {
            // An AWS account tested now is not due for the store's own check until a day later.
            if matches!(integration.details, IntegrationDetails::Aws(_)) {
                scheduled::checked(&state, organization, &id, kept.at).await?;
            }
            kept
        }
        // A certificate the account does not list yet (a renewal's new one): the result goes back
        // sealed, for the browser to save with that certificate.
        None => state.seal.seal(organization, &id, result),
    }))
}

/// An AWS account's test: the store assumes the customer's role with its own AWS credentials.
async fn test_aws(
    state: &AppState,
    current: &CurrentUser,
    d: &xops_model::integration::AwsDetails,
    now: i64,
) -> Result<ConnectionTest, AppError> {
    let organization = &current.user.organization_id;
    let credentials = match state.config.aws_credentials() {
        Ok(Some(c)) => c,
        Ok(None) => {
            tracing::warn!("an AWS account was to be tested, but this store has no AWS credentials (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile in ~/.aws)");
            return Err(AppError::of(ErrorCode::Unavailable, AWS_NOT_SET_UP));
        }
        Err(e) => {
            tracing::error!(error = %e, "an AWS account was to be tested, but this store's AWS credentials cannot be used");
            return Err(AppError::of(ErrorCode::Unavailable, AWS_NOT_SET_UP));
        }
    };
    let _running = limit(state, current).await?;
    let name = accounts::organization_name(&state.db, organization).await?;
    let target = aws::Target {
        role_arn: &d.role_arn,
        external_id: &d.external_id,
        organization,
        organization_name: &name,
        xops_account: state.config.aws_account_id.as_ref(),
    };
    Ok(state.aws.test(&credentials, target, now).await)
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

/// Every call to a cloud for an organization (connection tests, certificate changes) is bounded,
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
