//! What the app (`xops-integrations`, Leptos) and the sign-in page (`xops-signin`, no framework)
//! share in the browser. They are separate WebAssembly modules: a person who opens Sign in
//! downloads only the sign-in page, and signing in loads the app with a full page load. So the
//! rules both sides must agree on live here, once: every page's path, which `next` target is
//! safe, where a person lands after signing in, and who was signed in on this browser.

mod api_error;
pub mod config;
pub mod passkey;
pub mod pointer;
mod problem;
pub mod routes;

pub use api_error::ApiClientError;
use xops_model::Me;

/// Where to go after signing in: the Security page while the person must add a passkey; else
/// the page the person asked for, else the first-login picker
/// until the organization has a connected account (for those who may link one), else Home.
pub fn landing_path(me: &Me, next: Option<String>) -> String {
    if me.passkey_required {
        // Nothing else opens until they add one.
        return routes::SECURITY.to_string();
    }
    match next {
        Some(next) => next,
        None if me.has_connected_account || !me.role.changes_accounts() => routes::HOME.to_string(),
        None => routes::WELCOME.to_string(),
    }
}

/// Only a page of this site may be a `next` target. The value is resolved as the browser and the
/// router would resolve it (URL parsing drops tabs and line breaks and reads a backslash as a slash, so
/// "/\t/evil.example" is "//evil.example", another site) and kept only if it lands on this page's
/// origin; what is kept is the resolved path, query and fragment, never the raw text.
pub fn safe_next(next: Option<String>) -> Option<String> {
    let origin = web_sys::window()?.location().origin().ok()?;
    let next = next?;
    if !next.starts_with('/') {
        return None;
    }
    let url = web_sys::Url::new_with_base(&next, &format!("{origin}/")).ok()?;
    if url.origin() != origin {
        return None;
    }
    let path = url.pathname();
    (!routes::is_public(&path)).then(|| format!("{path}{}{}", url.search(), url.hash()))
}

/// This browser's `localStorage`, when the browser lets the page have it.
pub fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

/// The `localStorage` key of the person last signed in on this browser.
const REMEMBERED: &str = "xops.signed-in";

/// Who was signed in here last (their id, email and organization, as the store said; no secret),
/// so the app can open offline with their copy of the records. Forgotten on sign-out and when the
/// store says the session ended.
pub fn remember(me: Option<&Me>) {
    let Some(storage) = local_storage() else { return };
    let _ = match me.and_then(|me| serde_json::to_string(me).ok()) {
        Some(json) => storage.set_item(REMEMBERED, &json),
        None => storage.remove_item(REMEMBERED),
    };
}

pub fn remembered() -> Option<Me> {
    let storage = local_storage()?;
    serde_json::from_str(&storage.get_item(REMEMBERED).ok()??).ok()
}
