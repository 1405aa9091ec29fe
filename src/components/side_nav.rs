use leptos::prelude::*;
use leptos_router::components::A;

/// The left side navigation. The router's `<A>` marks the current page with aria-current="page".
#[component]
pub fn SideNav() -> impl IntoView {
    view! {
        <nav class="side-nav" aria-label="Main">
            <a class="brand" href="/">
                <svg class="brand-mark" viewBox="0 0 32 32" aria-hidden="true" focusable="false">
                    <rect width="32" height="32" rx="7"></rect>
                    <path d="M9 9l14 14M23 9L9 23"></path>
                </svg>
                <span>"Xops"</span>
            </a>
            <ul class="nav-links">
                <li><A href="/" exact=true>"Home"</A></li>
                <li><A href="/integrations">"Integrations"</A></li>
            </ul>
            // The signed-in user and Sign out go here (accounts).
            <div class="nav-user"></div>
        </nav>
    }
}
