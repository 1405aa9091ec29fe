use super::form::{continue_signed_in, next_param, skip_if_signed_in, AuthFrame, FormAlert};
use crate::api::Api;
use crate::components::field::TextField;
use crate::components::page::PageHeading;
use crate::routes;
use leptos::prelude::*;
use xops_model::{Email, LoginRequest};

#[component]
pub fn Login() -> impl IntoView {
    skip_if_signed_in();
    let api = Api::expect_context();
    let next = next_param();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let email_error = RwSignal::new(None::<String>);
    let password_error = RwSignal::new(None::<String>);
    let alert = RwSignal::new(None::<String>);
    let go_on = continue_signed_in();

    let sign_in = Action::new_local(move |req: &LoginRequest| {
        let (api, req) = (api.clone(), req.clone());
        async move { api.login(&req).await }
    });
    Effect::new(move |_| match sign_in.value().get() {
        Some(Ok(me)) => go_on(me),
        Some(Err(e)) => alert.set(Some(e.to_string())),
        None => {}
    });

    let check_email = move || {
        let r = Email::parse(&email.get_untracked());
        email_error.set(r.as_ref().err().map(|e| e.message.clone()));
        r.is_ok()
    };
    let check_password = move || {
        let empty = password.get_untracked().is_empty();
        password_error.set(empty.then(|| "Enter your password.".to_string()));
        !empty
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        alert.set(None);
        let (email_ok, password_ok) = (check_email(), check_password());
        if email_ok && password_ok && !sign_in.pending().get_untracked() {
            sign_in.dispatch(LoginRequest { email: email.get_untracked(), password: password.get_untracked() });
        }
    };
    let signup_href = move || routes::with_next(routes::SIGNUP, next.get());

    view! {
        <AuthFrame>
            <PageHeading title="Sign in"/>
            <p class="lead">"Access the platform and sign in using your credentials."</p>
            <form class="form" on:submit=on_submit novalidate>
                <FormAlert message=alert/>
                <TextField id="email" label="Email" value=email error=email_error input_type="email"
                    autocomplete="email" on_blur=Callback::new(move |_| { if !email.get_untracked().is_empty() { check_email(); } })/>
                <TextField id="password" label="Password" value=password error=password_error
                    input_type="password" autocomplete="current-password"/>
                <button class="button primary wide" type="submit" disabled=move || sign_in.pending().get()>
                    {move || if sign_in.pending().get() { "Signing in…" } else { "Sign in" }}
                </button>
            </form>
            <p class="auth-switch">"New to Xops? " <a href=signup_href>"Create an account"</a></p>
        </AuthFrame>
    }
}
