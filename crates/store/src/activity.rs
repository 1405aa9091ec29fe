//! The activity log (see `xops_model::activity`): entries are written only by [`record`], in the
//! transaction of the change they describe, and read by [`list`]. Nothing updates or deletes one,
//! except [`prune`], which drops those older than the configured retention.

use crate::accounts::Actor;
use crate::db::{now_millis, Db};
use crate::error::AppError;
use crate::ids::id_column;
use sqlx::Row;
use xops_model::{ActivityEntry, ActivityFilter, ActivityKind, ActivityPage, ErrorCode, OrganizationId, RecordId};

/// What a change was, for its entry. The actor gives who, from where and which organization.
pub struct Entry<'a> {
    pub kind: ActivityKind,
    pub account: Option<&'a RecordId>,
    pub account_name: Option<&'a str>,
    pub detail: Option<String>,
}

/// Writes one entry, on the change's own connection (its transaction): if the change is undone,
/// so is its entry.
pub async fn record(tx: &mut sqlx::AnyConnection, actor: &Actor, entry: Entry<'_>) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO activity (organization_id, at, actor_id, actor_email, kind, account_id, account_name, detail, address)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(actor.user.organization_id.as_str())
    .bind(now_millis())
    .bind(actor.user.user_id.as_str())
    .bind(&actor.email)
    .bind(entry.kind.as_str())
    .bind(entry.account.map(|a| a.as_str().to_string()))
    .bind(entry.account_name.map(str::to_string))
    .bind(entry.detail)
    .bind(&actor.address)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Who the log names for what the store did by itself (its scheduled checks).
pub const XOPS: &str = "Xops (scheduled check)";

/// Who the log names for what the operator did from the command line.
pub const OPERATOR: &str = "The operator of Xops (command line)";

/// Writes one entry for something the store did by itself in `organization` (no person, no
/// address), on the change's own connection.
pub async fn record_by_xops(
    tx: &mut sqlx::AnyConnection,
    organization: &OrganizationId,
    entry: Entry<'_>,
) -> Result<(), AppError> {
    record_as(tx, organization, XOPS, entry).await
}

/// Writes one entry for something done by `who`, who is no member (the store, the operator).
pub async fn record_as(
    tx: &mut sqlx::AnyConnection,
    organization: &OrganizationId,
    who: &str,
    entry: Entry<'_>,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO activity (organization_id, at, actor_id, actor_email, kind, account_id, account_name, detail, address)
         VALUES ($1, $2, NULL, $3, $4, $5, $6, $7, '')",
    )
    .bind(organization.as_str())
    .bind(now_millis())
    .bind(who)
    .bind(entry.kind.as_str())
    .bind(entry.account.map(|a| a.as_str().to_string()))
    .bind(entry.account_name.map(str::to_string))
    .bind(entry.detail)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// An entry for a change made outside the database (a certificate added or removed on Microsoft's
/// side): written on its own once Microsoft has answered. The change stands even if this write
/// fails, so a failure is logged, not answered.
pub async fn record_outside_change(db: &Db, actor: &Actor, entry: Entry<'_>) {
    let kind = entry.kind;
    let written = async {
        let mut conn = db.pool.acquire().await?;
        record(&mut conn, actor, entry).await
    };
    if let Err(e) = written.await {
        tracing::warn!(kind = kind.as_str(), error = %e.body.error.message, "could not write an activity entry");
    }
}

pub const DEFAULT_PAGE: i64 = 50;
pub const MAX_PAGE: i64 = 200;

/// The organization's entries that match, newest first, `limit` at a time.
pub async fn list(db: &Db, organization: &OrganizationId, filter: &ActivityFilter, limit: i64) -> Result<ActivityPage, AppError> {
    let mut sql = String::from(
        "SELECT seq, at, actor_id, actor_email, kind, account_id, account_name, detail, address
         FROM activity WHERE organization_id = $1",
    );
    let mut binds: Vec<String> = vec![organization.as_str().to_string()];
    let mut condition = |column: &str, value: String| {
        binds.push(value);
        sql += &format!(" AND {column} = ${}", binds.len());
    };
    if let Some(a) = &filter.account {
        condition("account_id", a.as_str().to_string());
    }
    if let Some(p) = &filter.person {
        condition("actor_id", p.as_str().to_string());
    }
    if let Some(k) = filter.kind {
        condition("kind", k.as_str().to_string());
    }
    // Then the numbers: `before` (when given) and the limit.
    let mut n = binds.len();
    if filter.before.is_some() {
        n += 1;
        sql += &format!(" AND seq < ${n}");
    }
    sql += &format!(" ORDER BY seq DESC LIMIT ${}", n + 1);
    let mut query = sqlx::query(&sql);
    for b in &binds {
        query = query.bind(b.as_str());
    }
    if let Some(before) = filter.before {
        query = query.bind(before);
    }
    let rows = query.bind(limit + 1).fetch_all(&db.pool).await?;
    let mut entries = rows.iter().map(entry_from_row).collect::<Result<Vec<_>, _>>()?;
    let next_before = if entries.len() as i64 > limit {
        entries.truncate(limit as usize);
        entries.last().map(|e| e.seq)
    } else {
        None
    };
    Ok(ActivityPage { entries, next_before })
}

fn entry_from_row(r: &sqlx::any::AnyRow) -> Result<ActivityEntry, AppError> {
    let kind: String = r.try_get("kind")?;
    let actor: Option<String> = r.try_get("actor_id")?;
    let account: Option<String> = r.try_get("account_id")?;
    Ok(ActivityEntry {
        seq: r.try_get("seq")?,
        at: r.try_get("at")?,
        actor: actor.map(|_| id_column(r, "actor_id")).transpose()?,
        actor_email: r.try_get("actor_email")?,
        kind: ActivityKind::parse(&kind).ok_or_else(|| AppError::internal(format!("unknown activity kind {kind}")))?,
        account: account.map(|_| id_column(r, "account_id")).transpose()?,
        account_name: r.try_get("account_name")?,
        detail: r.try_get("detail")?,
        address: r.try_get("address")?,
    })
}

/// Drops the entries older than `retention`; returns how many.
pub async fn prune(db: &Db, retention: std::time::Duration) -> Result<u64, AppError> {
    let cutoff = now_millis() - retention.as_millis() as i64;
    Ok(sqlx::query("DELETE FROM activity WHERE at < $1").bind(cutoff).execute(&db.pool).await?.rows_affected())
}

/// Prunes once at start and then every hour, for as long as the store runs.
pub fn keep_pruning(db: Db, retention: std::time::Duration) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(60 * 60));
        loop {
            every.tick().await;
            match prune(&db, retention).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(entries = n, "dropped activity entries older than the retention"),
                Err(e) => tracing::warn!(error = %e.body.error.message, "could not prune the activity log"),
            }
        }
    });
}

/// The 400 for a filter that does not parse.
pub fn bad_filter(field: &str, message: String) -> AppError {
    AppError::of(ErrorCode::BadRequest, message).field(field)
}
