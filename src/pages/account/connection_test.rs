//! "Test connection" on an account's page, for all three clouds. For Microsoft 365 and Azure this
//! browser signs client assertions with the account's key and the store relays them to Microsoft;
//! for AWS the store assumes the account's role itself. The store keeps a conclusive result on the
//! account (its status comes from it: see `crate::health`); the page shows this tab's latest
//! answer at once, with a fix for each failing line.

use super::held::{signing_key, why_no_key, Held, OneKeyPerBrowser};
use crate::accounts::LinkedAccount;
use crate::api::Api;
use crate::api::ApiClientError;
use crate::assertion::client_assertion;
use crate::certificate::CertificateError;
use crate::components::certificate::format_date;
use crate::components::feedback::Feedback;
use crate::components::when::When;
use crate::erased::{local_action, local_resource};
use crate::health::Checks;
use crate::keys::KeyStore;
use crate::platform::platform;
use crate::sync::idb::IdbError;
use crate::sync::view::latest_test;
use crate::sync::SyncEngine;
use leptos::prelude::*;
use std::fmt;
use web_sys::CryptoKey;
use xops_model::verify::{CheckId, ConnectionTest, VerifyRequest};
use xops_model::Problem;
use xops_model::{
    paths, ApplicationId, ApplicationObjectId, CertificateInfo, IntegrationDetails, OrganizationId, Platform, Provider, RecordId,
    TenantId,
};

/// The app registration a Microsoft account signs in as.
#[derive(Clone, PartialEq)]
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
    NoCertificate,
    /// The account has not reached the store yet.
    NotSent,
    /// This browser holds no key for the certificate, made in `held_by`.
    NoKeyHere {
        held_by: String,
    },
    /// This deployment has no AWS access of its own to assume roles with.
    AwsNotSetUp,
    /// This browser's key store could not be read.
    Keys(IdbError),
    /// WebCrypto could not sign.
    Signing(CertificateError),
    /// The store could not be asked (its sentence says why).
    Store(ApiClientError),
}

/// What a person reads where this deployment cannot test AWS accounts (the same words the store
/// answers with; the operator's log says which settings are missing).
pub const AWS_NOT_SET_UP: &str =
    "This Xops deployment cannot test AWS accounts yet. Your account is saved as it is; the people who run Xops for you can turn AWS testing on.";

/// The store's own errors keep their code (and field); the others are this browser's.
impl From<TestError> for Problem {
    fn from(e: TestError) -> Problem {
        match e {
            TestError::Store(e) => Problem::from(e),
            e => Problem::new(e.to_string()),
        }
    }
}

impl fmt::Display for TestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TestError::NoCertificate => f.write_str("This account has no certificate yet: use Replace certificate to make one."),
            TestError::NotSent => {
                f.write_str("This account has not reached Xops yet. Test it once the status at the top says Saved.")
            }
            TestError::NoKeyHere { held_by } => write!(
                f,
                "This browser does not hold the account's private key (it was made in {held_by}). Test from that browser, or use Replace certificate here."
            ),
            TestError::AwsNotSetUp => f.write_str(AWS_NOT_SET_UP),
            TestError::Keys(e) => write!(f, "This browser's keys could not be read: {e}"),
            TestError::Signing(e) => write!(f, "The assertion could not be signed: {e}"),
            TestError::Store(e) => write!(f, "{e}"),
        }
    }
}

impl TestError {
    /// Whether the organization's limit on tests was reached (a background round stops there).
    pub fn is_rate_limited(&self) -> bool {
        matches!(self, TestError::Store(ApiClientError::Api { status: 429, .. }))
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
    automatic: bool,
) -> Result<ConnectionTest, TestError> {
    let sign =
        |_: ()| client_assertion(key, &platform.microsoft_authority, &app.tenant, &app.application, &certificate.sha1_thumbprint);
    let assertion = sign(()).await.map_err(TestError::Signing)?;
    let exchange_assertion = match app.with_exchange {
        true => Some(sign(()).await.map_err(TestError::Signing)?),
        false => None,
    };
    let request = VerifyRequest { assertion: Some(assertion), exchange_assertion, automatic };
    api.post(&paths::verify(&id), &request).await.map_err(TestError::Store)
}

/// Tests `account` (`automatic`: the app does it by itself, in the background). The store keeps a
/// conclusive result on the account; the sync engine is asked to bring it here at once.
pub async fn run_test(
    api: &Api,
    engine: SyncEngine,
    org: &OrganizationId,
    account: &LinkedAccount,
    automatic: bool,
) -> Result<ConnectionTest, TestError> {
    if account.pending {
        return Err(TestError::NotSent);
    }
    let platform = platform(api).await.map_err(TestError::Store)?;
    let result = match MicrosoftApp::of(&account.integration.details) {
        None => {
            if !platform.aws_checks {
                return Err(TestError::AwsNotSetUp);
            }
            let request = VerifyRequest { automatic, ..VerifyRequest::default() };
            api.post(&paths::verify(&account.id), &request).await.map_err(TestError::Store)?
        }
        Some(app) => {
            let main = account.integration.certificate.clone().ok_or(TestError::NoCertificate)?;
            let keys = KeyStore::open(org).await.map_err(TestError::Keys)?;
            // The main certificate's key, or this browser's own certificate's.
            let (key, certificate) = signing_key(&keys, &account.id, &account.integration)
                .await
                .map_err(TestError::Keys)?
                .ok_or_else(|| TestError::NoKeyHere { held_by: main.key_held_by.clone() })?;
            ask_microsoft(api, &platform, &account.id, &app, &key, &certificate, automatic).await?
        }
    };
    engine.sync_now();
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

/// How long after a certificate is made a refusal may be Entra not having taken its upload yet.
const UPLOAD_SETTLES_MS: i64 = 15 * 60 * 1000;

/// Whether `test` failed at the credentials with a certificate made minutes before: most likely
/// Entra has not taken the upload yet (AADSTS700027), and trying again shortly is the fix.
fn upload_may_be_settling(test: &ConnectionTest, account: &LinkedAccount) -> bool {
    let refused = test.checks.first().is_some_and(|c| c.id == CheckId::Credentials && !c.ok && !c.skipped && !c.unanswered);
    let signer = test.certificate.as_ref();
    let made = account
        .integration
        .all_certificates()
        .find(|(_, c)| signer.is_none_or(|s| s == &c.sha1_thumbprint))
        .map(|(_, c)| c.not_before);
    refused && made.is_some_and(|m| test.at - m < UPLOAD_SETTLES_MS)
}

/// Running a test from the page (a click, right after Connect) and what it said last: an Action,
/// whose latest answer is `fresh` or `error`.
#[derive(Clone, Copy)]
pub struct TestRunner {
    pub run: Callback<()>,
    /// A test of the account runs in this tab (the person's, or one in the background).
    pub busy: Signal<bool>,
    pub error: Signal<Option<Problem>>,
    /// This tab's latest answer (shown even when it was not kept: a service did not answer).
    pub fresh: Signal<Option<ConnectionTest>>,
}

impl TestRunner {
    pub fn new(account: Memo<Option<LinkedAccount>>, id: RecordId, org: StoredValue<OrganizationId>) -> TestRunner {
        let api = StoredValue::new(Api::expect_context());
        let engine = SyncEngine::expect_context();
        let checks = Checks::expect_context();
        let busy_id = id.clone();
        let busy = Signal::derive(move || checks.is_checking(&busy_id));
        let id = StoredValue::new(id);
        let test = local_action(move |a: &LinkedAccount| {
            let (api, org, a, checking) = (api.get_value(), org.get_value(), a.clone(), checks.begin(&id.get_value()));
            async move {
                let answer = run_test(&api, engine, &org, &a, false).await.map_err(Problem::from);
                drop(checking);
                answer
            }
        });
        let run = Callback::new(move |_| {
            if busy.get_untracked() {
                return;
            }
            if let Some(a) = account.get_untracked() {
                test.dispatch(a);
            }
        });
        // A new run clears the last error at once; its answer replaces both.
        let answer = move || if test.pending().get() { None } else { test.value().get() };
        let fresh = Signal::derive(move || test.value().get().and_then(Result::ok));
        let error = Signal::derive(move || answer().and_then(Result::err));
        TestRunner { run, busy, error, fresh }
    }
}

/// What the section says it checks, per cloud.
fn what_it_checks(provider: Provider) -> &'static str {
    match provider {
        Provider::Microsoft365 => {
            "Checks the certificate, the organization and the permissions Xops needs, signed here with the account's key."
        }
        Provider::Azure => {
            "Checks the certificate, the subscription or management group, and read access, signed here with the account's key."
        }
        Provider::Aws => "Checks that Xops can assume the role with this account's External ID, in this AWS account.",
    }
}

/// The section: the button, progress, and the last result.
#[component]
pub fn ConnectionTestSection(
    account: Memo<Option<LinkedAccount>>,
    provider: Provider,
    /// Whether this browser holds the certificate's key (Microsoft 365 and Azure): without it
    /// there is nothing to sign with, so the section says where to test from instead of offering
    /// a button that fails.
    held: RwSignal<Option<Held>>,
    runner: TestRunner,
    /// A viewer sees the last result, and no button.
    can_change: Signal<bool>,
) -> impl IntoView {
    let TestRunner { run, busy, error, fresh } = runner;
    // A memo: the checklist is built anew when the result changes, not on every change to the record.
    let last = Memo::new(move |_| {
        let kept = account.with(|a| a.as_ref().and_then(|a| a.integration.last_test.clone()));
        fresh.with(|f| latest_test(kept.as_ref(), f.as_ref()).cloned())
    });
    let held_by = move || {
        account
            .with(|a| a.as_ref().and_then(|a| a.integration.certificate.as_ref().map(|c| c.key_held_by.clone())))
            .unwrap_or_else(|| "another browser".into())
    };
    let aws = provider == Provider::Aws;
    let api = Api::expect_context();
    // Whether this deployment can test AWS accounts (asked once; Microsoft accounts need not ask).
    let aws_checks = local_resource(move || {
        let api = api.clone();
        async move { !aws || platform(&api).await.map(|p| p.aws_checks).unwrap_or(true) }
    });
    let can_run = move || match aws {
        true => aws_checks.get().unwrap_or(true),
        false => held.with(|h| h.as_ref().is_none_or(Held::can_sign)),
    };
    let cannot_run = move || match aws {
        true => AWS_NOT_SET_UP.to_string(),
        false => format!("This browser holds no key for this account, so it cannot sign a test. {}", why_no_key(&held_by())),
    };
    let settling = move || {
        let (Some(t), Some(a)) = (last.get(), account.get()) else { return false };
        upload_may_be_settling(&t, &a)
    };
    view! {
        <section class="panel" aria-labelledby="test-heading">
            <h2 id="test-heading" tabindex="-1">"Test connection"</h2>
            <p>{what_it_checks(provider)}</p>
            <When when=move || can_change.get() fallback=move || view! {
                <p>{move || if last.with(Option::is_some) { "An owner or admin runs the test; this is its last result." } else { "Not tested yet. An owner or admin runs the test; you will see its result here." }}</p>
            }>
            <When when=can_run fallback=move || view! { <p data-testid="no-key-here">{cannot_run}</p> {(!aws).then(|| view! { <OneKeyPerBrowser/> })} }>
                <div class="actions">
                    <button type="button" class="button primary" on:click=move |_| run.run(()) disabled=move || busy.get()>
                        {move || if busy.get() { "Testing…" } else { "Test connection" }}
                    </button>
                </div>
            </When>
            </When>
            <Feedback
                busy
                progress=Signal::derive(move || if !busy.get() { String::new() } else if aws { "Asking AWS…".into() } else { "Asking Microsoft…".into() })
                error
            />
            <When when=move || settling() && !busy.get()>
                <div class="callout" role="status" data-testid="upload-settling">
                    <p>
                        <strong>"Entra can take a few minutes after an upload."</strong>
                        " If you uploaded the certificate just now, wait a minute and try again. If you have not uploaded it yet, follow the fix below first."
                    </p>
                    <button type="button" class="button" on:click=move |_| run.run(()) disabled=move || busy.get()>"Try again"</button>
                </div>
            </When>
            {move || last.get().map(|t| view! { <TestResult test=t provider=provider/> })}
        </section>
    }
}

/// One test's checklist.
#[component]
fn TestResult(test: ConnectionTest, provider: Provider) -> impl IntoView {
    let t = test;
    let passed = t.passed();
    let when = format!(
        "{}, {}",
        format_date(t.at),
        String::from(js_sys::Date::new(&(t.at as f64).into()).to_locale_time_string("default"))
    );
    let (class, summary) = match (passed, t.conclusive()) {
        (true, _) => ("test-summary ok", "Everything checked out."),
        (false, true) => ("test-summary failed", "Something needs fixing."),
        (false, false) => ("test-summary unanswered", "This test could not finish."),
    };
    view! {
        <div class="test-result" data-testid="test-result">
            <p class=class>
                <strong>{summary}</strong>
                {if t.automatic { " Checked automatically " } else { " Last tested " }} {when}
                {t.organization_display_name.clone().filter(|n| !n.is_empty()).map(|n| match provider {
                    Provider::Microsoft365 => format!(" (tenant “{n}”)"),
                    _ => format!(" (“{n}”)"),
                })} "."
                {t.certificate.clone().map(|c| format!(" Signed with the certificate {c}."))}
            </p>
            {(!t.conclusive()).then(|| view! {
                <p class="test-note">"A service did not answer, so this result says nothing about your setup and the account's status stays as it was."</p>
            })}
            // A pass says it all in one line; its checks are there for whoever wants them.
            <details class="checks" open=!passed>
            <summary>{format!("{} checks", t.checks.len())}</summary>
            <ul class="checklist">
                {t.checks.into_iter().map(|c| {
                    let (class, mark, outcome) = match (c.ok, c.skipped, c.unanswered) {
                        (true, _, _) => ("check ok", "✓", ": passed"),
                        (false, true, _) => ("check skipped", "–", ": not checked"),
                        (false, false, true) => ("check unanswered", "?", ": could not be checked"),
                        (false, false, false) => ("check failed", "✗", ": failed"),
                    };
                    view! {
                    <li class=class>
                        <span class="check-mark" aria-hidden="true">{mark}</span>
                        <div>
                            <p class="check-title"><strong>{c.id.title()}</strong>
                                <span class="visually-hidden">{outcome}</span></p>
                            <p class="check-detail">{c.detail}</p>
                            {c.fix.map(|f| view! { <p class="check-fix"><strong>{if c.unanswered { "What to do: " } else { "Fix: " }}</strong>{with_links(&f)}</p> })}
                        </div>
                    </li>
                }}).collect_view()}
            </ul>
            </details>
        </div>
    }
}
