use leptos::prelude::*;

/// The bar above every page. Its status region announces sync progress politely to screen readers.
#[component]
pub fn TopBar() -> impl IntoView {
    view! {
        <header class="top-bar">
            <div class="sync-status" role="status" aria-live="polite"></div>
        </header>
    }
}
