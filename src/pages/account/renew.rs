//! Renew certificate, on the page: the form that starts a renewal and says how it went. The
//! workflow itself (make, add, test, save, remove the old, and every way back) is
//! `xops_workflows::renewal`, tested natively; its effects in this browser are `effects.rs`.

use super::connection_test::MicrosoftApp;
use super::effects::InBrowser;
use super::held::Held;
use super::{Account, ObjectIdField, ObjectIdInput};
use crate::api::Api;
use crate::certificate::CredentialOptions;
use crate::components::certificate::{format_date, now_ms, CredentialChoices};
use crate::components::feedback::Feedback;
use crate::components::field::TextField;
use crate::components::when::When;
use crate::erased::local_action;
use leptos::prelude::*;
use xops_model::KeyId;
use xops_model::Problem;
use xops_workflows::renewal::{self, RenewError, RenewInput, Target};

/// What this browser can renew: the account's certificate (`own` false) when it holds its key,
/// or its own certificate among other browsers' (`own`). `None`: not from here.
fn target_here(own: bool, held: &Held) -> Option<Target> {
    match (own, held) {
        (false, Held::Main) => Some(Target::Main),
        (true, Held::Other(t)) => Some(Target::Own(t.clone())),
        _ => None,
    }
}

/// Renews `input.target` of `account` from this browser (a Microsoft account, with this
/// browser's key store). The sentence the person reads, either way.
async fn renew(
    api: Api,
    account: Account,
    input: RenewInput,
    options: CredentialOptions,
    progress: RwSignal<String>,
) -> Result<String, Problem> {
    let not_started = |why: Problem| Problem::from(RenewError::NotStarted(why));
    let integration = account.integration().ok_or_else(|| not_started("This account is no longer linked.".into()))?;
    if MicrosoftApp::of(&integration.details).is_none() {
        return Err(not_started("Only Microsoft accounts have a certificate to renew.".into()));
    }
    let mut with = InBrowser::open(api, account).await.map_err(not_started)?;
    (with.options, with.progress) = (options, Some(progress));
    match renewal::renew(&with, &input).await {
        Ok(renewed) => Ok(renewed.sentence(format_date)),
        Err(e) => Err(e.into()),
    }
}

/// The current certificate's id on the app registration, asked for when the record lacks it
/// (linked before Xops kept it): with it, the old certificate is removed after a renewal.
#[derive(Clone, Copy)]
struct OldKeyIdField {
    text: RwSignal<String>,
    error: RwSignal<Option<String>>,
}

impl OldKeyIdField {
    /// The id typed (`Some(None)` when empty: it is optional), or `None` with the message shown.
    fn read(self) -> Option<Option<KeyId>> {
        let text = self.text.get_untracked();
        let parsed = (!text.trim().is_empty()).then(|| KeyId::parse(&text)).transpose();
        self.error.set(parsed.as_ref().err().map(|e| e.message.clone()));
        parsed.ok()
    }
}

#[component]
fn OldKeyIdInput(field: OldKeyIdField, id: String, thumbprint: String) -> impl IntoView {
    view! {
        <TextField
            id=id
            label="Certificate ID of the current certificate (optional)"
            value=field.text
            error=field.error
            hint=format!("In the app registration's Certificates & secrets → Certificates, the Certificate ID on the row with thumbprint {thumbprint}. With it, Xops removes the old certificate for you; without it, delete it there yourself afterwards.")
            on_blur=Callback::new(move |_| { field.read(); })
        />
    }
}

/// The note beside the heading, by what the block offers: (whether this browser holds the key,
/// `None` while looking; whether the certificate has expired).
fn summary_note(offer: (Option<bool>, bool)) -> &'static str {
    match offer {
        (Some(false), _) => " (not from this browser: it holds no key)",
        (Some(true), true) => " (not possible: the certificate has expired)",
        _ => " (the usual way to a new certificate)",
    }
}

/// What the block says instead of the form when it cannot renew from here (see [`summary_note`]).
fn cannot_renew_here(offer: (Option<bool>, bool)) -> &'static str {
    match offer {
        (None, _) => "Looking for the private key in this browser…",
        (Some(true), true) => "This certificate has expired, so Microsoft no longer accepts it to sign a renewal. Use Replace certificate below, and upload the new certificate in the Microsoft Entra admin center.",
        _ => "Renewal is signed with the current certificate's key, which this browser does not hold. Renew from the browser that holds it, or use Replace certificate below.",
    }
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
    let target = move || account.held.with(|h| h.as_ref().and_then(|h| target_here(own, h)));
    let key_here = move || account.held.with(|h| h.as_ref().map(|h| target_here(own, h).is_some()));
    let api = Api::expect_context();
    let old_key_id = OldKeyIdField { text: RwSignal::new(String::new()), error: RwSignal::new(None) };
    let options = RwSignal::new(CredentialOptions::default());
    let progress = RwSignal::new(String::new());
    let renewing = local_action(move |(input, options): &(RenewInput, CredentialOptions)| {
        let (api, input, options) = (api.clone(), input.clone(), *options);
        async move {
            let said = renew(api, account, input, options, progress).await;
            progress.set(String::new());
            said
        }
    });
    // What the last renewal said (nothing while one runs).
    let said = move || if renewing.pending().get() { None } else { renewing.value().get() };
    let done = Signal::derive(move || said().and_then(Result::ok));
    let error = Signal::derive(move || said().and_then(Result::err));
    let busy = renewing.pending();
    let certificate = move || target().and_then(|t| account.integration().and_then(|i| t.certificate(&i)));
    let needs_key_id = move || certificate().is_some_and(|c| c.key_id.is_none());
    let start = move |_| {
        if busy.get_untracked() {
            return;
        }
        let (object, key) = (object_id.read(), old_key_id.read());
        let Some(object_id) = object else { return };
        let Some(old_key_id) = key else { return crate::components::page::focus(&id("old-key-id")) };
        let Some(target) = target() else { return };
        let input = RenewInput { target, object_id, old_key_id: old_key_id.filter(|_| needs_key_id()) };
        renewing.dispatch_local((input, options.get_untracked()));
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
                <span class="summary-note">{move || summary_note(offer.get())}</span></summary>
            {move || match offer.get() {
                (Some(true), false) => view! {
                    <p>{if own { "This browser's own certificate: " } else { "" }}"Xops makes a new certificate here and adds it to the app registration for you: nothing to download or upload. The old one goes only after the new one passes Test connection."</p>
                    <When when=move || !shared_object_id>
                        <ObjectIdInput field=object_id why="Renewal adds the new certificate to the app registration, which Microsoft finds by its Object ID."/>
                    </When>
                    <When when=needs_key_id>
                        <OldKeyIdInput field=old_key_id id=id("old-key-id") thumbprint=thumbprint()/>
                    </When>
                    <CredentialChoices options=options id_prefix=p/>
                    <div class="actions">
                        <button type="button" class="button primary" on:click=start disabled=move || busy.get()>
                            {move || if busy.get() { "Renewing…" } else { "Renew certificate" }}
                        </button>
                    </div>
                }.into_any(),
                other => view! { <p>{cannot_renew_here(other)}</p> }.into_any(),
            }}
        </details>
            <Feedback busy progress done error testid=if own { "renew-own" } else { "renew" }/>
        </div>
    }
}
