use super::brand::BrandMark;
use crate::erased::local_action;
use crate::routes;
use crate::session::Session;
use crate::signed_in_code::part;
use crate::sync::SyncEngine;
use leptos::prelude::*;
use leptos_router::components::A;

/// The left side navigation. The router's `<A>` marks the current page with aria-current="page".
/// On a phone it is one compact row, the brand and a Menu button that opens the pages and the
/// person's name (style: `.menu-toggle`, `.nav-menu`); the menu closes when a page opens, and on
/// Escape.
#[component]
pub fn SideNav() -> impl IntoView {
    let menu_open = RwSignal::new(false);
    let location = leptos_router::hooks::use_location();
    Effect::new(move |_| {
        location.pathname.track();
        menu_open.set(false);
    });
    let toggle = NodeRef::<leptos::html::Button>::new();
    let close_on_escape = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" && menu_open.get_untracked() {
            menu_open.set(false);
            if let Some(b) = toggle.get_untracked() {
                let _ = b.focus();
            }
        }
    };
    view! {
        <nav class="side-nav" aria-label="Main" on:keydown=close_on_escape>
            <a class="brand" href=routes::HOME>
                <BrandMark/>
                <span>"Xops"</span>
            </a>
            <button type="button" class="menu-toggle button subtle" node_ref=toggle aria-controls="nav-menu"
                aria-expanded=move || menu_open.get().to_string() on:click=move |_| menu_open.update(|o| *o = !*o)>
                <span aria-hidden="true">{move || if menu_open.get() { "✕ " } else { "☰ " }}</span>
                "Menu"
            </button>
            <div id="nav-menu" class="nav-menu" class:open=move || menu_open.get()>
            <ul class="nav-links">
                <li><A href=routes::HOME exact=true>"Home"</A></li>
                <li><A href=routes::INTEGRATIONS>"Integrations"</A></li>
                <li><A href=routes::MEMBERS>"Members"</A></li>
                <li><A href=routes::ACTIVITY>"Activity"</A></li>
                <li><A href=routes::SECURITY>"Security"</A></li>
            </ul>
            <NavUser/>
            </div>
        </nav>
    }
}

/// Who is signed in (from the session, so it shows with the frame), and Sign out, which comes
/// with the signed-in code (it reads the sync engine).
#[component]
fn NavUser() -> impl IntoView {
    let session = Session::expect_context();
    let me = move || session.me();
    let waiting = || view! { <button class="button subtle" disabled=true>"Sign out"</button> }.into_any();
    view! {
        <div class="nav-user">
            <p class="nav-user-name">
                <span class="visually-hidden">"Signed in as "</span>
                <span class="nav-user-email">{move || me().map(|m| m.user.email).unwrap_or_default()}</span>
                <span class="nav-user-org">{move || me().map(|m| m.organization.name).unwrap_or_default()}</span>
                <span class="nav-user-role">{move || me().map(|m| m.role.label()).unwrap_or_default()}</span>
            </p>
            {part(waiting, sign_out::preload_boxed, sign_out::call_boxed)}
        </div>
    }
}

crate::split_point!(
    signed_in,
    pub fn sign_out() -> AnyView {
        view! { <SignOut/> }.into_any()
    }
);

/// Sign out. With changes still waiting, it asks first, in the product's own dialog: modal (the
/// rest of the page is inert), focus on "Stay signed in", Escape cancels.
#[component]
fn SignOut() -> impl IntoView {
    let session = Session::expect_context();
    // The shell sends the signed-out person to Sign in.
    let engine = SyncEngine::expect_context();
    let waiting = engine.pending_names();
    let dialog = NodeRef::<leptos::html::Dialog>::new();
    let signing_out = local_action(move |(): &()| async move {
        // This person's records leave the browser with them.
        engine.forget().await;
        if let Err(e) = session.sign_out().await {
            leptos::logging::warn!("sign out: {e}");
        }
    });
    // Once pressed, it stays pressed: the page leaves for Sign in.
    let pressed = move || signing_out.pending().get() || signing_out.value().with(Option::is_some);
    let close = move || {
        if let Some(d) = dialog.get_untracked() {
            d.close();
        }
    };
    let sign_out = move |_| match dialog.get_untracked() {
        Some(d) if !waiting.with_untracked(Vec::is_empty) => {
            let _ = d.show_modal();
        }
        _ => {
            signing_out.dispatch_local(());
        }
    };
    let sign_out_anyway = move |_| {
        close();
        signing_out.dispatch_local(());
    };
    view! {
        <button class="button subtle" on:click=sign_out disabled=pressed>
            {move || if pressed() { "Signing out…" } else { "Sign out" }}
        </button>
        <dialog node_ref=dialog class="dialog" aria-labelledby="sign-out-title" aria-describedby="sign-out-text">
            <h2 id="sign-out-title">"Sign out with changes waiting?"</h2>
            <p id="sign-out-text">
                {move || {
                    let n = waiting.with(Vec::len);
                    format!(
                        "{n} change{} not reached Xops yet. If you sign out now, {} lost:",
                        if n == 1 { " has" } else { "s have" },
                        if n == 1 { "it is" } else { "they are" }
                    )
                }}
            </p>
            <ul class="waiting-changes">{move || waiting.get().into_iter().map(|name| view! { <li>{name}</li> }).collect_view()}</ul>
            <div class="actions">
                <button class="button primary" autofocus on:click=move |_| close()>"Stay signed in"</button>
                <button class="button danger" on:click=sign_out_anyway>"Sign out anyway"</button>
            </div>
        </dialog>
    }
}
