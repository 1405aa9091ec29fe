//! One linked account: its details, Rename and Disconnect.

use super::integrations::{linked_accounts, LinkedAccount};
use crate::components::field::TextField;
use crate::components::page::PageHeading;
use crate::sync::SyncEngine;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use xops_model::{AccountName, IntegrationDetails, RecordKind};

#[component]
pub fn IntegrationDetail() -> impl IntoView {
    let engine = SyncEngine::expect_context();
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()));
    let accounts = linked_accounts(engine);
    let account = Memo::new(move |_| accounts.with(|list| list.iter().find(|a| a.id == id.get()).cloned()));
    let loading = move || engine.status().get() == crate::sync::SyncStatus::Loading;
    view! {
        <Show
            when=move || account.get().is_some()
            fallback=move || if loading() {
                view! { <p role="status">"Loading…"</p> }.into_any()
            } else {
                view! {
                    <PageHeading title="Account not found"/>
                    <p>"This account is not linked (it may have been disconnected)."</p>
                    <p><A href="/integrations">"Back to Integrations"</A></p>
                }.into_any()
            }
        >
            {move || account.get().map(|a| view! { <AccountView account=a/> })}
        </Show>
    }
}

#[component]
fn AccountView(account: LinkedAccount) -> impl IntoView {
    let engine = SyncEngine::expect_context();
    let navigate = use_navigate();
    let LinkedAccount { id, integration, pending } = account;
    let details = match &integration.details {
        IntegrationDetails::Microsoft365(d) => vec![
            ("Provider", "Microsoft 365".to_string()),
            ("Tenant ID", d.tenant_id.to_string()),
            ("Application ID", d.application_id.to_string()),
            ("Organization Name", d.organization.as_str().to_string()),
        ],
    };

    let new_name = RwSignal::new(integration.name.as_str().to_string());
    let name_error = RwSignal::new(None::<String>);
    let saved = RwSignal::new(None::<String>);
    let rename = {
        let (id, integration) = (id.clone(), integration.clone());
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            saved.set(None);
            let name = match AccountName::parse(&new_name.get_untracked()) {
                Ok(n) => n,
                Err(e) => return name_error.set(Some(e.message)),
            };
            name_error.set(None);
            let mut changed = integration.clone();
            changed.name = name;
            changed.updated_at = js_sys::Date::now() as i64;
            let (id, body) = (id.clone(), serde_json::to_value(&changed).unwrap_or_default());
            spawn_local(async move {
                match engine.save(&id, RecordKind::Integration, body).await {
                    Ok(()) => saved.set(Some("Renamed.".into())),
                    Err(e) => name_error.set(Some(e.to_string())),
                }
            });
        }
    };

    let confirming = RwSignal::new(false);
    let disconnect_error = RwSignal::new(None::<String>);
    let disconnect = {
        let id = id.clone();
        move |_| {
            let (id, navigate) = (id.clone(), navigate.clone());
            spawn_local(async move {
                match engine.delete(&id).await {
                    Ok(()) => navigate("/integrations", Default::default()),
                    Err(e) => disconnect_error.set(Some(e.to_string())),
                }
            });
        }
    };

    view! {
        <PageHeading title=integration.name.as_str().to_string()/>
        {pending.then(|| view! { <p class="pending-note">"Changes to this account have not reached Xops yet; they are kept on this device and sent when the connection is back."</p> })}
        <dl class="details">
            {details.into_iter().map(|(k, v)| view! { <dt>{k}</dt><dd><code>{v}</code></dd> }).collect_view()}
        </dl>
        <section class="panel" aria-labelledby="rename-heading">
            <h2 id="rename-heading">"Rename"</h2>
            <form class="form inline-form" on:submit=rename novalidate>
                <TextField id="account-name" label="Microsoft Account Name" value=new_name error=name_error/>
                <button class="button primary" type="submit">"Rename"</button>
                <p class="form-success" role="status">{move || saved.get().unwrap_or_default()}</p>
            </form>
        </section>
        <section class="panel" aria-labelledby="disconnect-heading">
            <h2 id="disconnect-heading">"Disconnect"</h2>
            <p>"Xops stops using this account. You can link it again later."</p>
            <Show
                when=move || confirming.get()
                fallback=move || view! { <button class="button danger" on:click=move |_| confirming.set(true)>"Disconnect"</button> }
            >
                <div class="confirm" role="alertdialog" aria-labelledby="confirm-text">
                    <p id="confirm-text">"Disconnect this account from Xops?"</p>
                    <button class="button danger" on:click=disconnect.clone()>"Yes, disconnect"</button>
                    <button class="button" on:click=move |_| confirming.set(false)>"Cancel"</button>
                </div>
            </Show>
            <p class="field-error" role="alert" hidden=move || disconnect_error.get().is_none()>{move || disconnect_error.get().unwrap_or_default()}</p>
        </section>
    }
}
