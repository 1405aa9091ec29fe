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
use xops_model::{OrganizationId, RecordId};

const KEYS: &str = "keys";
const DRAFTS: &str = "drafts";

pub fn database_name(organization_id: &OrganizationId) -> String {
    format!("xops-keys-{organization_id}")
}

pub use xops_workflows::KeySlot;

/// The workflows (`crates/workflows`) read keys through this.
impl xops_workflows::Keys for KeyStore {
    type Key = CryptoKey;

    async fn key(&self, slot: &KeySlot) -> Result<Option<CryptoKey>, xops_model::Problem> {
        KeyStore::key(self, slot).await.map_err(|e| xops_model::Problem::new(e.to_string()))
    }
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

    /// The private key kept in `slot`, if this browser holds it.
    pub async fn key(&self, slot: &KeySlot) -> Result<Option<CryptoKey>, IdbError> {
        Ok(self.idb.get(KEYS, &slot.storage_key().into()).await?.and_then(|v| v.dyn_into::<CryptoKey>().ok()))
    }

    /// Whether this browser holds a key in `slot` (a store that cannot be read holds none).
    pub async fn holds(&self, slot: &KeySlot) -> bool {
        matches!(self.key(slot).await, Ok(Some(_)))
    }

    /// Every slot that holds a key.
    pub async fn slots(&self) -> Result<Vec<KeySlot>, IdbError> {
        let all = self.idb.entries(&[KEYS]).await?;
        Ok(all.into_iter().flatten().filter_map(|(slot, _)| KeySlot::parse(&slot.as_string()?)).collect())
    }

    /// The slots of this browser's own keys for `account` ([`KeySlot::Browser`]).
    pub async fn browser_slots(&self, account: &RecordId) -> Result<Vec<KeySlot>, IdbError> {
        let mut slots = self.slots().await?;
        slots.retain(|s| matches!(s, KeySlot::Browser(id, _) if id == account));
        Ok(slots)
    }

    pub async fn put_key(&self, slot: &KeySlot, key: &CryptoKey) -> Result<(), IdbError> {
        let slot = slot.storage_key();
        self.idb.write(&[KEYS], |s| s(KEYS)?.put_with_key(key, &slot.as_str().into()).map(drop)).await
    }

    pub async fn delete_key(&self, slot: &KeySlot) -> Result<(), IdbError> {
        let slot = slot.storage_key();
        self.idb.write(&[KEYS], |s| s(KEYS)?.delete(&slot.as_str().into()).map(drop)).await
    }

    /// Puts the key waiting in `from` under `to` in one transaction, deleting the key it replaces,
    /// `retired` (the same slot as `to`, or another one when the slot is named by thumbprint).
    pub async fn promote_key(&self, from: &KeySlot, to: &KeySlot, retired: &KeySlot) -> Result<(), IdbError> {
        let key = self.key(from).await?.ok_or_else(|| IdbError("the new private key is no longer in this browser".into()))?;
        let (from, to, retired) = (from.storage_key(), to.storage_key(), retired.storage_key());
        self.idb
            .write(&[KEYS], |s| {
                let keys = s(KEYS)?;
                keys.delete(&retired.as_str().into())?;
                keys.put_with_key(&key, &to.as_str().into())?;
                keys.delete(&from.as_str().into()).map(drop)
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
        slot: &KeySlot,
        key: &CryptoKey,
    ) -> Result<(), IdbError> {
        let text = serde_json::to_string(draft).map_err(json_error)?;
        let slot = slot.storage_key();
        self.idb
            .write(&[DRAFTS, KEYS], |s| {
                s(KEYS)?.put_with_key(key, &slot.as_str().into())?;
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
    pub async fn delete_draft(&self, name: &str, slot: Option<&KeySlot>) -> Result<(), IdbError> {
        let slot = slot.map(KeySlot::storage_key);
        self.idb
            .write(&[DRAFTS, KEYS], |s| {
                if let Some(k) = &slot {
                    s(KEYS)?.delete(&k.as_str().into())?;
                }
                s(DRAFTS)?.delete(&name.into()).map(drop)
            })
            .await
    }
}
