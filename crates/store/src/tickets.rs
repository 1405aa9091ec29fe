//! Sign-in tickets signed ahead (see `xops_model::tickets`): a browser holding an account's key
//! uploads client assertions for the windows to come; the store checks each (its claims, and its
//! signature against the account's certificate), keeps it sealed (`sealing`), and hands the
//! current window's one to a service, once, deleting it in the same transaction.
//!
//! Tickets are never synced to browsers. They are deleted when used, when their window ends
//! ([`keep_pruning`]), and whenever the account's record changes so that they can no longer be
//! used ([`forget_unusable`], in the change's own transaction): tickets Off, the account
//! disconnected, or the certificate that signed them renewed, replaced or removed.

use crate::db::{now_millis, Db};
use crate::error::AppError;
use crate::records;
use crate::sealing::SealingKey;
use crate::services::Service;
use base64::Engine;
use sqlx::Row;
use xops_model::tickets::{self, TicketCoverage, TicketsKept, WINDOW_SECS};
use xops_model::{CertificateInfo, ErrorCode, Integration, OrganizationId, RecordId, RecordKind};

/// A ticket that passed [`check`]: its window and the certificate that signed it.
pub struct Checked<'a> {
    pub window_start: i64,
    pub certificate: &'a CertificateInfo,
}

fn part(p: &str) -> Result<serde_json::Value, String> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(p).map_err(|_| "is not a well-formed JWT".to_string())?;
    serde_json::from_slice(&bytes).map_err(|_| "is not a well-formed JWT".to_string())
}

/// Whether `jwt` is a ticket of `account` that Xops can hand out: RS256 signed by a certificate
/// the account uses (checked against the certificate's key), audience the tenant's token endpoint
/// at `authority`, issued by the application for itself, for one whole window that has not ended
/// and lies within the policy's horizon. The error is a sentence.
pub fn check<'a>(jwt: &str, account: &'a Integration, authority: &str, now_secs: i64) -> Result<Checked<'a>, String> {
    let (tenant, application, _) = account.details.app_registration().ok_or("An AWS account has no tickets.")?;
    let parts: Vec<&str> = jwt.split('.').collect();
    if jwt.len() > 8 * 1024 || parts.len() != 3 {
        return Err("is not a well-formed JWT".into());
    }
    let (header, claims) = (part(parts[0])?, part(parts[1])?);
    if header["alg"] != "RS256" {
        return Err("must be signed with RS256".into());
    }
    let x5t = header["x5t"].as_str().and_then(|t| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(t).ok());
    let x5t: String = x5t.unwrap_or_default().iter().map(|b| format!("{b:02X}")).collect();
    let now_ms = now_secs * 1000;
    let certificate = account
        .certificate
        .iter()
        .filter(|c| !c.has_expired(now_ms))
        .chain(account.other_certificates_in_force(now_ms))
        .find(|c| c.sha1_thumbprint.as_str() == x5t)
        .ok_or("is not signed by a certificate the account uses (x5t)")?;
    let signature =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(parts[2]).map_err(|_| "is not a well-formed JWT".to_string())?;
    if !signed_by(certificate, &jwt[..parts[0].len() + 1 + parts[1].len()], &signature) {
        return Err(format!("is not signed by the key of the certificate {x5t}"));
    }
    if claims["aud"] != tickets::token_endpoint(authority, tenant).as_str() {
        return Err("must have the tenant's token endpoint as its audience (aud)".into());
    }
    if claims["iss"] != application.as_str() || claims["sub"] != application.as_str() {
        return Err("must be issued by the application for itself (iss and sub)".into());
    }
    if !claims["jti"].as_str().is_some_and(|j| !j.is_empty() && j.len() <= 128) {
        return Err("needs a unique id (jti)".into());
    }
    let (nbf, exp) = (claims["nbf"].as_i64().unwrap_or(-1), claims["exp"].as_i64().unwrap_or(-1));
    if tickets::window_start(nbf) != nbf || exp != nbf + WINDOW_SECS {
        return Err("must cover exactly one 10-minute window (nbf on a window's start, exp 600 s later)".into());
    }
    let current = tickets::window_start(now_secs);
    if exp <= now_secs || nbf >= current + account.ticket_policy.windows() * WINDOW_SECS {
        return Err("is for a window that has ended or lies beyond the account's horizon".into());
    }
    Ok(Checked { window_start: nbf, certificate })
}

/// Whether `signature` is the RS256 signature of `input` by the key of `certificate`.
fn signed_by(certificate: &CertificateInfo, input: &str, signature: &[u8]) -> bool {
    use x509_parser::prelude::FromDer;
    let Ok(der) = crate::certificates::entra_der(&certificate.pem, "certificate.pem") else { return false };
    let Ok((_, cert)) = x509_parser::certificate::X509Certificate::from_der(&der) else { return false };
    let key = &cert.public_key().subject_public_key.data;
    ring::signature::UnparsedPublicKey::new(&ring::signature::RSA_PKCS1_2048_8192_SHA256, key.as_ref())
        .verify(input.as_bytes(), signature)
        .is_ok()
}

/// Whether the account uses the certificate of this thumbprint (as kept beside a ticket).
fn uses(account: &Integration, thumbprint: &str) -> bool {
    xops_model::Sha1Thumbprint::parse(thumbprint).is_ok_and(|t| account.uses_certificate(&t))
}

fn context(organization: &OrganizationId, account: &RecordId, window_start: i64) -> String {
    format!("xops-ticket\0{organization}\0{account}\0{window_start}")
}

/// The live account `id` of the organization, if it is one.
async fn account(db: &Db, organization: &OrganizationId, id: &RecordId) -> Result<Option<Integration>, AppError> {
    let record = records::get(db, organization, id).await?;
    Ok(record
        .filter(|r| r.kind == RecordKind::Integration && !r.deleted)
        .and_then(|r| r.body)
        .and_then(|b| serde_json::from_value::<Integration>(b).ok()))
}

/// Keeps the tickets a browser signed for account `id` (each checked; one bad ticket refuses the
/// batch, naming it), replacing any kept for the same windows.
pub async fn keep(
    db: &Db,
    key: &SealingKey,
    authority: &str,
    organization: &OrganizationId,
    id: &RecordId,
    batch: &[String],
) -> Result<TicketsKept, AppError> {
    let invalid = |message: String| AppError::of(ErrorCode::Validation, message);
    let account = account(db, organization, id).await?.ok_or_else(|| records::not_found(id))?;
    if !tickets::signs_tickets(&account.details) || account.ticket_policy.windows() == 0 {
        return Err(AppError::of(
            ErrorCode::Conflict,
            "This account's tickets are Off (or it is an AWS account): there is nothing to keep.",
        ));
    }
    if batch.is_empty() || batch.len() > tickets::MAX_BATCH {
        return Err(invalid(format!("Send 1 to {} tickets at a time.", tickets::MAX_BATCH)).field("tickets"));
    }
    let now = now_millis() / 1000;
    let checked: Vec<(Checked, &String)> = batch
        .iter()
        .enumerate()
        .map(|(i, jwt)| {
            check(jwt, &account, authority, now)
                .map(|c| (c, jwt))
                .map_err(|why| invalid(format!("Ticket {} {why}.", i + 1)).field(format!("tickets[{i}]")))
        })
        .collect::<Result<_, _>>()?;
    let mut tx = db.pool.begin().await?;
    for (c, jwt) in &checked {
        sqlx::query(
            "INSERT INTO tickets (organization_id, account_id, window_start, thumbprint, signed_by, sealed)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (organization_id, account_id, window_start)
             DO UPDATE SET thumbprint = excluded.thumbprint, signed_by = excluded.signed_by, sealed = excluded.sealed",
        )
        .bind(organization.as_str())
        .bind(id.as_str())
        .bind(c.window_start)
        .bind(c.certificate.sha1_thumbprint.as_str())
        .bind(&c.certificate.key_held_by)
        .bind(key.seal(&context(organization, id, c.window_start), jwt.as_bytes()))
        .execute(&mut *tx)
        .await?;
    }
    let ends_at = checked.iter().map(|(c, _)| (c.window_start + WINDOW_SECS) * 1000).max().unwrap_or(0);
    sqlx::query(
        "INSERT INTO ticket_horizons (organization_id, account_id, ends_at) VALUES ($1, $2, $3)
         ON CONFLICT (organization_id, account_id) DO UPDATE SET ends_at = CASE WHEN excluded.ends_at > ticket_horizons.ends_at THEN excluded.ends_at ELSE ticket_horizons.ends_at END",
    )
    .bind(organization.as_str())
    .bind(id.as_str())
    .bind(ends_at)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    let coverage = coverage(db, organization, Some(id)).await?.pop().unwrap_or(TicketCoverage {
        account_id: id.clone(),
        covered_until: tickets::window_start(now) * 1000,
        tickets: 0,
        signed_by: None,
    });
    Ok(TicketsKept { kept: checked.len(), coverage })
}

/// How far ahead each account of the organization (or just `only`) is covered, for those with
/// tickets from the current window on.
pub async fn coverage(db: &Db, organization: &OrganizationId, only: Option<&RecordId>) -> Result<Vec<TicketCoverage>, AppError> {
    let current = tickets::window_start(now_millis() / 1000);
    let rows = sqlx::query(
        "SELECT account_id, window_start, signed_by FROM tickets
         WHERE organization_id = $1 AND window_start >= $2 AND ($3 = '' OR account_id = $3)
         ORDER BY account_id, window_start",
    )
    .bind(organization.as_str())
    .bind(current)
    .bind(only.map_or("", |a| a.as_str()))
    .fetch_all(&db.pool)
    .await?;
    let mut out: Vec<TicketCoverage> = Vec::new();
    for r in rows {
        let (account, window, signed_by): (String, i64, String) = (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
        let account = RecordId::try_from(account).map_err(|e| AppError::internal(e.message))?;
        if out.last().is_none_or(|c| c.account_id != account) {
            out.push(TicketCoverage { account_id: account, covered_until: current * 1000, tickets: 0, signed_by: None });
        }
        let Some(c) = out.last_mut() else { continue };
        c.tickets += 1;
        if window * 1000 == c.covered_until {
            c.covered_until += WINDOW_SECS * 1000;
        }
        c.signed_by = Some(signed_by);
    }
    Ok(out)
}

/// Takes account `id`'s ticket for the current window for `service`: gone from the store once
/// this returns, so no two callers (on any store processes) ever get the same one. The use goes
/// into the account's organization's activity log.
pub async fn claim(
    db: &Db,
    key: &SealingKey,
    authority: &str,
    service: &Service,
    id: &RecordId,
    organization: Option<&OrganizationId>,
) -> Result<xops_model::tickets::ClaimedTicket, AppError> {
    let now = now_millis() / 1000;
    let window = tickets::window_start(now);
    let mut tx = db.pool.begin().await?;
    let orgs: Vec<String> =
        sqlx::query("SELECT organization_id FROM tickets WHERE account_id = $1 AND window_start = $2 AND ($3 = '' OR organization_id = $3)")
            .bind(id.as_str())
            .bind(window)
            .bind(organization.map_or("", |o| o.as_str()))
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, _>>()?;
    let org = match orgs.as_slice() {
        [one] => OrganizationId::parse(one).map_err(|e| AppError::internal(e.message))?,
        [] => return Err(no_ticket(db, id, window).await),
        _ => {
            return Err(AppError::of(
                ErrorCode::Conflict,
                "Accounts of several organizations have this id: add ?organization=ORGANIZATION_ID.",
            ))
        }
    };
    let taken = sqlx::query(
        "DELETE FROM tickets WHERE organization_id = $1 AND account_id = $2 AND window_start = $3
         RETURNING thumbprint, signed_by, sealed",
    )
    .bind(org.as_str())
    .bind(id.as_str())
    .bind(window)
    .fetch_optional(&mut *tx)
    .await?;
    // Another caller took it between the look and the delete.
    let Some(taken) = taken else { return Err(no_ticket(db, id, window).await) };
    let (thumbprint, signed_by, sealed): (String, String, String) = (taken.try_get(0)?, taken.try_get(1)?, taken.try_get(2)?);
    let assertion = key
        .open(&context(&org, id, window), &sealed)
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| AppError::internal("a ticket does not open with this store's --secrets-key-file (was the key changed?)"))?;
    let account = account(db, &org, id).await?.filter(|a| uses(a, &thumbprint)).ok_or_else(|| {
        AppError::not_found("This account no longer uses the certificate that signed its tickets; a browser holding its new key must open Xops.")
    })?;
    let (tenant, application, _) = account.details.app_registration().ok_or_else(|| AppError::internal("an AWS account had a ticket"))?;
    let entry = crate::activity::Entry {
        kind: xops_model::ActivityKind::TicketUsed,
        account: Some(id),
        account_name: Some(account.name.as_str()),
        detail: Some(format!("signed by {signed_by}")),
    };
    crate::activity::record_as(&mut tx, &org, &service.name, entry).await?;
    crate::services::used(&mut tx, service).await?;
    tx.commit().await?;
    Ok(xops_model::tickets::ClaimedTicket {
        account_id: id.clone(),
        assertion,
        client_assertion_type: tickets::ASSERTION_TYPE.into(),
        token_endpoint: tickets::token_endpoint(authority, tenant),
        client_id: application.as_str().into(),
        scope: tickets::scope_for(account.details.provider()).into(),
        not_before: window,
        expires_at: window + WINDOW_SECS,
        signed_by,
    })
}

/// The 404 for an account without a ticket for the current window, saying why as well as the
/// store knows.
async fn no_ticket(db: &Db, id: &RecordId, window: i64) -> AppError {
    let ends_at: Option<i64> = sqlx::query("SELECT MAX(ends_at) FROM ticket_horizons WHERE account_id = $1")
        .bind(id.as_str())
        .fetch_one(&db.pool)
        .await
        .ok()
        .and_then(|r| r.try_get::<Option<i64>, _>(0).ok().flatten());
    let message = match ends_at {
        Some(end) if end <= window * 1000 => format!(
            "There is no ticket for this window: the horizon ran out on {} UTC; a browser holding the key must open Xops.",
            crate::db::utc_minute(end)
        ),
        Some(_) => "There is no ticket for this window (it was taken, or a browser signed only later ones); try again in the next window.".to_string(),
        None => "Xops keeps no tickets for this account (its tickets are Off, its certificate changed, or no browser holding its key has opened Xops since): a browser holding the key must open Xops.".to_string(),
    };
    AppError::not_found(message)
}

/// In a record change's transaction: deletes the account's tickets that can no longer be used
/// (see the module's summary). `after` is the account as the change leaves it (`None`: deleted).
pub(crate) async fn forget_unusable(
    tx: &mut sqlx::AnyConnection,
    organization: &OrganizationId,
    id: &RecordId,
    after: Option<&Integration>,
) -> Result<(), AppError> {
    let usable = after.filter(|a| tickets::signs_tickets(&a.details) && a.ticket_policy.windows() > 0);
    let signers: Vec<String> = sqlx::query("SELECT DISTINCT thumbprint FROM tickets WHERE organization_id = $1 AND account_id = $2")
        .bind(organization.as_str())
        .bind(id.as_str())
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| r.try_get(0))
        .collect::<Result<_, _>>()?;
    let gone: Vec<&String> = signers.iter().filter(|t| !usable.is_some_and(|a| uses(a, t))).collect();
    for thumbprint in &gone {
        sqlx::query("DELETE FROM tickets WHERE organization_id = $1 AND account_id = $2 AND thumbprint = $3")
            .bind(organization.as_str())
            .bind(id.as_str())
            .bind(thumbprint.as_str())
            .execute(&mut *tx)
            .await?;
    }
    if usable.is_none() || !gone.is_empty() {
        sqlx::query("DELETE FROM ticket_horizons WHERE organization_id = $1 AND account_id = $2")
            .bind(organization.as_str())
            .bind(id.as_str())
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

/// Deletes tickets whose window has ended, every minute.
pub fn keep_pruning(db: Db) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            every.tick().await;
            let ended = sqlx::query("DELETE FROM tickets WHERE window_start <= $1")
                .bind(now_millis() / 1000 - WINDOW_SECS)
                .execute(&db.pool)
                .await;
            if let Err(e) = ended {
                tracing::warn!(error = %e, "could not delete tickets whose window has ended");
            }
        }
    });
}
