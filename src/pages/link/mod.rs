//! "Link a New … Account" for every provider: the fields (link_kinds.rs says which), the guide,
//! the in-browser certificate (Microsoft 365 and Azure), the role set-up (AWS) and Connect.
//! Here: the page and Connect. Beside it: `form` (the form's state and its draft in this
//! browser), `fields`, `certificate_step`, `aws` (the role set-up) and `guides`.

mod aws;
mod certificate_step;
mod fields;
mod form;
mod guides;

use crate::accounts::save_account;
use crate::components::feedback::Loading;
use crate::components::page::PageHeading;
use crate::components::role::ChangesAllowed;
use crate::components::when::When;
use crate::erased::local_action;
use crate::link_kinds::LinkKind;
use crate::routes;
use crate::session::Session;
use crate::sync::SyncEngine;
use aws::AwsRoleSetup;
use certificate_step::{generate_action, CertificateStep};
use fields::FormFields;
use form::LinkForm;
use guides::Guide;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use xops_model::{Integration, Provider, RecordId};

#[component]
pub fn LinkMicrosoft365() -> impl IntoView {
    view! { <ForThoseWhoLink kind=LinkKind::of(Provider::Microsoft365)/> }
}

#[component]
pub fn LinkAzure() -> impl IntoView {
    view! { <ForThoseWhoLink kind=LinkKind::of(Provider::Azure)/> }
}

#[component]
pub fn LinkAws() -> impl IntoView {
    view! { <ForThoseWhoLink kind=LinkKind::of(Provider::Aws)/> }
}

/// The link page, for people who may link accounts (a viewer sees why not).
#[component]
fn ForThoseWhoLink(kind: &'static LinkKind) -> impl IntoView {
    view! {
        <ChangesAllowed title=kind.title what="link them">
            <LinkPage kind=kind/>
        </ChangesAllowed>
    }
}

/// Saves the new account; then the form is done with (the certificate's key stays, under the
/// account's id) and the person is taken to the account's page.
fn connect_action(form: LinkForm) -> Action<(RecordId, Integration), ()> {
    let engine = SyncEngine::expect_context();
    let navigate = use_navigate();
    local_action(move |(id, integration): &(RecordId, Integration)| {
        let (id, integration, navigate) = (id.clone(), integration.clone(), navigate.clone());
        async move {
            match save_account(engine, &id, &integration).await {
                Ok(()) => {
                    // If the form cannot be removed, Integrations offers it as an unfinished link,
                    // which the person can discard; nothing is lost, but the log says why.
                    if let Err(e) = form.with_draft(async |keys, name| keys.delete_draft(name, None).await).await {
                        leptos::logging::warn!("could not remove the finished link form: {e}");
                    }
                    navigate(&routes::account_just_linked(&id), Default::default());
                }
                Err(e) => form.form_error.set(Some(
                    format!("The account could not be saved: {e}. What you entered is kept; try Connect again.").into(),
                )),
            }
        }
    })
}

#[component]
fn LinkPage(kind: &'static LinkKind) -> impl IntoView {
    let engine = SyncEngine::expect_context();
    let Some(me) = Session::expect_context().me() else { return view! { <Loading/> }.into_any() };
    let form = LinkForm::new(kind, &me, engine.accounts());
    form.restore();
    form.keep_drafts();
    let generating = generate_action(form);
    let connecting = connect_action(form);
    let guide_open = RwSignal::new(false);
    let confirm_start_over = RwSignal::new(false);
    let start_over = form.start_over_action();

    let ready = move || form.complete() && !generating.pending().get();
    let connect = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if connecting.pending().get_untracked() {
            return;
        }
        if let Some(account) = form.account() {
            connecting.dispatch_local(account);
        }
    };

    view! {
        <PageHeading title=kind.title/>
        <p class="lead">{kind.lead}</p>
        // A disclosure named by what it opens. On a wide screen the guide opens beside the form;
        // on a narrow one, right under this button (style: `.link-layout .guide`), where the
        // person is, not below the form.
        <p>
            <button
                type="button"
                class="guide-toggle"
                aria-expanded=move || guide_open.get().to_string()
                aria-controls="link-guide"
                on:click=move |_| guide_open.update(|o| *o = !*o)
            >
                <span class="guide-toggle-mark" aria-hidden="true">{move || if guide_open.get() { "▾ " } else { "▸ " }}</span>
                "Step-by-step setup guide"
            </button>
        </p>
        <div class="link-layout" class:with-guide=move || guide_open.get()>
            <form class="form link-form" on:submit=connect novalidate aria-busy=move || (!form.loaded.get()).to_string()>
                <p class="form-alert" role="alert" hidden=move || form.form_error.get().is_none()>{move || form.form_error.with(|e| e.as_ref().map(|e| e.message.clone()))}</p>
                <FormFields form=form/>
                {(kind.provider == Provider::Aws).then(|| view! { <AwsRoleSetup extra=form.extra/> })}
                {kind.certificate.then(|| view! { <CertificateStep form=form generating=generating/> })}
                {(!kind.certificate).then(|| view! {
                    <p class="progress" role="status">{move || form.progress.get()}</p>
                })}

                <div class="actions">
                    <button type="submit" class="button primary" aria-disabled=move || (!ready()).to_string() aria-describedby="connect-hint">
                        {move || if connecting.pending().get() { "Connecting…" } else { "Connect" }}
                    </button>
                    <A href=routes::INTEGRATIONS attr:class="button subtle">"Cancel"</A>
                    <button type="button" class="button subtle" aria-expanded=move || confirm_start_over.get().to_string()
                        disabled=start_over.pending() on:click=move |_| confirm_start_over.set(true)>"Start over"</button>
                </div>
                <When when=move || confirm_start_over.get()>
                    <StartOverQuestion form=form asking=confirm_start_over start_over=start_over/>
                </When>
                <p id="connect-hint" class="field-hint">
                    {move || if ready() {
                        if kind.certificate { "Connect once the certificate is uploaded to your app registration." } else { "Connect once the role exists." }
                    } else if kind.certificate && form.certificate.with(Option::is_none) {
                        "To connect: fill in every field, then Generate Public Key and upload the certificate."
                    } else {
                        "To connect: fill in every field, correcting any marked."
                    }}
                </p>
            </form>
            <When when=move || guide_open.get()>
                <Guide provider=kind.provider app=Signal::derive(move || form.app_registration())/>
            </When>
        </div>
    }
    .into_any()
}

/// Start over asks first, and says what goes: the form's contents and, once a certificate was
/// made, its key pair (a certificate already uploaded to Entra is then of no use).
#[component]
fn StartOverQuestion(form: LinkForm, asking: RwSignal<bool>, start_over: Action<(), ()>) -> impl IntoView {
    let question = move || {
        match form.certificate.with(Option::is_some) {
        true => "Start over? The form empties, and this browser deletes the key pair made for it: a certificate you already uploaded to your app registration will no longer work (remove it there).",
        false => "Start over? The form empties.",
    }
    };
    // Focus on the safe answer, so a keyboard or screen-reader user lands on the question.
    let keep = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |_| {
        if let Some(button) = keep.get() {
            let _ = button.focus();
        }
    });
    view! {
        <div class="confirm" role="alertdialog" aria-labelledby="start-over-text">
            <p id="start-over-text">{question}</p>
            <button type="button" class="button danger" on:click=move |_| { asking.set(false); start_over.dispatch(()); }>"Yes, start over"</button>
            <button type="button" class="button" node_ref=keep on:click=move |_| asking.set(false)>"Keep my work"</button>
        </div>
    }
}
