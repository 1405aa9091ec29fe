//! More than one browser: each browser holds its own key and certificate for an account. The
//! account page lists them; a browser without a key asks to be added ("Add this browser": it makes
//! its key pair and certificate and records the request), and a person on a browser that holds a
//! key approves it, which adds the new certificate to the app registration through Graph's addKey,
//! signed with their key. The manual path stays: download the certificate, upload it in the
//! portal, confirm. No key ever leaves the browser that made it.

use super::connection_test::MicrosoftApp;
use super::held::{signing_key, Held};
use super::renew::{AppRegistration, Signer};
use super::Account;
use crate::api::Api;
use crate::certificate::{self, new_credential, CertificateError, CredentialOptions};
use crate::components::certificate::{format_date, now_ms};
use crate::components::field::TextField;
use crate::keys::{browser_key_id, KeyStore};
use crate::session::Session;
use crate::sync::idb::IdbError;
use crate::sync::SyncError;
use leptos::prelude::*;
use std::fmt;
use xops_model::{ApplicationObjectId, CertificateInfo, Expiry, Integration, Sha1Thumbprint};

/// Why adding or approving a browser stopped; `Display` is the sentence the person reads.
#[derive(Debug)]
enum BrowserError {
    NotMade(CertificateError),
    Keys(IdbError),
    NoKeyHere,
    /// Microsoft did not add the certificate (its sentence says why).
    NotAdded(String),
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
            BrowserError::NotSaved(e) => write!(f, "The account could not be saved: {e}"),
            BrowserError::Gone => f.write_str("This account is no longer linked."),
        }
    }
}

/// Add this browser: its own key pair and certificate, the key kept here, the certificate
/// recorded as a request (and downloaded, for the manual path).
async fn request(account: Account, label: String, made_by: Option<String>) -> Result<CertificateInfo, BrowserError> {
    let (org, id) = (account.org.get_value(), account.id.get_value());
    let integration = account.integration().ok_or(BrowserError::Gone)?;
    let cred = new_credential(integration.name.as_str(), CredentialOptions::default(), js_sys::Date::now())
        .await
        .map_err(BrowserError::NotMade)?;
    let keys = KeyStore::open(&org).await.map_err(BrowserError::Keys)?;
    keys.put_key(&browser_key_id(&id, &cred.certificate.sha1_thumbprint), &cred.private_key).await.map_err(BrowserError::Keys)?;
    let mut mine = cred.certificate;
    mine.key_held_by = label;
    mine.created_by = made_by;
    let mut changed = integration.clone();
    changed.browser_requests.push(mine.clone());
    changed.updated_at = js_sys::Date::now() as i64;
    account.save(changed).await.map_err(BrowserError::NotSaved)?;
    certificate::download(integration.name.as_str(), &mine.pem).map_err(BrowserError::NotMade)?;
    Ok(mine)
}

/// Puts `request` in use: added to the app registration through Graph with this browser's key
/// (`object_id` given), or, for the manual path (`None`), as the person uploaded it in the portal.
async fn approve(
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

/// One row of the list.
struct Row {
    certificate: CertificateInfo,
    waiting: bool,
    here: bool,
}

fn rows(integration: &Integration, held: &Option<Held>) -> Vec<Row> {
    let here = |c: &CertificateInfo, main: bool| match held {
        Some(Held::Main) => main,
        Some(Held::Other(t) | Held::Requested(t)) => !main && *t == c.sha1_thumbprint,
        _ => false,
    };
    let main = integration.certificate.iter().map(|c| Row { certificate: c.clone(), waiting: false, here: here(c, true) });
    let others =
        integration.other_certificates.iter().map(|c| Row { certificate: c.clone(), waiting: false, here: here(c, false) });
    let waiting =
        integration.browser_requests.iter().map(|c| Row { certificate: c.clone(), waiting: true, here: here(c, false) });
    main.chain(others).chain(waiting).collect()
}

/// The account's certificates, one row each, with Approve on a waiting request when this browser
/// can sign, and the requesting browser's own "I have uploaded it in the portal".
#[component]
fn BrowserList(
    account: Account,
    busy: Signal<bool>,
    can_sign: Signal<bool>,
    on_approve: Callback<Sha1Thumbprint>,
    on_uploaded: Callback<Sha1Thumbprint>,
) -> impl IntoView {
    let held = account.held;
    view! {
        <table class="accounts browsers">
            <thead><tr><th scope="col">"Certificate (SHA-1)"</th><th scope="col">"Valid until"</th><th scope="col">"Key held by"</th><th scope="col">"State"</th></tr></thead>
            <tbody>
                {move || account.integration().map(|i| rows(&i, &held.get())).unwrap_or_default().into_iter().map(|r| {
                    let thumbprint = r.certificate.sha1_thumbprint.clone();
                    let (approve_t, upload_t) = (thumbprint.clone(), thumbprint.clone());
                    let by = r.certificate.created_by.clone().map(|b| format!(", made by {b}")).unwrap_or_default();
                    let holder = format!("{}{}{by}", r.certificate.key_held_by, if r.here { " (this browser)" } else { "" });
                    let expired = matches!(r.certificate.expiry(now_ms()), Expiry::Expired { .. });
                    view! {
                        <tr>
                            <td data-label="Certificate (SHA-1)"><code>{thumbprint.to_string()}</code></td>
                            <td data-label="Valid until">{format_date(r.certificate.not_after)}{expired.then_some(" (expired)")}</td>
                            <td data-label="Key held by">{holder}</td>
                            <td data-label="State">
                                {if r.waiting { "Waiting for approval" } else { "In use" }}
                                {(r.waiting && !r.here).then(|| view! {
                                    <button type="button" class="button small" disabled=move || busy.get() || !can_sign.get() on:click=move |_| on_approve.run(approve_t.clone())>"Approve"</button>
                                })}
                                {(r.waiting && r.here).then(|| view! {
                                    <button type="button" class="button small" disabled=busy on:click=move |_| on_uploaded.run(upload_t.clone())>"I have uploaded it in the portal"</button>
                                })}
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
pub(super) fn BrowsersSection(account: Account) -> impl IntoView {
    let api = Api::expect_context();
    let made_by = Session::expect_context().me().map(|m| m.user.email);
    let held = account.held;
    let object_id = RwSignal::new(
        account
            .integration()
            .and_then(|i| MicrosoftApp::of(&i.details))
            .and_then(|a| a.object_id)
            .map(|o| o.to_string())
            .unwrap_or_default(),
    );
    let object_error = RwSignal::new(None::<String>);
    let status = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let label = RwSignal::new(certificate::browser_label());
    let label_error = RwSignal::new(None::<String>);
    let adding = Action::new_local(move |label: &String| {
        let (made_by, label) = (made_by.clone(), label.clone());
        async move {
            status.set("Making this browser's key pair and certificate…".into());
            match request(account, label, made_by).await {
                Ok(c) => {
                    held.set(Some(Held::Requested(c.sha1_thumbprint)));
                    status.set("Requested. Someone on a browser that holds a key for this account approves it on this page. Or upload the downloaded certificate in the Microsoft Entra admin center (Certificates & secrets) and confirm here.".into());
                }
                Err(e) => {
                    status.set(String::new());
                    error.set(Some(e.to_string()));
                }
            }
        }
    });
    let approving = Action::new_local(move |(request, object_id): &(Sha1Thumbprint, Option<ApplicationObjectId>)| {
        let (api, request, object_id) = (api.clone(), request.clone(), object_id.clone());
        async move {
            status.set(if object_id.is_some() {
                "Adding the browser's certificate to the app registration (signed with this browser's key)…".into()
            } else {
                "Putting the uploaded certificate in use…".into()
            });
            match approve(api, account, request, object_id).await {
                Ok(()) => status.set("Approved: that browser can now test this account.".into()),
                Err(e) => {
                    status.set(String::new());
                    error.set(Some(e.to_string()));
                }
            }
        }
    });
    let busy = move || adding.pending().get() || approving.pending().get();
    let add = move |_| {
        let name = label.get_untracked().trim().to_string();
        let n = name.chars().count();
        label_error.set(
            (n == 0 || n > 100).then(|| "Name this browser in 1 to 100 characters, so others know whose it is.".to_string()),
        );
        if n == 0 || n > 100 {
            return crate::components::page::focus("browser-label");
        }
        if !busy() {
            error.set(None);
            adding.dispatch_local(name);
        }
    };
    let approve_with_graph = move |request: Sha1Thumbprint| {
        let parsed = ApplicationObjectId::parse(&object_id.get_untracked());
        object_error.set(parsed.as_ref().err().map(|e| e.message.clone()));
        match parsed {
            Ok(o) if !busy() => {
                error.set(None);
                approving.dispatch_local((request, Some(o)));
            }
            Ok(_) => {}
            Err(_) => crate::components::page::focus("approve-object-id"),
        }
    };
    let uploaded = move |request: Sha1Thumbprint| {
        if !busy() {
            error.set(None);
            approving.dispatch_local((request, None));
        }
    };
    let can_sign = move || held.with(|h| h.as_ref().is_some_and(Held::can_sign));
    let waiting_requests =
        move || account.current.with(|a| a.as_ref().is_some_and(|a| !a.integration.browser_requests.is_empty()));

    view! {
        <section class="panel" aria-labelledby="browsers-heading">
            <h2 id="browsers-heading">"Browsers"</h2>
            <p>"Each browser that uses this account holds its own key; none ever leaves its browser. A browser without one can ask to be added, and anyone on a browser that holds a key approves it."</p>
            <BrowserList account busy=Signal::derive(busy) can_sign=Signal::derive(can_sign) on_approve=Callback::new(approve_with_graph) on_uploaded=Callback::new(uploaded)/>
            <Show when=move || waiting_requests() && can_sign()>
                <TextField
                    id="approve-object-id"
                    label="Object ID"
                    value=object_id
                    error=object_error
                    hint="Approving adds the browser's certificate to the app registration, signed with this browser's key. It needs the app's Object ID: App registrations → the app → Overview."
                />
            </Show>
            <Show when=move || held.get() == Some(Held::Nothing) && account.current.with(|a| a.as_ref().is_some_and(|a| a.integration.certificate.is_some()))>
                <TextField
                    id="browser-label"
                    label="Name this browser"
                    value=label
                    error=label_error
                    hint="Shown to others beside this browser's certificate, such as “Firefox on Ada's laptop”."
                />
                <div class="actions">
                    <button type="button" class="button primary" on:click=add disabled=busy>"Add this browser"</button>
                </div>
            </Show>
            <p class="progress" role="status" data-testid="browsers-status">
                {move || busy().then(|| view! { <span class="spinner" aria-hidden="true"></span> })}
                {move || status.get()}
            </p>
            <p class="field-error" role="alert" data-testid="browsers-error" hidden=move || error.get().is_none()>{move || error.get().unwrap_or_default()}</p>
        </section>
    }
}
