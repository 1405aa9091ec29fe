//! Renew certificate: a new key pair and certificate made in this browser are added to the app
//! registration through Graph's `addKey` (the proof signed here with the current key, relayed by
//! the store), tested with Test connection, and only then put in use; the old certificate is then
//! removed (`removeKey`, signed with the new key) and its key deleted from this browser. Any
//! failure before that leaves the working certificate in place.

use super::app_registration::{AppRegistration, Signer};
use super::connection_test::MicrosoftApp;
use super::held::Held;
use super::{Account, ObjectIdField, ObjectIdInput};
use crate::api::Api;
use crate::certificate::{new_credential, CredentialOptions};
use crate::components::certificate::{format_date, now_ms, CredentialChoices};
use crate::components::feedback::Feedback;
use crate::components::field::TextField;
use crate::keys::{KeySlot, KeyStore};
use leptos::prelude::*;
use std::fmt;
use xops_model::verify::ConnectionTest;
use xops_model::{ApplicationObjectId, CertificateInfo, Integration, KeyId, RecordId, Sha1Thumbprint};

/// What the person gave for a renewal.
#[derive(Clone)]
struct RenewInput {
    target: Target,
    object_id: ApplicationObjectId,
    /// Entra's id of the current certificate, when the record does not know it.
    old_key_id: Option<KeyId>,
    options: CredentialOptions,
}

/// Which certificate a renewal replaces: the account's own (from the browser that holds its key),
/// or this browser's own among other browsers' (Add this browser made it).
#[derive(Clone, Debug, PartialEq)]
enum Target {
    Main,
    Own(Sha1Thumbprint),
}

impl Target {
    /// The certificate as the record has it now.
    fn certificate(&self, i: &Integration) -> Option<CertificateInfo> {
        match self {
            Target::Main => i.certificate.clone(),
            Target::Own(t) => i.other_certificates.iter().find(|c| c.sha1_thumbprint == *t).cloned(),
        }
    }

    /// The slot of the key of `certificate` in this browser.
    fn slot(&self, id: &RecordId, certificate: &CertificateInfo) -> KeySlot {
        match self {
            Target::Main => KeySlot::Account(id.clone()),
            Target::Own(_) => KeySlot::Browser(id.clone(), certificate.sha1_thumbprint.clone()),
        }
    }

    /// The record with `new` in the old certificate's place.
    fn replace(&self, i: &mut Integration, new: CertificateInfo) {
        match self {
            Target::Main => i.certificate = Some(new),
            Target::Own(t) => i.other_certificates.iter_mut().filter(|c| c.sha1_thumbprint == *t).for_each(|c| *c = new.clone()),
        }
    }

    /// What this browser can renew: the account's certificate (`own` false) when it holds its
    /// key, or its own certificate among other browsers' (`own`). `None`: not from here.
    fn here(own: bool, held: &Held) -> Option<Target> {
        match (own, held) {
            (false, Held::Main) => Some(Target::Main),
            (true, Held::Other(t)) => Some(Target::Own(t.clone())),
            _ => None,
        }
    }
}

/// What went wrong in a test, in a sentence with its fix.
fn first_failure(test: &ConnectionTest) -> String {
    test.checks
        .iter()
        .find(|c| !c.ok && !c.skipped)
        .map(|c| format!("{} {}", c.detail, c.fix.clone().unwrap_or_default()))
        .unwrap_or_else(|| "a check failed.".into())
}

/// Why a renewal stopped. In every case the working certificate stays in use; `Display` is the
/// sentence the person reads.
#[derive(Debug)]
enum RenewError {
    /// Nothing was made or changed (nothing to renew, no key here, the store unreachable, …).
    NotStarted(String),
    /// The new certificate was not added to the app registration.
    NotAdded(String),
    /// The new certificate was added but failed its test (`why`); `cleanup` says whether it was
    /// taken off the app registration again.
    FailedTest { why: String, cleanup: Result<(), String>, thumbprint: Sha1Thumbprint },
    /// It passed, but could not be put in use on this device.
    NotSaved(String),
}

impl fmt::Display for RenewError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RenewError::NotStarted(why) | RenewError::NotSaved(why) => f.write_str(why),
            RenewError::NotAdded(why) => write!(f, "{why} The current certificate stays in use."),
            RenewError::FailedTest { why, cleanup, thumbprint } => {
                write!(f, "The new certificate did not pass Test connection: {why} ")?;
                match cleanup {
                    Ok(()) => f.write_str("It was taken off the app registration again")?,
                    Err(e) => write!(
                        f,
                        "It could not be taken off the app registration ({e}); delete the certificate with thumbprint {thumbprint} in the Entra admin center"
                    )?,
                }
                f.write_str(", and the current certificate stays in use.")
            }
        }
    }
}

/// How a renewal ended; `Display` is the sentence the person reads.
enum Renewed {
    /// The old certificate is gone from the app registration too.
    Complete { ends: i64 },
    /// Xops does not know the old certificate's id on the app registration.
    OldUnknown { ends: i64, old: CertificateInfo },
    /// Removing the old certificate failed (`why`).
    OldRemovalFailed { ends: i64, old: CertificateInfo, why: String },
}

impl fmt::Display for Renewed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ends = |t: &i64| format_date(*t);
        match self {
            Renewed::Complete { ends: t } => write!(
                f,
                "Certificate renewed: the new one is in use until {}; the old one is removed from the app registration and its key from this browser.",
                ends(t)
            ),
            Renewed::OldUnknown { ends: t, old } => write!(
                f,
                "Certificate renewed: the new one is in use until {}, and the old key is deleted from this browser. Delete the old certificate (thumbprint {}) in the Entra admin center, Certificates & secrets, or leave it to expire on {}.",
                ends(t),
                old.sha1_thumbprint,
                format_date(old.not_after)
            ),
            Renewed::OldRemovalFailed { ends: t, old, why } => write!(
                f,
                "Certificate renewed: the new one is in use until {}, and the old key is deleted from this browser. The old certificate could not be removed from the app registration ({why}); delete it (thumbprint {}) in the Entra admin center.",
                ends(t),
                old.sha1_thumbprint
            ),
        }
    }
}

/// Renews the certificate of `account`.
async fn renew(api: Api, account: Account, input: RenewInput, progress: RwSignal<String>) -> Result<Renewed, RenewError> {
    use RenewError::{NotAdded, NotSaved, NotStarted};
    let (org, id) = (account.org.get_value(), account.id.get_value());
    let not_started = |why: &str| NotStarted(why.to_string());
    let integration = account.integration().ok_or_else(|| not_started("This account is no longer linked."))?;
    let app = MicrosoftApp::of(&integration.details)
        .ok_or_else(|| not_started("Only Microsoft accounts have a certificate to renew."))?;
    let target = &input.target;
    let old = target
        .certificate(&integration)
        .ok_or_else(|| not_started("This account no longer has that certificate; nothing to renew."))?;
    let keys = KeyStore::open(&org).await.map_err(|e| NotStarted(e.to_string()))?;
    let old_slot = target.slot(&id, &old);
    let old_key = keys.key(&old_slot).await.map_err(|e| NotStarted(e.to_string()))?.ok_or_else(|| {
        not_started("This browser no longer holds the current certificate's key; renew from the browser that does, or use Replace certificate.")
    })?;
    let platform = crate::platform::platform(&api).await.map_err(|e| NotStarted(e.to_string()))?;
    let registration = AppRegistration { api: &api, platform: &platform, id: &id, app: &app, object_id: &input.object_id };
    let current = Signer { key: &old_key, certificate: &old };

    progress.set("Making a new key pair and certificate in this browser…".into());
    let cred = new_credential(integration.name.as_str(), input.options, js_sys::Date::now())
        .await
        .map_err(|e| NotStarted(format!("The new certificate could not be made: {e}")))?;
    // The account's key waits in a slot of its own until it is in use. This browser's own key
    // goes straight to its slot, which its new thumbprint names: unlisted until the record is
    // saved, it is found as soon as the record lists it (the page looks again on every change).
    let next = match target {
        Target::Main => KeySlot::Renewing(id.clone()),
        Target::Own(_) => KeySlot::Browser(id.clone(), cred.certificate.sha1_thumbprint.clone()),
    };
    keys.put_key(&next, &cred.private_key)
        .await
        .map_err(|e| NotStarted(format!("The new key could not be kept in this browser: {e}")))?;
    let forget_new = || async {
        if let Err(e) = keys.delete_key(&next).await {
            leptos::logging::warn!("the unused new key could not be deleted from this browser: {e}");
        }
    };

    progress.set("Adding the new certificate to the app registration (signed with the current key)…".into());
    let added = match registration.add(&current, &cred.certificate.pem).await {
        Ok(k) => k,
        Err(e) => {
            forget_new().await;
            return Err(NotAdded(e));
        }
    };
    let new_cert = match target {
        Target::Main => CertificateInfo { key_id: Some(added.clone()), ..cred.certificate.clone() },
        // Still this browser's, under the name it gave itself and its maker.
        Target::Own(_) => CertificateInfo {
            key_id: Some(added.clone()),
            key_held_by: old.key_held_by.clone(),
            created_by: old.created_by.clone(),
            ..cred.certificate.clone()
        },
    };
    let fresh = Signer { key: &cred.private_key, certificate: &new_cert };

    progress.set("Testing the connection with the new certificate…".into());
    let test = match registration.test(&fresh, progress).await {
        Ok(t) if t.passed() => t,
        failed => {
            let why = match failed {
                Ok(t) => first_failure(&t),
                Err(e) => e,
            };
            progress.set("The new certificate did not pass; taking it off the app registration again…".into());
            let cleanup = registration.remove(&current, &added).await;
            forget_new().await;
            return Err(RenewError::FailedTest { why, cleanup, thumbprint: new_cert.sha1_thumbprint.clone() });
        }
    };

    progress.set("Saving the new certificate…".into());
    // The record as it is now (the sync may have brought changes while Microsoft answered).
    let mut changed = account.integration().ok_or_else(|| NotSaved("This account is no longer linked.".into()))?;
    target.replace(&mut changed, new_cert.clone());
    changed.details.set_application_object_id(input.object_id.clone());
    changed.last_test = Some(test);
    changed.updated_at = js_sys::Date::now() as i64;
    account.save(changed).await.map_err(|e| NotSaved(format!("The new certificate could not be saved: {e}")))?;
    // The old key goes: the new one takes its place in this browser.
    let in_use = target.slot(&id, &new_cert);
    let put_in_use =
        if next == in_use { keys.delete_key(&old_slot).await } else { keys.promote_key(&next, &in_use, &old_slot).await };
    put_in_use.map_err(|e| NotSaved(format!("The new key could not be put in use here: {e}")))?;

    let ends = new_cert.not_after;
    let Some(old_key_id) = old.key_id.clone().or(input.old_key_id) else {
        return Ok(Renewed::OldUnknown { ends, old });
    };
    progress.set("Removing the old certificate from the app registration…".into());
    Ok(match registration.remove(&fresh, &old_key_id).await {
        Ok(()) => Renewed::Complete { ends },
        Err(why) => Renewed::OldRemovalFailed { ends, old, why },
    })
}

/// Renewal: of the account's certificate (in the Certificate section), or of this browser's own
/// (`own`, in Browsers; it follows the certificate this browser holds, which a renewal changes).
#[component]
pub(super) fn RenewCertificate(
    account: Account,
    #[prop(optional)] own: bool,
    /// The section's Object ID field, when it has one already (Browsers); else this shows its own.
    #[prop(optional)]
    object_id: Option<ObjectIdField>,
) -> impl IntoView {
    let p = if own { "renew-own-" } else { "renew-" };
    let shared_object_id = object_id.is_some();
    let object_id = object_id.unwrap_or_else(|| ObjectIdField::new(account, "renew-object-id"));
    let id = move |name: &str| format!("{p}{name}");
    let target = move || account.held.with(|h| h.as_ref().and_then(|h| Target::here(own, h)));
    let key_here = move || account.held.with(|h| h.as_ref().map(|h| Target::here(own, h).is_some()));
    let api = Api::expect_context();
    let integration = move || account.integration();
    let old_key_id = RwSignal::new(String::new());
    let key_id_error = RwSignal::new(None::<String>);
    let options = RwSignal::new(CredentialOptions::default());
    let progress = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let done = RwSignal::new(None::<String>);
    let renewing = Action::new_local(move |input: &RenewInput| {
        let (api, input) = (api.clone(), input.clone());
        async move {
            match renew(api, account, input, progress).await {
                Ok(renewed) => done.set(Some(renewed.to_string())),
                Err(e) => error.set(Some(e.to_string())),
            }
            progress.set(String::new());
        }
    });
    let busy = renewing.pending();
    let certificate = move || target().and_then(|t| integration().and_then(|i| t.certificate(&i)));
    let needs_key_id = move || certificate().is_some_and(|c| c.key_id.is_none());
    let check_key_id = move || {
        let text = old_key_id.get_untracked();
        let parsed = (!text.trim().is_empty()).then(|| KeyId::parse(&text)).transpose();
        key_id_error.set(parsed.as_ref().err().map(|e| e.message.clone()));
        parsed.ok()
    };
    let start = move |_| {
        if busy.get_untracked() {
            return;
        }
        let (object, key) = (object_id.read(), check_key_id());
        let Some(object_id) = object else { return };
        let Some(old_key_id) = key else { return crate::components::page::focus(&id("old-key-id")) };
        let Some(target) = target() else { return };
        error.set(None);
        done.set(None);
        renewing.dispatch_local(RenewInput {
            target,
            object_id,
            old_key_id: old_key_id.filter(|_| needs_key_id()),
            options: options.get_untracked(),
        });
    };
    let expired = move || certificate().is_some_and(|c| c.has_expired(now_ms()));
    let thumbprint = move || certificate().map(|c| c.sha1_thumbprint.to_string()).unwrap_or_default();
    // What the block offers changes only with these two; a memo, so that a record or key lookup
    // landing while the person types does not build the form anew under their fingers.
    let offer = Memo::new(move |_| (key_here(), expired()));

    // Open from the start when the certificate needs renewing soon (60 days or fewer, not yet
    // ended); otherwise one line, so the page keeps its shape.
    let open_at_start = certificate().is_some_and(|c| c.expiry(now_ms()).needs_attention() && !c.has_expired(now_ms()));
    view! {
        <div role="group" aria-labelledby=id("heading")>
        <details class="disclosure" open=open_at_start>
            <summary><h3 id=id("heading")>{if own { "Renew this browser's certificate" } else { "Renew certificate" }}</h3>
                <span class="summary-note">{move || match offer.get() {
                    (Some(false), _) => " (not from this browser: it holds no key)",
                    (Some(true), true) => " (not possible: the certificate has expired)",
                    _ => " (the usual way to a new certificate)",
                }}</span></summary>
            {move || match offer.get() {
                (None, _) => view! { <p>"Looking for the private key in this browser…"</p> }.into_any(),
                (Some(false), _) => view! {
                    <p>"Renewal is signed with the current certificate's key, which this browser does not hold. Renew from the browser that holds it, or use Replace certificate below."</p>
                }.into_any(),
                (Some(true), true) => view! {
                    <p>"This certificate has expired, so Microsoft no longer accepts it to sign a renewal. Use Replace certificate below, and upload the new certificate in the Microsoft Entra admin center."</p>
                }.into_any(),
                (Some(true), false) => view! {
                    <p>{if own { "This browser's own certificate: " } else { "" }}"Xops makes a new certificate here and adds it to the app registration for you: nothing to download or upload. The old one goes only after the new one passes Test connection."</p>
                    <Show when=move || !shared_object_id>
                        <ObjectIdInput field=object_id why="Renewal adds the new certificate to the app registration, which Microsoft finds by its Object ID."/>
                    </Show>
                    <Show when=needs_key_id>
                        <TextField
                            id=id("old-key-id")
                            label="Certificate ID of the current certificate (optional)"
                            value=old_key_id
                            error=key_id_error
                            hint=format!("In the app registration's Certificates & secrets → Certificates, the Certificate ID on the row with thumbprint {}. With it, Xops removes the old certificate for you; without it, delete it there yourself afterwards.", thumbprint())
                            on_blur=Callback::new(move |_| { check_key_id(); })
                        />
                    </Show>
                    <CredentialChoices options=options id_prefix=p/>
                    <div class="actions">
                        <button type="button" class="button primary" on:click=start disabled=move || busy.get()>
                            {move || if busy.get() { "Renewing…" } else { "Renew certificate" }}
                        </button>
                    </div>
                }.into_any(),
            }}
        </details>
            <Feedback busy progress done error testid=if own { "renew-own" } else { "renew" }/>
        </div>
    }
}
