//! What only this browser keeps: the accounts' private keys and the unfinished link forms.
//!
//! One IndexedDB database per organization (`xops-keys-<organization id>`), apart from the
//! synced copy of records: signing out deletes that copy, but a private key is the only one there
//! is, so it stays until its account is disconnected or its certificate replaced. A key is a
//! non-extractable `CryptoKey`, stored as the object itself (IndexedDB keeps it by structured
//! clone); its bytes can never be read, not even by this app. It is never put in a record, a
//! request, a log or local storage.

use crate::sync::idb::{Idb, IdbError};
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CryptoKey, IdbDatabase};
use xops_model::{OrganizationId, RecordId, Sha1Thumbprint};

const KEYS: &str = "keys";
const DRAFTS: &str = "drafts";

pub fn database_name(organization_id: &OrganizationId) -> String {
    format!("xops-keys-{organization_id}")
}

/// The slot of this browser's own certificate's key when it is not the account's main one (Add
/// this browser): by the certificate's thumbprint.
pub fn browser_key_id(integration_id: &RecordId, sha1: &Sha1Thumbprint) -> String {
    format!("{integration_id}/browser/{sha1}")
}

/// Where every [`browser_key_id`] of an account starts.
pub fn browser_keys_prefix(integration_id: &RecordId) -> String {
    format!("{integration_id}/browser/")
}

/// The slot of a key made by Renew certificate, until its certificate passes its test. (Apart from
/// Replace certificate's, so a renewal never touches a replacement waiting for its upload.)
pub fn renewal_key_id(integration_id: &RecordId) -> String {
    format!("{integration_id}/renewing")
}

/// The slot of a key that is waiting to replace the account's current one.
pub fn next_key_id(integration_id: &RecordId) -> String {
    format!("{integration_id}/next")
}

pub struct KeyStore {
    idb: Idb,
}

impl Drop for KeyStore {
    fn drop(&mut self) {
        self.idb.close();
    }
}

fn upgrade(db: &IdbDatabase) -> Result<(), JsValue> {
    // Version 1 is the only version so far: the upgrade runs once, on a new database.
    db.create_object_store(KEYS)?;
    db.create_object_store(DRAFTS)?;
    Ok(())
}

fn json_error(e: serde_json::Error) -> IdbError {
    IdbError(format!("a saved form could not be read: {e}"))
}

impl KeyStore {
    pub async fn open(organization_id: &OrganizationId) -> Result<KeyStore, IdbError> {
        Ok(KeyStore { idb: Idb::open(&database_name(organization_id), 1, upgrade).await? })
    }

    /// The private key kept under `id` (an integration's id), if this browser holds it.
    pub async fn key(&self, id: &str) -> Result<Option<CryptoKey>, IdbError> {
        Ok(self.idb.get(KEYS, &id.into()).await?.and_then(|v| v.dyn_into::<CryptoKey>().ok()))
    }

    /// The slots of the keys kept under `prefix`, such as [`browser_keys_prefix`].
    pub async fn slots_under(&self, prefix: &str) -> Result<Vec<String>, IdbError> {
        let all = self.idb.entries(&[KEYS]).await?;
        let slots = all.into_iter().flatten().filter_map(|(slot, _)| slot.as_string());
        Ok(slots.filter(|s| s.starts_with(prefix)).collect())
    }

    pub async fn put_key(&self, id: &str, key: &CryptoKey) -> Result<(), IdbError> {
        self.idb.write(&[KEYS], |s| s(KEYS)?.put_with_key(key, &id.into()).map(drop)).await
    }

    pub async fn delete_key(&self, id: &str) -> Result<(), IdbError> {
        self.idb.write(&[KEYS], |s| s(KEYS)?.delete(&id.into()).map(drop)).await
    }

    /// Puts the key waiting in `from` under `to` in one transaction, deleting the key it replaces,
    /// `retired` (the same slot as `to`, or another one when the slot is named by thumbprint).
    pub async fn promote_key(&self, from: &str, to: &str, retired: &str) -> Result<(), IdbError> {
        let key = self.key(from).await?.ok_or_else(|| IdbError("the new private key is no longer in this browser".into()))?;
        self.idb
            .write(&[KEYS], |s| {
                let keys = s(KEYS)?;
                keys.delete(&retired.into())?;
                keys.put_with_key(&key, &to.into())?;
                keys.delete(&from.into()).map(drop)
            })
            .await
    }

    pub async fn draft<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, IdbError> {
        match self.idb.get(DRAFTS, &name.into()).await?.and_then(|v| v.as_string()) {
            Some(text) => serde_json::from_str(&text).map(Some).map_err(json_error),
            None => Ok(None),
        }
    }

    pub async fn put_draft<T: Serialize>(&self, name: &str, draft: &T) -> Result<(), IdbError> {
        let text = serde_json::to_string(draft).map_err(json_error)?;
        self.idb.write(&[DRAFTS], |s| s(DRAFTS)?.put_with_key(&text.into(), &name.into()).map(drop)).await
    }

    /// Saves a draft together with the key it refers to: both are kept, or neither.
    pub async fn put_draft_and_key<T: Serialize>(
        &self,
        name: &str,
        draft: &T,
        key_id: &str,
        key: &CryptoKey,
    ) -> Result<(), IdbError> {
        let text = serde_json::to_string(draft).map_err(json_error)?;
        self.idb
            .write(&[DRAFTS, KEYS], |s| {
                s(KEYS)?.put_with_key(key, &key_id.into())?;
                s(DRAFTS)?.put_with_key(&text.into(), &name.into()).map(drop)
            })
            .await
    }

    /// Runs `work` on the organization's store while no other change to the draft `name` is under
    /// way, in this tab or another (a Web Lock, granted in the order asked). So draft writes land
    /// in the order they were made: a save from a keystroke can never land after Connect or Start
    /// over removed the draft, nor an older keystroke's after a newer one's.
    pub async fn with_draft<T>(
        organization_id: &OrganizationId,
        name: &str,
        work: impl AsyncFnOnce(&KeyStore) -> Result<T, IdbError>,
    ) -> Result<T, IdbError> {
        let lock = format!("{}/draft/{name}", database_name(organization_id));
        crate::sync::lock::exclusive(&lock, async {
            let keys = KeyStore::open(organization_id).await?;
            work(&keys).await
        })
        .await
    }

    /// Removes a draft and, if given, the key it held, together.
    pub async fn delete_draft(&self, name: &str, key_id: Option<&str>) -> Result<(), IdbError> {
        self.idb
            .write(&[DRAFTS, KEYS], |s| {
                if let Some(k) = key_id {
                    s(KEYS)?.delete(&k.into())?;
                }
                s(DRAFTS)?.delete(&name.into()).map(drop)
            })
            .await
    }
}
