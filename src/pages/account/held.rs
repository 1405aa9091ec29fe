//! Which of an account's keys this browser holds: the main certificate's (in the account's slot),
//! its own certificate's among other browsers' (by thumbprint), or a request's still waiting.

use crate::components::certificate::now_ms;
use crate::keys::{KeySlot, KeyStore};
use crate::sync::idb::IdbError;
use leptos::prelude::*;
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
        let browser = |c: &CertificateInfo| KeySlot::Browser(id.clone(), c.sha1_thumbprint.clone());
        if integration.certificate.is_some() && keys.holds(&KeySlot::Account(id.clone())).await {
            return Held::Main;
        }
        // This browser's own certificate once it has ended counts as none: the key signs nothing
        // Microsoft takes, so the page offers Add this browser again (which retires it).
        for c in integration.other_certificates_in_force(now_ms()) {
            if keys.holds(&browser(c)).await {
                return Held::Other(c.sha1_thumbprint.clone());
            }
        }
        for c in &integration.browser_requests {
            if keys.holds(&browser(c)).await {
                return Held::Requested(c.sha1_thumbprint.clone());
            }
        }
        Held::Nothing
    }
}

/// The key this browser signs for the account with, and its certificate: the main one's, or
/// this browser's own (in use). The rule is the workflows' (`xops_workflows::signing_key`).
pub async fn signing_key(
    keys: &KeyStore,
    id: &RecordId,
    integration: &Integration,
) -> Result<Option<(CryptoKey, CertificateInfo)>, IdbError> {
    xops_workflows::signing_key(keys, id, integration, now_ms()).await.map_err(|p| IdbError(p.message))
}

/// Why this browser cannot sign for an account whose key is held by `held_by`, in two short
/// sentences: where the key is, and what to do. (A key made under this browser's own name means
/// its site data was cleared: a browser name tells browsers apart, not one browser from itself.)
pub fn why_no_key(held_by: &str) -> String {
    if held_by == crate::certificate::this_browser_name() {
        format!("Its key was made under this browser's name (“{held_by}”), so this browser's site data was probably cleared, which deletes its keys. Add this browser again (see Browsers), or replace the certificate.")
    } else {
        format!("Its key is held by “{held_by}”. Use the account from there, or add this browser (see Browsers).")
    }
}

/// The one-key-per-browser model, for whoever wants more than the two sentences beside it.
#[component]
pub fn OneKeyPerBrowser() -> impl IntoView {
    view! {
        <details class="learn-more">
            <summary>"Learn more: one key per browser"</summary>
            <p>"Xops never copies a private key. Each key is made in one browser, cannot be read out of it, and signs there only, so neither a copy of Xops's data nor someone who reads this page can sign in to your tenant."</p>
            <p>"A browser that should use this account gets a key and certificate of its own: open this page in it and choose Add this browser, then approve it from a browser that holds a key. Clearing a browser's site data deletes its keys; Remove takes a lost browser's certificate off the app registration."</p>
        </details>
    }
}
