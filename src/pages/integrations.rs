use crate::components::certificate::{expiry_class, now_ms};
use crate::components::cloud_card::{Cloud, CloudCardBody, CloudLink};
use crate::components::page::PageHeading;
use crate::keys::KeyStore;
use crate::pages::link_m365::{draft_name, M365Draft};
use crate::session::Session;
use crate::sync::local::LocalRecord;
use crate::sync::SyncEngine;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use xops_model::{Integration, Provider, RecordKind};

/// An integration record as the pages show it.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkedAccount {
    pub id: String,
    pub integration: Integration,
    pub pending: bool,
}

/// The organization's linked accounts, from this device's copy, sorted by name.
pub fn linked_accounts(engine: SyncEngine) -> Memo<Vec<LinkedAccount>> {
    let records = engine.records();
    Memo::new(move |_| {
        let mut list: Vec<LinkedAccount> = records
            .get()
            .into_iter()
            .filter(|r| r.record.kind == RecordKind::Integration)
            .filter_map(|LocalRecord { record, pending }| {
                let integration = serde_json::from_value(record.body?).ok()?;
                Some(LinkedAccount { id: record.id, integration, pending })
            })
            .collect();
        list.sort_by_key(|a| a.integration.name.as_str().to_lowercase());
        list
    })
}

/// Linked accounts per provider.
fn count(accounts: Memo<Vec<LinkedAccount>>, provider: Provider) -> impl Fn() -> String + Send + Sync + 'static {
    move || {
        let n = accounts.with(|l| l.iter().filter(|a| a.integration.details.provider() == provider).count());
        match n {
            0 => "No accounts linked".to_string(),
            1 => "1 account linked".to_string(),
            n => format!("{n} accounts linked"),
        }
    }
}

#[component]
pub fn Integrations() -> impl IntoView {
    let engine = SyncEngine::expect_context();
    let accounts = linked_accounts(engine);
    let microsoft_open = RwSignal::new(false);
    view! {
        <PageHeading title="Integrations"/>
        <p class="lead">"Link AWS, Azure and Microsoft accounts to Xops."</p>
        <ul class="choice-grid provider-cards">
            <li><CloudLink cloud=Cloud::Aws count=Some(Signal::derive(count(accounts, Provider::Aws)))/></li>
            <li><CloudLink cloud=Cloud::Azure count=Some(Signal::derive(count(accounts, Provider::Azure)))/></li>
            <li class="choice-with-products">
                <button
                    type="button"
                    class="choice"
                    aria-expanded=move || microsoft_open.get().to_string()
                    aria-controls="microsoft-products"
                    on:click=move |_| microsoft_open.update(|o| *o = !*o)
                >
                    <CloudCardBody cloud=Cloud::Microsoft count=Some(Signal::derive(count(accounts, Provider::Microsoft365)))/>
                </button>
                <div id="microsoft-products" class="products" hidden=move || !microsoft_open.get()>
                    <p class="products-title">"Microsoft products"</p>
                    <ul>
                        <li><A href="/integrations/microsoft/m365/new" attr:class="button">"M365"</A></li>
                    </ul>
                </div>
            </li>
        </ul>
        <UnfinishedLink/>
        <section class="panel" aria-labelledby="linked-accounts-heading">
            <h2 id="linked-accounts-heading">"Linked accounts"</h2>
            <Show
                when=move || !accounts.with(Vec::is_empty)
                fallback=|| view! { <p>"No accounts are linked yet. Choose AWS, Azure or Microsoft above to link one."</p> }
            >
                <table class="accounts">
                    <thead>
                        <tr>
                            <th scope="col">"Name"</th>
                            <th scope="col">"Provider"</th>
                            <th scope="col">"Tenant or organization"</th>
                            <th scope="col">"Status"</th>
                            <th scope="col">"Certificate"</th>
                        </tr>
                    </thead>
                    <tbody>
                        <For each=move || accounts.get() key=|a| (a.id.clone(), a.integration.name.clone(), a.pending, a.integration.certificate.as_ref().map(|c| c.sha1_thumbprint.clone()))
                            let:account>
                            <tr>
                                <td><A href=format!("/integrations/{}", account.id)>{account.integration.name.as_str().to_string()}</A></td>
                                <td>{account.integration.details.provider().label()}</td>
                                <td>{account.integration.details.target()}</td>
                                <td>{if account.pending { "Not saved yet" } else { "Connected" }}</td>
                                <td>{account.integration.certificate.as_ref().map(|c| {
                                    let e = c.expiry(now_ms());
                                    view! { <span class=expiry_class(e)>{e.describe()}</span> }.into_any()
                                }).unwrap_or_else(|| view! { <span class="muted">"None"</span> }.into_any())}</td>
                            </tr>
                        </For>
                    </tbody>
                </table>
            </Show>
        </section>
    }
}

/// A link form left half-way (say, while the person was in the Azure portal): a way back to it,
/// or to throw it away.
#[component]
fn UnfinishedLink() -> impl IntoView {
    let Some(me) = Session::expect_context().me() else { return ().into_any() };
    let (org, key) = (StoredValue::new(me.organization.id), StoredValue::new(draft_name(&me.user.id)));
    let draft = RwSignal::new(None::<M365Draft>);
    let checked = RwSignal::new(false);
    spawn_local(async move {
        if let Ok(keys) = KeyStore::open(&org.get_value()).await {
            if let Ok(Some(d)) = keys.draft::<M365Draft>(&key.get_value()).await {
                let started = !d.name.trim().is_empty() || d.certificate.is_some();
                draft.set(started.then_some(d));
            }
        }
        checked.set(true);
    });
    let discard = move |_| {
        let Some(d) = draft.get_untracked() else { return };
        spawn_local(async move {
            if let Ok(keys) = KeyStore::open(&org.get_value()).await {
                if keys.delete_draft(&key.get_value(), Some(&d.id)).await.is_ok() {
                    draft.set(None);
                }
            }
        });
    };
    view! {
        <Show
            when=move || draft.with(Option::is_some)
            fallback=move || checked.get().then(|| view! { <span data-testid="no-unfinished-link" hidden></span> })
        >
            <section class="panel notice-panel" aria-labelledby="unfinished-heading">
                <h2 id="unfinished-heading">"Unfinished link"</h2>
                <p>
                    {move || draft.with(|d| d.as_ref().map(|d| {
                        let name = if d.name.trim().is_empty() { "a Microsoft 365 account".to_string() } else { format!("“{}”", d.name.trim()) };
                        let cert = if d.certificate.is_some() { ", with its certificate made," } else { "" };
                        format!("You started linking {name}{cert} but did not connect it yet.")
                    }))}
                </p>
                <div class="actions">
                    <A href="/integrations/microsoft/m365/new" attr:class="button primary">"Continue linking"</A>
                    <button type="button" class="button" on:click=discard>"Discard"</button>
                </div>
            </section>
        </Show>
    }
    .into_any()
}
