use super::form::{continue_signed_in, next_param, skip_if_signed_in, AuthFrame, FormAlert};
use crate::api::Api;
use crate::components::field::TextField;
use crate::components::page::PageHeading;
use crate::routes;
use leptos::prelude::*;
use xops_model::{Email, FieldError, NewPassword, OrganizationName, SignupRequest};

#[component]
pub fn Signup() -> impl IntoView {
    skip_if_signed_in();
    let api = Api::expect_context();
    let next = next_param();
    let organization = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let organization_error = RwSignal::new(None::<String>);
    let email_error = RwSignal::new(None::<String>);
    let password_error = RwSignal::new(None::<String>);
    let alert = RwSignal::new(None::<String>);
    let go_on = continue_signed_in();

    let error_signal = move |field: &str| match field {
        "organization" => Some(organization_error),
        "email" => Some(email_error),
        "password" => Some(password_error),
        _ => None,
    };
    let create = Action::new_local(move |req: &SignupRequest| {
        let (api, req) = (api.clone(), req.clone());
        async move { api.signup(&req).await }
    });
    Effect::new(move |_| match create.value().get() {
        Some(Ok(me)) => go_on(me),
        // A problem with one field goes beside that field; anything else above the form.
        Some(Err(e)) => match e.field().and_then(error_signal) {
            Some(signal) => signal.set(Some(e.to_string())),
            None => alert.set(Some(e.to_string())),
        },
        None => {}
    });

    // Each field is checked by the same functions the store uses, when the person leaves it.
    fn show<T>(signal: RwSignal<Option<String>>, r: Result<T, FieldError>) -> bool {
        signal.set(r.as_ref().err().map(|e| e.message.clone()));
        r.is_ok()
    }
    let check_org = move || show(organization_error, OrganizationName::parse(&organization.get_untracked()));
    let check_email = move || show(email_error, Email::parse(&email.get_untracked()));
    let check_password = move || show(password_error, NewPassword::parse_for(&password.get_untracked(), &email.get_untracked()));
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        alert.set(None);
        let ok = [check_org(), check_email(), check_password()].iter().all(|ok| *ok);
        if ok && !create.pending().get_untracked() {
            create.dispatch(SignupRequest {
                organization: organization.get_untracked(),
                email: email.get_untracked(),
                password: password.get_untracked(),
            });
        }
    };
    let login_href = move || routes::with_next(routes::LOGIN, next.get());

    view! {
        <AuthFrame>
            <PageHeading title="Create your account"/>
            <p class="lead">"Set up your organization in Xops, then link your first cloud account."</p>
            <form class="form" on:submit=on_submit novalidate>
                <FormAlert message=alert/>
                <TextField id="organization" label="Organization name" value=organization error=organization_error
                    autocomplete="organization"
                    on_blur=Callback::new(move |_| { if !organization.get_untracked().is_empty() { check_org(); } })/>
                <TextField id="email" label="Email" value=email error=email_error input_type="email" autocomplete="email"
                    on_blur=Callback::new(move |_| { if !email.get_untracked().is_empty() { check_email(); } })/>
                <TextField id="password" label="Password" value=password error=password_error input_type="password"
                    autocomplete="new-password" hint="At least 12 characters. A few unrelated words make a strong one."
                    on_blur=Callback::new(move |_| { if !password.get_untracked().is_empty() { check_password(); } })/>
                <button class="button primary wide" type="submit" disabled=move || create.pending().get()>
                    {move || if create.pending().get() { "Creating your account…" } else { "Create account" }}
                </button>
            </form>
            <p class="auth-switch">"Already have an account? " <a href=login_href>"Sign in"</a></p>
        </AuthFrame>
    }
}
