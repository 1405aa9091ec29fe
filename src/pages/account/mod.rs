//! One linked account: its status and next step first, its details (each with Copy), Test
//! connection, its certificate and whether this browser holds the private key, Renew and Replace
//! certificate, the browsers that hold keys for it, Rename and Disconnect, and its History.
//! Here: finding the account and the page around its sections. Beside it, a module per section:
//! `connection_test`, `certificate` (with Replace certificate), `renew`, `browsers`, `rename`,
//! `disconnect`; `held` (which of the account's keys this browser holds); and `background`
//! (re-testing accounts whose keys this browser holds, without anyone asking).

pub mod background;
mod browser_changes;
mod browsers;
mod certificate;
mod connection_test;
mod disconnect;
mod effects;
mod held;
mod object_id;
mod rename;
mod renew;
mod signing_ahead;
mod tickets;

use crate::accounts::{save_account, LinkedAccount};
use crate::components::copy::CopyButton;
use crate::components::feedback::Loading;
use crate::components::page::{focus, PageHeading};
use crate::components::role::ViewerNote;
use crate::components::when::When;
use crate::erased::local_resource;
use crate::health::{Checks, HealthBadge};
use crate::keys::KeyStore;
use crate::pages::activity::HistorySection;
use crate::routes;
use crate::session::Session;
use crate::sync::{SyncEngine, SyncError};
use browsers::BrowsersSection;
use certificate::CertificateSection;
use connection_test::{ConnectionTestSection, TestRunner};
use disconnect::DisconnectSection;
use held::Held;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_params, use_query_map};
use leptos_router::params::Params;
use object_id::{ObjectIdField, ObjectIdInput};
use rename::RenameSection;
use std::future::Future;
use xops_model::health::Health;
use xops_model::integration::AzureScope;
use xops_model::{Integration, IntegrationDetails, OrganizationId, Provider, RecordId};

/// The account page's address: `/integrations/:id`.
#[derive(Params, Clone, PartialEq)]
struct AccountParams {
    id: Option<RecordId>,
}

#[component]
pub fn IntegrationDetail() -> impl IntoView {
    let engine = SyncEngine::expect_context();
    let params = use_params::<AccountParams>();
    // No id (or one the router cannot read) finds no account: the page says "Account not found".
    let id = Memo::new(move |_| params.with(|p| p.as_ref().ok().and_then(|p| p.id.clone())));
    let accounts = engine.accounts();
    let account =
        Memo::new(move |_| id.with(|id| id.as_ref().and_then(|id| accounts.with(|a| a.get(id).map(|a| (**a).clone())))));
    let found = Memo::new(move |_| account.with(|a| a.as_ref().map(|a| (a.id.clone(), a.integration.details.provider()))));
    let session = Session::expect_context();
    // A memo: the page is built once per account, not again when the session is asked again.
    let org = Memo::new(move |_| session.me().map(|me| me.organization.id));
    let loading = move || engine.status().get() == crate::sync::SyncStatus::Loading;
    view! {
        <When
            when=move || found.get().is_some()
            fallback=move || if loading() {
                view! { <Loading/> }.into_any()
            } else {
                view! {
                    <PageHeading title="Account not found"/>
                    <p>"This account is not linked (it may have been disconnected)."</p>
                    <p><A href=routes::INTEGRATIONS>"Back to Integrations"</A></p>
                }.into_any()
            }
        >
            // Keyed by id only: a rename or a new certificate updates the page in place, so
            // messages and half-done steps on it stay. (This page is inside the signed-in frame,
            // so someone is signed in; were no one, it would show nothing rather than guess.)
            {move || found.get().zip(org.get()).map(|((id, provider), org)| {
                view! { <AccountView id=id org=org provider=provider account=account/> }
            })}
        </When>
    }
}

/// Whether the window is wider than the phone layout (48rem, style/main.css).
fn wide_screen() -> bool {
    web_sys::window().and_then(|w| w.inner_width().ok()).and_then(|w| w.as_f64()).is_some_and(|w| w > 768.0)
}

fn name_label(provider: Provider) -> &'static str {
    crate::link_kinds::LinkKind::of(provider).name_label()
}

/// The account a page section works on.
#[derive(Clone, Copy)]
struct Account {
    id: StoredValue<RecordId>,
    /// The organization whose keys this browser holds for it.
    org: StoredValue<OrganizationId>,
    provider: Provider,
    current: Memo<Option<LinkedAccount>>,
    /// Which of the account's keys this browser holds (`None`: still looking). Test connection,
    /// Renew and Replace certificate and the browsers list read it.
    held: RwSignal<Option<Held>>,
    /// Whether the signed-in person may change the account (a viewer's page offers no change).
    can_change: Signal<bool>,
}

impl Account {
    /// Looks in this browser's key store for the account's keys, now and whenever the account's
    /// certificates change (a request approved in another browser, say).
    fn look_for_keys(self) {
        let certificates = Memo::new(move |_| {
            self.current.with(|a| {
                // With their places: a request approved keeps its thumbprint but moves.
                a.as_ref().map(|a| {
                    a.integration.all_certificates().map(|(place, c)| (place, c.sha1_thumbprint.clone())).collect::<Vec<_>>()
                })
            })
        });
        // Looks may overlap (the device's copy, then the store's newer record): the resource
        // keeps only the latest one's answer.
        let looked = local_resource(move || {
            // Read, not only tracked: a memo nobody reads is never computed, so never notifies.
            certificates.with(|_| ());
            let integration = self.current.get_untracked().map(|a| a.integration);
            let (org, id) = (self.org.get_value(), self.id.get_value());
            async move {
                let integration = integration?;
                Some(match KeyStore::open(&org).await {
                    Ok(keys) => Held::look(&keys, &id, &integration).await,
                    Err(_) => Held::Nothing,
                })
            }
        });
        // A look's answer replaces what a change on this page said meanwhile (a request made).
        Effect::new(move |_| {
            if let Some(Some(held)) = looked.get() {
                self.held.set(Some(held));
            }
        });
    }

    fn integration(self) -> Option<Integration> {
        self.current.get().map(|a| a.integration)
    }

    /// Saves `changed` as the account (durable on this device when it resolves). Reads what it
    /// needs when called, so it may be awaited after the page is gone.
    fn save(self, changed: Integration) -> impl Future<Output = Result<(), SyncError>> {
        let (engine, id) = (SyncEngine::expect_context(), self.id.get_value());
        async move { save_account(engine, &id, &changed).await }
    }
}

/// What the details list shows of `details`, label by label.
fn detail_rows(details: IntegrationDetails) -> Vec<(&'static str, String)> {
    match details {
        IntegrationDetails::Microsoft365(d) => vec![
            ("Tenant ID", d.tenant_id.to_string()),
            ("Application ID", d.application_id.to_string()),
            ("Organization Name", d.organization.as_str().to_string()),
        ],
        IntegrationDetails::Azure(d) => {
            let scope = match d.scope {
                AzureScope::Subscription { subscription_id } => ("Subscription ID", subscription_id.to_string()),
                AzureScope::ManagementGroup { management_group_id } => {
                    ("Management group ID", management_group_id.as_str().to_string())
                }
            };
            vec![("Tenant ID", d.tenant_id.to_string()), ("Application ID", d.application_id.to_string()), scope]
        }
        IntegrationDetails::Aws(d) => vec![
            ("AWS Account Type", d.account_type.label().to_string()),
            ("AWS Role ARN", d.role_arn.as_str().to_string()),
            ("AWS account ID", d.role_arn.account_id().to_string()),
            ("External ID", d.external_id.as_str().to_string()),
        ],
    }
}

/// The account's status and the one thing to do next, at the top of its page.
#[component]
fn StatusSummary(account: Memo<Option<LinkedAccount>>, runner: TestRunner, can_change: Signal<bool>) -> impl IntoView {
    let checks = Checks::expect_context();
    let id = account.with_untracked(|a| a.as_ref().map(|a| a.id.clone()));
    let status = Signal::derive(move || account.with(|a| a.as_ref().map(|a| a.integration.status(checks.now()))));
    let next = move || account.with(|a| a.as_ref().and_then(|a| a.integration.next_step(checks.now())));
    // A test is the next step while the account has none that passed: not tested yet, or failing
    // (an expired certificate needs replacing first; a working one at most renewing).
    let to_test = move || status.get().is_some_and(|s| matches!(s.health, Health::NotTested { .. } | Health::Failing { .. }));
    id.map(|id| {
        view! {
            <section class="status-summary" aria-labelledby="status-heading" data-testid="account-status">
                <h2 id="status-heading" class="visually-hidden">"Status"</h2>
                <p class="status-line"><span class="status-label">"Status: "</span><HealthBadge id=id status=status with_certificate=true/></p>
                {move || next().map(|n| view! { <p class="next-step">{n}</p> })}
                <When when=move || can_change.get() && to_test()>
                    <div class="actions">
                        <button type="button" class="button" disabled=move || runner.busy.get()
                            on:click=move |_| { runner.run.run(()); focus("test-heading"); }>
                            {move || if runner.busy.get() { "Testing…" } else { "Test connection" }}
                        </button>
                    </div>
                </When>
            </section>
        }
    })
}

/// Right after Connect, until the account has a test result: what was done, and the next step.
#[component]
fn LinkedBanner(provider: Provider, runner: TestRunner) -> impl IntoView {
    let uses_certificate = crate::link_kinds::LinkKind::of(provider).certificate;
    let test = move |_| {
        runner.run.run(());
        focus("test-heading");
    };
    view! {
        <div class="form-success banner" role="status">
            <p>
                <strong>{format!("{} account linked.", provider.label())}</strong>
                {if uses_certificate {
                    " Its private key stays in the browser that made it. Next: upload the certificate in Entra, then test the connection."
                } else {
                    " The role you created trusts only Xops's AWS account, and only with the External ID below. Next: test the connection."
                }}
            </p>
            {uses_certificate.then(|| view! {
                <details class="upload-steps">
                    <summary>"How to upload the certificate"</summary>
                    <ol>
                        <li>"In the Microsoft Entra admin center, open App registrations, then the app you registered for Xops."</li>
                        <li>"Open Certificates & secrets, then the Certificates tab, and choose Upload certificate."</li>
                        <li>"Choose the .cer file this browser downloaded (its thumbprint is shown under Certificate below), and select Add."</li>
                    </ol>
                </details>
            })}
            <button type="button" class="button small" on:click=test>"Test connection"</button>
        </div>
    }
}

#[component]
fn AccountView(id: RecordId, org: OrganizationId, provider: Provider, account: Memo<Option<LinkedAccount>>) -> impl IntoView {
    let query = use_query_map();
    let can_change = Session::expect_context().can_change_accounts();
    let this = Account {
        id: StoredValue::new(id.clone()),
        org: StoredValue::new(org),
        provider,
        current: account,
        held: RwSignal::new(None),
        can_change,
    };
    this.look_for_keys();
    let runner = TestRunner::new(account, id.clone(), this.org);
    // The banner goes once a test has a result (kept, or this tab's).
    let tested = move || {
        account.with(|a| a.as_ref().is_some_and(|a| a.integration.last_test.is_some())) || runner.fresh.with(Option::is_some)
    };
    let just_linked = move || query.with(|q| q.get("linked").is_some()) && !tested();
    let uses_certificate = crate::link_kinds::LinkKind::of(provider).certificate;
    // Memos: the values (and their Copy buttons) are built anew when they change, not on every
    // change to the record.
    let name = Memo::new(move |_| account.with(|a| a.as_ref().map(|a| a.integration.name.as_str().to_string())));
    let details =
        Memo::new(move |_| account.with(|a| a.as_ref().map(|a| detail_rows(a.integration.details.clone())).unwrap_or_default()));

    view! {
        <PageHeading title=Signal::derive(move || name.get().unwrap_or_default())/>
        <When when=just_linked>
            <LinkedBanner provider=provider runner=runner/>
        </When>
        <StatusSummary account=account runner=runner can_change=can_change/>
        <When when=move || !can_change.get()>
            <ViewerNote text="You are a viewer in this organization: you can see this account, its certificate and its history, but not change or test it. An owner or admin can."/>
        </When>
        <When when=move || account.get().is_some_and(|a| a.pending)>
            <p class="pending-note">"Changes to this account have not reached Xops yet; they are kept on this device and sent when the connection is back."</p>
        </When>
        // On a wide screen the details are open; on a phone they wait behind one line, so that
        // the status and the next step fill the first screen.
        <details class="account-details" open=wide_screen()>
        <summary>"Account details"</summary>
        <dl class="details">
            <dt>"Provider"</dt>
            <dd>{provider.label()}</dd>
            <dt>{name_label(provider)}</dt>
            <dd class="with-copy">
                {move || name.get().map(|n| view! { <code>{n.clone()}</code><CopyButton text=n what=name_label(provider)/> })}
            </dd>
            {move || details.get().into_iter().map(|(k, v)| view! {
                <dt>{k}</dt>
                <dd class="with-copy"><code>{v.clone()}</code><CopyButton text=v what=k/></dd>
            }).collect_view()}
        </dl>
        </details>

        // The common things first (test, certificate), then who and what can use the account,
        // then the rare ones (rename, disconnect).
        <ConnectionTestSection account=account provider=provider held=this.held runner=runner can_change=can_change/>
        {uses_certificate.then(|| view! { <CertificateSection account=this/> })}
        <When when=move || uses_certificate && can_change.get()>
            <BrowsersSection account=this/>
        </When>
        {uses_certificate.then(|| view! { <tickets::TicketsSection account=this/> })}
        // Rare, and one of them destructive: open on a wide screen, one line on a phone.
        <When when=move || can_change.get()>
            <details class="panel panel-pair" open=wide_screen()>
                <summary><h2>"Rename or disconnect"</h2></summary>
                <RenameSection account=this/>
                <DisconnectSection account=this/>
            </details>
        </When>
        // It follows the account: a test kept, a rename or a new certificate shows here as it lands.
        <HistorySection account=id changed=Signal::derive(move || account.track())/>
    }
}
