use super::brand::BrandMark;
use crate::routes;
use crate::session::Session;
use crate::sync::SyncEngine;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;

/// The left side navigation. The router's `<A>` marks the current page with aria-current="page".
#[component]
pub fn SideNav() -> impl IntoView {
    let session = Session::expect_context();
    let me = move || session.me();
    let signing_out = RwSignal::new(false);
    // The shell sends the signed-out person to Sign in.
    let engine = SyncEngine::expect_context();
    let waiting = engine.pending_count();
    let sign_out = move |_| {
        let n = waiting.get_untracked();
        if n > 0 {
            let question = format!(
                "{n} change{} not reached Xops yet. If you sign out now, {} lost. Sign out anyway?",
                if n == 1 { " has" } else { "s have" },
                if n == 1 { "it is" } else { "they are" }
            );
            let sure = web_sys::window().and_then(|w| w.confirm_with_message(&question).ok()).unwrap_or(false);
            if !sure {
                return;
            }
        }
        signing_out.set(true);
        spawn_local(async move {
            // This person's records leave the browser with them.
            engine.forget().await;
            if let Err(e) = session.sign_out().await {
                leptos::logging::warn!("sign out: {e}");
            }
        });
    };
    view! {
        <nav class="side-nav" aria-label="Main">
            <a class="brand" href=routes::HOME>
                <BrandMark/>
                <span>"Xops"</span>
            </a>
            <ul class="nav-links">
                <li><A href=routes::HOME exact=true>"Home"</A></li>
                <li><A href=routes::INTEGRATIONS>"Integrations"</A></li>
            </ul>
            <div class="nav-user">
                <p class="nav-user-name">
                    <span class="visually-hidden">"Signed in as "</span>
                    <span class="nav-user-email">{move || me().map(|m| m.user.email).unwrap_or_default()}</span>
                    <span class="nav-user-org">{move || me().map(|m| m.organization.name).unwrap_or_default()}</span>
                </p>
                <button class="button subtle" on:click=sign_out disabled=move || signing_out.get()>
                    {move || if signing_out.get() { "Signing out…" } else { "Sign out" }}
                </button>
            </div>
        </nav>
    }
}
