//! Which of an account's keys this browser holds: the main certificate's (in the account's slot),
//! its own certificate's among other browsers' (by thumbprint), or a request's still waiting.

use crate::components::certificate::now_ms;
use crate::keys::{browser_key_id, KeyStore};
use crate::sync::idb::IdbError;
use web_sys::CryptoKey;
use xops_model::{CertificateInfo, Integration, RecordId, Sha1Thumbprint};

/// Which of the account's keys this browser holds.
#[derive(Clone, Debug, PartialEq)]
pub enum Held {
    /// The key of the account's certificate (linking, renewing or replacing made it here).
    Main,
    /// The key of this browser's own certificate, in use (`other_certificates`).
    Other(Sha1Thumbprint),
    /// The key of this browser's request, waiting for approval.
    Requested(Sha1Thumbprint),
    Nothing,
}

impl Held {
    /// Whether this browser can sign for the account (a test, an approval).
    pub fn can_sign(&self) -> bool {
        matches!(self, Held::Main | Held::Other(_))
    }

    /// Looks for each of the account's keys in this browser.
    pub async fn look(keys: &KeyStore, id: &RecordId, integration: &Integration) -> Held {
        let here = |slot: String| async move { matches!(keys.key(&slot).await, Ok(Some(_))) };
        if integration.certificate.is_some() && here(id.to_string()).await {
            return Held::Main;
        }
        // This browser's own certificate once it has ended counts as none: the key signs nothing
        // Microsoft takes, so the page offers Add this browser again (which retires it).
        for c in integration.other_certificates_in_force(now_ms()) {
            if here(browser_key_id(id, &c.sha1_thumbprint)).await {
                return Held::Other(c.sha1_thumbprint.clone());
            }
        }
        for c in &integration.browser_requests {
            if here(browser_key_id(id, &c.sha1_thumbprint)).await {
                return Held::Requested(c.sha1_thumbprint.clone());
            }
        }
        Held::Nothing
    }
}

/// The key this browser signs for the account with, and its certificate: the main one's, or
/// this browser's own (in use).
pub async fn signing_key(
    keys: &KeyStore,
    id: &RecordId,
    integration: &Integration,
) -> Result<Option<(CryptoKey, CertificateInfo)>, IdbError> {
    if let Some(c) = &integration.certificate {
        if let Some(key) = keys.key(id.as_str()).await? {
            return Ok(Some((key, c.clone())));
        }
    }
    for c in integration.other_certificates_in_force(now_ms()) {
        if let Some(key) = keys.key(&browser_key_id(id, &c.sha1_thumbprint)).await? {
            return Ok(Some((key, c.clone())));
        }
    }
    Ok(None)
}
