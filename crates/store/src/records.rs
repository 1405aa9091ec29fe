//! The per-organization record store: every change gets the organization's next revision, so
//! a client can ask for "everything after revision N" and never miss or repeat a change.

use crate::accounts::Actor;
use crate::activity;
use crate::db::{now_millis, Db};
use crate::error::AppError;
use crate::ids::id_column;
use crate::record_keys::{key_owner, record_key};
use axum::http::StatusCode;
use sqlx::any::AnyRow;
use sqlx::Row;
use xops_model::integration::UniqueKey;
use xops_model::{
    ActivityKind, CheckedBody, Conflict, ErrorCode, Integration, OrganizationId, Record, RecordChanges, RecordId, RecordKind,
    UserId,
};

pub const DEFAULT_PAGE: i64 = 500;
/// A page as large as a client may ask for: few round trips for a device catching up on many
/// records (the byte budget below still bounds its memory).
pub const MAX_PAGE: i64 = 5000;

/// What the client asked to be true before its change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precondition {
    /// `If-None-Match: *`: create; the record must not exist yet.
    Create,
    /// `If-Match: "REV"`: change the record only if it is still at this revision.
    Revision(i64),
}

/// What a request asks for: a record's new body (of a kind, checked, with the values that must be
/// unique in the organization; `checked` is the body parsed), or its deletion.
///
/// An account's `last_test` is the store's to write (`connection_tests`): a new body keeps the
/// stored one, whatever it says, unless `sealed_test` (its test carries the store's seal, checked).
pub enum Change {
    Put { kind: RecordKind, body: serde_json::Value, unique_keys: Vec<UniqueKey>, checked: CheckedBody, sealed_test: bool },
    Delete,
}

/// What one organization may keep: live records, and the bytes of their bodies.
#[derive(Debug, Clone, Copy)]
pub struct Quota {
    pub max_records: i64,
    pub max_bytes: i64,
}

fn quota_exceeded(message: String) -> AppError {
    AppError::of(ErrorCode::QuotaExceeded, message)
}

/// A record as `GET /records/{id}` serves it (its JSON and its revision, the ETag), kept by
/// `AppState::records` so a read need not ask the database or encode it again.
#[derive(Clone)]
pub struct Served {
    json: axum::body::Bytes,
    revision: i64,
}

impl Served {
    pub fn of(record: &Record) -> Result<Served, AppError> {
        let json = serde_json::to_vec(record).map_err(AppError::internal)?;
        Ok(Served { json: json.into(), revision: record.revision })
    }

    pub fn response(self) -> axum::response::Response {
        use axum::http::header;
        use axum::response::IntoResponse;
        let etag = format!("\"{}\"", self.revision);
        (StatusCode::OK, [(header::ETAG, etag), (header::CONTENT_TYPE, "application/json".to_string())], self.json)
            .into_response()
    }
}

/// What a change did.
pub enum Outcome {
    Created(Record),
    Updated(Record),
    /// The same change had already been applied (a retried request): nothing new was written.
    AlreadyApplied(Record),
    Conflict(Box<Conflict>),
}

impl Outcome {
    /// Whether the change wrote anything (else whatever it did in the database is undone).
    pub(crate) fn wrote(&self) -> bool {
        matches!(self, Outcome::Created(_) | Outcome::Updated(_))
    }
}

fn record_from_row(r: &AnyRow) -> Result<Record, AppError> {
    let kind: String = r.try_get("kind")?;
    let body: Option<String> = r.try_get("body")?;
    Ok(Record {
        id: id_column(r, "id")?,
        kind: RecordKind::parse(&kind).ok_or_else(|| AppError::internal(format!("unknown record kind {kind}")))?,
        body: body.map(|b| serde_json::from_str(&b)).transpose().map_err(AppError::internal)?,
        revision: r.try_get("revision")?,
        deleted: r.try_get::<i64, _>("deleted")? != 0,
        updated_at: r.try_get("updated_at")?,
        updated_by: id_column(r, "updated_by")?,
    })
}

const COLUMNS: &str = "id, kind, body, revision, deleted, updated_at, updated_by";

/// The most body bytes one page of changes carries (at least one change always goes out): a page
/// of 5,000 records of 60 KiB would be 300 MiB of memory per request.
pub const PAGE_BYTE_BUDGET: usize = 4 * 1024 * 1024;

pub async fn changes_since(db: &Db, organization_id: &OrganizationId, since: i64, limit: i64) -> Result<RecordChanges, AppError> {
    use futures_util::TryStreamExt;
    let sql = format!("SELECT {COLUMNS} FROM records WHERE organization_id = $1 AND revision > $2 ORDER BY revision LIMIT $3");
    let mut rows = sqlx::query(&sql).bind(organization_id.as_str()).bind(since).bind(limit + 1).fetch(&db.pool);
    let (mut changes, mut bytes, mut has_more) = (Vec::new(), 0usize, false);
    while let Some(row) = rows.try_next().await? {
        let body_len = row.try_get::<Option<String>, _>("body")?.map_or(0, |b| b.len());
        if changes.len() as i64 == limit || (!changes.is_empty() && bytes + body_len > PAGE_BYTE_BUDGET) {
            has_more = true;
            break;
        }
        bytes += body_len;
        changes.push(record_from_row(&row)?);
    }
    drop(rows);
    let latest_revision: i64 = sqlx::query("SELECT revision FROM organizations WHERE id = $1")
        .bind(organization_id.as_str())
        .fetch_one(&db.pool)
        .await?
        .try_get(0)?;
    Ok(RecordChanges { changes, latest_revision, has_more })
}

pub async fn get(db: &Db, organization_id: &OrganizationId, id: &RecordId) -> Result<Option<Record>, AppError> {
    sqlx::query(&format!("SELECT {COLUMNS} FROM records WHERE organization_id = $1 AND id = $2"))
        .bind(organization_id.as_str())
        .bind(id.as_str())
        .fetch_optional(&db.pool)
        .await?
        .as_ref()
        .map(record_from_row)
        .transpose()
}

/// The record as a write finds it, with the revision of its last change by a person: changes the
/// store made since (a connection test kept on it) do not make that person's `If-Match` stale.
pub(crate) struct Current {
    pub record: Record,
    pub content_revision: i64,
}

pub(crate) async fn current_for_write(
    tx: &mut sqlx::AnyConnection,
    organization: &OrganizationId,
    id: &RecordId,
) -> Result<Option<Current>, AppError> {
    let row = sqlx::query(&format!("SELECT {COLUMNS}, content_revision FROM records WHERE organization_id = $1 AND id = $2"))
        .bind(organization.as_str())
        .bind(id.as_str())
        .fetch_optional(&mut *tx)
        .await?;
    row.map(|r| {
        let record = record_from_row(&r)?;
        let content_revision = r.try_get::<Option<i64>, _>("content_revision")?.unwrap_or(record.revision);
        Ok(Current { record, content_revision })
    })
    .transpose()
}

/// Takes the organization's next revision: this transaction becomes its writer at once, so
/// concurrent changes to one organization queue up instead of interleaving. Also answers the
/// organization's live records and stored bytes (for its quota).
pub(crate) async fn next_revision(
    tx: &mut sqlx::AnyConnection,
    organization: &OrganizationId,
) -> Result<(i64, i64, i64), AppError> {
    let row = sqlx::query(
        "UPDATE organizations SET revision = revision + 1 WHERE id = $1 RETURNING revision, live_records, stored_bytes",
    )
    .bind(organization.as_str())
    .fetch_one(&mut *tx)
    .await?;
    Ok((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?))
}

/// Writes the record's row (new or replacing), its body as `body_text` (the body's JSON text).
/// `content_revision` is the revision of its last change by a person.
pub(crate) async fn put_row(
    tx: &mut sqlx::AnyConnection,
    organization: &OrganizationId,
    record: &Record,
    body_text: Option<String>,
    content_revision: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO records (organization_id, id, kind, body, revision, deleted, updated_at, updated_by, content_revision)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (organization_id, id) DO UPDATE SET
            kind = excluded.kind, body = excluded.body, revision = excluded.revision, deleted = excluded.deleted,
            updated_at = excluded.updated_at, updated_by = excluded.updated_by, content_revision = excluded.content_revision",
    )
    .bind(organization.as_str())
    .bind(record.id.as_str())
    .bind(record.kind.as_str())
    .bind(body_text)
    .bind(record.revision)
    .bind(i64::from(record.deleted))
    .bind(record.updated_at)
    .bind(record.updated_by.as_str())
    .bind(content_revision)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Adds to the organization's count of live records and stored bytes.
pub(crate) async fn add_to_totals(
    tx: &mut sqlx::AnyConnection,
    organization: &OrganizationId,
    records: i64,
    bytes: i64,
) -> Result<(), AppError> {
    if records != 0 || bytes != 0 {
        sqlx::query("UPDATE organizations SET live_records = live_records + $2, stored_bytes = stored_bytes + $3 WHERE id = $1")
            .bind(organization.as_str())
            .bind(records)
            .bind(bytes)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

/// `body` with the account's last test as `current` holds it (see [`Change`]): a new body never
/// sets a result the store did not make. Borrowed when they already agree (the usual case).
fn with_stored_test<'a>(body: &'a serde_json::Value, current: Option<&Record>) -> std::borrow::Cow<'a, serde_json::Value> {
    let stored = current.filter(|c| !c.deleted).and_then(|c| c.body.as_ref()).and_then(|b| b.get("last_test"));
    if body.get("last_test") == stored {
        return std::borrow::Cow::Borrowed(body);
    }
    let mut merged = body.clone();
    if let Some(fields) = merged.as_object_mut() {
        match stored {
            Some(t) => fields.insert("last_test".into(), t.clone()),
            None => fields.remove("last_test"),
        };
    }
    std::borrow::Cow::Owned(merged)
}

fn conflict(message: &str, current: Record) -> Outcome {
    Outcome::Conflict(Box::new(Conflict {
        error: xops_model::api::ErrorDetail { code: ErrorCode::Conflict, message: message.to_string(), field: None },
        current,
    }))
}

pub fn not_found(id: &RecordId) -> AppError {
    AppError::not_found(format!("There is no record {id} in your organization."))
}

/// One change, in the caller's transaction (which the caller commits only if it wrote).
pub(crate) async fn write_in(
    tx: &mut sqlx::AnyConnection,
    actor: &Actor,
    id: &RecordId,
    change: &Change,
    precondition: Precondition,
    quota: Quota,
) -> Result<Outcome, AppError> {
    let user = &actor.user;
    let (requested_kind, sent, keys, after, sealed_test) = match change {
        Change::Put { kind, body, unique_keys, checked: CheckedBody::Integration(i), sealed_test } => {
            (Some(*kind), Some(body), unique_keys.as_slice(), Some(i.as_ref()), *sealed_test)
        }
        Change::Delete => (None, None, &[][..], None, false),
    };
    let (revision, live_records, stored_bytes) = next_revision(tx, &user.organization_id).await?;
    let found = current_for_write(tx, &user.organization_id, id).await?;
    let content_revision = found.as_ref().map(|c| c.content_revision);
    let current = found.map(|c| c.record);
    let body = sent.map(|b| if sealed_test { std::borrow::Cow::Borrowed(b) } else { with_stored_test(b, current.as_ref()) });
    let body = body.as_deref();

    // A delete keeps the record's kind; there is nothing to delete when there is no record.
    let kind = match (requested_kind, &current) {
        (Some(kind), _) => kind,
        (None, Some(c)) => c.kind,
        (None, None) => return Err(not_found(id)),
    };
    if let Some(outcome) = answered_already(current.as_ref(), content_revision, kind, body, &user.user_id, precondition, id)? {
        return Ok(outcome);
    }
    // Its entry in the activity log, in this transaction: written before the checks below, so a
    // change they refuse takes its entry with it.
    let live = current.as_ref().filter(|c| !c.deleted);
    // Read from the body in place (a `&Value` is a deserializer): no copy of it per write.
    let before = live.and_then(|c| c.body.as_ref()).and_then(|b| <Integration as serde::Deserialize>::deserialize(b).ok());
    let (what, detail) = ActivityKind::of_account_change(before.as_ref(), after);
    let name = after.or(before.as_ref()).map(|i| i.name.as_str());
    activity::record(tx, actor, activity::Entry { kind: what, account: Some(id), account_name: name, detail }).await?;
    check_unique_keys(tx, &user.organization_id, id, keys).await?;
    let body_text = body.map(serde_json::to_string).transpose().map_err(AppError::internal)?;
    let totals = Totals { live_records, stored_bytes };
    charge(tx, &user.organization_id, totals.after(live, body_text.as_deref(), quota)?).await?;
    replace_keys(tx, &user.organization_id, id, keys).await?;
    let record = Record {
        id: id.clone(),
        kind,
        body: body.cloned(),
        revision,
        deleted: body.is_none(),
        updated_at: now_millis(),
        updated_by: user.user_id.clone(),
    };
    put_row(tx, &user.organization_id, &record, body_text, revision).await?;
    crate::tickets::forget_unusable(tx, &user.organization_id, id, after).await?;
    Ok(if current.is_none() { Outcome::Created(record) } else { Outcome::Updated(record) })
}

/// The answer to a change the record as it is already decides: a retry of a change that went
/// through, or a conflict. `None`: the change is to be made.
fn answered_already(
    current: Option<&Record>,
    content_revision: Option<i64>,
    kind: RecordKind,
    body: Option<&serde_json::Value>,
    user: &UserId,
    precondition: Precondition,
    id: &RecordId,
) -> Result<Option<Outcome>, AppError> {
    // A retry of a change that already went through finds the record as that change left it.
    // (Deleting what is already deleted is done, whoever deleted it.)
    let same_as_requested = |c: &Record| match body {
        None => c.deleted,
        Some(_) => c.kind == kind && !c.deleted && c.body.as_ref() == body && &c.updated_by == user,
    };
    // The person saw the record as it is, but for what the store wrote since (a test's result).
    let seen = |c: &Record, rev: i64| rev == c.revision || (content_revision.is_some_and(|cr| cr <= rev) && rev < c.revision);
    Ok(match (current, precondition) {
        (None, Precondition::Revision(_)) => return Err(not_found(id)),
        (None, Precondition::Create) => None,
        (Some(c), _) if same_as_requested(c) => Some(Outcome::AlreadyApplied(c.clone())),
        (Some(c), Precondition::Create) => Some(conflict("A record with this id already exists.", c.clone())),
        (Some(c), Precondition::Revision(_)) if c.deleted => {
            Some(conflict("This record was deleted, so the change cannot be applied.", c.clone()))
        }
        (Some(c), Precondition::Revision(rev)) if !seen(c, rev) => {
            Some(conflict("This record was changed since you loaded it.", c.clone()))
        }
        (Some(c), Precondition::Revision(_)) if c.kind != kind => Some(conflict("A record cannot change its kind.", c.clone())),
        (Some(_), Precondition::Revision(_)) => None,
    })
}

/// Some values are unique within the organization (account names, AWS account IDs). The revision
/// taken before already serialises this organization's writers, so the look-up cannot race; the
/// primary key of record_keys is the backstop.
async fn check_unique_keys(
    tx: &mut sqlx::AnyConnection,
    organization: &OrganizationId,
    id: &RecordId,
    keys: &[UniqueKey],
) -> Result<(), AppError> {
    for k in keys {
        if key_owner(tx, organization, &k.key).await?.is_some_and(|owner| &owner != id) {
            return Err(AppError::of(ErrorCode::Validation, k.message.clone()).field(format!("body.{}", k.field)));
        }
    }
    Ok(())
}

/// The record's unique values, as this change leaves them.
async fn replace_keys(
    tx: &mut sqlx::AnyConnection,
    organization: &OrganizationId,
    id: &RecordId,
    keys: &[UniqueKey],
) -> Result<(), AppError> {
    sqlx::query("DELETE FROM record_keys WHERE organization_id = $1 AND id = $2")
        .bind(organization.as_str())
        .bind(id.as_str())
        .execute(&mut *tx)
        .await?;
    for k in keys {
        record_key(tx, organization, &k.key, id).await?;
    }
    Ok(())
}

/// The organization's totals before a change.
struct Totals {
    live_records: i64,
    stored_bytes: i64,
}

/// What a change adds to the organization's totals (negative: takes away).
struct Charge {
    records: i64,
    bytes: i64,
}

impl Totals {
    /// What a change from `live` (the record now, if live) to `body_text` (none: deleted) adds,
    /// refused when it takes the organization over its quota.
    fn after(&self, live: Option<&Record>, body_text: Option<&str>, quota: Quota) -> Result<Charge, AppError> {
        let bytes_before = live.and_then(|c| c.body.as_ref()).map_or(0, body_bytes);
        let bytes_after = body_text.map_or(0, |t| t.len() as i64);
        let charge =
            Charge { records: i64::from(body_text.is_some()) - i64::from(live.is_some()), bytes: bytes_after - bytes_before };
        if charge.records > 0 && self.live_records + charge.records > quota.max_records {
            return Err(quota_exceeded(format!(
                "Your organization has reached its limit of {} linked accounts and records. Remove ones you no longer need, or ask Xops support to raise the limit.",
                quota.max_records
            )));
        }
        if charge.bytes > 0 && self.stored_bytes + charge.bytes > quota.max_bytes {
            return Err(quota_exceeded(format!(
                "Your organization has reached its storage limit of {} MiB. Remove accounts you no longer need, or ask Xops support to raise the limit.",
                quota.max_bytes / (1024 * 1024)
            )));
        }
        Ok(charge)
    }
}

async fn charge(tx: &mut sqlx::AnyConnection, organization: &OrganizationId, charge: Charge) -> Result<(), AppError> {
    add_to_totals(tx, organization, charge.records, charge.bytes).await
}

/// A body's size as stored (its compact JSON text).
pub(crate) fn body_bytes(body: &serde_json::Value) -> i64 {
    serde_json::to_string(body).map_or(0, |t| t.len() as i64)
}

pub fn precondition_required() -> AppError {
    AppError::of(
        ErrorCode::PreconditionRequired,
        "Say which version you are changing: send If-None-Match: * to create, or If-Match: \"REVISION\" to change or delete.",
    )
}
