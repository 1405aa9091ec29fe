use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;

/// Replaces the current history entry with `to` (so Back does not bounce the person here again).
#[component]
pub fn ReplaceWith(#[prop(into)] to: String) -> impl IntoView {
    let navigate = use_navigate();
    Effect::new(move |_| navigate(&to, NavigateOptions { replace: true, ..Default::default() }));
}

/// How the app opens a page of the sign-in module (Sign in, Create account): a full page load
/// that replaces this entry, which index.html's loader starts with that module instead of the
/// app. In context; without one, the browser's location. Browser tests provide one that records
/// where the app went (a real page load would end the test page).
#[derive(Clone, Copy)]
pub struct Leave(pub fn(&str));

impl Leave {
    pub fn from_context() -> Leave {
        use_context::<Leave>().unwrap_or(Leave(replace_location))
    }
}

fn replace_location(to: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.location().replace(to);
    }
}

/// Leaves the app for a page of the sign-in module, saying so while the next page loads.
#[component]
pub fn LeaveFor(#[prop(into)] to: String) -> impl IntoView {
    let leave = Leave::from_context();
    Effect::new(move |_| (leave.0)(&to));
    view! { <p class="boot-message" role="status">"Opening Sign in…"</p> }
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
