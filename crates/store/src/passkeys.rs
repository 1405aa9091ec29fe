//! Passkeys (WebAuthn, issue 31 part 1): a person adds passkeys from the Security page and signs
//! in with one from the sign-in page without typing anything (a discoverable credential). The
//! ceremonies are `webauthn_rp`'s; this module keeps what they need in the database, so any store
//! process finishes what another started:
//! - `webauthn_ceremonies`: each ceremony's server state under its challenge, for five minutes,
//!   taken (deleted) by the one request that finishes it: a challenge works once.
//! - `passkeys`: per credential, its id, the person's user handle (64 random bytes, the same for
//!   all their passkeys, in `users.passkey_handle`), the public key and its counters.
//!
//! The relying party is the host the page was opened at (the request's `Origin`, which the guard
//! has checked is one of the store's own): a passkey made at xops.example.com works there.

use crate::accounts::{Actor, UserRef};
use crate::activity::{self, Entry};
use crate::db::{now_millis, Db};
use crate::error::AppError;
use crate::ids::{id_column, new_id};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use sqlx::Row;
use webauthn_rp::bin::{Decode, Encode};
use webauthn_rp::request::auth::AuthenticationVerificationOptions;
use webauthn_rp::request::register::{CredProtect, PublicKeyCredentialUserEntity, RegistrationVerificationOptions, UserHandle64};
use webauthn_rp::request::{AsciiDomain, PublicKeyCredentialDescriptor, RpId};
use webauthn_rp::response::register::{CompressedPubKey, DynamicState, StaticState};
use webauthn_rp::response::{AuthTransports, CredentialId};
use webauthn_rp::{
    AuthenticatedCredential, DiscoverableAuthentication64, DiscoverableAuthenticationServerState,
    DiscoverableCredentialRequestOptions, PublicKeyCredentialCreationOptions, Registration, RegistrationServerState,
};
use xops_model::security::{Passkey, PasskeyList};
use xops_model::{ActivityKind, ErrorCode, PasskeyId};

/// How long a person has to answer their authenticator (the options' own timeout is the same).
const CEREMONY_MS: i64 = 5 * 60 * 1000;

type StoredStaticState = StaticState<CompressedPubKey<[u8; 32], [u8; 32], [u8; 48], Vec<u8>>>;

fn refused(message: impl Into<String>) -> AppError {
    AppError::of(ErrorCode::PasskeyRefused, message)
}

fn broken(what: &str) -> AppError {
    AppError::internal(format!("a stored passkey {what} could not be read"))
}

/// The relying party for a request from `origin` (scheme://host[:port]): its host.
pub fn relying_party(origin: &str) -> Result<RpId, AppError> {
    let host = origin.split_once("://").map(|(_, rest)| rest).unwrap_or(origin);
    let host =
        host.rsplit_once(':').map(|(h, port)| if port.bytes().all(|b| b.is_ascii_digit()) { h } else { host }).unwrap_or(host);
    AsciiDomain::try_from(host.to_ascii_lowercase())
        .map(RpId::Domain)
        .map_err(|_| refused(format!("Passkeys cannot be used at {origin}: open Xops by its name instead.")))
}

async fn keep_ceremony(db: &Db, challenge: u128, kind: &str, user: Option<&UserRef>, state: Vec<u8>) -> Result<(), AppError> {
    let now = now_millis();
    sqlx::query("DELETE FROM webauthn_ceremonies WHERE expires_at <= $1").bind(now).execute(&db.pool).await?;
    sqlx::query("INSERT INTO webauthn_ceremonies (challenge, kind, user_id, state, expires_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(format!("{challenge:032x}"))
        .bind(kind)
        .bind(user.map(|u| u.user_id.as_str().to_string()))
        .bind(B64.encode(state))
        .bind(now + CEREMONY_MS)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Takes a ceremony (once: the row is deleted by the request that finishes it).
async fn take_ceremony(db: &Db, challenge: u128, kind: &str, user: Option<&UserRef>) -> Result<Vec<u8>, AppError> {
    let row = sqlx::query(
        "DELETE FROM webauthn_ceremonies WHERE challenge = $1 AND kind = $2 AND expires_at > $3
         AND (user_id = $4 OR ($4 IS NULL AND user_id IS NULL)) RETURNING state",
    )
    .bind(format!("{challenge:032x}"))
    .bind(kind)
    .bind(now_millis())
    .bind(user.map(|u| u.user_id.as_str().to_string()))
    .fetch_optional(&db.pool)
    .await?
    .ok_or_else(|| refused("This passkey request has expired or was used already. Try again."))?;
    B64.decode(row.try_get::<String, _>(0)?).map_err(|_| broken("ceremony"))
}

/// The person's user handle for passkeys, made on their first.
async fn user_handle(db: &Db, user: &UserRef) -> Result<UserHandle64, AppError> {
    let stored: Option<String> = sqlx::query("SELECT passkey_handle FROM users WHERE id = $1")
        .bind(user.user_id.as_str())
        .fetch_one(&db.pool)
        .await?
        .try_get(0)?;
    if let Some(stored) = stored {
        let bytes: [u8; 64] = B64.decode(stored).ok().and_then(|b| b.try_into().ok()).ok_or_else(|| broken("user handle"))?;
        return UserHandle64::decode(bytes).map_err(|_| broken("user handle"));
    }
    let handle = UserHandle64::new();
    let bytes = handle.encode().map_err(|_| broken("user handle"))?;
    sqlx::query("UPDATE users SET passkey_handle = $2 WHERE id = $1 AND passkey_handle IS NULL")
        .bind(user.user_id.as_str())
        .bind(B64.encode(bytes))
        .execute(&db.pool)
        .await?;
    // Another request may have made one first: read back the one kept.
    Box::pin(user_handle(db, user)).await
}

/// Starts adding a passkey: the options for `navigator.credentials.create`.
pub async fn start_adding(db: &Db, actor: &Actor, origin: &str) -> Result<serde_json::Value, AppError> {
    let rp = relying_party(origin)?;
    let handle = user_handle(db, &actor.user).await?;
    let rows = sqlx::query("SELECT credential_id, transports FROM passkeys WHERE user_id = $1")
        .bind(actor.user.user_id.as_str())
        .fetch_all(&db.pool)
        .await?;
    let mut exclude = Vec::with_capacity(rows.len());
    for r in &rows {
        let id = B64.decode(r.try_get::<String, _>(0)?).map_err(|_| broken("credential id"))?;
        let transports = AuthTransports::decode(r.try_get::<i64, _>(1)? as u8).map_err(|_| broken("transports"))?;
        let id = CredentialId::<Vec<u8>>::decode(id).map_err(|_| broken("credential id"))?;
        exclude.push(PublicKeyCredentialDescriptor { id, transports });
    }
    let name = webauthn_rp::request::register::Username::try_from(actor.email.as_str())
        .map_err(|_| refused("Your email cannot name a passkey."))?;
    let entity = PublicKeyCredentialUserEntity { name, id: &handle, display_name: None };
    let mut creation = PublicKeyCredentialCreationOptions::passkey(&rp, entity, exclude);
    // User verification is required anyway; asking authenticators to *enforce* credProtect too
    // makes the browser refuse every one that does not implement it (platform ones among them).
    creation.extensions.cred_protect = CredProtect::None;
    let (server, client) = creation.start_ceremony().map_err(|e| AppError::internal(format!("passkey options: {e}")))?;
    let challenge = webauthn_rp::request::TimedCeremony::sent_challenge(&server).0;
    let options = serde_json::to_value(&client).map_err(|e| AppError::internal(format!("passkey options: {e}")))?;
    keep_ceremony(db, challenge, "add", Some(&actor.user), server.encode().map_err(|_| broken("ceremony"))?).await?;
    Ok(options)
}

/// Finishes adding a passkey named `name` from the browser's answer.
pub async fn finish_adding(
    db: &Db,
    actor: &Actor,
    origin: &str,
    name: &str,
    credential: &serde_json::Value,
) -> Result<Passkey, AppError> {
    let rp = relying_party(origin)?;
    let json = serde_json::to_vec(credential).map_err(|e| AppError::internal(e.to_string()))?;
    let registration = Registration::from_json_relaxed(&json)
        .map_err(|e| refused(format!("The browser's answer is not a passkey registration ({e}).")))?;
    let challenge = registration.challenge_relaxed().map_err(|_| refused("The browser's answer names no request."))?;
    let state = take_ceremony(db, challenge.0, "add", Some(&actor.user)).await?;
    let server = RegistrationServerState::<64>::decode(state.as_slice()).map_err(|_| broken("ceremony"))?;
    let origins = [origin.to_string()];
    let options = RegistrationVerificationOptions::<String, String> { allowed_origins: &origins, ..Default::default() };
    let registered =
        server.verify(&rp, &registration, &options).map_err(|e| refused(format!("The passkey was not accepted: {e}.")))?;
    let (id, transports, _user, static_state, dynamic_state, _metadata) = registered.into_parts();
    let passkey = Passkey { id: new_id(), name: name.to_string(), created_at: now_millis(), last_used_at: None };
    let mut tx = db.pool.begin().await?;
    sqlx::query(
        "INSERT INTO passkeys (id, user_id, organization_id, credential_id, transports, static_state, dynamic_state, name, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(passkey.id.as_str())
    .bind(actor.user.user_id.as_str())
    .bind(actor.user.organization_id.as_str())
    .bind(B64.encode(id.as_ref()))
    .bind(i64::from(transports.encode().map_err(|_| broken("transports"))?))
    .bind(B64.encode(static_state.encode().map_err(|_| broken("key"))?))
    .bind(B64.encode(dynamic_state.encode().map_err(|_| broken("counters"))?))
    .bind(&passkey.name)
    .bind(passkey.created_at)
    .execute(&mut *tx)
    .await
    .map_err(|e| match e {
        sqlx::Error::Database(d) if d.is_unique_violation() => refused("This passkey is already added."),
        e => e.into(),
    })?;
    let detail = Some(passkey.name.clone());
    activity::record(&mut tx, actor, Entry { kind: ActivityKind::PasskeyAdded, account: None, account_name: None, detail })
        .await?;
    tx.commit().await?;
    Ok(passkey)
}

/// Starts a sign-in with a passkey: the options for `navigator.credentials.get` (no account is
/// named: the authenticator offers the passkeys it holds for this site).
pub async fn start_sign_in(db: &Db, origin: &str) -> Result<serde_json::Value, AppError> {
    let rp = relying_party(origin)?;
    let (server, client) = DiscoverableCredentialRequestOptions::passkey(&rp)
        .start_ceremony()
        .map_err(|e| AppError::internal(format!("passkey options: {e}")))?;
    let challenge = webauthn_rp::request::TimedCeremony::sent_challenge(&server).0;
    let options = serde_json::to_value(&client).map_err(|e| AppError::internal(format!("passkey options: {e}")))?;
    keep_ceremony(db, challenge, "sign-in", None, server.encode().map_err(|_| broken("ceremony"))?).await?;
    Ok(options)
}

/// Finishes a sign-in: whose passkey answered (checked against its public key and counters).
pub async fn finish_sign_in(db: &Db, origin: &str, credential: &serde_json::Value) -> Result<UserRef, AppError> {
    let rp = relying_party(origin)?;
    let json = serde_json::to_vec(credential).map_err(|e| AppError::internal(e.to_string()))?;
    let answer = DiscoverableAuthentication64::from_json_relaxed(&json)
        .map_err(|e| refused(format!("The browser's answer is not a passkey sign-in ({e}).")))?;
    let challenge = answer.challenge_relaxed().map_err(|_| refused("The browser's answer names no request."))?;
    let state = take_ceremony(db, challenge.0, "sign-in", None).await?;
    let server = DiscoverableAuthenticationServerState::decode(state.as_slice()).map_err(|_| broken("ceremony"))?;
    let unknown = || refused("This passkey is not one Xops knows: it may have been removed. Sign in with your password.");
    let row = sqlx::query(
        "SELECT p.id, p.user_id, p.organization_id, p.static_state, p.dynamic_state, u.passkey_handle
         FROM passkeys p JOIN users u ON u.id = p.user_id WHERE p.credential_id = $1",
    )
    .bind(B64.encode(answer.raw_id().as_ref()))
    .fetch_optional(&db.pool)
    .await?
    .ok_or_else(unknown)?;
    let passkey: PasskeyId = id_column(&row, 0)?;
    let user = UserRef { user_id: id_column(&row, 1)?, organization_id: id_column(&row, 2)? };
    let decode =
        |col: usize| -> Result<Vec<u8>, AppError> { B64.decode(row.try_get::<String, _>(col)?).map_err(|_| broken("column")) };
    let static_state = StoredStaticState::decode(decode(3)?.as_slice()).map_err(|_| broken("key"))?;
    let dynamic_bytes: [u8; 7] = decode(4)?.try_into().map_err(|_| broken("counters"))?;
    let dynamic_state = DynamicState::decode(dynamic_bytes).map_err(|_| broken("counters"))?;
    let handle: [u8; 64] = decode(5)?.try_into().map_err(|_| broken("user handle"))?;
    let handle = UserHandle64::decode(handle).map_err(|_| broken("user handle"))?;
    let id = answer.raw_id();
    let mut credential = AuthenticatedCredential::new(id, &handle, static_state, dynamic_state).map_err(|_| broken("key"))?;
    let origins = [origin.to_string()];
    let options = AuthenticationVerificationOptions::<String, String> { allowed_origins: &origins, ..Default::default() };
    server.verify(&rp, &answer, &mut credential, &options).map_err(|e| refused(format!("The passkey was not accepted: {e}.")))?;
    let counters = credential.dynamic_state().encode().map_err(|_| broken("counters"))?;
    sqlx::query("UPDATE passkeys SET dynamic_state = $2, last_used_at = $3 WHERE id = $1")
        .bind(passkey.as_str())
        .bind(B64.encode(counters))
        .bind(now_millis())
        .execute(&db.pool)
        .await?;
    Ok(user)
}

/// The person's passkeys, and whether their organization requires one.
pub async fn list(db: &Db, user: &UserRef) -> Result<PasskeyList, AppError> {
    let rows = sqlx::query(
        "SELECT id, name, created_at, last_used_at FROM passkeys WHERE user_id = $1 AND organization_id = $2 ORDER BY created_at",
    )
    .bind(user.user_id.as_str())
    .bind(user.organization_id.as_str())
    .fetch_all(&db.pool)
    .await?;
    let passkeys = rows
        .iter()
        .map(|r| {
            Ok(Passkey { id: id_column(r, 0)?, name: r.try_get(1)?, created_at: r.try_get(2)?, last_used_at: r.try_get(3)? })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let required: i64 = sqlx::query("SELECT require_passkeys FROM organizations WHERE id = $1")
        .bind(user.organization_id.as_str())
        .fetch_one(&db.pool)
        .await?
        .try_get(0)?;
    Ok(PasskeyList { passkeys, required: required != 0 })
}

/// Removes one of the person's own passkeys (anyone else's id is "no such passkey"). The last one
/// stays while the organization requires passkeys.
pub async fn remove(db: &Db, actor: &Actor, id: &PasskeyId) -> Result<(), AppError> {
    let mut tx = db.pool.begin().await?;
    let row = sqlx::query(
        "SELECT p.name, o.require_passkeys, (SELECT COUNT(*) FROM passkeys q WHERE q.user_id = p.user_id)
         FROM passkeys p JOIN organizations o ON o.id = p.organization_id
         WHERE p.id = $1 AND p.user_id = $2 AND p.organization_id = $3",
    )
    .bind(id.as_str())
    .bind(actor.user.user_id.as_str())
    .bind(actor.user.organization_id.as_str())
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| AppError::not_found("You have no passkey with this id; it may have been removed already."))?;
    let (name, required, count): (String, i64, i64) = (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
    if required != 0 && count <= 1 {
        return Err(AppError::of(
            ErrorCode::Conflict,
            "Your organization requires a passkey, and this is your only one. Add another before you remove it.",
        ));
    }
    sqlx::query("DELETE FROM passkeys WHERE id = $1").bind(id.as_str()).execute(&mut *tx).await?;
    let detail = Some(name);
    activity::record(&mut tx, actor, Entry { kind: ActivityKind::PasskeyRemoved, account: None, account_name: None, detail })
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Owners turn "every member needs a passkey" on or off.
pub async fn set_policy(db: &Db, actor: &Actor, required: bool) -> Result<(), AppError> {
    actor.require(actor.role.manages_members(), "change whether members need a passkey")?;
    let mut tx = db.pool.begin().await?;
    sqlx::query("UPDATE organizations SET require_passkeys = $2 WHERE id = $1")
        .bind(actor.user.organization_id.as_str())
        .bind(i64::from(required))
        .execute(&mut *tx)
        .await?;
    let detail = Some(if required { "every member needs a passkey" } else { "passkeys optional" }.to_string());
    let entry = Entry { kind: ActivityKind::PasskeyPolicyChanged, account: None, account_name: None, detail };
    activity::record(&mut tx, actor, entry).await?;
    tx.commit().await?;
    Ok(())
}
