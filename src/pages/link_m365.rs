//! "Link a New Microsoft Account": the form, the in-browser certificate, the Entra instructions
//! and Connect. The draft (what was typed, the certificate and its key) is kept in this browser
//! after every change, so the person can go to the Azure portal in this tab and come back.

use crate::certificate::{self, new_credential, CredentialOptions};
use crate::components::certificate::{CertificateFacts, CredentialChoices};
use crate::components::field::TextField;
use crate::components::page::PageHeading;
use crate::keys::KeyStore;
use crate::pages::integrations::linked_accounts;
use crate::session::Session;
use crate::sync::SyncEngine;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use serde::{Deserialize, Serialize};
use xops_model::{
    unique_name, ApplicationId, CertificateInfo, FieldError, Integration, IntegrationDetails, IntegrationStatus, M365Input,
    OrganizationDomain, Provider, RecordKind, TenantId,
};

/// The unfinished form, as kept in IndexedDB (the key itself is stored beside it, under `id`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct M365Draft {
    /// The id the account will have once connected; its key is kept under it.
    pub id: String,
    pub name: String,
    pub tenant_id: String,
    pub application_id: String,
    pub organization: String,
    #[serde(default)]
    pub options: CredentialOptions,
    pub certificate: Option<CertificateInfo>,
}

pub fn draft_name(user_id: &str) -> String {
    format!("{user_id}/microsoft365/new")
}

fn new_id() -> String {
    web_sys::window().and_then(|w| w.crypto().ok()).map(|c| c.random_uuid()).unwrap_or_default()
}

fn focus(id: &str) {
    if let Some(el) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id(id)) {
        let _ = wasm_bindgen::JsCast::unchecked_ref::<web_sys::HtmlElement>(&el).focus();
    }
}

#[derive(Clone, Copy)]
struct Field {
    value: RwSignal<String>,
    error: RwSignal<Option<String>>,
    id: &'static str,
}

impl Field {
    fn new(id: &'static str) -> Field {
        Field { value: RwSignal::new(String::new()), error: RwSignal::new(None), id }
    }
    fn show(&self, r: Result<(), FieldError>) {
        self.error.set(r.err().map(|e| e.message));
    }
}

#[component]
pub fn LinkMicrosoft365() -> impl IntoView {
    let session = Session::expect_context();
    let engine = SyncEngine::expect_context();
    let navigate = use_navigate();
    let Some(me) = session.me() else { return view! { <p role="status">"Loading…"</p> }.into_any() };
    let org = StoredValue::new(me.organization.id.clone());
    let draft_key = StoredValue::new(draft_name(&me.user.id));

    let id = RwSignal::new(String::new());
    let name = Field::new("account-name");
    let tenant = Field::new("tenant-id");
    let application = Field::new("application-id");
    let organization = Field::new("organization-name");
    let fields = [name, tenant, application, organization];
    let options = RwSignal::new(CredentialOptions::default());
    let certificate = RwSignal::new(None::<CertificateInfo>);
    let loaded = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let progress = RwSignal::new(String::new());
    let cert_error = RwSignal::new(None::<String>);
    let form_error = RwSignal::new(None::<String>);
    let guide_open = RwSignal::new(false);

    // Names already used by the organization's Microsoft accounts.
    let accounts = linked_accounts(engine);
    let taken = move || -> Vec<String> {
        accounts.with(|list| {
            list.iter()
                .filter(|a| a.integration.details.provider() == Provider::Microsoft365)
                .map(|a| a.integration.name.as_str().to_string())
                .collect()
        })
    };
    let check_name = move || name.show(unique_name(&name.value.get_untracked(), taken().iter().map(String::as_str)).map(drop));
    let input = move || (name.value.get(), tenant.value.get(), application.value.get(), organization.value.get());
    let parsed = move || {
        let (n, t, a, o) = input();
        let taken = taken();
        M365Input { name: &n, tenant_id: &t, application_id: &a, organization: &o }.parse(taken.iter().map(String::as_str))
    };
    let draft = move || {
        let (n, t, a, o) = input();
        M365Draft {
            id: id.get(),
            name: n,
            tenant_id: t,
            application_id: a,
            organization: o,
            options: options.get(),
            certificate: certificate.get(),
        }
    };

    // Restore the draft, if there is one; otherwise start one with a fresh id.
    spawn_local(async move {
        let result = async {
            let keys = KeyStore::open(&org.get_value()).await?;
            let saved: Option<M365Draft> = keys.draft(&draft_key.get_value()).await?;
            let key_present = match &saved {
                Some(d) if d.certificate.is_some() => keys.key(&d.id).await?.is_some(),
                _ => false,
            };
            Ok::<_, crate::sync::idb::IdbError>((saved, key_present))
        }
        .await;
        match result {
            Ok((Some(d), key_present)) => {
                id.set(d.id);
                name.value.set(d.name);
                tenant.value.set(d.tenant_id);
                application.value.set(d.application_id);
                organization.value.set(d.organization);
                options.set(d.options);
                if d.certificate.is_some() && !key_present {
                    cert_error.set(Some(
                        "The key of the certificate made earlier is no longer in this browser. Generate a new one and upload it instead.".into(),
                    ));
                } else {
                    certificate.set(d.certificate);
                }
            }
            Ok((None, _)) => id.set(new_id()),
            Err(e) => {
                id.set(new_id());
                form_error.set(Some(format!("Your unfinished form could not be restored ({e}). You can fill it in again.")));
            }
        }
        loaded.set(true);
    });

    // Keep the draft after every change (only once the saved one has been read back).
    Effect::new(move |_| {
        let d = draft();
        if !loaded.get() {
            return;
        }
        spawn_local(async move {
            let saved = async { KeyStore::open(&org.get_value()).await?.put_draft(&draft_key.get_value(), &d).await }.await;
            if let Err(e) = saved {
                form_error
                    .set(Some(format!("Your form could not be kept in this browser ({e}); finish it before leaving the page.")));
            }
        });
    });

    let generate = move |_| {
        if busy.get_untracked() {
            return;
        }
        cert_error.set(None);
        let account = match unique_name(&name.value.get_untracked(), taken().iter().map(String::as_str)) {
            Ok(n) => n,
            Err(e) => {
                name.error.set(Some(e.message));
                cert_error
                    .set(Some("Enter the Microsoft Account Name first: the certificate and its file are named after it.".into()));
                focus(name.id);
                return;
            }
        };
        busy.set(true);
        progress.set("Generating the key pair and certificate…".into());
        spawn_local(async move {
            let outcome = async {
                let cred = new_credential(account.as_str(), options.get_untracked(), js_sys::Date::now())
                    .await
                    .map_err(|e| format!("The certificate could not be made: {e}"))?;
                progress.set("Keeping the private key in this browser…".into());
                let mut d = draft_untracked(id, fields, options, certificate);
                d.certificate = Some(cred.certificate.clone());
                let keys = KeyStore::open(&org.get_value()).await.map_err(|e| e.to_string())?;
                keys.put_draft_and_key(&draft_key.get_value(), &d, &d.id, &cred.private_key)
                    .await
                    .map_err(|e| format!("The private key could not be kept in this browser: {e}"))?;
                certificate::download(account.as_str(), &cred.certificate.pem)
                    .map_err(|e| format!("The download did not start: {e}"))?;
                Ok::<_, String>((cred.certificate, certificate::file_name(account.as_str())))
            }
            .await;
            match outcome {
                Ok((info, file)) => {
                    certificate.set(Some(info));
                    progress.set(format!("Certificate made and downloaded as “{file}”."));
                }
                Err(e) => {
                    progress.set(String::new());
                    cert_error.set(Some(e));
                }
            }
            busy.set(false);
        });
    };

    let download_again = move |_| {
        if let Some(info) = certificate.get_untracked() {
            if let Err(e) = certificate::download(&name.value.get_untracked(), &info.pem) {
                cert_error.set(Some(format!("The download did not start: {e}")));
            }
        }
    };

    let ready = move || parsed().is_ok() && certificate.with(Option::is_some) && !busy.get();
    let connecting = RwSignal::new(false);
    let connect = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if connecting.get_untracked() {
            return;
        }
        form_error.set(None);
        let (account, details) = match parsed() {
            Ok(v) => {
                fields.iter().for_each(|f| f.error.set(None));
                v
            }
            Err(errors) => {
                for f in fields {
                    let field_name = match f.id {
                        "account-name" => "name",
                        "tenant-id" => TenantId::FIELD,
                        "application-id" => ApplicationId::FIELD,
                        _ => OrganizationDomain::FIELD,
                    };
                    f.error.set(errors.iter().find(|e| e.field == field_name).map(|e| e.message.clone()));
                }
                if let Some(first) = fields.iter().find(|f| f.error.get_untracked().is_some()) {
                    focus(first.id);
                }
                return;
            }
        };
        let Some(cert) = certificate.get_untracked() else {
            cert_error.set(Some(
                "Generate the certificate first (Generate Public Key), upload it to your app registration, then Connect.".into(),
            ));
            focus("generate-key");
            return;
        };
        let now = js_sys::Date::now() as i64;
        let integration = Integration {
            name: account,
            details: IntegrationDetails::Microsoft365(details),
            certificate: Some(cert),
            status: IntegrationStatus::Connected,
            created_at: now,
            updated_at: now,
        };
        let body = match serde_json::to_value(&integration) {
            Ok(b) => b,
            Err(e) => return form_error.set(Some(e.to_string())),
        };
        let account_id = id.get_untracked();
        let navigate = navigate.clone();
        connecting.set(true);
        spawn_local(async move {
            match engine.save(&account_id, RecordKind::Integration, body).await {
                Ok(()) => {
                    // The key stays under the account's id; only the form is done with.
                    if let Ok(keys) = KeyStore::open(&org.get_value()).await {
                        let _ = keys.delete_draft(&draft_key.get_value(), None).await;
                    }
                    navigate(&format!("/integrations/{account_id}?linked=1"), Default::default());
                }
                Err(e) => {
                    form_error
                        .set(Some(format!("The account could not be saved: {e}. What you entered is kept; try Connect again.")));
                    connecting.set(false);
                }
            }
        });
    };

    // Start over: forget the draft and its key (an uploaded certificate without its key is useless).
    let start_over = move |_| {
        let old_id = id.get_untracked();
        spawn_local(async move {
            let cleared =
                async { KeyStore::open(&org.get_value()).await?.delete_draft(&draft_key.get_value(), Some(&old_id)).await }.await;
            match cleared {
                Ok(()) => {
                    loaded.set(false);
                    fields.iter().for_each(|f| {
                        f.value.set(String::new());
                        f.error.set(None);
                    });
                    certificate.set(None);
                    options.set(CredentialOptions::default());
                    cert_error.set(None);
                    form_error.set(None);
                    progress.set("Started over: the form is empty and the key made for it is deleted.".into());
                    id.set(new_id());
                    loaded.set(true);
                    focus(name.id);
                }
                Err(e) => form_error.set(Some(format!("The draft could not be removed: {e}"))),
            }
        });
    };

    view! {
        <PageHeading title="Link a New Microsoft Account"/>
        <p class="lead">
            "Link a Microsoft 365 tenant: register an app in the Microsoft Entra admin center, enter its details here, "
            "generate the certificate and upload it to the app, then Connect."
        </p>
        <p>
            <a
                href="#m365-guide"
                class="guide-toggle"
                aria-expanded=move || guide_open.get().to_string()
                aria-controls="m365-guide"
                on:click=move |ev| {
                    ev.prevent_default();
                    guide_open.update(|o| *o = !*o);
                }
            >
                "Click here for detailed instructions on how to connect"
            </a>
        </p>
        <div class="link-layout" class:with-guide=move || guide_open.get()>
            <form class="form link-form" on:submit=connect novalidate aria-busy=move || (!loaded.get()).to_string()>
                <p class="form-alert" role="alert" hidden=move || form_error.get().is_none()>{move || form_error.get().unwrap_or_default()}</p>
                <TextField id=name.id label="Microsoft Account Name" value=name.value error=name.error
                    hint="A name you choose, to tell this account apart (1 to 64 characters)."
                    on_blur=Callback::new(move |_| check_name())/>
                <TextField id=tenant.id label="Tenant ID" value=tenant.value error=tenant.error
                    hint="The Directory (tenant) ID from the app's Overview page."
                    on_blur=Callback::new(move |_| tenant.show(TenantId::parse(&tenant.value.get_untracked()).map(drop)))/>
                <TextField id=application.id label="Application ID" value=application.value error=application.error
                    hint="The Application (client) ID from the app's Overview page."
                    on_blur=Callback::new(move |_| application.show(ApplicationId::parse(&application.value.get_untracked()).map(drop)))/>
                <TextField id=organization.id label="Organization Name" value=organization.value error=organization.error
                    hint="The tenant's domain, such as contoso.onmicrosoft.com."
                    on_blur=Callback::new(move |_| organization.show(OrganizationDomain::parse(&organization.value.get_untracked()).map(drop)))/>

                <fieldset class="credential">
                    <legend>"Certificate"</legend>
                    <p class="field-hint">
                        "Xops makes a key pair in this browser. The private key never leaves it; you upload the certificate (the public key) to your app registration."
                    </p>
                    <CredentialChoices options=options id_prefix=""/>
                    <div class="actions">
                        <button id="generate-key" type="button" class="button" on:click=generate
                            disabled=move || busy.get() aria-describedby="generate-status">
                            "Generate Public Key"
                        </button>
                        <Show when=move || certificate.with(Option::is_some)>
                            <button type="button" class="button subtle" on:click=download_again>"Download certificate again"</button>
                        </Show>
                    </div>
                    <p id="generate-status" class="progress" role="status" aria-live="polite">
                        {move || busy.get().then(|| view! { <span class="spinner" aria-hidden="true"></span> })}
                        {move || progress.get()}
                    </p>
                    <p class="field-error" role="alert" hidden=move || cert_error.get().is_none()>{move || cert_error.get().unwrap_or_default()}</p>
                    {move || certificate.get().map(|info| view! {
                        <CertificateFacts info=info/>
                        <p class="field-hint">
                            "Upload this certificate in the Microsoft Entra admin center: your app registration → Certificates & secrets → Certificates → Upload certificate. "
                            "Generating again replaces it with a new key pair."
                        </p>
                    })}
                </fieldset>

                <div class="actions">
                    <button type="submit" class="button primary" aria-disabled=move || (!ready()).to_string() aria-describedby="connect-hint">
                        {move || if connecting.get() { "Connecting…" } else { "Connect" }}
                    </button>
                    <A href="/integrations" attr:class="button subtle">"Cancel"</A>
                    <button type="button" class="button subtle" on:click=start_over>"Start over"</button>
                </div>
                <p id="connect-hint" class="field-hint">
                    {move || if ready() {
                        "Connect once the certificate is uploaded to your app registration."
                    } else if certificate.with(Option::is_none) {
                        "To connect: fill in every field, then Generate Public Key and upload the certificate."
                    } else {
                        "To connect: correct the fields marked above."
                    }}
                </p>
            </form>
            <Show when=move || guide_open.get()>
                <M365Guide/>
            </Show>
        </div>
    }
    .into_any()
}

fn draft_untracked(
    id: RwSignal<String>,
    fields: [Field; 4],
    options: RwSignal<CredentialOptions>,
    certificate: RwSignal<Option<CertificateInfo>>,
) -> M365Draft {
    let [n, t, a, o] = fields.map(|f| f.value.get_untracked());
    M365Draft {
        id: id.get_untracked(),
        name: n,
        tenant_id: t,
        application_id: a,
        organization: o,
        options: options.get_untracked(),
        certificate: certificate.get_untracked(),
    }
}

/// The step-by-step guide for registering the app in Microsoft Entra.
#[component]
fn M365Guide() -> impl IntoView {
    view! {
        <aside id="m365-guide" class="guide panel" aria-labelledby="m365-guide-heading" tabindex="-1">
            <h2 id="m365-guide-heading">"How to connect a Microsoft 365 account"</h2>
            <ol class="steps">
                <li>"Sign in to the " <a href="https://entra.microsoft.com" target="_blank" rel="noopener noreferrer">"Microsoft Entra admin center"</a> " as an administrator of the tenant."</li>
                <li>"Search for " <strong>"App registrations"</strong> " and open it, then select " <strong>"New registration"</strong> "."</li>
                <li>"Give the app a name (for example " <em>"Xops"</em> "). Under " <strong>"Supported account types"</strong> ", select " <strong>"Accounts in this organizational directory only"</strong> ", then select " <strong>"Register"</strong> "."</li>
                <li>"On the app's " <strong>"Overview"</strong> ", copy the " <strong>"Directory (tenant) ID"</strong> " into " <strong>"Tenant ID"</strong> " and the " <strong>"Application (client) ID"</strong> " into " <strong>"Application ID"</strong> ". Enter the organization's domain (such as contoso.onmicrosoft.com) as " <strong>"Organization Name"</strong> ", and a name you choose as " <strong>"Microsoft Account Name"</strong> "."</li>
                <li>"Open " <strong>"API permissions"</strong> " → " <strong>"Add a permission"</strong> " → " <strong>"APIs my organization uses"</strong> " → " <strong>"Office 365 Exchange Online"</strong> " → " <strong>"Application permissions"</strong> ", tick " <strong>"Exchange.ManageAsApp"</strong> " and add it. Then select " <strong>"Grant admin consent"</strong> "."</li>
                <li>"Open " <strong>"Roles and administrators"</strong> " (in Entra ID), choose " <strong>"Global Reader"</strong> ", and add an assignment for the app."</li>
                <li>"Back here, select " <strong>"Generate Public Key"</strong> ". The certificate downloads as " <em>"<account name>.cer"</em> "; the private key stays in this browser."</li>
                <li>"In the app registration, open " <strong>"Certificates & secrets"</strong> " → " <strong>"Certificates"</strong> " → " <strong>"Upload certificate"</strong> ", choose the downloaded file and select " <strong>"Add"</strong> ". Check that the thumbprint matches the one shown here."</li>
                <li>"Return here and select " <strong>"Connect"</strong> "."</li>
            </ol>
        </aside>
    }
}
