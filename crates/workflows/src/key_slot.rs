//! Where a private key is kept in this browser's key store (the app's `keys.rs`).

use xops_model::{RecordId, Sha1Thumbprint};

/// Where a private key is kept in this browser's key store. Each slot is one IndexedDB key, the
/// account's id first, so every key of an account can be found and deleted with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeySlot {
    /// The key of the account's main certificate: under the account's id.
    Account(RecordId),
    /// A key waiting to replace the account's current one (Replace certificate): `{id}/next`.
    Next(RecordId),
    /// A key made by Renew certificate, until its certificate passes its test: `{id}/renewing`
    /// (apart from Replace certificate's, so a renewal never touches a replacement waiting for
    /// its upload).
    Renewing(RecordId),
    /// This browser's own certificate's key when it is not the account's main one (Add this
    /// browser): `{id}/browser/{SHA-1 thumbprint}`.
    Browser(RecordId, Sha1Thumbprint),
}

impl KeySlot {
    /// The IndexedDB key.
    pub fn storage_key(&self) -> String {
        match self {
            KeySlot::Account(id) => id.to_string(),
            KeySlot::Next(id) => format!("{id}/next"),
            KeySlot::Renewing(id) => format!("{id}/renewing"),
            KeySlot::Browser(id, sha1) => format!("{id}/browser/{}", sha1.as_str()),
        }
    }

    /// The slot an IndexedDB key names; `None` for a key this version does not know.
    pub fn parse(key: &str) -> Option<KeySlot> {
        let (id, rest) = key.split_once('/').map_or((key, None), |(id, rest)| (id, Some(rest)));
        let id = RecordId::parse(id).ok()?;
        match rest {
            None => Some(KeySlot::Account(id)),
            Some("next") => Some(KeySlot::Next(id)),
            Some("renewing") => Some(KeySlot::Renewing(id)),
            Some(rest) => Some(KeySlot::Browser(id, Sha1Thumbprint::parse(rest.strip_prefix("browser/")?).ok()?)),
        }
    }

    /// The account whose key this is.
    pub fn account(&self) -> &RecordId {
        match self {
            KeySlot::Account(id) | KeySlot::Next(id) | KeySlot::Renewing(id) | KeySlot::Browser(id, _) => id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_slot_is_read_back_from_its_storage_key() {
        let id = RecordId::parse("4d000000-0000-4000-8000-000000000001").expect("an id");
        let sha1 = Sha1Thumbprint::parse("0123456789ABCDEF0123456789ABCDEF01234567").expect("a thumbprint");
        for slot in [
            KeySlot::Account(id.clone()),
            KeySlot::Next(id.clone()),
            KeySlot::Renewing(id.clone()),
            KeySlot::Browser(id.clone(), sha1),
        ] {
            assert_eq!(KeySlot::parse(&slot.storage_key()), Some(slot.clone()), "{}", slot.storage_key());
            assert_eq!(slot.account(), &id);
        }
        assert_eq!(KeySlot::parse("not-an-id"), None);
        assert_eq!(KeySlot::parse(&format!("{id}/something-new")), None, "a key of a later version is skipped");
    }
}
