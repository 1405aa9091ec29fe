//! Sign-in tickets signed ahead (see `xops_model::tickets`), as the store keeps them: what makes
//! one Xops can hand out ([`check`]: its claims, and its signature against the account's
//! certificate), how far ahead each account is covered, and when they go. Taking them in and
//! handing them out is `ticket_desk`'s.
//!
//! Tickets are never synced to browsers. They are deleted when used, when their window ends
//! ([`keep_pruning`]), and whenever the account's record changes so that they can no longer be
//! used ([`forget_unusable`], in the change's own transaction): tickets Off, the account
//! disconnected, or the certificate that signed them renewed, replaced or removed.

use crate::db::{now_millis, Db};
use crate::error::AppError;
use base64::Engine;
use sqlx::Row;
use xops_model::tickets::{self, TicketCoverage, WINDOW_SECS};
use xops_model::{CertificateInfo, Integration, OrganizationId, RecordId};

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
pub(crate) fn uses(account: &Integration, thumbprint: &str) -> bool {
    xops_model::Sha1Thumbprint::parse(thumbprint).is_ok_and(|t| account.uses_certificate(&t))
}

pub(crate) fn context(organization: &OrganizationId, account: &RecordId, window_start: i64) -> String {
    format!("xops-ticket\0{organization}\0{account}\0{window_start}")
}

/// How far ahead each account of the organization (or just `only`) is covered, for those with
/// tickets from the current window on.
pub async fn coverage(db: &Db, organization: &OrganizationId, only: Option<&RecordId>) -> Result<Vec<TicketCoverage>, AppError> {
    let current = tickets::window_start(now_millis() / 1000);
    // Covered up to the end of the furthest ticket kept (its horizon): a window before it without
    // a ticket was taken, and is never signed again.
    let rows = sqlx::query(
        "SELECT h.account_id, h.ends_at, COUNT(t.window_start), MAX(t.signed_by) FROM ticket_horizons h
         LEFT JOIN tickets t ON t.organization_id = h.organization_id AND t.account_id = h.account_id AND t.window_start >= $2
         WHERE h.organization_id = $1 AND ($3 = '' OR h.account_id = $3)
         GROUP BY h.account_id, h.ends_at ORDER BY h.account_id",
    )
    .bind(organization.as_str())
    .bind(current)
    .bind(only.map_or("", |a| a.as_str()))
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            let (account, ends_at, count, signed_by): (String, i64, i64, Option<String>) =
                (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?);
            Ok(TicketCoverage {
                account_id: RecordId::try_from(account).map_err(|e| AppError::internal(e.message))?,
                covered_until: ends_at.max(current * 1000),
                tickets: count,
                signed_by,
            })
        })
        .collect()
}

/// In a record change's transaction: deletes the account's tickets that can no longer be used
/// (see the module's summary). `after` is the account as the change leaves it (`None`: deleted).
pub(crate) async fn forget_unusable(
    tx: &mut sqlx::AnyConnection,
    organization: &OrganizationId,
    id: &RecordId,
    after: Option<&Integration>,
) -> Result<(), AppError> {
    let usable = after.filter(|a| a.details.provider().signs_tickets() && a.ticket_policy.windows() > 0);
    let signers: Vec<String> =
        sqlx::query("SELECT DISTINCT thumbprint FROM tickets WHERE organization_id = $1 AND account_id = $2")
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
    // A shorter policy (7 days to 24 hours): the tickets beyond its horizon go too.
    if let Some(a) = usable {
        let limit = tickets::window_start(now_millis() / 1000) + a.ticket_policy.windows() * WINDOW_SECS;
        for sql in [
            "DELETE FROM tickets WHERE organization_id = $1 AND account_id = $2 AND window_start >= $3",
            "UPDATE ticket_horizons SET ends_at = $3 * 1000 WHERE organization_id = $1 AND account_id = $2 AND ends_at > $3 * 1000",
        ] {
            sqlx::query(sql).bind(organization.as_str()).bind(id.as_str()).bind(limit).execute(&mut *tx).await?;
        }
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
