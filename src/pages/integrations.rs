use crate::accounts::{Accounts, LinkedAccount};
use crate::components::certificate::expiry_class;
use crate::components::cloud_card::{Cloud, CloudCardBody, CloudLink};
use crate::components::page::{focus, PageHeading};
use crate::components::role::ViewerNote;
use crate::components::when::When;
use crate::erased::{local_action, local_resource};
use crate::health::{Checks, HealthBadge};
use crate::keys::{KeySlot, KeyStore};
use crate::link_kinds::LinkDraft;
use crate::link_kinds::LinkKind;
use crate::routes;
use crate::session::Session;
use crate::sync::SyncEngine;
use leptos::prelude::*;
use leptos_router::components::A;
use xops_model::{Provider, RecordId};

/// Rows per page of the list: enough to scan, and few enough that a page shows at once however
/// many accounts the organization has.
pub const PAGE_SIZE: usize = 50;

/// Page `page` (from 0) of the linked accounts: those that need attention first (most urgent
/// first: expired, failing, ending soon, not tested yet), then the rest, each group by name.
fn page_of(accounts: &Accounts, page: usize, now: i64) -> Vec<LinkedAccount> {
    let ids = accounts.by_urgency(now).into_iter().skip(page * PAGE_SIZE).take(PAGE_SIZE);
    ids.filter_map(|(id, _)| accounts.get(id).map(|a| (**a).clone())).collect()
}

/// Moves the focus once the page has rendered the change just made (a button enabled by it).
fn focus_after_render(id: &'static str) {
    request_animation_frame(move || focus(id));
}

/// Linked accounts per provider.
fn count(accounts: ReadSignal<Accounts>, provider: Provider) -> impl Fn() -> String + Send + Sync + 'static {
    move || match accounts.with(|a| a.count(provider)) {
        0 => "No accounts linked".to_string(),
        1 => "1 account linked".to_string(),
        n => format!("{n} accounts linked"),
    }
}

#[component]
pub fn Integrations() -> impl IntoView {
    let engine = SyncEngine::expect_context();
    let accounts = engine.accounts();
    let checks = Checks::expect_context();
    let can_change = Session::expect_context().can_change_accounts();
    // The page of the list on screen; kept within the list as accounts come and go.
    let page = RwSignal::new(0usize);
    let total = Memo::new(move |_| accounts.with(Accounts::len));
    let pages = move || total.get().div_ceil(PAGE_SIZE).max(1);
    let shown_page = move || page.get().min(pages() - 1);
    let rows = Memo::new(move |_| accounts.with(|a| page_of(a, shown_page(), checks.now())));
    let range = move || {
        let first = shown_page() * PAGE_SIZE;
        format!("Accounts {}–{} of {}", first + 1, (first + PAGE_SIZE).min(total.get()), total.get())
    };
    view! {
        <PageHeading title="Integrations"/>
        <p class="lead">"Link AWS, Azure and Microsoft accounts to Xops."</p>
        <When
            when=move || can_change.get()
            fallback=|| view! { <ViewerNote text="You are a viewer in this organization: you see the linked accounts and their activity. Owners and admins link and change them."/> }
        >
            <ProviderCards accounts/>
            <UnfinishedLink/>
        </When>
        <section class="panel" aria-labelledby="linked-accounts-heading">
            <h2 id="linked-accounts-heading">"Linked accounts"</h2>
            <When
                when=move || total.get() != 0
                fallback=move || view! {
                    <p>{if can_change.get_untracked() { "No accounts are linked yet. Choose AWS, Azure or Microsoft above to link one." } else { "No accounts are linked yet." }}</p>
                }
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
                        <For each=move || rows.get() key=|a| (a.id.clone(), a.integration.name.clone(), a.pending, a.integration.certificate.as_ref().map(|c| c.sha1_thumbprint.clone()))
                            let:account>
                            <AccountRow account accounts/>
                        </For>
                    </tbody>
                </table>
                <When when=move || { pages() > 1 }>
                    <nav class="pager" aria-label="Pages of linked accounts">
                        // A button that becomes disabled would drop the focus to the page: it moves
                        // to the other one instead.
                        <button type="button" class="button" id="pager-previous" disabled=move || shown_page() == 0
                            on:click=move |_| {
                                page.set(shown_page().saturating_sub(1));
                                if shown_page() == 0 { focus_after_render("pager-next") }
                            }>"Previous"</button>
                        <span class="pager-range" aria-live="polite">{range}</span>
                        <button type="button" class="button" id="pager-next" disabled=move || { shown_page() + 1 >= pages() }
                            on:click=move |_| {
                                page.set(shown_page() + 1);
                                if shown_page() + 1 >= pages() { focus_after_render("pager-previous") }
                            }>"Next"</button>
                    </nav>
                </When>
            </When>
        </section>
    }
}

/// The three clouds to link, with how many accounts each has; Microsoft opens its products.
#[component]
fn ProviderCards(accounts: ReadSignal<Accounts>) -> impl IntoView {
    let microsoft_open = RwSignal::new(false);
    view! {
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
                        <li><A href=routes::LINK_MICROSOFT_365 attr:class="button">"M365"</A></li>
                    </ul>
                </div>
            </li>
        </ul>
    }
}

/// One linked account in the list.
#[component]
fn AccountRow(account: LinkedAccount, accounts: ReadSignal<Accounts>) -> impl IntoView {
    let checks = Checks::expect_context();
    view! {
        <tr>
            <td><A href=routes::account(&account.id)>{account.integration.name.as_str().to_string()}</A></td>
            <td data-label="Provider">{account.integration.details.provider().label()}</td>
            <td data-label="Tenant or organization">{account.integration.details.target()}</td>
            <td data-label="Status">
                {
                    let id = account.id.clone();
                    let status = Signal::derive(move || accounts.with(|a| a.status(&id, checks.now())));
                    view! { <HealthBadge id=account.id.clone() status=status/> }
                }
                {account.pending.then_some(" (not saved yet)")}
            </td>
            <td data-label="Certificate">{account.integration.certificate.as_ref().map(|c| {
                let e = c.expiry(checks.now());
                view! { <span class=expiry_class(e)>{e.describe()}</span> }.into_any()
            }).unwrap_or_else(|| view! { <span class="muted">"None"</span> }.into_any())}</td>
        </tr>
    }
}

/// Link forms left half-way (say, while the person was in a cloud's console): a way back to
/// each, or to throw it away.
#[component]
fn UnfinishedLink() -> impl IntoView {
    let Some(me) = Session::expect_context().me() else { return ().into_any() };
    let (org_key, user_key) = (StoredValue::new(me.organization.id.clone()), StoredValue::new(me.user.id.clone()));
    // Each discard, once done, has the list read again (its version is the resource's source).
    let discard = local_action(move |(kind, draft_id): &(&'static LinkKind, Option<RecordId>)| {
        let (org, draft_name, slot) =
            (org_key.get_value(), kind.draft_name(&user_key.get_value()), draft_id.clone().map(KeySlot::Account));
        async move {
            let deleted =
                KeyStore::with_draft(&org, &draft_name, async |keys| keys.delete_draft(&draft_name, slot.as_ref()).await);
            if let Err(e) = deleted.await {
                leptos::logging::warn!("an unfinished link could not be discarded: {e}");
            }
        }
    });
    let drafts = local_resource(move || {
        discard.version().track();
        let (org, user) = (org_key.get_value(), user_key.get_value());
        async move {
            let Ok(keys) = KeyStore::open(&org).await else { return Vec::new() };
            let mut found = Vec::new();
            for provider in [Provider::Microsoft365, Provider::Azure, Provider::Aws] {
                let kind = LinkKind::of(provider);
                if let Ok(Some(d)) = keys.draft::<LinkDraft>(&kind.draft_name(&user)).await {
                    if d.started(kind) {
                        found.push((kind, d));
                    }
                }
            }
            found
        }
    });
    view! {
        <Transition fallback=|| ()>
            {move || drafts.get().map(|drafts| match drafts.is_empty() {
                true => view! { <span data-testid="no-unfinished-link" hidden></span> }.into_any(),
                false => view! {
                    <section class="panel notice-panel" aria-labelledby="unfinished-heading">
                        <h2 id="unfinished-heading">"Unfinished link"</h2>
                        <ul class="unfinished">
                            {drafts.into_iter().map(|(kind, d)| view! { <UnfinishedItem kind d discard/> }).collect_view()}
                        </ul>
                    </section>
                }.into_any(),
            })}
        </Transition>
    }
    .into_any()
}

/// One unfinished link: a way back to its form, or to throw it away.
#[component]
fn UnfinishedItem(
    kind: &'static LinkKind,
    d: LinkDraft,
    discard: Action<(&'static LinkKind, Option<RecordId>), ()>,
) -> impl IntoView {
    let name = d.values.get("name").map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
    let label = kind.provider.label();
    let article = if label.starts_with('A') { "an" } else { "a" };
    let name = name.map(|n| format!("“{n}”")).unwrap_or_else(|| format!("{article} {label} account"));
    let (continue_label, discard_label) = (format!("Continue linking {name}"), format!("Discard {name}"));
    let cert = if d.certificate.is_some() { ", with its certificate made," } else { "" };
    let id = d.id.clone();
    view! {
        <li>
            <p>{format!("You started linking {name}{cert} but did not connect it yet.")}</p>
            <div class="actions">
                <A href=kind.path attr:class="button primary" attr:aria-label=continue_label>"Continue linking"</A>
                <button type="button" class="button" aria-label=discard_label disabled=move || discard.pending().get()
                    on:click=move |_| { discard.dispatch_local((kind, id.clone())); }>"Discard"</button>
            </div>
        </li>
    }
}
