//! Sessions (random 256-bit tokens stored only as SHA-256 hashes) and sign-in throttling.
//! Everything lives in the database, so any store process can serve any request. Passwords
//! (argon2id) are in `passwords`, re-exported here.

use crate::accounts::{role_column, Actor, UserRef};
use crate::config::{Config, CookieSecure};
use crate::db::{now_millis, Db};
use crate::error::AppError;
use crate::ids::id_column;
pub use crate::passwords::{busy, hash_password, hash_password_blocking, verify_password, warm_up, HashSlot, HashSlots};
use crate::random::fill_random;
use crate::recent::RECHECK;
pub use crate::throttle;
use crate::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use base64::Engine;
use sha2::{Digest, Sha256};
use sqlx::Row;
use xops_model::ErrorCode;

pub const SESSION_COOKIE: &str = "xops_session";

/// The token's SHA-256, in lower-case hex (as the database keeps it). On every authenticated
/// request, so without a `format!` per byte.
pub(crate) fn token_hash(token: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut hex = String::with_capacity(64);
    for b in Sha256::digest(token.as_bytes()) {
        hex.push(HEX[usize::from(b >> 4)] as char);
        hex.push(HEX[usize::from(b & 15)] as char);
    }
    hex
}

/// A bearer secret (a session, an invitation): 256 random bits, URL-safe. Stored only as
/// [`token_hash`].
pub(crate) fn new_token() -> String {
    let mut raw = [0u8; 32];
    fill_random(&mut raw);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
}

/// Starts a session from `client` (the browser and address the Security page shows); returns the
/// token for the cookie (the database keeps only its hash).
pub async fn create_session(db: &Db, config: &Config, user: &UserRef, client: &Client) -> Result<String, AppError> {
    let token = new_token();
    let now = now_millis();
    let id: xops_model::SessionId = crate::ids::new_id();
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, organization_id, created_at, last_seen_at, expires_at, id, user_agent, address)
         VALUES ($1, $2, $3, $4, $4, $5, $6, $7, $8)",
    )
    .bind(token_hash(&token))
    .bind(user.user_id.as_str())
    .bind(user.organization_id.as_str())
    .bind(now)
    .bind(now + config.session_lifetime().as_millis() as i64)
    .bind(id.as_str())
    .bind(&client.user_agent)
    .bind(&client.address)
    .execute(&db.pool)
    .await?;
    sqlx::query("UPDATE users SET last_sign_in_at = $1 WHERE id = $2")
        .bind(now)
        .bind(user.user_id.as_str())
        .execute(&db.pool)
        .await?;
    Ok(token)
}

/// Ends a session (sign-out).
pub async fn delete_session(state: &AppState, token: &str) -> Result<(), AppError> {
    end_session(state, &token_hash(token)).await
}

/// Ends the session with this token hash: in the database, then (after that commit) in this
/// process's cache, so no request here uses it again.
async fn end_session(state: &AppState, hash: &str) -> Result<(), AppError> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(hash).execute(&state.db.pool).await?;
    state.sessions.forget(&hash.to_string());
    Ok(())
}

/// Who starts a session: their browser (its User-Agent, cut to 300 characters) and address.
pub struct Client {
    pub user_agent: String,
    pub address: String,
}

impl Client {
    pub fn of(headers: &HeaderMap, address: String) -> Client {
        let ua = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or_default();
        Client { user_agent: ua.chars().take(300).collect(), address }
    }
}

pub fn session_token(headers: &HeaderMap) -> Option<String> {
    cookie(headers, SESSION_COOKIE)
}

/// The value of the cookie `name` the request carries, if any (empty counts as none).
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value.to_string())
        .filter(|v| !v.is_empty())
}

/// Whether this request arrived over https, as far as the store can tell.
pub(crate) fn over_https(headers: &HeaderMap) -> bool {
    let h = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_ascii_lowercase();
    h("origin").starts_with("https://") || h("x-forwarded-proto") == "https"
}

/// The session cookie: HttpOnly (no script reads it), SameSite=Strict (no other site sends it),
/// scoped to the API, Secure over https.
pub fn session_cookie(config: &Config, headers: &HeaderMap, token: &str, max_age_secs: u64) -> String {
    let secure = secure_cookies(config, headers);
    format!(
        "{SESSION_COOKIE}={token}; Path=/api; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// Whether cookies set on this answer get `Secure` (and the answer HSTS): `--cookie-secure`, or,
/// by default, whether the request came over https.
pub(crate) fn secure_cookies(config: &Config, headers: &HeaderMap) -> bool {
    match config.cookie_secure {
        CookieSecure::Always => true,
        CookieSecure::Never => false,
        CookieSecure::Auto => over_https(headers),
    }
}

pub fn not_signed_in() -> AppError {
    AppError::of(ErrorCode::Unauthorized, "You are not signed in. Sign in to continue.")
}

pub fn session_expired() -> AppError {
    AppError::of(ErrorCode::Unauthorized, "Your session has expired. Sign in again to continue.")
}

/// What the database said of a session, as `AppState::sessions` keeps it: the person, with their
/// email and role as they are now (a change of role or a removal forgets these at once on this
/// process, and others ask again within `recent::RECHECK`).
#[derive(Clone)]
pub struct Checked {
    pub user: UserRef,
    pub email: String,
    pub role: xops_model::Role,
    /// Milliseconds since the epoch, as the database holds them.
    pub last_seen_at: i64,
    pub expires_at: i64,
    /// Their organization requires a passkey and they have none yet.
    pub passkey_required: bool,
}

/// The signed-in user of a request (an [`Actor`]: who, their role, from where). Every query a
/// handler makes is scoped to `user.organization_id`. A person whose organization requires a
/// passkey and who has none yet is refused (403 `passkey_required`): only [`PasskeySetup`]
/// handlers serve them.
pub struct CurrentUser(pub Actor);

/// A signed-in person, also one who must still add a passkey: for the calls that let them do so
/// (who am I, their passkeys, their sessions).
pub struct PasskeySetup(pub Actor);

impl std::ops::Deref for PasskeySetup {
    type Target = Actor;
    fn deref(&self) -> &Actor {
        &self.0
    }
}

pub fn passkey_required() -> AppError {
    AppError::of(
        ErrorCode::PasskeyRequired,
        "Your organization requires a passkey for signing in. Add one on the Security page to continue.",
    )
}

impl std::ops::Deref for CurrentUser {
    type Target = Actor;
    fn deref(&self) -> &Actor {
        &self.0
    }
}

/// The client's address (see `Config::client_address`), as sign-in throttling, the sign-up
/// limits and the activity log see it.
pub fn client_ip(state: &AppState, peer: std::net::SocketAddr, headers: &HeaderMap) -> std::net::IpAddr {
    let forwarded_for = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok());
    state.config.client_address(peer.ip(), forwarded_for)
}

/// [`client_ip`] of a request, as text ("unknown" without a connection, as in a test's `oneshot`).
pub fn client_address(state: &AppState, parts: &Parts) -> String {
    use axum::extract::ConnectInfo;
    match parts.extensions.get::<ConnectInfo<std::net::SocketAddr>>() {
        Some(ConnectInfo(peer)) => client_ip(state, *peer, &parts.headers).to_string(),
        None => "unknown".to_string(),
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let (actor, passkey_needed) = signed_in_person(parts, state).await?;
        if passkey_needed {
            return Err(passkey_required());
        }
        Ok(CurrentUser(actor))
    }
}

impl FromRequestParts<AppState> for PasskeySetup {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        Ok(PasskeySetup(signed_in_person(parts, state).await?.0))
    }
}

/// The person the request's session cookie names, and whether they must still add a passkey.
async fn signed_in_person(parts: &Parts, state: &AppState) -> Result<(Actor, bool), AppError> {
    {
        let token = session_token(&parts.headers).ok_or_else(not_signed_in)?;
        let hash = token_hash(&token);
        let now = now_millis();
        let idle = state.config.session_idle().as_millis() as i64;
        // Record activity at most once a minute (or sooner for short idle limits), not on every
        // request; the cache is trusted no longer than that, so activity is still recorded.
        let touch_every = (idle / 4).min(60_000);
        let trust = RECHECK.min(std::time::Duration::from_millis(touch_every as u64));
        let session = match state.sessions.get(&hash, trust) {
            Some(session) => session,
            None => {
                let ticket = state.sessions.ticket();
                let row = sqlx::query(
                    "SELECT s.user_id, s.organization_id, s.last_seen_at, s.expires_at, u.email, u.role,
                        CASE WHEN o.require_passkeys <> 0 AND NOT EXISTS (SELECT 1 FROM passkeys p WHERE p.user_id = u.id)
                             THEN 1 ELSE 0 END
                     FROM sessions s JOIN users u ON u.id = s.user_id AND u.organization_id = s.organization_id
                     JOIN organizations o ON o.id = s.organization_id
                     WHERE s.token_hash = $1",
                )
                .bind(&hash)
                .fetch_optional(&state.db.pool)
                .await?;
                let Some(row) = row else { return Err(not_signed_in()) };
                let mut session = Checked {
                    user: UserRef { user_id: id_column(&row, 0)?, organization_id: id_column(&row, 1)? },
                    last_seen_at: row.try_get(2)?,
                    expires_at: row.try_get(3)?,
                    email: row.try_get(4)?,
                    role: role_column(&row, 5)?,
                    passkey_required: row.try_get::<i64, _>(6)? != 0,
                };
                let live = now < session.expires_at && now - session.last_seen_at < idle;
                if live && now - session.last_seen_at >= touch_every {
                    sqlx::query("UPDATE sessions SET last_seen_at = $1, address = $3 WHERE token_hash = $2")
                        .bind(now)
                        .bind(&hash)
                        .bind(client_address(state, parts))
                        .execute(&state.db.pool)
                        .await?;
                    session.last_seen_at = now;
                }
                state.sessions.confirmed(ticket, hash.clone(), session.clone());
                session
            }
        };
        if now >= session.expires_at || now - session.last_seen_at >= idle {
            end_session(state, &hash).await?;
            return Err(session_expired());
        }
        let address = client_address(state, parts);
        let needed = session.passkey_required;
        Ok((Actor { user: session.user, email: session.email, role: session.role, address }, needed))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn token_hashes_are_lower_case_hex_sha256() {
        // sha256("abc"), FIPS 180-2's example.
        assert_eq!(super::token_hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    use super::*;

    #[test]
    fn passwords_verify_only_against_their_own_hash() {
        let h = hash_password("correct horse battery staple").unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify_password("correct horse battery staple", Some(&h)));
        assert!(!verify_password("correct horse battery stapl", Some(&h)));
        assert!(!verify_password("no account has this password", None), "the dummy hash never signs anyone in");
    }

    #[test]
    fn cookie_parsing_finds_our_cookie_among_others() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, "a=1; xops_session=tok-en_1; b=2".parse().unwrap());
        assert_eq!(session_token(&h).as_deref(), Some("tok-en_1"));
        h.insert(header::COOKIE, "xops_session=".parse().unwrap());
        assert_eq!(session_token(&h), None);
    }
}
