//! "Link a New … Account" for every provider: the fields (link_kinds.rs says which), the guide,
//! the in-browser certificate (Microsoft 365 and Azure), the role set-up (AWS) and Connect.
//! The draft (what was typed, the certificate and its key) is kept in this browser after every
//! change, so the person can go to the cloud's console in this tab and come back.

use crate::accounts::names_taken;
mod guides;

use crate::api::Api;
use crate::certificate::{self, new_credential, CredentialOptions};
use crate::components::certificate::{CertificateFacts, CredentialChoices};
use crate::components::copy::CopyButton;
use crate::components::field::TextField;
use crate::components::page::{focus, PageHeading};
use crate::keys::KeyStore;
use crate::link_kinds::{aws_role_template, FieldKind, FieldSpec, LinkDraft, LinkKind, Taken, Values, AWS_POLICIES};
use crate::routes;
use crate::session::Session;
use crate::sync::SyncEngine;
use guides::Guide;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use xops_model::{
    AwsAccountId, CertificateInfo, ExternalId, Integration, IntegrationDetails, IntegrationStatus, Platform, Provider,
    RecordKind, RoleArn,
};

/// A new form's id and starting values (AWS: a fresh External ID), from the browser's CSPRNG.
/// Without one there is no new form: a made-up id or an all-zero External ID (which would pass
/// its parser and end up in an AWS trust policy) is never used.
fn fresh_form(kind: &LinkKind) -> Result<(String, Values), certificate::CertificateError> {
    let mut random = [0u8; 24];
    random.copy_from_slice(&certificate::random_bytes(24)?);
    Ok((certificate::random_uuid()?, kind.initial_values(&random)))
}

#[component]
pub fn LinkMicrosoft365() -> impl IntoView {
    view! { <LinkPage kind=LinkKind::of(Provider::Microsoft365)/> }
}

#[component]
pub fn LinkAzure() -> impl IntoView {
    view! { <LinkPage kind=LinkKind::of(Provider::Azure)/> }
}

#[component]
pub fn LinkAws() -> impl IntoView {
    view! { <LinkPage kind=LinkKind::of(Provider::Aws)/> }
}

/// One field of the form: its value and the message beside it.
#[derive(Clone, Copy)]
struct Field {
    spec: &'static FieldSpec,
    value: RwSignal<String>,
    error: RwSignal<Option<String>>,
}

#[component]
fn LinkPage(kind: &'static LinkKind) -> impl IntoView {
    let session = Session::expect_context();
    let engine = SyncEngine::expect_context();
    let navigate = use_navigate();
    let Some(me) = session.me() else { return view! { <p role="status">"Loading…"</p> }.into_any() };
    let org = StoredValue::new(me.organization.id.clone());
    let draft_key = StoredValue::new(kind.draft_name(&me.user.id));

    let id = RwSignal::new(String::new());
    let fields: Vec<Field> = kind
        .fields
        .iter()
        .map(|spec| Field { spec, value: RwSignal::new(spec.initial.to_string()), error: RwSignal::new(None) })
        .collect();
    let fields = StoredValue::new(fields);
    // Values no field shows (the AWS External ID, made for this connection).
    let extra = RwSignal::new(Values::new());
    let options = RwSignal::new(CredentialOptions::default());
    let certificate = RwSignal::new(None::<CertificateInfo>);
    let loaded = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let progress = RwSignal::new(String::new());
    let cert_error = RwSignal::new(None::<String>);
    let form_error = RwSignal::new(None::<String>);
    let guide_open = RwSignal::new(false);

    let values = move || -> Values {
        let mut v = extra.get();
        fields.with_value(|fs| {
            for f in fs {
                v.insert(f.spec.key.to_string(), f.value.get());
            }
        });
        v
    };
    // `keep_typed`: a field the person already changed keeps what they typed (the saved draft
    // is read back asynchronously, and a quick typist may start before it arrives).
    let set_values = move |v: &Values, keep_typed: bool| {
        fields.with_value(|fs| {
            for f in fs {
                if keep_typed && f.value.get_untracked() != f.spec.initial {
                    continue;
                }
                f.value.set(v.get(f.spec.key).cloned().unwrap_or_else(|| f.spec.initial.to_string()));
                f.error.set(None);
            }
        });
        extra.set(
            v.iter()
                .filter(|(k, _)| !kind.fields.iter().any(|f| f.key == k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        );
    };

    // What the organization has linked already (names of this provider, AWS account IDs).
    let accounts = engine.accounts();
    let taken = move || -> Taken {
        accounts.with(|list| Taken {
            names: names_taken(list, kind.provider, None),
            aws_accounts: list
                .by_name()
                .filter_map(|a| match &a.integration.details {
                    IntegrationDetails::Aws(d) => Some(d.role_arn.account_id()),
                    _ => None,
                })
                .collect(),
        })
    };
    let check = move |key: &'static str| {
        let message = kind.check_field(key, &values(), &taken());
        fields.with_value(|fs| fs.iter().filter(|f| f.spec.key == key).for_each(|f| f.error.set(message.clone())));
    };
    let parsed = move || kind.parse(&values(), &taken());
    let draft = move || LinkDraft { id: id.get(), values: values(), options: options.get(), certificate: certificate.get() };

    // Restore the draft, if there is one; otherwise start one with a fresh id. (Async work
    // captures what it needs first: the page may be gone by the time it resumes.)
    let (org_id, key_name) = (org.get_value(), draft_key.get_value());
    spawn_local(async move {
        let result = KeyStore::with_draft(&org_id, &key_name, async |keys| {
            let saved: Option<LinkDraft> = keys.draft(&key_name).await?;
            let key_present = match &saved {
                Some(d) if d.certificate.is_some() => keys.key(&d.id).await?.is_some(),
                _ => false,
            };
            Ok((saved, key_present))
        })
        .await;
        if id.try_get_untracked().is_none() {
            return; // the person has left the page
        }
        let start_new = move || match fresh_form(kind) {
            Ok((new_id, fresh)) => {
                id.set(new_id);
                set_values(&fresh, true);
            }
            Err(e) => form_error.set(Some(e.to_string())),
        };
        match result {
            Ok((Some(d), key_present)) if !d.id.is_empty() => {
                id.set(d.id);
                // The draft has its own External ID; the fresh values only fill what it lacks.
                let mut restored = fresh_form(kind).map(|(_, v)| v).unwrap_or_default();
                restored.extend(d.values);
                set_values(&restored, true);
                options.set(d.options);
                if d.certificate.is_some() && !key_present {
                    cert_error.set(Some(
                        "The key of the certificate made earlier is no longer in this browser. Generate a new one and upload it instead.".into(),
                    ));
                } else {
                    certificate.set(d.certificate);
                }
            }
            Ok(_) => start_new(),
            Err(e) => {
                form_error.set(Some(format!("Your unfinished form could not be restored ({e}). You can fill it in again.")));
                start_new();
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
        let (org_id, key_name) = (org.get_value(), draft_key.get_value());
        spawn_local(async move {
            let saved = KeyStore::with_draft(&org_id, &key_name, async |keys| keys.put_draft(&key_name, &d).await).await;
            if let Err(e) = saved {
                form_error
                    .set(Some(format!("Your form could not be kept in this browser ({e}); finish it before leaving the page.")));
            }
        });
    });

    let name_label = kind.name_label();
    let generate = move |_| {
        if busy.get_untracked() {
            return;
        }
        cert_error.set(None);
        if id.get_untracked().is_empty() {
            return cert_error.set(form_error.get_untracked());
        }
        check("name");
        let name_error = fields.with_value(|fs| fs.iter().find(|f| f.spec.key == "name").and_then(|f| f.error.get_untracked()));
        if name_error.is_some() {
            cert_error.set(Some(format!("Enter the {name_label} first: the certificate and its file are named after it.")));
            focus("account-name");
            return;
        }
        let account = values().get("name").map(|n| n.trim().to_string()).unwrap_or_default();
        busy.set(true);
        progress.set("Generating the key pair and certificate…".into());
        let mut d = LinkDraft { id: id.get_untracked(), values: values(), options: options.get_untracked(), certificate: None };
        let (org_id, key_name) = (org.get_value(), draft_key.get_value());
        spawn_local(async move {
            let outcome = async {
                let cred = new_credential(&account, d.options, js_sys::Date::now())
                    .await
                    .map_err(|e| format!("The certificate could not be made: {e}"))?;
                progress.set("Keeping the private key in this browser…".into());
                d.certificate = Some(cred.certificate.clone());
                KeyStore::with_draft(&org_id, &key_name, async |keys| {
                    keys.put_draft_and_key(&key_name, &d, &d.id, &cred.private_key).await
                })
                .await
                .map_err(|e| format!("The private key could not be kept in this browser: {e}"))?;
                certificate::download(&account, &cred.certificate.pem).map_err(|e| format!("The download did not start: {e}"))?;
                Ok::<_, String>((cred.certificate, certificate::file_name(&account)))
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
            let name = values().get("name").cloned().unwrap_or_default();
            if let Err(e) = certificate::download(&name, &info.pem) {
                cert_error.set(Some(format!("The download did not start: {e}")));
            }
        }
    };

    let ready = move || parsed().is_ok() && (!kind.certificate || certificate.with(Option::is_some)) && !busy.get();
    let connecting = RwSignal::new(false);
    let connect = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if connecting.get_untracked() {
            return;
        }
        form_error.set(None);
        let (account, details) = match parsed() {
            Ok(v) => {
                fields.with_value(|fs| fs.iter().for_each(|f| f.error.set(None)));
                v
            }
            Err(errors) => {
                let shown = values();
                let mut first = None;
                fields.with_value(|fs| {
                    for f in fs {
                        let message = errors.iter().find(|e| e.field == f.spec.key).map(|e| e.message.clone());
                        if message.is_some() && first.is_none() && kind.is_shown(f.spec, &shown) {
                            first = Some(f.spec.id);
                        }
                        f.error.set(message);
                    }
                });
                if let Some(id) = first {
                    focus(id);
                } else if let Some(e) = errors.first() {
                    form_error.set(Some(e.message.clone()));
                }
                return;
            }
        };
        let cert = certificate.get_untracked();
        if kind.certificate && cert.is_none() {
            cert_error.set(Some(
                "Generate the certificate first (Generate Public Key), upload it to your app registration, then Connect.".into(),
            ));
            focus("generate-key");
            return;
        }
        let now = js_sys::Date::now() as i64;
        let integration = Integration {
            name: account,
            details,
            certificate: if kind.certificate { cert } else { None },
            status: IntegrationStatus::Connected,
            created_at: now,
            updated_at: now,
            last_test: None,
        };
        let body = match serde_json::to_value(&integration) {
            Ok(b) => b,
            Err(e) => return form_error.set(Some(e.to_string())),
        };
        let account_id = id.get_untracked();
        if account_id.is_empty() {
            // No form was started (see `fresh_form`); its reason is on the page already.
            return;
        }
        let navigate = navigate.clone();
        let (org_id, key_name) = (org.get_value(), draft_key.get_value());
        connecting.set(true);
        spawn_local(async move {
            match engine.save(&account_id, RecordKind::Integration, body).await {
                Ok(()) => {
                    // The key stays under the account's id; only the form is done with.
                    // If the form cannot be removed, Integrations offers it as an unfinished link,
                    // which the person can discard; nothing is lost, but the log says why.
                    let done = KeyStore::with_draft(&org_id, &key_name, async |keys| keys.delete_draft(&key_name, None).await);
                    if let Err(e) = done.await {
                        leptos::logging::warn!("could not remove the finished link form {key_name}: {e}");
                    }
                    navigate(&routes::account_just_linked(&account_id), Default::default());
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
        let (org_id, key_name) = (org.get_value(), draft_key.get_value());
        spawn_local(async move {
            let cleared =
                KeyStore::with_draft(&org_id, &key_name, async |keys| keys.delete_draft(&key_name, Some(&old_id)).await).await;
            match cleared {
                Ok(()) if id.try_get_untracked().is_none() => {}
                Ok(()) => {
                    let (new_id, fresh) = match fresh_form(kind) {
                        Ok(f) => f,
                        Err(e) => return form_error.set(Some(e.to_string())),
                    };
                    loaded.set(false);
                    set_values(&fresh, false);
                    certificate.set(None);
                    options.set(CredentialOptions::default());
                    cert_error.set(None);
                    form_error.set(None);
                    progress.set("Started over: the form is empty and anything made for it is deleted.".into());
                    id.set(new_id);
                    loaded.set(true);
                    focus(kind.fields[0].id);
                }
                Err(e) => form_error.set(Some(format!("The draft could not be removed: {e}"))),
            }
        });
    };

    let field_views = fields.with_value(|fs| {
        fs.iter()
            .map(|&f| {
                let shown = move || kind.is_shown(f.spec, &values());
                let key = f.spec.key;
                let input = match f.spec.kind {
                    FieldKind::Text => view! {
                        <TextField id=f.spec.id label=f.spec.label value=f.value error=f.error hint=f.spec.hint
                            on_blur=Callback::new(move |_| check(key))/>
                    }
                    .into_any(),
                    FieldKind::Choice(choices) => view! {
                        <ChoiceField field=f choices=choices on_change=Callback::new(move |_| check(key))/>
                    }
                    .into_any(),
                };
                let after = (key == "role_arn").then(|| view! { <ArnAccount arn=f.value/> });
                view! { <div class="field-slot" hidden=move || !shown()>{input}{after}</div> }
            })
            .collect_view()
    });

    view! {
        <PageHeading title=kind.title/>
        <p class="lead">{kind.lead}</p>
        <p>
            <a
                href="#link-guide"
                class="guide-toggle"
                aria-expanded=move || guide_open.get().to_string()
                aria-controls="link-guide"
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
                {field_views}
                {(kind.provider == Provider::Aws).then(|| view! { <AwsRoleSetup extra=extra/> })}
                {kind.certificate.then(|| view! {
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
                })}
                {(!kind.certificate).then(|| view! {
                    <p class="progress" role="status">{move || progress.get()}</p>
                })}

                <div class="actions">
                    <button type="submit" class="button primary" aria-disabled=move || (!ready()).to_string() aria-describedby="connect-hint">
                        {move || if connecting.get() { "Connecting…" } else { "Connect" }}
                    </button>
                    <A href=routes::INTEGRATIONS attr:class="button subtle">"Cancel"</A>
                    <button type="button" class="button subtle" on:click=start_over>"Start over"</button>
                </div>
                <p id="connect-hint" class="field-hint">
                    {move || if ready() {
                        if kind.certificate { "Connect once the certificate is uploaded to your app registration." } else { "Connect once the role exists." }
                    } else if kind.certificate && certificate.with(Option::is_none) {
                        "To connect: fill in every field, then Generate Public Key and upload the certificate."
                    } else {
                        "To connect: fill in every field, correcting any marked."
                    }}
                </p>
            </form>
            <Show when=move || guide_open.get()>
                <Guide provider=kind.provider/>
            </Show>
        </div>
    }
    .into_any()
}

/// Radio buttons in a fieldset, with the message beside them.
#[component]
fn ChoiceField(field: Field, choices: &'static [(&'static str, &'static str)], on_change: Callback<()>) -> impl IntoView {
    let spec = field.spec;
    let (hint_id, error_id) = (format!("{}-hint", spec.id), format!("{}-error", spec.id));
    let described_by = format!("{hint_id} {error_id}");
    view! {
        <fieldset class="field choice-field" class:field-invalid=move || field.error.get().is_some() id=spec.id
            aria-describedby=described_by tabindex="-1">
            <legend>{spec.label}</legend>
            <p class="field-hint" id=hint_id>{spec.hint}</p>
            <div class="radios">
                {choices.iter().map(|&(value, label)| {
                    let input_id = format!("{}-{value}", spec.id);
                    view! {
                        <label class="radio" for=input_id.clone()>
                            <input type="radio" id=input_id.clone() name=spec.id value=value
                                prop:checked=move || field.value.get() == value
                                on:change=move |_| {
                                    field.value.set(value.to_string());
                                    on_change.run(());
                                }/>
                            {label}
                        </label>
                    }
                }).collect_view()}
            </div>
            <p class="field-error" id=error_id hidden=move || field.error.get().is_none()>{move || field.error.get().unwrap_or_default()}</p>
        </fieldset>
    }
}

/// The AWS account the typed ARN names, once it parses.
#[component]
fn ArnAccount(arn: RwSignal<String>) -> impl IntoView {
    let account = move || RoleArn::parse(&arn.get()).ok().map(|a| a.account_id().to_string());
    view! {
        <p class="field-hint arn-account" role="status">
            {move || account().map(|a| format!("AWS account ID: {a}"))}
        </p>
    }
}

/// AWS: the External ID made for this connection, the Xops account the role must trust, and
/// the CloudFormation template that creates the role.
#[component]
fn AwsRoleSetup(extra: RwSignal<Values>) -> impl IntoView {
    let api = Api::expect_context();
    let platform = LocalResource::new(move || {
        let api = api.clone();
        async move { api.get::<Platform>("/platform").await }
    });
    let xops_account = move || -> Option<Result<AwsAccountId, String>> {
        platform.get().map(|r| match r {
            Ok(p) => p.aws_account_id.ok_or_else(|| {
                "This Xops deployment has no AWS account configured, so the role cannot name it yet. Ask your Xops administrator to set it (the store's --aws-account-id, or XOPS_AWS_ACCOUNT_ID).".to_string()
            }),
            Err(e) => Err(format!("The Xops AWS account could not be loaded: {e}")),
        })
    };
    let external_id = move || extra.with(|v| v.get("external_id").cloned().unwrap_or_default());
    let policy = RwSignal::new(AWS_POLICIES[0].0.to_string());
    let template_error = RwSignal::new(None::<String>);
    let download = move |_| {
        template_error.set(None);
        let Some(Ok(account)) = xops_account() else { return };
        let Ok(external) = ExternalId::parse(&external_id()) else { return };
        let template = aws_role_template(&account, &external, &policy.get_untracked());
        if let Err(e) = crate::certificate::save_file("xops-readonly-role.json", "application/json", &template) {
            template_error.set(Some(format!("The download did not start: {e}")));
        }
    };
    view! {
        <fieldset class="credential">
            <legend>"Role set-up"</legend>
            <dl class="details">
                <dt>"External ID"</dt>
                <dd class="with-copy">
                    <code data-testid="external-id">{external_id}</code>
                    {move || view! { <CopyButton text=external_id() what="External ID"/> }}
                </dd>
                <dt>"Xops AWS account"</dt>
                <dd class="with-copy">
                    {move || match xops_account() {
                        None => view! { <span>"Loading…"</span> }.into_any(),
                        Some(Ok(a)) => view! { <code data-testid="xops-account">{a.to_string()}</code><CopyButton text=a.to_string() what="Xops AWS account"/> }.into_any(),
                        Some(Err(e)) => view! { <span class="field-error" role="alert">{e}</span> }.into_any(),
                    }}
                </dd>
            </dl>
            <p class="field-hint">
                "The role must trust the Xops AWS account and require this External ID; it was made for this connection only. "
                "The CloudFormation template does both."
            </p>
            <div class="choices">
                <div class="field">
                    <label for="aws-policy">"Permissions"</label>
                    <select id="aws-policy" on:change=move |ev| policy.set(event_target_value(&ev))>
                        {AWS_POLICIES.iter().map(|(value, label)| view! { <option value=*value>{*label}</option> }).collect_view()}
                    </select>
                </div>
            </div>
            <div class="actions">
                <button type="button" class="button" on:click=download disabled=move || !matches!(xops_account(), Some(Ok(_)))>
                    "Download CloudFormation template"
                </button>
            </div>
            <p class="field-error" role="alert" hidden=move || template_error.get().is_none()>{move || template_error.get().unwrap_or_default()}</p>
        </fieldset>
    }
}
