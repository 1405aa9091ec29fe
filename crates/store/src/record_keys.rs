//! The values that must be unique within an organization (account names per provider, AWS
//! account IDs), one row each in `record_keys`: looked up and recorded by a record's change
//! (`records`), and filled for records written before uniqueness was enforced (a migration).
//! Its own module, so the migrations need not import the record store.

use crate::ids::id_column;
use sqlx::Row;
use xops_model::{OrganizationId, RecordId, RecordKind};

/// What [`fill_record_keys`] did.
#[derive(Debug, Default)]
pub struct Filled {
    /// Live records read.
    pub records: usize,
    /// Unique values recorded.
    pub keys: usize,
    /// What could not be recorded, one sentence each: a value two records already shared before
    /// uniqueness was enforced (the first record keeps it; the other keeps working, and its next
    /// change must pick another value), or a record whose body no longer reads.
    pub clashes: Vec<String>,
}

/// Records the unique values (see [`crate::records::Change::Put`]) of every live record that has none recorded:
/// those written before the store enforced uniqueness. Safe to run again.
pub async fn fill_record_keys(conn: &mut sqlx::AnyConnection) -> Result<Filled, sqlx::Error> {
    let rows =
        sqlx::query("SELECT organization_id, id, kind, body FROM records WHERE deleted = 0 ORDER BY organization_id, revision")
            .fetch_all(&mut *conn)
            .await?;
    let mut filled = Filled::default();
    for row in rows {
        let (organization_id, id, kind, body): (String, String, String, Option<String>) =
            (row.try_get("organization_id")?, row.try_get("id")?, row.try_get("kind")?, row.try_get("body")?);
        filled.records += 1;
        let checked = RecordKind::parse(&kind)
            .zip(body.and_then(|b| serde_json::from_str::<serde_json::Value>(&b).ok()))
            .and_then(|(kind, body)| kind.check_body(&body).ok());
        let ids = OrganizationId::parse(&organization_id).ok().zip(RecordId::parse(&id).ok());
        let (Some(checked), Some((organization_id, id))) = (checked, ids) else {
            filled.clashes.push(format!(
                "record {id} of organization {organization_id} could not be read; its values are not unique-checked"
            ));
            continue;
        };
        for k in checked.unique_keys() {
            match key_owner(conn, &organization_id, &k.key).await? {
                Some(owner) if owner == id => {}
                Some(owner) => filled.clashes.push(format!(
                    "records {owner} and {id} of organization {organization_id} share a value that must be unique ({})",
                    k.message
                )),
                None => {
                    record_key(conn, &organization_id, &k.key, &id).await?;
                    filled.keys += 1;
                }
            }
        }
    }
    Ok(filled)
}

/// The record that holds a unique value in the organization, if any.
pub(crate) async fn key_owner(
    conn: &mut sqlx::AnyConnection,
    organization_id: &OrganizationId,
    key: &str,
) -> Result<Option<RecordId>, sqlx::Error> {
    sqlx::query("SELECT id FROM record_keys WHERE organization_id = $1 AND key = $2")
        .bind(organization_id.as_str())
        .bind(key)
        .fetch_optional(&mut *conn)
        .await?
        .map(|r| id_column(&r, "id"))
        .transpose()
}

pub(crate) async fn record_key(
    conn: &mut sqlx::AnyConnection,
    organization_id: &OrganizationId,
    key: &str,
    id: &RecordId,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO record_keys (organization_id, key, id) VALUES ($1, $2, $3)")
        .bind(organization_id.as_str())
        .bind(key)
        .bind(id.as_str())
        .execute(&mut *conn)
        .await
        .map(drop)
}
