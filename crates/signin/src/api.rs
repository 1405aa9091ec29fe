//! The calls the page makes (the settings file, who is signed in, what a link offers, sign in or up),
//! with the browser's own `fetch`. Failures are the app's `ApiClientError`s, with the same
//! sentences.

use serde::de::DeserializeOwned;
use std::cell::RefCell;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{RequestCache, RequestCredentials, RequestInit, Response};
use xops_model::{paths, ApiBase, ClientConfig, Me, SessionInfo};
use xops_web::config::{config_url, ConfigLoadError};
use xops_web::ApiClientError;

thread_local! {
    static API_BASE: RefCell<Option<ApiBase>> = const { RefCell::new(None) };
}

/// Where the store is, without reading `config.json` (for tests, and once it has been read).
pub fn set_api_base(base: ApiBase) {
    API_BASE.set(Some(base));
}

/// Where the store is: `config.json`'s `api_base`, read once (its first request was preloaded by
/// index.html). A missing file (404) means the store serves this page.
pub async fn api_base() -> Result<ApiBase, ConfigLoadError> {
    if let Some(base) = API_BASE.with_borrow(Clone::clone) {
        return Ok(base);
    }
    let url = config_url();
    let reason = |e: JsValue| {
        e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())).or_else(|| e.as_string()).unwrap_or_default()
    };
    let init = RequestInit::new();
    init.set_cache(RequestCache::NoCache);
    let res = fetch(&url, &init).await.map_err(|e| ConfigLoadError::Unreachable { url: url.clone(), reason: reason(e) })?;
    let base = match res.status() {
        404 => ApiBase::SameOrigin,
        200..=299 => {
            let text = text(&res).await.map_err(|e| ConfigLoadError::Unreachable { url: url.clone(), reason: reason(e) })?;
            ClientConfig::parse(&text).map_err(|e| ConfigLoadError::Invalid { url: url.clone(), reason: e.to_string() })?.api_base
        }
        status => return Err(ConfigLoadError::Status { url, status }),
    };
    set_api_base(base.clone());
    Ok(base)
}

async fn fetch(url: &str, init: &RequestInit) -> Result<Response, JsValue> {
    let window = web_sys::window().ok_or_else(|| JsValue::from_str("no window"))?;
    Ok(JsFuture::from(window.fetch_with_str_and_init(url, init)).await?.unchecked_into())
}

async fn text(res: &Response) -> Result<String, JsValue> {
    Ok(JsFuture::from(res.text()?).await?.as_string().unwrap_or_default())
}

/// One call to the store's API, with the session cookie (also when the store is on another
/// origin). A JSON body is sent as JSON.
async fn call<T: DeserializeOwned>(base: &ApiBase, method: &str, path: &str, body: Option<String>) -> Result<T, ApiClientError> {
    let (status, text) = call_text(base, method, path, body).await?;
    serde_json::from_str(&text).map_err(|_| ApiClientError::Unexpected { status })
}

/// [`call`], answering the body as the store sent it.
async fn call_text(base: &ApiBase, method: &str, path: &str, body: Option<String>) -> Result<(u16, String), ApiClientError> {
    let url = base.url(&format!("{}{path}", xops_model::api::API_PREFIX));
    let init = RequestInit::new();
    init.set_method(method);
    init.set_credentials(RequestCredentials::Include);
    if let Some(body) = body {
        let headers = web_sys::Headers::new().map_err(|_| ApiClientError::Network)?;
        let _ = headers.set("content-type", "application/json");
        init.set_headers(&headers);
        init.set_body(&JsValue::from_str(&body));
    }
    let res = fetch(&url, &init).await.map_err(|_| ApiClientError::Network)?;
    let status = res.status();
    let text = text(&res).await.map_err(|_| ApiClientError::Network)?;
    if !res.ok() {
        return Err(ApiClientError::from_answer(status, &text));
    }
    Ok((status, text))
}

/// What an invitation link offers (`/auth/invitation`), before joining.
pub async fn invitation(base: &ApiBase, token: &str) -> Result<xops_model::team::InvitationPreview, ApiClientError> {
    let body = serde_json::to_string(&xops_model::team::InvitationToken { token: token.to_string() }).unwrap_or_default();
    call(base, "POST", paths::INVITATION_PREVIEW, Some(body)).await
}

/// Whose password a reset link sets (`/auth/reset-link`), before it is used.
pub async fn reset_preview(base: &ApiBase, token: &str) -> Result<xops_model::security::ResetPreview, ApiClientError> {
    let body = serde_json::to_string(&xops_model::security::ResetToken { token: token.to_string() }).unwrap_or_default();
    call(base, "POST", paths::RESET_LINK_PREVIEW, Some(body)).await
}

/// The options for a passkey sign-in (`/auth/passkey/options`: a fresh challenge, no account), as
/// the store sent them (`xops_web::passkey::get` reads them).
pub async fn passkey_options(base: &ApiBase) -> Result<String, ApiClientError> {
    call_text(base, "POST", paths::PASSKEY_SIGN_IN_OPTIONS, None).await.map(|(_, text)| text)
}

/// Who is signed in on this browser, if anyone.
pub async fn session(base: &ApiBase) -> Result<Option<Me>, ApiClientError> {
    call::<SessionInfo>(base, "GET", paths::SESSION, None).await.map(|s| s.me)
}

/// Signs in (`/auth/login`) or signs up (`/auth/signup`) with a JSON body, then makes sure the
/// browser sends the new session back: when the app and the store are on different sites it may
/// not (SameSite, third-party cookies), and every page would then ask to sign in again; better to
/// say so once, clearly.
pub async fn enter(base: &ApiBase, path: &str, body: String) -> Result<Me, ApiClientError> {
    let me: Me = call(base, "POST", path, Some(body)).await?;
    match session(base).await? {
        Some(_) => Ok(me),
        None => Err(ApiClientError::session_not_kept(base)),
    }
}
