//! "Test connection" on a Microsoft 365 or Azure account's page: this browser signs client
//! assertions with the account's key, the store relays them to Microsoft, and the checklist that
//! comes back (with a fix for each failing line) is kept on the record.

use super::held::{signing_key, Held};
use crate::accounts::{save_account, LinkedAccount};
use crate::api::Api;
use crate::api::ApiClientError;
use crate::assertion::client_assertion;
use crate::certificate::CertificateError;
use crate::components::certificate::format_date;
use crate::keys::KeyStore;
use crate::platform::platform;
use crate::sync::idb::IdbError;
use crate::sync::{SyncEngine, SyncError};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::fmt;
use web_sys::CryptoKey;
use xops_model::verify::{ConnectionTest, VerifyRequest};
use xops_model::{
    ApplicationId, ApplicationObjectId, CertificateInfo, IntegrationDetails, OrganizationId, Platform, Provider, RecordId,
    TenantId,
};

/// The app registration a Microsoft account signs in as.
#[derive(Clone)]
pub struct MicrosoftApp {
    pub tenant: TenantId,
    pub application: ApplicationId,
    /// Microsoft 365 accounts are also tested against Exchange Online.
    pub with_exchange: bool,
    pub object_id: Option<ApplicationObjectId>,
}

impl MicrosoftApp {
    pub fn of(details: &IntegrationDetails) -> Option<MicrosoftApp> {
        let (tenant, application, object_id) = details.app_registration()?;
        Some(MicrosoftApp {
            tenant: tenant.clone(),
            application: application.clone(),
            with_exchange: details.provider() == Provider::Microsoft365,
            object_id: object_id.cloned(),
        })
    }
}

/// Why a test could not run (a test that ran and failed is a checklist, not an error); `Display`
/// is the sentence the person reads.
#[derive(Debug)]
pub enum TestError {
    Aws,
    NoCertificate,
    /// The account has not reached the store yet.
    NotSent,
    /// This browser holds no key for the certificate, made in `held_by`.
    NoKeyHere {
        held_by: String,
    },
    /// This browser's key store could not be read.
    Keys(IdbError),
    /// WebCrypto could not sign.
    Signing(CertificateError),
    /// The store could not be asked (its sentence says why).
    Store(ApiClientError),
    /// The result could not be kept on the record.
    NotSaved(SyncError),
}

impl fmt::Display for TestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TestError::Aws => f.write_str("AWS accounts are linked through a role; there is nothing to test here."),
            TestError::NoCertificate => f.write_str("This account has no certificate yet: use Replace certificate to make one."),
            TestError::NotSent => {
                f.write_str("This account has not reached Xops yet. Test it once the status at the top says Saved.")
            }
            TestError::NoKeyHere { held_by } => write!(
                f,
                "This browser does not hold the account's private key (it was made in {held_by}). Test from that browser, or use Replace certificate here."
            ),
            TestError::Keys(e) => write!(f, "This browser's keys could not be read: {e}"),
            TestError::Signing(e) => write!(f, "The assertion could not be signed: {e}"),
            TestError::Store(e) => write!(f, "{e}"),
            TestError::NotSaved(e) => write!(f, "The result could not be kept: {e}"),
        }
    }
}

/// Asks the store to test account `id` with assertions signed by `key`, whose certificate (on the
/// app registration) is `certificate`: the checklist, or what to tell the person.
pub async fn ask_microsoft(
    api: &Api,
    platform: &Platform,
    id: &RecordId,
    app: &MicrosoftApp,
    key: &CryptoKey,
    certificate: &CertificateInfo,
) -> Result<ConnectionTest, TestError> {
    let sign =
        |_: ()| client_assertion(key, &platform.microsoft_authority, &app.tenant, &app.application, &certificate.sha1_thumbprint);
    let graph_assertion = sign(()).await.map_err(TestError::Signing)?;
    let exchange_assertion = match app.with_exchange {
        true => Some(sign(()).await.map_err(TestError::Signing)?),
        false => None,
    };
    api.post(
        &format!("/integrations/{id}/verify"),
        &VerifyRequest { assertion: Some(graph_assertion), exchange_assertion, automatic: false },
    )
    .await
    .map_err(TestError::Store)
}

/// Runs the test for `account` and saves its result on the record.
pub async fn run_test(
    api: Api,
    engine: SyncEngine,
    org: OrganizationId,
    account: LinkedAccount,
) -> Result<ConnectionTest, TestError> {
    let app = MicrosoftApp::of(&account.integration.details).ok_or(TestError::Aws)?;
    let certificate = account.integration.certificate.clone().ok_or(TestError::NoCertificate)?;
    if account.pending {
        return Err(TestError::NotSent);
    }
    let keys = KeyStore::open(&org).await.map_err(TestError::Keys)?;
    // The main certificate's key, or this browser's own certificate's.
    let (key, certificate) = signing_key(&keys, &account.id, &account.integration)
        .await
        .map_err(TestError::Keys)?
        .ok_or_else(|| TestError::NoKeyHere { held_by: certificate.key_held_by.clone() })?;
    let platform = platform(&api).await.map_err(TestError::Store)?;
    let mut result = ask_microsoft(&api, &platform, &account.id, &app, &key, &certificate).await?;
    result.certificate = Some(certificate.sha1_thumbprint.clone());
    let mut changed = account.integration;
    changed.last_test = Some(result.clone());
    save_account(engine, &account.id, &changed).await.map_err(TestError::NotSaved)?;
    Ok(result)
}

/// `text` with each web address in it as a link (a fix may carry one: the admin consent page).
fn with_links(text: &str) -> Vec<AnyView> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("https://").or_else(|| rest.find("http://")) {
        out.push(rest[..start].to_string().into_any());
        let end = rest[start..].find(char::is_whitespace).map_or(rest.len(), |e| start + e);
        // A sentence's closing punctuation is not part of the address.
        let url = rest[start..end].trim_end_matches(['.', ',', ')', ';']);
        let href = url.to_string();
        out.push(view! { <a href=href target="_blank" rel="noopener noreferrer">{url.to_string()}</a> }.into_any());
        rest = &rest[start + url.len()..];
    }
    out.push(rest.to_string().into_any());
    out
}

/// The section: the button, progress, and the last result (from the record).
#[component]
pub fn ConnectionTestSection(
    account: Memo<Option<LinkedAccount>>,
    /// Whether this browser holds the certificate's key: without it there is nothing to sign
    /// with, so the section says where to test from instead of offering a button that fails.
    held: RwSignal<Option<Held>>,
    #[prop(into)] run: Callback<()>,
    busy: RwSignal<bool>,
    error: RwSignal<Option<String>>,
    /// A viewer sees the last result, and no button.
    can_change: Signal<bool>,
) -> impl IntoView {
    let last = move || account.with(|a| a.as_ref().and_then(|a| a.integration.last_test.clone()));
    let held_by = move || {
        account
            .with(|a| a.as_ref().and_then(|a| a.integration.certificate.as_ref().map(|c| c.key_held_by.clone())))
            .unwrap_or_else(|| "another browser".into())
    };
    view! {
        <section class="panel" aria-labelledby="test-heading">
            <h2 id="test-heading" tabindex="-1">"Test connection"</h2>
            <p>
                "Checks that Microsoft accepts this certificate for the app, that the tenant owns the organization, and the permissions Xops needs. "
                "This browser signs the request with the account's key; the key stays here."
            </p>
            <Show when=move || can_change.get() fallback=move || view! {
                <p>{move || if last().is_some() { "An owner or admin runs the test; this is its last result." } else { "Not tested yet. An owner or admin runs the test; you will see its result here." }}</p>
            }>
            <Show
                when=move || held.with(|h| h.as_ref().is_none_or(Held::can_sign))
                fallback=move || view! {
                    <p data-testid="no-key-here">
                        {move || format!(
                            "This browser holds no key for this account's certificate, so it cannot sign a test (the key was made in {}, or this browser's site data was cleared). Test from a browser that holds one, or add this browser (see Browsers below).",
                            held_by()
                        )}
                    </p>
                }
            >
                <div class="actions">
                    <button type="button" class="button primary" on:click=move |_| run.run(()) disabled=move || busy.get()>
                        {move || if busy.get() { "Testing…" } else { "Test connection" }}
                    </button>
                </div>
            </Show>
            </Show>
            <p class="progress" role="status">
                {move || busy.get().then(|| view! { <span class="spinner" aria-hidden="true"></span> "Asking Microsoft…" })}
            </p>
            <p class="field-error" role="alert" hidden=move || error.get().is_none()>{move || error.get().unwrap_or_default()}</p>
            {move || last().map(|t| {
                let passed = t.passed();
                let when = format!("{}, {}", format_date(t.at), String::from(js_sys::Date::new(&(t.at as f64).into()).to_locale_time_string("default")));
                view! {
                    <div class="test-result" data-testid="test-result">
                        <p class=if passed { "test-summary ok" } else { "test-summary failed" }>
                            <strong>{if passed { "Everything checked out." } else { "Something needs fixing." }}</strong>
                            " Last tested " {when}
                            {t.organization_display_name.clone().map(|n| format!(" (tenant “{n}”)"))} "."
                            {t.certificate.clone().map(|c| format!(" Signed with the certificate {c}."))}
                        </p>
                        <ul class="checklist">
                            {t.checks.into_iter().map(|c| {
                                let (class, mark, outcome) = match (c.ok, c.skipped) {
                                    (true, _) => ("check ok", "✓", ": passed"),
                                    (false, true) => ("check skipped", "–", ": not checked"),
                                    (false, false) => ("check failed", "✗", ": failed"),
                                };
                                view! {
                                <li class=class>
                                    <span class="check-mark" aria-hidden="true">{mark}</span>
                                    <div>
                                        <p class="check-title"><strong>{c.id.title()}</strong>
                                            <span class="visually-hidden">{outcome}</span></p>
                                        <p class="check-detail">{c.detail}</p>
                                        {c.fix.map(|f| view! { <p class="check-fix"><strong>"Fix: "</strong>{with_links(&f)}</p> })}
                                    </div>
                                </li>
                            }}).collect_view()}
                        </ul>
                    </div>
                }
            })}
        </section>
    }
}

/// What the account page needs to run a test: call it from a click (and right after Connect).
pub fn test_runner(
    account: Memo<Option<LinkedAccount>>,
    org: StoredValue<OrganizationId>,
) -> (Callback<()>, RwSignal<bool>, RwSignal<Option<String>>) {
    let (busy, error) = (RwSignal::new(false), RwSignal::new(None::<String>));
    let api = Api::expect_context();
    let engine = SyncEngine::expect_context();
    let run = Callback::new(move |_| {
        if busy.get_untracked() {
            return;
        }
        let Some(a) = account.get_untracked() else { return };
        busy.set(true);
        error.set(None);
        let (api, org) = (api.clone(), org.get_value());
        spawn_local(async move {
            if let Err(e) = run_test(api, engine, org, a).await {
                error.set(Some(e.to_string()));
            }
            busy.set(false);
        });
    });
    (run, busy, error)
}
