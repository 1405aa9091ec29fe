//! One linked account: its details (each with Copy), its certificate and whether this browser
//! holds the private key, Rename, Replace certificate and Disconnect.

mod connection_test;

use crate::accounts::{names_taken, LinkedAccount};
use crate::certificate::{self, new_credential, CredentialOptions};
use crate::components::certificate::{CertificateFacts, CredentialChoices};
use crate::components::copy::CopyButton;
use crate::components::field::TextField;
use crate::components::page::{focus, PageHeading};
use crate::keys::{next_key_id, KeyStore};
use crate::routes;
use crate::session::Session;
use crate::sync::SyncEngine;
use connection_test::{test_runner, ConnectionTestSection};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params, use_query_map};
use leptos_router::params::Params;
use xops_model::integration::AzureScope;
use xops_model::{unique_name, CertificateInfo, Integration, IntegrationDetails, Provider, RecordKind};

/// The account page's address: `/integrations/:id`.
#[derive(Params, Clone, PartialEq)]
struct AccountParams {
    id: Option<String>,
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
    let loading = move || engine.status().get() == crate::sync::SyncStatus::Loading;
    view! {
        <Show
            when=move || found.get().is_some()
            fallback=move || if loading() {
                view! { <p role="status">"Loading…"</p> }.into_any()
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
            {move || found.get().and_then(|(id, provider)| {
                let org = session.me()?.organization.id;
                Some(view! { <AccountView id=id org=org provider=provider account=account/> })
            })}
        </Show>
    }
}

fn replace_draft_name(id: &str) -> String {
    format!("{id}/replace")
}

fn name_label(provider: Provider) -> &'static str {
    crate::link_kinds::LinkKind::of(provider).name_label()
}

#[component]
fn AccountView(id: String, org: String, provider: Provider, account: Memo<Option<LinkedAccount>>) -> impl IntoView {
    let engine = SyncEngine::expect_context();
    let navigate = use_navigate();
    let query = use_query_map();
    let org = StoredValue::new(org);
    let id = StoredValue::new(id);
    let current = move || account.get();
    let integration = move || current().map(|a| a.integration);
    let just_linked = move || query.with(|q| q.get("linked").is_some());
    let uses_certificate = crate::link_kinds::LinkKind::of(provider).certificate;
    let (run_test, test_busy, test_error) = test_runner(account);
    let test_from_banner = move |_| {
        run_test.run(());
        focus("test-heading");
    };

    // Whether this browser holds the account's private key, and a replacement waiting for its upload.
    let key_here = RwSignal::new(None::<bool>);
    let replacement = RwSignal::new(None::<CertificateInfo>);
    {
        let (org, id) = (org.get_value(), id.get_value());
        spawn_local(async move {
            if let Ok(keys) = KeyStore::open(&org).await {
                key_here.set(Some(matches!(keys.key(&id).await, Ok(Some(_)))));
                if let Ok(Some(info)) = keys.draft::<CertificateInfo>(&replace_draft_name(&id)).await {
                    if matches!(keys.key(&next_key_id(&id)).await, Ok(Some(_))) {
                        replacement.set(Some(info));
                    }
                }
            } else {
                key_here.set(Some(false));
            }
        });
    }

    // Reads what it needs when called, so it may be awaited after the page is gone.
    let save = move |changed: Integration| {
        let id = id.get_value();
        async move {
            let body = serde_json::to_value(&changed).map_err(|e| e.to_string())?;
            engine.save(&id, RecordKind::Integration, body).await.map_err(|e| e.to_string())
        }
    };

    // Rename
    let new_name = RwSignal::new(integration().map(|i| i.name.as_str().to_string()).unwrap_or_default());
    let name_error = RwSignal::new(None::<String>);
    let saved = RwSignal::new(None::<String>);
    let accounts = engine.accounts();
    let rename = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(None);
        let Some(mut changed) = integration() else { return };
        let taken = accounts.with_untracked(|l| names_taken(l, provider, Some(&id.get_value())));
        changed.name = match unique_name(&new_name.get_untracked(), taken.iter().map(String::as_str)) {
            Ok(n) => n,
            Err(e) => return name_error.set(Some(e.message)),
        };
        name_error.set(None);
        changed.updated_at = js_sys::Date::now() as i64;
        let saving = save(changed);
        spawn_local(async move {
            match saving.await {
                Ok(()) => saved.set(Some("Renamed.".into())),
                Err(e) => name_error.set(Some(e)),
            }
        });
    };

    // Replace certificate: a new key and certificate wait beside the current ones until the
    // person confirms they uploaded the new certificate; then the record points to it and the
    // old key is deleted.
    let replace_options = RwSignal::new(CredentialOptions::default());
    let replace_busy = RwSignal::new(false);
    let replace_status = RwSignal::new(String::new());
    let replace_error = RwSignal::new(None::<String>);
    let start_replace = move |_| {
        if replace_busy.get_untracked() {
            return;
        }
        let Some(name) = integration().map(|i| i.name.as_str().to_string()) else { return };
        replace_error.set(None);
        replace_busy.set(true);
        replace_status.set("Generating the new key pair and certificate…".into());
        let (org, id) = (org.get_value(), id.get_value());
        spawn_local(async move {
            let outcome = async {
                let cred = new_credential(&name, replace_options.get_untracked(), js_sys::Date::now())
                    .await
                    .map_err(|e| e.to_string())?;
                let keys = KeyStore::open(&org).await.map_err(|e| e.to_string())?;
                keys.put_draft_and_key(&replace_draft_name(&id), &cred.certificate, &next_key_id(&id), &cred.private_key)
                    .await
                    .map_err(|e| format!("the new private key could not be kept in this browser: {e}"))?;
                certificate::download(&name, &cred.certificate.pem).map_err(|e| e.to_string())?;
                Ok::<_, String>((cred.certificate, certificate::file_name(&name)))
            }
            .await;
            match outcome {
                Ok((info, file)) => {
                    replacement.set(Some(info));
                    replace_status.set(format!(
                        "New certificate downloaded as “{file}”. Upload it to the app registration, then confirm below."
                    ));
                }
                Err(e) => {
                    replace_status.set(String::new());
                    replace_error.set(Some(format!("The new certificate could not be made: {e}")));
                }
            }
            replace_busy.set(false);
        });
    };
    let confirm_replace = move |_| {
        let (Some(info), Some(mut changed)) = (replacement.get_untracked(), integration()) else { return };
        changed.certificate = Some(info);
        changed.updated_at = js_sys::Date::now() as i64;
        replace_busy.set(true);
        let (org, id) = (org.get_value(), id.get_value());
        let saving = save(changed);
        spawn_local(async move {
            let outcome = async {
                saving.await?;
                let keys = KeyStore::open(&org).await.map_err(|e| e.to_string())?;
                keys.promote_key(&next_key_id(&id), &id).await.map_err(|e| e.to_string())?;
                keys.delete_draft(&replace_draft_name(&id), None).await.map_err(|e| e.to_string())
            }
            .await;
            match outcome {
                Ok(()) => {
                    replacement.set(None);
                    key_here.set(Some(true));
                    replace_status.set(
                        "Certificate replaced. You can delete the old certificate from the app registration in Entra.".into(),
                    );
                }
                Err(e) => replace_error.set(Some(format!("The certificate could not be replaced: {e}"))),
            }
            replace_busy.set(false);
        });
    };
    let cancel_replace = move |_| {
        let (org, id) = (org.get_value(), id.get_value());
        spawn_local(async move {
            let removed = match KeyStore::open(&org).await {
                Ok(keys) => keys.delete_draft(&replace_draft_name(&id), Some(&next_key_id(&id))).await,
                Err(e) => Err(e),
            };
            if let Err(e) = removed {
                leptos::logging::warn!("the cancelled replacement's key could not be removed from this browser: {e}");
            }
            replacement.set(None);
            replace_status.set("Replacement cancelled; the current certificate stays.".into());
        });
    };
    let download_current = move |_| {
        if let Some(i) = integration() {
            if let Some(c) = &i.certificate {
                let _ = certificate::download(i.name.as_str(), &c.pem);
            }
        }
    };

    // Disconnect
    let confirming = RwSignal::new(false);
    let disconnect_error = RwSignal::new(None::<String>);
    let disconnect = move |_| {
        let navigate = navigate.clone();
        let (org, id) = (org.get_value(), id.get_value());
        spawn_local(async move {
            match engine.delete(&id).await {
                Ok(()) => {
                    let removed = match KeyStore::open(&org).await {
                        Ok(keys) => match keys.delete_key(&id).await {
                            Ok(()) => keys.delete_draft(&replace_draft_name(&id), Some(&next_key_id(&id))).await,
                            Err(e) => Err(e),
                        },
                        Err(e) => Err(e),
                    };
                    if let Err(e) = removed {
                        // The account is gone; its key is unusable without it, but say so.
                        leptos::logging::warn!("the disconnected account's key could not be removed from this browser: {e}");
                    }
                    navigate(routes::INTEGRATIONS, Default::default())
                }
                Err(e) => disconnect_error.set(Some(e.to_string())),
            }
        });
    };

    let details = move || -> Vec<(&'static str, String)> {
        match integration().map(|i| i.details) {
            Some(IntegrationDetails::Microsoft365(d)) => vec![
                ("Tenant ID", d.tenant_id.to_string()),
                ("Application ID", d.application_id.to_string()),
                ("Organization Name", d.organization.as_str().to_string()),
            ],
            Some(IntegrationDetails::Azure(d)) => {
                let scope = match d.scope {
                    AzureScope::Subscription { subscription_id } => ("Subscription ID", subscription_id.to_string()),
                    AzureScope::ManagementGroup { management_group_id } => {
                        ("Management group ID", management_group_id.as_str().to_string())
                    }
                };
                vec![("Tenant ID", d.tenant_id.to_string()), ("Application ID", d.application_id.to_string()), scope]
            }
            Some(IntegrationDetails::Aws(d)) => vec![
                ("AWS Account Type", d.account_type.label().to_string()),
                ("AWS Role ARN", d.role_arn.as_str().to_string()),
                ("AWS account ID", d.role_arn.account_id().to_string()),
                ("External ID", d.external_id.as_str().to_string()),
            ],
            None => vec![],
        }
    };

    view! {
        <PageHeading title=Signal::derive(move || integration().map(|i| i.name.as_str().to_string()).unwrap_or_default())/>
        <Show when=just_linked>
            <p class="form-success banner" role="status">
                {format!("{} account linked.", provider.label())}
                {if uses_certificate {
                    " Its private key stays in the browser that made it: connection tests and certificate renewals run from a browser that holds the key. Once the certificate is uploaded to the app registration, test it: "
                } else {
                    " The role you created trusts only Xops's AWS account, and only with the External ID below."
                }}
                {uses_certificate.then(|| view! {
                    <button type="button" class="button small" on:click=test_from_banner>"Test connection"</button>
                })}
            </p>
        </Show>
        <Show when=move || current().is_some_and(|a| a.pending)>
            <p class="pending-note">"Changes to this account have not reached Xops yet; they are kept on this device and sent when the connection is back."</p>
        </Show>
        <dl class="details">
            <dt>"Provider"</dt>
            <dd>{provider.label()}</dd>
            <dt>{name_label(provider)}</dt>
            <dd class="with-copy">
                {move || integration().map(|i| { let n = i.name.as_str().to_string(); view! { <code>{n.clone()}</code><CopyButton text=n what=name_label(provider)/> } })}
            </dd>
            {move || details().into_iter().map(|(k, v)| view! {
                <dt>{k}</dt>
                <dd class="with-copy"><code>{v.clone()}</code><CopyButton text=v what=k/></dd>
            }).collect_view()}
        </dl>

        {uses_certificate.then(|| view! { <ConnectionTestSection account=account run=run_test busy=test_busy error=test_error/> })}
        <section class="panel" aria-labelledby="certificate-heading" hidden=!uses_certificate>
            <h2 id="certificate-heading">"Certificate"</h2>
            {move || match integration().and_then(|i| i.certificate) {
                Some(info) => {
                    let held_by = info.key_held_by.clone();
                    view! {
                        <CertificateFacts info=info/>
                        <p data-testid="key-location">
                            {move || match key_here.get() {
                                None => "Looking for the private key in this browser…".to_string(),
                                Some(true) => "Private key: held by this browser (it cannot be read out or sent anywhere).".to_string(),
                                Some(false) => format!("Private key: not in this browser. It was made in {held_by}; to use this account from here, replace the certificate."),
                            }}
                        </p>
                        <button type="button" class="button subtle" on:click=download_current>"Download certificate"</button>
                    }.into_any()
                }
                None => view! { <p>"This account has no certificate yet. Replace certificate makes one."</p> }.into_any(),
            }}
            <h3>"Replace certificate"</h3>
            <Show
                when=move || replacement.with(Option::is_some)
                fallback=move || view! {
                    <p>"Makes a new key pair and certificate in this browser and downloads the certificate. The current one keeps working until you confirm the new one is uploaded."</p>
                    <CredentialChoices options=replace_options id_prefix="replace-"/>
                    <div class="actions">
                        <button type="button" class="button" on:click=start_replace disabled=move || replace_busy.get()>"Replace certificate"</button>
                    </div>
                }
            >
                <p>"New certificate (not in use yet):"</p>
                {move || replacement.get().map(|info| view! { <CertificateFacts info=info/> })}
                <p>"Upload it in the Microsoft Entra admin center: the app registration → Certificates & secrets → Certificates → Upload certificate. Then:"</p>
                <div class="actions">
                    <button type="button" class="button primary" on:click=confirm_replace disabled=move || replace_busy.get()>"I have uploaded the new certificate"</button>
                    <button type="button" class="button" on:click=cancel_replace>"Cancel replacement"</button>
                </div>
            </Show>
            <p class="progress" role="status">
                {move || replace_busy.get().then(|| view! { <span class="spinner" aria-hidden="true"></span> })}
                {move || replace_status.get()}
            </p>
            <p class="field-error" role="alert" hidden=move || replace_error.get().is_none()>{move || replace_error.get().unwrap_or_default()}</p>
        </section>

        <section class="panel" aria-labelledby="rename-heading">
            <h2 id="rename-heading">"Rename"</h2>
            <form class="form inline-form" on:submit=rename novalidate>
                <TextField id="account-name" label=name_label(provider) value=new_name error=name_error/>
                <button class="button primary" type="submit">"Rename"</button>
                <p class="form-success" role="status">{move || saved.get().unwrap_or_default()}</p>
            </form>
        </section>
        <section class="panel" aria-labelledby="disconnect-heading">
            <h2 id="disconnect-heading">"Disconnect"</h2>
            <p>"The account is removed from your organization in Xops, and this browser deletes the private key it holds for it, if any. Remove the certificate or the role in your cloud as well if nothing else uses it. You can link the account again later."</p>
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
