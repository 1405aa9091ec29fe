//! What the Browsers section's buttons do: Add this browser (a key pair and certificate made here,
//! recorded as a request), Approve (the request's certificate added to the app registration
//! through Graph's addKey, signed with this browser's key, or as uploaded in the portal), and
//! Remove (a browser's certificate taken off the app registration through removeKey, then off
//! the account; a request declined or withdrawn). No key ever leaves the browser that made it.

use super::app_registration::{AppRegistration, Signer};
use super::connection_test::MicrosoftApp;
use super::held::signing_key;
use super::Account;
use crate::api::Api;
use crate::certificate::{self, new_credential, CertificateError, CredentialOptions};
use crate::components::certificate::now_ms;
use crate::keys::{KeySlot, KeyStore};
use crate::sync::idb::IdbError;
use crate::sync::SyncError;
use leptos::prelude::*;
use std::fmt;
use xops_model::{ApplicationObjectId, CertificateInfo, Sha1Thumbprint};

/// Why adding, approving or removing a browser stopped; `Display` is the sentence the person
/// reads.
#[derive(Debug)]
pub(super) enum BrowserError {
    NotMade(CertificateError),
    Keys(IdbError),
    NoKeyHere,
    /// Microsoft did not add the certificate (its sentence says why).
    NotAdded(String),
    /// Microsoft did not take the certificate off the app registration (its sentence says why).
    NotRemoved(String),
    NotSaved(SyncError),
    Gone,
}

impl fmt::Display for BrowserError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BrowserError::NotMade(e) => write!(f, "This browser's certificate could not be made: {e}"),
            BrowserError::Keys(e) => write!(f, "This browser's key store refused: {e}"),
            BrowserError::NoKeyHere => {
                f.write_str("This browser holds no key for the account, so it cannot approve; approve from one that does.")
            }
            BrowserError::NotAdded(e) => write!(f, "{e} The request stays; nothing changed."),
            BrowserError::NotRemoved(e) => write!(f, "{e} The browser stays listed; nothing changed."),
            BrowserError::NotSaved(e) => write!(f, "The account could not be saved: {e}"),
            BrowserError::Gone => f.write_str("This account is no longer linked."),
        }
    }
}

/// Add this browser: its own key pair and certificate, the key kept here, the certificate
/// recorded as a request (and downloaded, for the manual path).
pub(super) async fn request(account: Account, label: String, made_by: Option<String>) -> Result<CertificateInfo, BrowserError> {
    let (org, id) = (account.org.get_value(), account.id.get_value());
    let integration = account.integration().ok_or(BrowserError::Gone)?;
    let cred = new_credential(integration.name.as_str(), CredentialOptions::default(), js_sys::Date::now())
        .await
        .map_err(BrowserError::NotMade)?;
    let keys = KeyStore::open(&org).await.map_err(BrowserError::Keys)?;
    // Keys this browser holds for the account that sign nothing any more go with the request: its
    // own certificate that has ended, and any the account no longer lists (removed or declined
    // from another browser).
    let slot = |sha1: &Sha1Thumbprint| KeySlot::Browser(id.clone(), sha1.clone());
    let listed: Vec<KeySlot> = (integration.other_certificates_in_force(now_ms()))
        .chain(&integration.browser_requests)
        .map(|c| slot(&c.sha1_thumbprint))
        .collect();
    let retired: Vec<KeySlot> =
        keys.browser_slots(&id).await.map_err(BrowserError::Keys)?.into_iter().filter(|slot| !listed.contains(slot)).collect();
    keys.put_key(&slot(&cred.certificate.sha1_thumbprint), &cred.private_key).await.map_err(BrowserError::Keys)?;
    let mut mine = cred.certificate;
    mine.key_held_by = label;
    mine.created_by = made_by;
    let mut changed = integration.clone();
    changed.browser_requests.push(mine.clone());
    changed.other_certificates.retain(|c| !retired.contains(&slot(&c.sha1_thumbprint)));
    changed.updated_at = js_sys::Date::now() as i64;
    account.save(changed).await.map_err(BrowserError::NotSaved)?;
    for slot in retired {
        forget_key(&keys, &slot).await;
    }
    certificate::download(integration.name.as_str(), &mine.pem).map_err(BrowserError::NotMade)?;
    Ok(mine)
}

/// Puts `request` in use: added to the app registration through Graph with this browser's key
/// (`object_id` given), or, for the manual path (`None`), as the person uploaded it in the portal.
pub(super) async fn approve(
    api: Api,
    account: Account,
    request: Sha1Thumbprint,
    object_id: Option<ApplicationObjectId>,
) -> Result<(), BrowserError> {
    let (org, id) = (account.org.get_value(), account.id.get_value());
    let integration = account.integration().ok_or(BrowserError::Gone)?;
    let Some(mut added) = integration.browser_requests.iter().find(|c| c.sha1_thumbprint == request).cloned() else {
        return Ok(()); // approved meanwhile (by someone else, or by the manual path)
    };
    if let Some(object_id) = &object_id {
        let app = MicrosoftApp::of(&integration.details).ok_or(BrowserError::Gone)?;
        let keys = KeyStore::open(&org).await.map_err(BrowserError::Keys)?;
        let (key, certificate) =
            signing_key(&keys, &id, &integration).await.map_err(BrowserError::Keys)?.ok_or(BrowserError::NoKeyHere)?;
        let platform = crate::platform::platform(&api).await.map_err(|e| BrowserError::NotAdded(e.to_string()))?;
        let registration = AppRegistration { api: &api, platform: &platform, id: &id, app: &app, object_id };
        let key_id = registration
            .add(&Signer { key: &key, certificate: &certificate }, &added.pem)
            .await
            .map_err(BrowserError::NotAdded)?;
        added.key_id = Some(key_id);
    }
    // The record as it is now (the sync may have brought changes while Microsoft answered).
    let mut changed = account.integration().ok_or(BrowserError::Gone)?;
    changed.browser_requests.retain(|c| c.sha1_thumbprint != request);
    changed.other_certificates.push(added);
    if let Some(object_id) = object_id {
        changed.details.set_application_object_id(object_id);
    }
    changed.updated_at = js_sys::Date::now() as i64;
    account.save(changed).await.map_err(BrowserError::NotSaved)
}

/// Deletes a key this browser no longer needs; a failure leaves an unused key behind, which is
/// logged, not shown (the change it follows is made).
async fn forget_key(keys: &KeyStore, slot: &KeySlot) {
    if let Err(e) = keys.delete_key(slot).await {
        leptos::logging::warn!("an unused key could not be deleted from this browser: {e}");
    }
}

/// How a removal ended; `Display` is the sentence the person reads.
pub(super) enum Removed {
    /// Taken off the app registration, then off the account.
    Everywhere { label: String },
    /// Off the account only: Xops does not know the certificate's id on the app registration (it
    /// was uploaded in the portal), so the portal is where it goes.
    ListOnly { label: String, thumbprint: Sha1Thumbprint },
    /// A request, declined, or withdrawn by the browser that made it (`here`).
    Request { label: String, here: bool },
    /// Someone removed it meanwhile.
    AlreadyGone,
}

impl fmt::Display for Removed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Removed::Everywhere { label } => write!(
                f,
                "Removed {label}: its certificate is off the app registration, so its key can no longer sign in."
            ),
            Removed::ListOnly { label, thumbprint } => write!(
                f,
                "Removed {label} from this account. Its certificate was uploaded in the portal, so Xops cannot take it off the app registration: delete the certificate with thumbprint {thumbprint} in the Microsoft Entra admin center (Certificates & secrets). Until then its key can still sign in."
            ),
            Removed::Request { here: true, .. } => f.write_str("This browser's request is withdrawn, and its key deleted."),
            Removed::Request { label, here: false } => write!(f, "The request from {label} is declined."),
            Removed::AlreadyGone => f.write_str("That browser was already removed."),
        }
    }
}

/// Takes the certificate `thumbprint` off the account: a browser in use off the app registration
/// first (`removeKey`, signed with this browser's key; `object_id` given), a request only off the
/// account. This browser's key for it is deleted too when it held it.
pub(super) async fn remove(
    api: Api,
    account: Account,
    thumbprint: Sha1Thumbprint,
    object_id: Option<ApplicationObjectId>,
) -> Result<Removed, BrowserError> {
    let (org, id) = (account.org.get_value(), account.id.get_value());
    let integration = account.integration().ok_or(BrowserError::Gone)?;
    let keys = KeyStore::open(&org).await.map_err(BrowserError::Keys)?;
    let slot = KeySlot::Browser(id.clone(), thumbprint.clone());
    let here = keys.holds(&slot).await;
    let is_it = |c: &&CertificateInfo| c.sha1_thumbprint == thumbprint;
    let outcome = match (integration.other_certificates.iter().find(is_it), integration.browser_requests.iter().find(is_it)) {
        (Some(c), _) => match (&c.key_id, object_id) {
            (Some(key_id), Some(object_id)) => {
                let app = MicrosoftApp::of(&integration.details).ok_or(BrowserError::Gone)?;
                let (key, certificate) =
                    signing_key(&keys, &id, &integration).await.map_err(BrowserError::Keys)?.ok_or(BrowserError::NoKeyHere)?;
                let platform = crate::platform::platform(&api).await.map_err(|e| BrowserError::NotRemoved(e.to_string()))?;
                let registration = AppRegistration { api: &api, platform: &platform, id: &id, app: &app, object_id: &object_id };
                registration
                    .remove(&Signer { key: &key, certificate: &certificate }, key_id)
                    .await
                    .map_err(BrowserError::NotRemoved)?;
                Removed::Everywhere { label: c.key_held_by.clone() }
            }
            (Some(_), None) => return Err(BrowserError::NotRemoved("Enter the app's Object ID first.".into())),
            (None, _) => Removed::ListOnly { label: c.key_held_by.clone(), thumbprint: thumbprint.clone() },
        },
        (None, Some(r)) => Removed::Request { label: r.key_held_by.clone(), here },
        (None, None) => return Ok(Removed::AlreadyGone),
    };
    // The record as it is now (the sync may have brought changes while Microsoft answered).
    let mut changed = account.integration().ok_or(BrowserError::Gone)?;
    changed.other_certificates.retain(|c| c.sha1_thumbprint != thumbprint);
    changed.browser_requests.retain(|c| c.sha1_thumbprint != thumbprint);
    changed.updated_at = js_sys::Date::now() as i64;
    account.save(changed).await.map_err(BrowserError::NotSaved)?;
    if here {
        forget_key(&keys, &slot).await;
    }
    Ok(outcome)
}
