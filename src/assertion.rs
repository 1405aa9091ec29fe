//! Client assertions in Microsoft's certificate-credential format, signed in this browser with
//! the account's non-extractable key: the store relays them to Entra ("Test connection"), so
//! the key itself never has to leave.

use crate::certificate::{self, CertificateError};
use web_sys::CryptoKey;
use xops_model::renew::PROOF_LIFETIME_SECS;
use xops_model::{ApplicationId, ApplicationObjectId, Sha1Thumbprint, TenantId};

const LIFETIME_SECS: i64 = 5 * 60;

/// Base64url without padding (RFC 7515).
pub fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, b)| acc | (*b as u32) << (16 - 8 * i));
        let chars = chunk.len() + 1;
        for i in 0..chars {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

fn hex_bytes(hex: &str) -> Option<Vec<u8>> {
    hex.len()
        .is_multiple_of(2)
        .then(|| (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok()).collect::<Option<Vec<u8>>>())
        .flatten()
}

/// The assertion's parts before signing: header (see `unsigned_jwt`) and claims (aud = the tenant's token endpoint, iss = sub = the
/// application, a fresh jti, valid from now for five minutes).
pub fn unsigned(
    authority: &str,
    tenant: &TenantId,
    application: &ApplicationId,
    sha1_thumbprint: &Sha1Thumbprint,
    jti: &str,
    now_secs: i64,
) -> Option<String> {
    let claims = serde_json::json!({
        "aud": format!("{}/{tenant}/oauth2/v2.0/token", authority.trim_end_matches('/')),
        "iss": application.as_str(),
        "sub": application.as_str(),
        "jti": jti,
        "nbf": now_secs,
        "iat": now_secs,
        "exp": now_secs + LIFETIME_SECS,
    });
    unsigned_jwt(sha1_thumbprint, &claims)
}

/// A JWT's signed part (header and claims): RS256, naming the signing certificate by `x5t` (the
/// bytes of its SHA-1 thumbprint, base64url), as Entra and Graph find the key.
fn unsigned_jwt(sha1_thumbprint: &Sha1Thumbprint, claims: &serde_json::Value) -> Option<String> {
    let x5t = base64url(&hex_bytes(sha1_thumbprint.as_str())?);
    let header = serde_json::json!({ "alg": "RS256", "typ": "JWT", "x5t": x5t });
    Some(format!("{}.{}", base64url(header.to_string().as_bytes()), base64url(claims.to_string().as_bytes())))
}

/// A proof of possession for Graph's `addKey` and `removeKey`: signed with a key whose certificate
/// the app registration holds (`x5t`), issued by the app's object ID for `audience`, and valid for
/// ten minutes from now (Microsoft's limit).
pub fn proof_unsigned(
    audience: &str,
    object_id: &ApplicationObjectId,
    sha1_thumbprint: &Sha1Thumbprint,
    now_secs: i64,
) -> Option<String> {
    let claims = serde_json::json!({
        "aud": audience,
        "iss": object_id.as_str(),
        "nbf": now_secs,
        "exp": now_secs + PROOF_LIFETIME_SECS,
    });
    unsigned_jwt(sha1_thumbprint, &claims)
}

/// A signed proof of possession (see [`proof_unsigned`]).
pub async fn proof(
    key: &CryptoKey,
    audience: &str,
    object_id: &ApplicationObjectId,
    sha1_thumbprint: &Sha1Thumbprint,
) -> Result<String, CertificateError> {
    let now = (js_sys::Date::now() / 1000.0) as i64;
    let input = proof_unsigned(audience, object_id, sha1_thumbprint, now).ok_or_else(not_hex)?;
    sign_jwt(key, input).await
}

async fn sign_jwt(key: &CryptoKey, input: String) -> Result<String, CertificateError> {
    let signature = certificate::sign(key, input.as_bytes()).await?;
    Ok(format!("{input}.{}", base64url(&signature)))
}

fn not_hex() -> CertificateError {
    CertificateError("The certificate's thumbprint is not hexadecimal.".into())
}

/// A signed client assertion for one token request.
pub async fn client_assertion(
    key: &CryptoKey,
    authority: &str,
    tenant: &TenantId,
    application: &ApplicationId,
    sha1_thumbprint: &Sha1Thumbprint,
) -> Result<String, CertificateError> {
    let jti = certificate::random_uuid()?;
    let now = (js_sys::Date::now() / 1000.0) as i64;
    let input = unsigned(authority, tenant, application, sha1_thumbprint, jti.as_str(), now).ok_or_else(not_hex)?;
    sign_jwt(key, input).await
}

/// A sign-in ticket (see `xops_model::tickets`): this account's client assertion for the window
/// that starts at `nbf` (seconds), valid for that window only, signed now with the account's key.
pub async fn ticket(
    key: &CryptoKey,
    authority: &str,
    tenant: &TenantId,
    application: &ApplicationId,
    sha1_thumbprint: &Sha1Thumbprint,
    nbf: i64,
) -> Result<String, CertificateError> {
    let jti = certificate::random_uuid()?;
    let now = (js_sys::Date::now() / 1000.0) as i64;
    let claims = xops_model::tickets::claims(authority, tenant, application, jti.as_str(), nbf, now);
    let input = unsigned_jwt(sha1_thumbprint, &claims).ok_or_else(not_hex)?;
    sign_jwt(key, input).await
}
