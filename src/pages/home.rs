use crate::accounts::{Accounts, LinkedAccount};
use crate::components::certificate::{expiry_class, needing_attention, now_ms};
use crate::components::page::PageHeading;
use crate::components::redirect::ReplaceWith;
use crate::keys::{browser_key_id, KeyStore};
use crate::routes;
use crate::session::Session;
use crate::sync::SyncEngine;
use leptos::prelude::*;
use leptos_router::components::A;
use xops_model::{Expiry, Provider};

/// This browser's own certificates among other browsers' (Add this browser) that need attention,
/// found by the keys it holds (`slots`). Only this browser can renew them, so only its Home counts
/// them.
fn own_needing_attention(accounts: &Accounts, slots: &[String]) -> Vec<(LinkedAccount, Expiry)> {
    let now = now_ms();
    accounts
        .with_certificate()
        .flat_map(|a| {
            let own =
                a.integration.other_certificates.iter().filter(|c| slots.contains(&browser_key_id(&a.id, &c.sha1_thumbprint)));
            own.map(|c| ((**a).clone(), c.expiry(now))).collect::<Vec<_>>()
        })
        .filter(|(_, e)| e.needs_attention())
        .collect()
}

/// How many certificates need attention (ending within 60 days, or ended), each linked to its
/// account: the accounts' own, and this browser's own among other browsers'. Nothing when none do.
#[component]
fn CertificatesNeedingAttention(accounts: ReadSignal<Accounts>) -> impl IntoView {
    let organization = Session::expect_context().me().map(|m| m.organization.id);
    // The keys this browser holds, by slot (one read; none when the key store cannot be read).
    let slots = LocalResource::new(move || {
        let organization = organization.clone();
        async move {
            let Some(organization) = organization else { return Vec::new() };
            let slots = async { KeyStore::open(&organization).await?.slots_under("").await };
            slots.await.unwrap_or_else(|e| {
                leptos::logging::warn!("Home could not read this browser's keys: {e}");
                Vec::new()
            })
        }
    });
    let attention = Memo::new(move |_| {
        let slots = slots.get().unwrap_or_default();
        accounts.with(|a| {
            let main = needing_attention(a).into_iter().map(|(account, e)| (account, e, false));
            let mut list: Vec<_> = main.chain(own_needing_attention(a, &slots).into_iter().map(|(a, e)| (a, e, true))).collect();
            list.sort_by_key(|(_, e, _)| std::cmp::Reverse(e.urgency()));
            list
        })
    });
    move || {
        let list = attention.get();
        (!list.is_empty()).then(|| {
            let heading = match list.len() {
                1 => "1 certificate needs attention".to_string(),
                n => format!("{n} certificates need attention"),
            };
            view! {
                <section class="panel" aria-labelledby="attention-heading" data-testid="certificates-attention">
                    <h2 id="attention-heading">{heading}</h2>
                    <ul class="attention-list">
                        {list.into_iter().map(|(account, expiry, own)| view! {
                            <li>
                                <A href=routes::account(&account.id)>{account.integration.name.as_str().to_string()}</A>
                                {own.then_some(" (this browser's own certificate)")}
                                ": " <span class=expiry_class(expiry)>{expiry.describe()}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                </section>
            }
        })
    }
}

#[component]
pub fn Home() -> impl IntoView {
    let session = Session::expect_context();
    let engine = SyncEngine::expect_context();
    let me = move || session.me();
    let connected = crate::accounts::has_connected_account(session, crate::sync::SyncEngine::expect_context());
    // A viewer cannot link the first account, so is never sent to the picker.
    let can_change = session.can_change_accounts();
    // Linked accounts, as this device's copy holds them (they update as records sync): counted
    // by provider, and those whose certificates need attention.
    let accounts = engine.accounts();
    let by_provider = Memo::new(move |_| {
        accounts.with(|a| {
            [Provider::Microsoft365, Provider::Azure, Provider::Aws].into_iter().map(|p| (p, a.count(p))).collect::<Vec<_>>()
        })
    });
    view! {
        // Until the organization has connected an account, the first-login picker comes first.
        <Show when=move || connected() || !can_change.get() fallback=|| view! { <ReplaceWith to=routes::WELCOME/> }>
            <PageHeading title="Home"/>
            <p class="lead">
                "Welcome, " <strong>{move || me().map(|m| m.user.email).unwrap_or_default()}</strong>
                ". You are working in " <strong>{move || me().map(|m| m.organization.name).unwrap_or_default()}</strong> "."
            </p>
            <section class="panel" aria-labelledby="linked-heading">
                <h2 id="linked-heading">"Linked accounts"</h2>
                <ul class="summary">
                    <For each=move || by_provider.get() key=|(p, n)| (*p, *n) let:item>
                        <li>
                            <span class="summary-count">{item.1}</span>
                            <span>{item.0.label()}</span>
                        </li>
                    </For>
                </ul>
                <A href=routes::INTEGRATIONS attr:class="button primary">"Manage integrations"</A>
            </section>
            <CertificatesNeedingAttention accounts=accounts/>
        </Show>
    }
}
