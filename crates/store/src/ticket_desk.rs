//! The ticket desk: where a browser hands in the tickets it signed ahead ([`keep`], each checked by
//! `tickets::check` and sealed under the secrets key) and where a service takes the current
//! window's one ([`claim`]), once, deleted in the same transaction and written into the account's
//! activity log.

use crate::db::{now_millis, Db};
use crate::error::AppError;
use crate::records;
use crate::sealing::SealingKey;
use crate::services::Service;
use crate::tickets::{check, context, coverage, uses, Checked};
use sqlx::Row;
use xops_model::tickets::{self, TicketCoverage, TicketsKept, WINDOW_SECS};
use xops_model::{ErrorCode, Integration, OrganizationId, RecordId, RecordKind};

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
    if !account.details.provider().signs_tickets() || account.ticket_policy.windows() == 0 {
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
    // A window before the horizon that has no ticket any more was taken: it never gets another
    // (one ticket per window, ever). Before the horizon, a ticket only replaces one kept.
    let horizon: Option<i64> = sqlx::query("SELECT ends_at FROM ticket_horizons WHERE organization_id = $1 AND account_id = $2")
        .bind(organization.as_str())
        .bind(id.as_str())
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| r.try_get(0))
        .transpose()?;
    let mut kept = 0;
    for (c, jwt) in &checked {
        let sql = if horizon.is_some_and(|end| c.window_start * 1000 < end) {
            "UPDATE tickets SET thumbprint = $4, signed_by = $5, sealed = $6
             WHERE organization_id = $1 AND account_id = $2 AND window_start = $3"
        } else {
            "INSERT INTO tickets (organization_id, account_id, window_start, thumbprint, signed_by, sealed)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (organization_id, account_id, window_start)
             DO UPDATE SET thumbprint = excluded.thumbprint, signed_by = excluded.signed_by, sealed = excluded.sealed"
        };
        let done = sqlx::query(sql)
            .bind(organization.as_str())
            .bind(id.as_str())
            .bind(c.window_start)
            .bind(c.certificate.sha1_thumbprint.as_str())
            .bind(&c.certificate.key_held_by)
            .bind(key.seal(&context(organization, id, c.window_start), jwt.as_bytes()))
            .execute(&mut *tx)
            .await?;
        kept += done.rows_affected() as usize;
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
    Ok(TicketsKept { kept, coverage })
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
    let orgs: Vec<String> = sqlx::query(
        "SELECT organization_id FROM tickets WHERE account_id = $1 AND window_start = $2 AND ($3 = '' OR organization_id = $3)",
    )
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
    // Another caller took it between the look and the delete.
    let Some(Taken { assertion, signed_by, account }) = take(&mut tx, db, key, &org, id, window).await? else {
        return Err(no_ticket(db, id, window).await);
    };
    let (tenant, application, _) =
        account.details.app_registration().ok_or_else(|| AppError::internal("an AWS account had a ticket"))?;
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
        scope: account.details.provider().ticket_scope().into(),
        not_before: window,
        expires_at: window + WINDOW_SECS,
        signed_by,
    })
}

/// A ticket taken out of the table.
pub struct Taken {
    pub assertion: String,
    pub signed_by: String,
    /// The account, which still uses the certificate that signed the ticket.
    pub account: Integration,
}

/// Deletes account `id`'s ticket for `window` in `tx` and opens it; `None` when there is none.
/// A ticket whose certificate the account no longer uses is deleted all the same, and is none.
async fn take(
    tx: &mut sqlx::AnyConnection,
    db: &Db,
    key: &SealingKey,
    org: &OrganizationId,
    id: &RecordId,
    window: i64,
) -> Result<Option<Taken>, AppError> {
    let taken = sqlx::query(
        "DELETE FROM tickets WHERE organization_id = $1 AND account_id = $2 AND window_start = $3
         RETURNING thumbprint, signed_by, sealed",
    )
    .bind(org.as_str())
    .bind(id.as_str())
    .bind(window)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(taken) = taken else { return Ok(None) };
    let (thumbprint, signed_by, sealed): (String, String, String) = (taken.try_get(0)?, taken.try_get(1)?, taken.try_get(2)?);
    let assertion = key.open(&context(org, id, window), &sealed).and_then(|b| String::from_utf8(b).ok()).ok_or_else(|| {
        AppError::internal("a ticket does not open with this store's --secrets-key-file (was the key changed?)")
    })?;
    let account = account(db, org, id).await?.filter(|a| uses(a, &thumbprint)).ok_or_else(|| {
        AppError::not_found(
            "This account no longer uses the certificate that signed its tickets; a browser holding its new key must open Xops.",
        )
    })?;
    Ok(Some(Taken { assertion, signed_by, account }))
}

/// Takes account `id`'s current ticket for the store's own scheduled check (logged as Xops's):
/// the assertion, or `None` when there is no ticket for this window.
pub async fn take_for_check(db: &Db, key: &SealingKey, org: &OrganizationId, id: &RecordId) -> Result<Option<Taken>, AppError> {
    let window = tickets::window_start(now_millis() / 1000);
    let mut tx = db.pool.begin().await?;
    let Some(taken) = take(&mut tx, db, key, org, id, window).await? else { return Ok(None) };
    let entry = crate::activity::Entry {
        kind: xops_model::ActivityKind::TicketUsed,
        account: Some(id),
        account_name: Some(taken.account.name.as_str()),
        detail: Some(format!("signed by {}; to test the connection", taken.signed_by)),
    };
    crate::activity::record_by_xops(&mut tx, org, entry).await?;
    tx.commit().await?;
    Ok(Some(taken))
}

/// Where a current ticket is kept: (organization, account) pairs.
pub async fn with_current_ticket(db: &Db) -> Result<Vec<(OrganizationId, RecordId)>, AppError> {
    let rows = sqlx::query("SELECT organization_id, account_id FROM tickets WHERE window_start = $1")
        .bind(tickets::window_start(now_millis() / 1000))
        .fetch_all(&db.pool)
        .await?;
    rows.iter()
        .map(|r| {
            let (org, id): (String, String) = (r.try_get(0)?, r.try_get(1)?);
            Ok((
                OrganizationId::parse(&org).map_err(|e| AppError::internal(e.message))?,
                RecordId::try_from(id).map_err(|e| AppError::internal(e.message))?,
            ))
        })
        .collect()
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
