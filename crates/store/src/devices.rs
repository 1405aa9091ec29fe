//! Known devices (the OWASP "device cookies" scheme): a browser that has signed in to an account
//! keeps a cookie the store signed for that account. A sign-in that carries one is counted for
//! that device alone, so failures from anywhere else (a stranger guessing the owner's password,
//! which makes the account's counter wait) never keep the owner out of a browser they used
//! before. A sign-in without one keeps the account's and the address's limits. A device that
//! fails itself waits as an account would.
//!
//! The cookie is `NONCE.TAG`: 16 random bytes and an HMAC over the email and the nonce, both
//! base64url. It names no one (the email is only inside the MAC), is HttpOnly, SameSite=Strict,
//! sent only to `/api/v1/auth`, and kept for a year; signing out keeps it.

use crate::auth::secure_cookies;
use crate::config::Config;
use crate::db::Db;
use crate::store_keys::MacKey;
use axum::http::HeaderMap;
use base64::Engine;

pub const DEVICE_COOKIE: &str = "xops_device";
const MAX_AGE_SECS: u64 = 365 * 24 * 60 * 60;
const KEY_NAME: &str = "device_cookie_key";

/// What the store signs device cookies with.
pub struct Devices(MacKey);

/// A device the request showed to be known for the email it signs in as.
pub struct KnownDevice {
    /// Its id (the nonce): what its failures are counted under.
    pub id: String,
    /// The cookie as it came, to give back (with a new year) on success.
    cookie: String,
}

impl KnownDevice {
    pub fn cookie(&self) -> &str {
        &self.cookie
    }
}

fn message(email: &str, nonce: &str) -> Vec<u8> {
    format!("xops device\0{}\0{nonce}", email.to_lowercase()).into_bytes()
}

impl Devices {
    pub async fn load_or_create(db: &Db) -> Result<Devices, sqlx::Error> {
        Ok(Devices(MacKey::load_or_create(db, KEY_NAME).await?))
    }

    /// A new device cookie's value for `email`.
    pub fn issue(&self, email: &str) -> String {
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let mut nonce = [0u8; 16];
        crate::random::fill_random(&mut nonce);
        let nonce = b64.encode(nonce);
        let tag = b64.encode(self.0.sign(&message(email, &nonce)));
        format!("{nonce}.{tag}")
    }

    /// The device, when the request carries a device cookie this store signed for `email`.
    pub fn known(&self, headers: &HeaderMap, email: &str) -> Option<KnownDevice> {
        let cookie = crate::auth::cookie(headers, DEVICE_COOKIE)?;
        let (nonce, tag) = cookie.split_once('.')?;
        let tag = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(tag).ok()?;
        self.0.verify(&message(email, nonce), &tag).then(|| KnownDevice { id: nonce.to_string(), cookie: cookie.clone() })
    }
}

/// The `Set-Cookie` value for a device cookie.
pub fn cookie_header(config: &Config, headers: &HeaderMap, value: &str) -> String {
    format!(
        "{DEVICE_COOKIE}={value}; Path=/api/v1/auth; HttpOnly; SameSite=Strict; Max-Age={MAX_AGE_SECS}{}",
        if secure_cookies(config, headers) { "; Secure" } else { "" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_cookie(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("cookie", format!("other=1; {DEVICE_COOKIE}={value}").parse().unwrap_or_else(|_| unreachable!()));
        h
    }

    #[test]
    fn a_device_is_known_only_for_the_account_its_cookie_was_made_for() {
        let devices = Devices(MacKey::from_bytes([3; 32]));
        let cookie = devices.issue("ada@contoso.com");
        assert!(!cookie.contains("ada"), "the cookie names no one: {cookie}");
        let known = devices.known(&with_cookie(&cookie), "Ada@Contoso.com").map(|d| d.id);
        assert_eq!(known.as_deref(), cookie.split('.').next(), "any case of the same email");
        assert!(devices.known(&with_cookie(&cookie), "bob@contoso.com").is_none(), "another account");
        let (nonce, _) = cookie.split_once('.').unwrap_or_default();
        assert!(devices.known(&with_cookie(&format!("{nonce}.AAAA")), "ada@contoso.com").is_none(), "a made-up tag");
        let other_store = Devices(MacKey::from_bytes([4; 32]));
        assert!(other_store.known(&with_cookie(&cookie), "ada@contoso.com").is_none(), "another store's");
        assert!(devices.known(&HeaderMap::new(), "ada@contoso.com").is_none());
        assert_ne!(devices.issue("ada@contoso.com"), cookie, "each sign-in of a new device gets its own");
    }
}
