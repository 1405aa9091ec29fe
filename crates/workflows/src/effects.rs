//! What the workflows do outside themselves. Every failure is a `Problem`: a sentence the person
//! can read, with the store's code and field when the store answered.

use crate::KeySlot;
use xops_model::verify::ConnectionTest;
use xops_model::{ApplicationObjectId, CertificateInfo, Integration, KeyId, Problem, RecordId};

/// A new credential: its certificate (with its PEM) and its private key.
pub struct Credential<K> {
    pub certificate: CertificateInfo,
    pub key: K,
}

/// A key this browser holds, and its certificate on the app registration: what signs a change.
pub type Signer<'a, K> = (&'a K, &'a CertificateInfo);

/// This browser's key store: the key in a slot.
#[allow(async_fn_in_trait)] // used with generics only, in one thread
pub trait Keys {
    /// A private key (in the browser, a non-extractable `CryptoKey`).
    type Key;
    /// The key in `slot`, if there is one.
    async fn key(&self, slot: &KeySlot) -> Result<Option<Self::Key>, Problem>;
}

/// The effects of a workflow on one account: this browser's keys, the app registration (through
/// the store), the record (through the sync), and what the page says meanwhile. The app's
/// implementation is over WebCrypto, IndexedDB and its API; the tests' is in memory.
#[allow(async_fn_in_trait)] // used with generics only, in one thread
pub trait Effects: Keys {
    /// The account's id.
    fn id(&self) -> RecordId;
    /// The record as it is now (the sync may change it while Microsoft answers).
    fn integration(&self) -> Option<Integration>;
    /// The time now, in milliseconds since 1970.
    fn now(&self) -> i64;
    /// The page says what a renewal is doing.
    fn step(&self, _step: crate::renewal::Step) {}
    /// A new key pair and certificate for the account named `name`.
    async fn new_credential(&self, name: &str) -> Result<Credential<Self::Key>, Problem>;
    /// The slots of this browser's own keys for the account (`KeySlot::Browser`).
    async fn browser_slots(&self) -> Result<Vec<KeySlot>, Problem>;
    async fn put_key(&self, slot: &KeySlot, key: &Self::Key) -> Result<(), Problem>;
    async fn delete_key(&self, slot: &KeySlot) -> Result<(), Problem>;
    /// Moves the key in `from` to `to`, and deletes the one in `retired`, at once.
    async fn promote_key(&self, from: &KeySlot, to: &KeySlot, retired: &KeySlot) -> Result<(), Problem>;
    /// Adds the certificate `pem` to the app registration `object_id`, signed by `signer`;
    /// Entra's id for it.
    async fn add(&self, object_id: &ApplicationObjectId, signer: Signer<'_, Self::Key>, pem: &str) -> Result<KeyId, Problem>;
    /// Takes the certificate `key_id` off the app registration `object_id`, signed by `signer`.
    async fn remove(&self, object_id: &ApplicationObjectId, signer: Signer<'_, Self::Key>, key_id: &KeyId)
        -> Result<(), Problem>;
    /// Test connection, signed by `signer`.
    async fn test(&self, signer: Signer<'_, Self::Key>) -> Result<ConnectionTest, Problem>;
    /// Saves the record.
    async fn save(&self, integration: Integration) -> Result<(), Problem>;
}

/// The key this browser signs for account `id` with, and its certificate: the main one's, or
/// this browser's own (in force at `now`).
pub async fn signing_key<K: Keys>(
    keys: &K,
    id: &RecordId,
    integration: &Integration,
    now: i64,
) -> Result<Option<(K::Key, CertificateInfo)>, Problem> {
    if let Some(c) = &integration.certificate {
        if let Some(key) = keys.key(&KeySlot::Account(id.clone())).await? {
            return Ok(Some((key, c.clone())));
        }
    }
    for c in integration.other_certificates_in_force(now) {
        if let Some(key) = keys.key(&KeySlot::Browser(id.clone(), c.sha1_thumbprint.clone())).await? {
            return Ok(Some((key, c.clone())));
        }
    }
    Ok(None)
}
