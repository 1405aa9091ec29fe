//! Disconnect, after a confirmation: the account is removed for the organization, and this
//! browser deletes the keys it holds for it.

use super::certificate::replace_draft_name;
use super::Account;
use crate::components::feedback::ErrorLine;
use crate::components::when::When;
use crate::erased::local_action;
use crate::keys::{KeySlot, KeyStore};
use crate::routes;
use crate::sync::SyncEngine;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use xops_model::Problem;

#[component]
pub(super) fn DisconnectSection(account: Account) -> impl IntoView {
    let engine = SyncEngine::expect_context();
    let navigate = use_navigate();
    let confirming = RwSignal::new(false);
    let disconnect_error = RwSignal::new(None::<Problem>);
    let disconnecting = local_action(move |_: &()| {
        let navigate = navigate.clone();
        let (org, id) = (account.org.get_value(), account.id.get_value());
        async move {
            if let Err(e) = engine.delete(&id).await {
                return disconnect_error.set(Some(e.into()));
            }
            // Its keys, and any key a replacement or a renewal left half-way.
            let removed = async {
                let keys = KeyStore::open(&org).await?;
                keys.delete_key(&KeySlot::Account(id.clone())).await?;
                keys.delete_key(&KeySlot::Renewing(id.clone())).await?;
                // Every other-browser slot, listed or not (a request declined elsewhere leaves one).
                for slot in keys.browser_slots(&id).await? {
                    keys.delete_key(&slot).await?;
                }
                keys.delete_draft(&replace_draft_name(&id), Some(&KeySlot::Next(id.clone()))).await
            }
            .await;
            if let Err(e) = removed {
                // The account is gone; its key is unusable without it, but say so.
                leptos::logging::warn!("the disconnected account's key could not be removed from this browser: {e}");
            }
            navigate(routes::INTEGRATIONS, Default::default())
        }
    });
    view! {
        <section aria-labelledby="disconnect-heading">
            <h3 id="disconnect-heading">"Disconnect"</h3>
            <When
                when=move || confirming.get()
                fallback=move || view! {
                    <p>"Removes the account from Xops; you can link it again later."</p>
                    <button class="button danger" on:click=move |_| confirming.set(true)>"Disconnect"</button>
                }
            >
                // What goes, said where the person decides.
                <div class="confirm" role="alertdialog" aria-labelledby="confirm-text" aria-describedby="confirm-detail">
                    <p id="confirm-text"><strong>"Disconnect this account from Xops?"</strong></p>
                    <p id="confirm-detail">"It is removed for everyone in your organization, and this browser deletes the private key it holds for it, if any. Remove the certificate or the role in your cloud as well if nothing else uses it."</p>
                    <button class="button danger" on:click=move |_| { disconnecting.dispatch_local(()); }
                        disabled=move || disconnecting.pending().get()>"Yes, disconnect"</button>
                    <button class="button" on:click=move |_| confirming.set(false)>"Cancel"</button>
                </div>
            </When>
            <ErrorLine error=disconnect_error/>
        </section>
    }
}
