//! Other browsers on one account: Add this browser (a key pair and certificate made here,
//! recorded as a request), Approve (the request's certificate added to the app registration
//! through Graph's addKey, signed with this browser's key, or as uploaded in the portal), and
//! Remove (a browser's certificate taken off the app registration through removeKey, then off
//! the account; a request declined or withdrawn). No key ever leaves the browser that made it.

use crate::{signing_key, Effects, KeySlot};
use xops_model::{ApplicationObjectId, CertificateInfo, Problem, Sha1Thumbprint};

/// Why adding, approving or removing a browser stopped; `Display` is the sentence the person
/// reads.
#[derive(Debug, PartialEq)]
pub enum BrowserError {
    NotMade(Problem),
    Keys(Problem),
    NoKeyHere,
    /// Microsoft did not add the certificate (its sentence says why).
    NotAdded(Problem),
    /// Microsoft did not take the certificate off the app registration (its sentence says why).
    NotRemoved(Problem),
    NotSaved(Problem),
    Gone,
}

/// The sentence, with the code and field the store gave the step that failed.
impl From<BrowserError> for Problem {
    fn from(e: BrowserError) -> Problem {
        let sentence = e.to_string();
        match e {
            BrowserError::NotMade(why)
            | BrowserError::Keys(why)
            | BrowserError::NotAdded(why)
            | BrowserError::NotRemoved(why)
            | BrowserError::NotSaved(why) => Problem { message: sentence, ..why },
            BrowserError::NoKeyHere | BrowserError::Gone => Problem::new(sentence),
        }
    }
}

impl std::fmt::Display for BrowserError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
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
/// recorded as a request, under `label` and by `made_by`. The certificate is returned (the page
/// downloads it, for the manual path).
pub async fn request<E: Effects>(with: &E, label: String, made_by: Option<String>) -> Result<CertificateInfo, BrowserError> {
    let id = with.id();
    let integration = with.integration().ok_or(BrowserError::Gone)?;
    let cred = with.new_credential(integration.name.as_str()).await.map_err(BrowserError::NotMade)?;
    // Keys this browser holds for the account that sign nothing any more go with the request: its
    // own certificate that has ended, and any the account no longer lists (removed or declined
    // from another browser).
    let slot = |sha1: &Sha1Thumbprint| KeySlot::Browser(id.clone(), sha1.clone());
    let listed: Vec<KeySlot> = (integration.other_certificates_in_force(with.now()))
        .chain(&integration.browser_requests)
        .map(|c| slot(&c.sha1_thumbprint))
        .collect();
    let retired: Vec<KeySlot> =
        with.browser_slots().await.map_err(BrowserError::Keys)?.into_iter().filter(|slot| !listed.contains(slot)).collect();
    with.put_key(&slot(&cred.certificate.sha1_thumbprint), &cred.key).await.map_err(BrowserError::Keys)?;
    let mut mine = cred.certificate;
    mine.key_held_by = label;
    mine.created_by = made_by;
    let mut changed = integration;
    changed.browser_requests.push(mine.clone());
    changed.other_certificates.retain(|c| !retired.contains(&slot(&c.sha1_thumbprint)));
    changed.updated_at = with.now();
    with.save(changed).await.map_err(BrowserError::NotSaved)?;
    for slot in retired {
        // A key left behind signs nothing; the implementation logs it.
        let _ = with.delete_key(&slot).await;
    }
    Ok(mine)
}

/// Puts `request` in use: added to the app registration through Graph with this browser's key
/// (`object_id` given), or, for the manual path (`None`), as the person uploaded it in the portal.
pub async fn approve<E: Effects>(
    with: &E,
    request: &Sha1Thumbprint,
    object_id: Option<ApplicationObjectId>,
) -> Result<(), BrowserError> {
    let integration = with.integration().ok_or(BrowserError::Gone)?;
    let Some(mut added) = integration.browser_requests.iter().find(|c| c.sha1_thumbprint == *request).cloned() else {
        return Ok(()); // approved meanwhile (by someone else, or by the manual path)
    };
    if let Some(object_id) = &object_id {
        let (key, certificate) = signing_key(with, &with.id(), &integration, with.now())
            .await
            .map_err(BrowserError::Keys)?
            .ok_or(BrowserError::NoKeyHere)?;
        let key_id = with.add(object_id, (&key, &certificate), &added.pem).await.map_err(BrowserError::NotAdded)?;
        added.key_id = Some(key_id);
    }
    // The record as it is now (the sync may have brought changes while Microsoft answered).
    let mut changed = with.integration().ok_or(BrowserError::Gone)?;
    changed.browser_requests.retain(|c| c.sha1_thumbprint != *request);
    changed.other_certificates.push(added);
    if let Some(object_id) = object_id {
        changed.details.set_application_object_id(object_id);
    }
    changed.updated_at = with.now();
    with.save(changed).await.map_err(BrowserError::NotSaved)
}

/// How a removal ended; `Display` is the sentence the person reads.
#[derive(Debug, PartialEq)]
pub enum Removed {
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

impl std::fmt::Display for Removed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
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
pub async fn remove<E: Effects>(
    with: &E,
    thumbprint: &Sha1Thumbprint,
    object_id: Option<ApplicationObjectId>,
) -> Result<Removed, BrowserError> {
    let integration = with.integration().ok_or(BrowserError::Gone)?;
    let slot = KeySlot::Browser(with.id(), thumbprint.clone());
    let here = with.key(&slot).await.is_ok_and(|key| key.is_some());
    let is_it = |c: &&CertificateInfo| c.sha1_thumbprint == *thumbprint;
    let outcome = match (integration.other_certificates.iter().find(is_it), integration.browser_requests.iter().find(is_it)) {
        (Some(c), _) => match (&c.key_id, object_id) {
            (Some(key_id), Some(object_id)) => {
                let (key, certificate) = signing_key(with, &with.id(), &integration, with.now())
                    .await
                    .map_err(BrowserError::Keys)?
                    .ok_or(BrowserError::NoKeyHere)?;
                with.remove(&object_id, (&key, &certificate), key_id).await.map_err(BrowserError::NotRemoved)?;
                Removed::Everywhere { label: c.key_held_by.clone() }
            }
            (Some(_), None) => return Err(BrowserError::NotRemoved(Problem::new("Enter the app's Object ID first."))),
            (None, _) => Removed::ListOnly { label: c.key_held_by.clone(), thumbprint: thumbprint.clone() },
        },
        (None, Some(r)) => Removed::Request { label: r.key_held_by.clone(), here },
        (None, None) => return Ok(Removed::AlreadyGone),
    };
    // The record as it is now (the sync may have brought changes while Microsoft answered).
    let mut changed = with.integration().ok_or(BrowserError::Gone)?;
    changed.other_certificates.retain(|c| c.sha1_thumbprint != *thumbprint);
    changed.browser_requests.retain(|c| c.sha1_thumbprint != *thumbprint);
    changed.updated_at = with.now();
    with.save(changed).await.map_err(BrowserError::NotSaved)?;
    if here {
        let _ = with.delete_key(&slot).await;
    }
    Ok(outcome)
}

#[cfg(test)]
mod tests;
