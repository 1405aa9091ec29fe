//! `/api/v1/auth/*` and `/api/v1/me`.

use super::json::ApiJson;
use crate::accounts::{self, UserRef};
use crate::auth::{self, throttle, PasskeySetup};
use crate::devices;
use crate::error::AppError;
use crate::AppState;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{AppendHeaders, IntoResponse, Response};
use axum::Json;
use std::net::SocketAddr;
use xops_model::account::INVALID_CREDENTIALS;
use xops_model::{ApiError, Email, ErrorCode, LoginRequest, Me, SessionInfo, SignupRequest};

fn first_field_error(errors: Vec<xops_model::FieldError>) -> AppError {
    let e = errors.into_iter().next().expect("validate returns at least one error");
    AppError::of(ErrorCode::Validation, e.message).field(e.field)
}

/// Starts a session for `user` and answers with who they are, the session cookie, and the device
/// cookie that makes this browser a known device for them: `known`, the one the sign-in showed,
/// renewed, or else a new one (see `devices`).
pub(super) async fn signed_in(
    state: &AppState,
    headers: &HeaderMap,
    address: String,
    user: UserRef,
    status: StatusCode,
    known: Option<devices::KnownDevice>,
) -> Result<Response, AppError> {
    let client = auth::Client::of(headers, address);
    let token = auth::create_session(&state.db, &state.config, &user, &client).await?;
    let me = accounts::me(&state.db, &user).await?;
    let session = auth::session_cookie(&state.config, headers, &token, state.config.session_lifetime_secs);
    let device = match known {
        Some(known) => known.cookie().to_string(),
        None => state.devices.issue(&me.user.email),
    };
    let device = devices::cookie_header(&state.config, headers, &device);
    Ok((status, AppendHeaders([(header::SET_COOKIE, session), (header::SET_COOKIE, device)]), Json(me)).into_response())
}

#[utoipa::path(post, path = "/api/v1/auth/signup", tag = "accounts", request_body = SignupRequest, responses((status = 201, description = "Created the organization and its first user; signed in (Set-Cookie)", body = Me), (status = 409, description = "The email cannot be used (it has an account)", body = ApiError), (status = 422, description = "A field is not valid; `field` names it", body = ApiError), (status = 403, description = "Origin not allowed", body = ApiError), (status = 429, description = "Too many sign-ups from this address or in total; see Retry-After", body = ApiError), (status = 503, description = "Too many sign-ins and sign-ups at once; see Retry-After", body = ApiError)))]
pub async fn signup(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<SignupRequest>,
) -> Result<Response, AppError> {
    let valid = req.validate().map_err(first_field_error)?;
    // Limits come before anything that costs (the password hash) or tells (whether the email
    // has an account): a flood gets 429 quickly and cheaply.
    let address = auth::client_ip(&state, peer, &headers);
    signup_limits(&state, &address.to_string(), "signup").await?;
    if accounts::email_exists(&state.db, &valid.email).await? {
        return Err(accounts::email_taken());
    }
    let password = valid.password.expose().to_string();
    let hash = state.hashing.run(move || auth::hash_password(&password)).await??;
    let user = accounts::create_organization_with_user(&state.db, &valid.organization, &valid.email, &hash).await?;
    tracing::info!(user = %user.user_id, organization = %user.organization_id, "signed up");
    signed_in(&state, &headers, address.to_string(), user, StatusCode::CREATED, None).await
}

/// The sign-up limits (per client address, and in total, per hour), for anything that creates a
/// person or tries an invitation token: `what` tells them apart in the log.
pub(super) async fn signup_limits(state: &AppState, address: &str, what: &str) -> Result<(), AppError> {
    let limits = [
        (throttle::signup_address_key(address), state.config.signups_per_address, "Too many sign-ups from your network."),
        (throttle::SIGNUP_TOTAL_KEY.to_string(), state.config.signups_per_hour, "Too many sign-ups right now."),
    ];
    for (key, limit, message) in limits {
        if let Some(wait) = throttle::over_limit(&state.db, &key, limit, throttle::SIGNUP_WINDOW_MS).await? {
            tracing::warn!(%address, key, what, "refused: over the sign-up limit");
            return Err(throttle::too_many(message, wait));
        }
    }
    Ok(())
}

/// A per-address limit on tries that are no sign-up (opening a one-time link, a passkey sign-in):
/// `times` the sign-up limit per hour on the counter `kind`, so several colleagues behind one office
/// address are not held up, and still far from enough to guess a 256-bit token.
pub(super) async fn address_limit(
    state: &AppState,
    kind: &str,
    address: &str,
    times: u32,
    message: &str,
) -> Result<(), AppError> {
    let limit = state.config.signups_per_address.saturating_mul(times);
    if let Some(wait) = throttle::over_limit(&state.db, &format!("{kind}:{address}"), limit, throttle::SIGNUP_WINDOW_MS).await? {
        return Err(throttle::too_many(message, wait));
    }
    Ok(())
}

const TOO_MANY_SIGN_INS: &str = "Too many failed sign-ins.";

/// What a successful sign-in does to a counter it went through.
enum OnSuccess {
    /// The device's or the account's: it starts afresh.
    Clear,
    /// The address's: this attempt was not a failure, so it is taken back (with the wait it
    /// started), and others' failures from the address still count.
    TakeBack,
}

#[utoipa::path(post, path = "/api/v1/auth/login", tag = "accounts", request_body = LoginRequest, responses((status = 200, description = "Signed in (Set-Cookie)", body = Me), (status = 401, description = "Unknown email or wrong password (the same answer for both)", body = ApiError), (status = 429, description = "Too many failed sign-ins; see Retry-After", body = ApiError), (status = 503, description = "Too many sign-ins at once; see Retry-After", body = ApiError)))]
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Response, AppError> {
    let email = Email::parse(&req.email).map_err(|e| first_field_error(vec![e]))?;
    // A browser this account signed in from before is counted on its own: strangers' failures
    // for the account (or from the address) do not keep its owner out. Any other browser keeps
    // the account's and the address's limits.
    let device = state.devices.known(&headers, email.as_str());
    let counted: Vec<(String, i64, OnSuccess)> = match &device {
        Some(d) => vec![(throttle::device_key(&d.id), throttle::ACCOUNT_FREE_FAILURES, OnSuccess::Clear)],
        None => vec![
            (
                throttle::address_key(auth::client_ip(&state, peer, &headers)),
                throttle::ADDRESS_FREE_FAILURES,
                OnSuccess::TakeBack,
            ),
            (throttle::account_key(email.as_str()), throttle::ACCOUNT_FREE_FAILURES, OnSuccess::Clear),
        ],
    };
    // A cheap look first, so a waiting client does not queue for a password slot.
    let keys: Vec<&str> = counted.iter().map(|(k, _, _)| k.as_str()).collect();
    let wait = throttle::wait_ms(&state.db, &keys).await?;
    if wait > 0 {
        return Err(throttle::too_many(TOO_MANY_SIGN_INS, wait));
    }
    let found = accounts::credentials(&state.db, &email).await?;
    let (user, stored) = match found {
        Some((user, hash)) => (Some(user), Some(hash)),
        None => (None, None),
    };
    // The attempt is counted in the password slot, just before the check: guesses sent at once
    // line up here, and only the free ones are checked.
    let slot = state.hashing.slot().await?;
    let mut attempts = Vec::with_capacity(counted.len());
    for (key, free, on_success) in &counted {
        match throttle::attempt(&state.db, key, *free).await? {
            throttle::Attempt::Blocked { wait_ms } => return Err(throttle::too_many(TOO_MANY_SIGN_INS, wait_ms)),
            attempt => attempts.push((key, attempt, on_success)),
        }
    }
    // One password check whether or not the account exists: the same work, the same time.
    let ok = slot.run(move || auth::verify_password(&req.password, stored.as_deref())).await?;
    drop(slot);
    match user {
        Some(user) if ok => {
            for (key, attempt, on_success) in attempts {
                match on_success {
                    OnSuccess::Clear => throttle::clear(&state.db, key).await?,
                    OnSuccess::TakeBack => throttle::take_back(&state.db, key, attempt).await?,
                }
            }
            let address = auth::client_ip(&state, peer, &headers).to_string();
            signed_in(&state, &headers, address, user, StatusCode::OK, device).await
        }
        _ => Err(AppError::of(ErrorCode::InvalidCredentials, INVALID_CREDENTIALS)),
    }
}

/// Ends the session on the server and clears the cookie. Signing out twice is fine.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "accounts", responses((status = 204, description = "Signed out; the session is revoked on the server")))]
pub async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    if let Some(token) = auth::session_token(&headers) {
        auth::delete_session(&state, &token).await?;
    }
    let cookie = auth::session_cookie(&state.config, &headers, "", 0);
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]).into_response())
}

#[utoipa::path(get, path = "/api/v1/me", tag = "accounts", security(("session" = [])), responses((status = 200, description = "Who is signed in", body = Me), (status = 401, description = "Not signed in, or the session expired", body = ApiError)))]
pub async fn me(State(state): State<AppState>, current: PasskeySetup) -> Result<Json<Me>, AppError> {
    Ok(Json(accounts::me(&state.db, &current.user).await?))
}

/// Who is signed in, if anyone: 200 either way (`me` is null when signed out or the session has
/// ended), so the app's probe at start logs no error for a signed-out visitor.
#[utoipa::path(get, path = "/api/v1/session", tag = "accounts", responses((status = 200, description = "The signed-in person (`me`), or `me: null`", body = SessionInfo)))]
pub async fn session(
    State(state): State<AppState>,
    mut parts: axum::http::request::Parts,
) -> Result<Json<SessionInfo>, AppError> {
    use axum::extract::FromRequestParts;
    let me = match PasskeySetup::from_request_parts(&mut parts, &state).await {
        Ok(current) => accounts::me(&state.db, &current.user).await.map(Some),
        Err(e) => Err(e),
    };
    match me {
        Ok(me) => Ok(Json(SessionInfo { me })),
        Err(e) if e.body.error.code == ErrorCode::Unauthorized => Ok(Json(SessionInfo { me: None })),
        Err(e) => Err(e),
    }
}
