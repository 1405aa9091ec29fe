//! What Sign in and Create account share: the frame, the form-level alert, and where to go next.

use crate::components::brand::BrandMark;
use crate::session::{landing_path, safe_next, Session};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;
use xops_model::Me;

/// The `next` page from the query, if it is a safe local path.
pub fn next_param() -> Memo<Option<String>> {
    let query = use_query_map();
    Memo::new(move |_| safe_next(query.with(|q| q.get("next"))))
}

/// Records the signed-in person and goes on to where they were headed. Untracked: it writes the
/// session, so an effect that calls it must not also depend on the session.
pub fn continue_signed_in() -> impl Fn(Me) + Clone {
    let session = Session::expect_context();
    let navigate = use_navigate();
    let next = next_param();
    move |me: Me| {
        untrack(|| {
            let to = landing_path(&me, next.get_untracked());
            session.signed_in(me);
            navigate(&to, NavigateOptions { replace: true, ..Default::default() });
        })
    }
}

/// A person who is already signed in and opens Sign in is sent on at once (once: this only
/// navigates, it never writes the session it watches).
pub fn skip_if_signed_in() {
    let session = Session::expect_context();
    let navigate = use_navigate();
    let next = next_param();
    Effect::new(move |done: Option<bool>| {
        if done == Some(true) {
            return true;
        }
        match session.me() {
            Some(me) => {
                let to = landing_path(&me, next.get_untracked());
                untrack(|| navigate(&to, NavigateOptions { replace: true, ..Default::default() }));
                true
            }
            None => false,
        }
    });
}

#[component]
pub fn AuthFrame(children: Children) -> impl IntoView {
    view! {
        <div class="auth-page">
            <div class="auth-brand">
                <BrandMark/>
                <span>"Xops"</span>
            </div>
            <div class="auth-card">{children()}</div>
        </div>
    }
}

/// The form-level message (for problems that belong to no one field).
#[component]
pub fn FormAlert(message: RwSignal<Option<String>>) -> impl IntoView {
    view! {
        <div class="form-alert" role="alert" hidden=move || message.get().is_none()>
            {move || message.get().unwrap_or_default()}
        </div>
    }
}
