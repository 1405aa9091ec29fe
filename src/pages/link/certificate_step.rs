//! The certificate step of the Microsoft 365 and Azure forms: Generate Public Key makes a key
//! pair and a certificate in this browser, keeps the private key here (never anywhere else) with
//! the draft, and downloads the certificate for the person to upload to their app registration.

use super::form::LinkForm;
use crate::certificate::{self, new_credential, CertificateError};
use crate::components::certificate::{BrowserNameField, BrowserNameInput, CertificateFacts, CredentialChoices};
use crate::components::feedback::ErrorLine;
use crate::components::page::focus;
use crate::components::when::When;
use crate::erased::local_action;
use crate::keys::KeySlot;
use crate::link_kinds::LinkDraft;
use crate::sync::idb::IdbError;
use leptos::prelude::*;
use std::fmt;
use xops_model::BrowserName;
use xops_model::Problem;

/// Why Generate Public Key stopped; `Display` is the sentence the person reads.
#[derive(Debug)]
enum GenerateError {
    /// The browser could not make an id for the form (`start` shows why).
    NoId,
    NotMade(CertificateError),
    KeyNotKept(IdbError),
    NotDownloaded(CertificateError),
}

impl fmt::Display for GenerateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GenerateError::NoId => f.write_str("This form has no id yet: reload the page to start it again."),
            GenerateError::NotMade(e) => write!(f, "The certificate could not be made: {e}"),
            GenerateError::KeyNotKept(e) => write!(f, "The private key could not be kept in this browser: {e}"),
            GenerateError::NotDownloaded(e) => write!(f, "The download did not start: {e}"),
        }
    }
}

/// Makes the credential for `draft` (named after `account`) and keeps its key with the draft;
/// returns the certificate's file name.
async fn generate(form: LinkForm, account: String, mut draft: LinkDraft) -> Result<String, GenerateError> {
    let id = draft.id.clone().ok_or(GenerateError::NoId)?;
    let cred = new_credential(&account, draft.options, js_sys::Date::now()).await.map_err(GenerateError::NotMade)?;
    form.progress.set("Keeping the private key in this browser…".into());
    draft.certificate = Some(cred.certificate.clone());
    form.with_draft(async |keys, name| {
        keys.put_draft_and_key(name, &draft, &KeySlot::Account(id.clone()), &cred.private_key).await
    })
    .await
    .map_err(GenerateError::KeyNotKept)?;
    certificate::download(&account, &cred.certificate.pem).map_err(GenerateError::NotDownloaded)?;
    form.certificate.set(Some(cred.certificate));
    Ok(certificate::file_name(&account))
}

/// The Generate Public Key action of `form` (its `pending()` is "generating").
pub(super) fn generate_action(form: LinkForm) -> Action<(String, LinkDraft), ()> {
    local_action(move |(account, draft): &(String, LinkDraft)| {
        let (account, draft) = (account.clone(), draft.clone());
        async move {
            form.progress.set("Generating the key pair and certificate…".into());
            match generate(form, account, draft).await {
                Ok(file) => form.progress.set(format!("Certificate made and downloaded as “{file}”.")),
                Err(e) => {
                    form.progress.set(String::new());
                    form.cert_error.set(Some(Problem::new(e.to_string())));
                }
            }
        }
    })
}

#[component]
pub(super) fn CertificateStep(form: LinkForm, generating: Action<(String, LinkDraft), ()>) -> impl IntoView {
    let busy = generating.pending();
    let name_label = form.kind.name_label();
    // This browser's name, which the certificate names as the key's holder. Kept on this device
    // as it is typed (once valid), so a reload keeps it and the next key made here starts from it.
    let browser_name = BrowserNameField::for_this_browser();
    Effect::new(move |first: Option<()>| {
        let typed = browser_name.value.get();
        if first.is_some() {
            if let Ok(n) = BrowserName::parse(&typed) {
                certificate::remember_browser_name(&n);
            }
        }
    });
    let start = move |_| {
        if busy.get_untracked() {
            return;
        }
        form.cert_error.set(None);
        if browser_name.read().is_none() {
            focus("browser-name");
            return;
        }
        if form.id.get_untracked().is_none() {
            return form.cert_error.set(form.form_error.get_untracked());
        }
        form.check("name");
        if form.error_of("name").is_some() {
            form.cert_error
                .set(Some(format!("Enter the {name_label} first: the certificate and its file are named after it.").into()));
            focus("account-name");
            return;
        }
        let account = form.values().get("name").map(|n| n.trim().to_string()).unwrap_or_default();
        let draft = LinkDraft { certificate: None, ..form.draft() };
        generating.dispatch_local((account, draft));
    };
    let download_again = move |_| {
        if let Some(info) = form.certificate.get_untracked() {
            let name = form.values().get("name").cloned().unwrap_or_default();
            if let Err(e) = certificate::download(&name, &info.pem) {
                form.cert_error.set(Some(format!("The download did not start: {e}").into()));
            }
        }
    };
    view! {
        <fieldset class="credential">
            <legend>"Certificate"</legend>
            <p class="field-hint">
                "Xops makes a key pair in this browser. The private key never leaves it; you upload the certificate (the public key) to your app registration."
            </p>
            <BrowserNameInput field=browser_name id="browser-name"
                hint="The private key stays in this browser; this name tells people which browser holds it."/>
            <CredentialChoices options=form.options id_prefix=""/>
            <div class="actions">
                <button id="generate-key" type="button" class="button" on:click=start
                    disabled=move || busy.get() aria-describedby="generate-status">
                    "Generate Public Key"
                </button>
                <When when=move || form.certificate.with(Option::is_some)>
                    <button type="button" class="button subtle" on:click=download_again>"Download certificate again"</button>
                </When>
            </div>
            <p id="generate-status" class="progress" role="status" aria-live="polite">
                {move || busy.get().then(|| view! { <span class="spinner" aria-hidden="true"></span> })}
                {move || form.progress.get()}
            </p>
            <ErrorLine error=form.cert_error/>
            {move || form.certificate.get().map(|info| view! {
                <CertificateFacts info=info/>
                <p class="field-hint">
                    "Upload this certificate in the Microsoft Entra admin center: your app registration → Certificates & secrets → Certificates → Upload certificate. "
                    "Generating again replaces it with a new key pair."
                </p>
            })}
        </fieldset>
    }
}
