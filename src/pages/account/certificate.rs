//! The account's certificate: its facts, whether this browser holds its private key, and Replace
//! certificate. A new key and certificate wait beside the current ones until the person confirms
//! they uploaded the new certificate; then the record points to it and the old key is deleted.

use super::held::{why_no_key, Held};
use super::renew::RenewCertificate;
use super::Account;
use crate::certificate::{self, new_credential, CertificateError, CredentialOptions};
use crate::components::certificate::{now_ms, CertificateFacts, CredentialChoices};
use crate::components::feedback::Feedback;
use crate::components::when::When;
use crate::erased::{local_action, local_resource};
use crate::keys::{KeySlot, KeyStore};
use crate::sync::idb::IdbError;
use crate::sync::SyncError;
use leptos::prelude::*;
use std::fmt;
use xops_model::Problem;
use xops_model::{CertificateInfo, OrganizationId, RecordId};

/// Where this browser keeps a replacement certificate waiting for its upload.
pub(super) fn replace_draft_name(id: &RecordId) -> String {
    format!("{id}/replace")
}

/// Why Replace certificate stopped; `Display` is the sentence the person reads.
#[derive(Debug)]
enum ReplaceError {
    /// The key pair or certificate could not be made, or not downloaded.
    NotMade(CertificateError),
    /// This browser's key store refused (keeping the new key, or putting it in use).
    Keys(IdbError),
    /// The account could not take the new certificate.
    NotSaved(SyncError),
}

impl fmt::Display for ReplaceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReplaceError::NotMade(e) => write!(f, "The new certificate could not be made: {e}"),
            ReplaceError::Keys(e) => write!(f, "This browser's key store refused: {e}"),
            ReplaceError::NotSaved(e) => write!(f, "The certificate could not be replaced: {e}"),
        }
    }
}

/// Makes a new key pair and certificate for the account named `name`, keeps the key beside the
/// current one, and downloads the certificate; returns it and its file's name.
async fn make_replacement(
    org: &OrganizationId,
    id: &RecordId,
    name: &str,
    options: CredentialOptions,
) -> Result<(CertificateInfo, String), ReplaceError> {
    let cred = new_credential(name, options, js_sys::Date::now()).await.map_err(ReplaceError::NotMade)?;
    let keys = KeyStore::open(org).await.map_err(ReplaceError::Keys)?;
    keys.put_draft_and_key(&replace_draft_name(id), &cred.certificate, &KeySlot::Next(id.clone()), &cred.private_key)
        .await
        .map_err(ReplaceError::Keys)?;
    certificate::download(name, &cred.certificate.pem).map_err(ReplaceError::NotMade)?;
    Ok((cred.certificate, certificate::file_name(name)))
}

/// Puts the waiting replacement in use: the record first, then its key in the account's slot
/// (the old key goes), then the draft is forgotten.
async fn put_replacement_in_use(
    saving: impl std::future::Future<Output = Result<(), SyncError>>,
    org: &OrganizationId,
    id: &RecordId,
) -> Result<(), ReplaceError> {
    saving.await.map_err(ReplaceError::NotSaved)?;
    let keys = KeyStore::open(org).await.map_err(ReplaceError::Keys)?;
    let in_use = KeySlot::Account(id.clone());
    keys.promote_key(&KeySlot::Next(id.clone()), &in_use, &in_use).await.map_err(ReplaceError::Keys)?;
    keys.delete_draft(&replace_draft_name(id), None).await.map_err(ReplaceError::Keys)
}

#[component]
pub(super) fn CertificateSection(account: Account) -> impl IntoView {
    let held = account.held;
    // The facts are built anew when the certificate changes, not on every change to the record.
    let current = Memo::new(move |_| account.current.with(|a| a.as_ref().and_then(|a| a.integration.certificate.clone())));
    let download_current = move |_| {
        if let Some(i) = account.integration() {
            if let Some(c) = &i.certificate {
                let _ = certificate::download(i.name.as_str(), &c.pem);
            }
        }
    };

    view! {
        <section class="panel" aria-labelledby="certificate-heading">
            <h2 id="certificate-heading">"Certificate"</h2>
            {move || match current.get() {
                Some(info) => {
                    let held_by = info.key_held_by.clone();
                    view! {
                        <CertificateFacts info=info/>
                        <p data-testid="key-location">
                            {move || match held.get() {
                                None => "Looking for the private key in this browser…".to_string(),
                                Some(Held::Main) => "Private key: held by this browser (it cannot be read out or sent anywhere).".to_string(),
                                Some(Held::Other(_)) => format!("Private key: held by {held_by}. This browser holds its own certificate's key (see Browsers)."),
                                Some(Held::Requested(_) | Held::Nothing) if !account.can_change.get() => format!("Private key: held by {held_by}, not this browser."),
                                Some(Held::Requested(_) | Held::Nothing) => format!("Private key: not in this browser. {}", why_no_key(&held_by)),
                            }}
                        </p>
                        <button type="button" class="button subtle" on:click=download_current>"Download certificate"</button>
                    }.into_any()
                }
                None if !account.can_change.get() => view! { <p>"This account has no certificate yet."</p> }.into_any(),
                None => view! { <p>"This account has no certificate yet. Replace certificate makes one."</p> }.into_any(),
            }}
            // Shown while there is a certificate; kept (with its messages) as the account changes.
            <When when=move || account.can_change.get() && current.with(Option::is_some)>
                <RenewCertificate account=account/>
            </When>
            <When when=move || account.can_change.get()>
                <ReplaceCertificate account=account/>
            </When>
        </section>
    }
}

/// The replacement this browser made for account `id` and keeps until its upload is confirmed,
/// if its key is still here.
async fn waiting_replacement(org: OrganizationId, id: RecordId) -> Option<CertificateInfo> {
    let keys = KeyStore::open(&org).await.ok()?;
    let info = keys.draft::<CertificateInfo>(&replace_draft_name(&id)).await.ok()??;
    keys.holds(&KeySlot::Next(id)).await.then_some(info)
}

/// Replace certificate's state and steps: the replacement waiting for its upload, and making,
/// putting in use and cancelling one (one at a time), with what each said.
#[derive(Clone, Copy)]
struct Replacing {
    /// The replacement waiting for its upload, if any.
    waiting: Signal<Option<CertificateInfo>>,
    status: RwSignal<String>,
    error: RwSignal<Option<Problem>>,
    make: Action<(String, CredentialOptions), ()>,
    put_in_use: Action<xops_model::Integration, ()>,
    cancel: Action<(), ()>,
}

impl Replacing {
    fn new(account: Account) -> Replacing {
        let (org, id) = (account.org, account.id);
        // A replacement waiting for its upload (kept across reloads), as this browser has it...
        let stored = local_resource(move || waiting_replacement(org.get_value(), id.get_value()));
        // ...unless this page made, put in use or cancelled one since.
        let changed_here = RwSignal::new(None::<Option<CertificateInfo>>);
        let waiting = Signal::derive(move || changed_here.get().unwrap_or_else(|| stored.get().flatten()));
        let status = RwSignal::new(String::new());
        let error = RwSignal::new(None::<Problem>);
        let make = local_action(move |(name, options): &(String, CredentialOptions)| {
            let (org, id, name, options) = (org.get_value(), id.get_value(), name.clone(), *options);
            async move {
                status.set("Generating the new key pair and certificate…".into());
                match make_replacement(&org, &id, &name, options).await {
                    Ok((info, file)) => {
                        changed_here.set(Some(Some(info)));
                        status.set(format!(
                            "New certificate downloaded as “{file}”. Upload it to the app registration, then confirm below."
                        ));
                    }
                    Err(e) => {
                        status.set(String::new());
                        error.set(Some(Problem::new(e.to_string())));
                    }
                }
            }
        });
        let put_in_use = local_action(move |changed: &xops_model::Integration| {
            let saving = account.save(changed.clone());
            let (org, id) = (org.get_value(), id.get_value());
            async move {
                match put_replacement_in_use(saving, &org, &id).await {
                    Ok(()) => {
                        changed_here.set(Some(None));
                        account.held.set(Some(Held::Main));
                        status.set(
                            "Certificate replaced. You can delete the old certificate from the app registration in Entra.".into(),
                        );
                    }
                    Err(e) => error.set(Some(Problem::new(e.to_string()))),
                }
            }
        });
        let cancel = local_action(move |_: &()| {
            let (org, id) = (org.get_value(), id.get_value());
            async move {
                let removed = match KeyStore::open(&org).await {
                    Ok(keys) => keys.delete_draft(&replace_draft_name(&id), Some(&KeySlot::Next(id.clone()))).await,
                    Err(e) => Err(e),
                };
                if let Err(e) = removed {
                    leptos::logging::warn!("the cancelled replacement's key could not be removed from this browser: {e}");
                }
                changed_here.set(Some(None));
                status.set("Replacement cancelled; the current certificate stays.".into());
            }
        });
        Replacing { waiting, status, error, make, put_in_use, cancel }
    }

    fn busy(self) -> bool {
        self.make.pending().get() || self.put_in_use.pending().get() || self.cancel.pending().get()
    }
}

/// Replace certificate: the manual path (download, upload in the portal, confirm).
#[component]
fn ReplaceCertificate(account: Account) -> impl IntoView {
    let replacing = Replacing::new(account);
    let Replacing { waiting: replacement, status, error, .. } = replacing;
    let options = RwSignal::new(CredentialOptions::default());
    let busy = move || replacing.busy();
    let start = move |_| {
        let Some(name) = account.integration().map(|i| i.name.as_str().to_string()) else { return };
        if !busy() {
            error.set(None);
            replacing.make.dispatch_local((name, options.get_untracked()));
        }
    };
    let confirm = move |_| {
        let (Some(info), Some(mut changed)) = (replacement.get_untracked(), account.integration()) else { return };
        changed.certificate = Some(info);
        changed.updated_at = js_sys::Date::now() as i64;
        replacing.put_in_use.dispatch_local(changed);
    };
    let cancel = move |_| {
        replacing.cancel.dispatch(());
    };
    // The fallback to Renew: open from the start when renewing cannot work from here (no key in
    // this browser, or the certificate has expired); a waiting replacement opens it too.
    let renewal_impossible = move || {
        matches!(account.held.get(), Some(Held::Nothing | Held::Requested(_)))
            || account
                .current
                .with(|a| a.as_ref().is_some_and(|a| a.integration.certificate.as_ref().is_none_or(|c| c.has_expired(now_ms()))))
    };
    let open = Memo::new(move |_| replacement.with(Option::is_some) || renewal_impossible());
    view! {
        <div role="group" aria-labelledby="replace-heading">
        <details class="disclosure" prop:open=move || open.get()>
            <summary><h3 id="replace-heading">"Replace certificate"</h3>
                <span class="summary-note">" (when renewing is not possible)"</span></summary>
            <When
                when=move || replacement.with(Option::is_some)
                fallback=move || view! {
                    <p>"Use it when renewing is not possible: this browser holds no key for the certificate, the certificate has expired, or your organization's policy refused the renewal. Xops makes a new certificate here and downloads it; you upload it in Entra, and the current one keeps working until you confirm."</p>
                    <CredentialChoices options=options id_prefix="replace-"/>
                    <div class="actions">
                        <button type="button" class="button" on:click=start disabled=busy>"Replace certificate"</button>
                    </div>
                }
            >
                <p>"New certificate (not in use yet):"</p>
                {move || replacement.get().map(|info| view! { <CertificateFacts info=info/> })}
                <p>"Upload it in the Microsoft Entra admin center: the app registration → Certificates & secrets → Certificates → Upload certificate. Then:"</p>
                <div class="actions">
                    <button type="button" class="button primary" on:click=confirm disabled=busy>"I have uploaded the new certificate"</button>
                    <button type="button" class="button" on:click=cancel disabled=busy>"Cancel replacement"</button>
                </div>
            </When>
        </details>
            // Outside the disclosure: what happened shows even when it closes (a replacement put in use).
            <Feedback busy=Signal::derive(busy) progress=status error/>
        </div>
    }
}
