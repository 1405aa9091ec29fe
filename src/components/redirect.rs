use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;

/// Replaces the current history entry with `to` (so Back does not bounce the person here again).
#[component]
pub fn ReplaceWith(#[prop(into)] to: String) -> impl IntoView {
    let navigate = use_navigate();
    Effect::new(move |_| navigate(&to, NavigateOptions { replace: true, ..Default::default() }));
}

/// The current path with its query, as a `next=` value for /login.
pub fn current_path_and_query() -> String {
    let loc = web_sys::window().map(|w| w.location());
    let path = loc.as_ref().and_then(|l| l.pathname().ok()).unwrap_or_else(|| "/".into());
    let search = loc.as_ref().and_then(|l| l.search().ok()).unwrap_or_default();
    format!("{path}{search}")
}

pub fn login_path_returning_here() -> String {
    let here = current_path_and_query();
    crate::routes::with_next(crate::routes::LOGIN, (here != crate::routes::HOME).then_some(here))
}
