//! The HTTP surface: the JSON API under /api/v1, the static app, and the headers on both.

mod auth;
mod guard;
pub mod json;
mod keys;
pub mod openapi;
mod passkeys;
mod records;
mod security;
mod team;
mod tickets;
mod verify;

use crate::error::AppError;
use crate::web::{self, StaticSite, API_CSP};
use crate::AppState;
use axum::body::Body;
use axum::extract::DefaultBodyLimit;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use tower::ServiceExt;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::services::ServeDir;
use xops_model::api::{Health, HealthStatus, Platform, API_PREFIX};
use xops_model::{paths, ApiError, ErrorCode};

pub fn router(state: AppState, site: Option<StaticSite>) -> Router {
    let api = Router::new()
        .route(paths::HEALTHZ, get(healthz))
        .route(paths::PLATFORM, get(platform))
        .route(paths::OPENAPI, get(openapi::document))
        .route(paths::SIGNUP, post(auth::signup))
        .route(paths::LOGIN, post(auth::login))
        .route(paths::LOGOUT, post(auth::logout))
        .route(paths::ME, get(auth::me))
        .route(paths::SESSION, get(auth::session))
        .route(paths::RECORDS, get(records::list))
        .route(paths::RECORD, get(records::get_one).put(records::put).delete(records::delete))
        .route(paths::VERIFY, post(verify::verify))
        .route(paths::APP_KEYS, post(keys::add))
        .route(paths::APP_KEY_REMOVE, post(keys::remove))
        .route(paths::MEMBERS, get(team::members))
        .route(paths::MEMBER_ROLE, axum::routing::put(team::change_role))
        .route(paths::MEMBER, axum::routing::delete(team::remove))
        .route(paths::INVITATIONS, post(team::invite))
        .route(paths::INVITATION, axum::routing::delete(team::revoke))
        .route(paths::ACTIVITY, get(team::activity))
        .route(paths::INVITATION_PREVIEW, post(team::invitation))
        .route(paths::JOIN, post(team::join))
        .route(paths::SESSIONS, get(security::list))
        .route(paths::SESSIONS_END_OTHERS, post(security::end_others))
        .route(paths::SESSION_ONE, axum::routing::delete(security::end_one))
        .route(paths::MEMBER_RESET_LINK, post(security::create_reset_link))
        .route(paths::RESET_LINK_PREVIEW, post(security::preview))
        .route(paths::RESET, post(security::reset))
        .route(paths::PASSKEYS, get(passkeys::list).post(passkeys::add))
        .route(paths::PASSKEY_OPTIONS, post(passkeys::start_adding))
        .route(paths::PASSKEY, axum::routing::delete(passkeys::remove))
        .route(paths::PASSKEY_POLICY, axum::routing::put(passkeys::set_policy))
        .route(paths::PASSKEY_SIGN_IN_OPTIONS, post(passkeys::start_sign_in))
        .route(paths::PASSKEY_SIGN_IN, post(passkeys::sign_in))
        .route(paths::TICKETS, get(tickets::coverage))
        .route(paths::ACCOUNT_TICKETS, post(tickets::upload))
        // A service's route: authenticated by a bearer token, never a cookie.
        .route(paths::SERVICE_TICKET, post(tickets::claim))
        .fallback(api_not_found)
        .method_not_allowed_fallback(api_method_not_allowed)
        .layer(middleware::from_fn_with_state(state.clone(), guard::state_changing_requests))
        .layer(DefaultBodyLimit::max(json::MAX_BODY_BYTES))
        .with_state(state.clone());

    let mut app = Router::new()
        .nest(API_PREFIX, api)
        .route("/api", get(api_not_found))
        .route("/api/{*rest}", axum::routing::any(api_not_found));
    app = match site {
        Some(site) => app.fallback(move |req: Request| serve_static(site.clone(), req)),
        None => app.fallback(no_static_site),
    };
    let app = app.layer(middleware::from_fn_with_state(state.clone(), front_door));
    match cors_layer(&state.config.allowed_origins) {
        Some(cors) => app.layer(cors),
        None => app,
    }
}

#[utoipa::path(get, path = "/api/v1/platform", tag = "health", responses((status = 200, description = "Facts about this deployment the link pages show", body = Platform)))]
pub async fn platform(State(state): State<AppState>) -> Json<Platform> {
    Json(Platform {
        aws_account_id: state.config.aws_account_id.clone(),
        microsoft_authority: state.config.microsoft_authority.clone(),
        microsoft_proof_audience: state.config.microsoft_proof_audience.clone(),
        aws_checks: matches!(state.config.aws_credentials(), Ok(Some(_))),
    })
}

#[utoipa::path(get, path = "/api/v1/healthz", tag = "health", responses((status = 200, description = "The store and its database answer", body = Health), (status = 500, description = "The database does not answer", body = ApiError)))]
pub async fn healthz(State(state): State<AppState>) -> Result<Json<Health>, AppError> {
    state.db.ping().await?;
    Ok(Json(Health { status: HealthStatus::Ok, version: env!("CARGO_PKG_VERSION").to_string() }))
}

async fn api_not_found(req: Request) -> AppError {
    AppError::not_found(format!(
        "There is no API endpoint at {}. The API lives under {API_PREFIX}; see {API_PREFIX}/healthz.",
        req.uri().path()
    ))
}

async fn api_method_not_allowed(req: Request) -> AppError {
    AppError::of(ErrorCode::MethodNotAllowed, format!("{} is not allowed on {}.", req.method(), req.uri().path()))
}

async fn no_static_site() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "This store serves the API only (no --static-dir with an index.html). Build the app with scripts/run.sh.\n",
    )
        .into_response()
}

/// Files from the build folder; a browser navigation to anything else gets index.html.
async fn serve_static(site: StaticSite, req: Request) -> Response {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return (StatusCode::METHOD_NOT_ALLOWED, [(header::ALLOW, "GET, HEAD")]).into_response();
    }
    let path = req.uri().path().to_string();
    let wants_html = req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/html"));
    let accept_encoding = req.headers().get(header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    if path == "/" || path == "/index.html" {
        return index_response(&site, &accept_encoding);
    }
    let file = ServeDir::new(&site.dir).append_index_html_on_directories(false).precompressed_br().precompressed_gzip();
    let res = match file.oneshot(req).await {
        Ok(res) => res.map(Body::new),
        Err(never) => match never {},
    };
    if res.status() == StatusCode::NOT_FOUND && wants_html {
        // An app route such as /integrations: the app's router decides what it shows.
        return index_response(&site, &accept_encoding);
    }
    let mut res = res;
    let cache =
        if res.status().is_success() && web::is_hashed_asset(&path) { "public, max-age=31536000, immutable" } else { "no-cache" };
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    // The same path answers with a brotli, gzip or plain body: caches must keep them apart.
    res.headers_mut().insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    res.headers_mut()
        .insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_str(&site.csp).unwrap_or(HeaderValue::from_static(API_CSP)));
    res
}

fn index_response(site: &StaticSite, accept_encoding: &str) -> Response {
    let (encoding, body) = site.index_for(accept_encoding);
    let mut res = (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            (header::VARY, HeaderValue::from_static("accept-encoding")),
        ],
        body,
    )
        .into_response();
    if let Some(encoding) = encoding {
        res.headers_mut().insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
    }
    if let Ok(v) = HeaderValue::from_str(&site.csp) {
        res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, v);
    }
    res
}

/// DNS rebinding: a page on evil.example that re-points its name at this store would otherwise be
/// same-origin with it (Origin and Host would agree). Only the store's own names are answered.
/// `web::FILE_HEADERS`, parsed once.
static FILE_HEADERS: std::sync::LazyLock<Vec<(header::HeaderName, HeaderValue)>> = std::sync::LazyLock::new(|| {
    web::FILE_HEADERS
        .iter()
        .filter_map(|(name, value)| {
            Some((header::HeaderName::from_bytes(name.as_bytes()).ok()?, HeaderValue::from_static(value)))
        })
        .collect()
});

/// How long a browser that saw this store over https keeps to https for it (HSTS): a year.
const HSTS: &str = "max-age=31536000";

/// What every request passes through, in one layer (each layer costs the request a boxed future
/// and a copy of the service behind it): a request for a host this store does not answer as is
/// refused, and every response gets the security headers. Documents set their own CSP; everything
/// else gets the API's "nothing at all" policy. An answer to a request that came over https (or
/// any, with `--cookie-secure always`) tells the browser to use nothing but https from now on.
async fn front_door(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let https = crate::auth::secure_cookies(&state.config, req.headers());
    let host = req.headers().get(header::HOST).map(|h| h.to_str().unwrap_or("(not text)"));
    let mut res = match host {
        Some(host) if !state.config.answers_as(host) => {
            tracing::warn!(host, "refused a request for a host this store does not answer as");
            AppError::of(ErrorCode::HostNotAllowed,
                format!(
                    "This store does not answer as {host}. If that is its public name, its operator can add it with --public-origin https://{host}."
                ),
            )
            .into_response()
        }
        _ => next.run(req).await,
    };
    let h = res.headers_mut();
    for (name, value) in FILE_HEADERS.iter() {
        h.insert(name.clone(), value.clone());
    }
    h.entry(header::CONTENT_SECURITY_POLICY).or_insert(HeaderValue::from_static(API_CSP));
    if https {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
    }
    h.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
    res
}

/// CORS with credentials, only for the configured origins (an app hosted on a CDN).
fn cors_layer(origins: &[String]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    let list: Vec<HeaderValue> = origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()).collect();
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(list))
            .allow_credentials(true)
            .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
            .allow_headers([header::CONTENT_TYPE, header::IF_MATCH, header::IF_NONE_MATCH])
            .expose_headers([header::ETAG, header::RETRY_AFTER])
            .max_age(std::time::Duration::from_secs(600)),
    )
}
