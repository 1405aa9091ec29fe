//! The frame around every page of a signed-in person: the side navigation, the sync status, and
//! the sync engine that keeps this person's records. It is a chunk of its own (see `split`), so
//! the sign-in pages never download the sync engine.

use super::app_update::UpdateNotice;
use super::side_nav::SideNav;
use super::top_bar::TopBar;
use crate::session::Session;
use crate::sync::SyncEngine;
use leptos::prelude::*;
use leptos::wasm_bindgen::JsCast;

crate::split_point!(
    signed_in,
    /// The frame with `page` inside it.
    pub fn signed_in_frame(page: ChildrenFn) -> AnyView {
        view! { <SignedInFrame page/> }.into_any()
    }
);

#[component]
fn SignedInFrame(page: ChildrenFn) -> impl IntoView {
    // The engine is made the first time a person signs in, and then lives as long as the app (it
    // follows the session: it stops on sign-out and starts again for the next person), so work
    // still under way when the frame goes never touches a disposed signal. An embedder (the
    // browser tests) may provide its own.
    if use_context::<SyncEngine>().is_none() {
        let app = expect_context::<crate::split::AppOwner>();
        app.0.with(|| {
            let engine = SyncEngine::provide();
            crate::sync::follow_session(engine, Session::expect_context());
        });
    }
    fetch_other_pages_when_idle();
    view! {
        <a class="skip-link" href="#main">"Skip to main content"</a>
        <div class="layout">
            <SideNav/>
            <div class="content">
                <UpdateNotice/>
                <TopBar/>
                <main id="main" tabindex="-1">{page()}</main>
            </div>
        </div>
    }
}

/// Once the signed-in person's first page is up and the browser has nothing else to do, fetch
/// the code of every other page, so moving between pages never waits for the network and a
/// person who goes offline can still open each of them; then let the service worker keep the
/// whole build on the device (it finds those files in the browser's cache). A failure here is
/// not shown (a page says so, with Try again, if it is opened while its code is still missing).
fn fetch_other_pages_when_idle() {
    let keep_on_device = super::app_update::keep_on_device();
    let fetch_all = move || {
        leptos::task::spawn_local(async move {
            let _ = crate::pages::chunks::link_microsoft_365::preload().await;
            let _ = crate::pages::chunks::account::preload().await;
            let _ = crate::pages::chunks::members::preload().await;
            keep_on_device();
        })
    };
    // Give the first page's own requests (the records) a head start, then wait for idle time.
    set_timeout(
        move || {
            // (Safari has no idle callback: there, now.)
            let callback = leptos::wasm_bindgen::closure::Closure::once_into_js(fetch_all);
            let idle = web_sys::window().map(|w| w.request_idle_callback(callback.unchecked_ref()));
            if !matches!(idle, Some(Ok(_))) {
                fetch_all();
            }
        },
        std::time::Duration::from_secs(2),
    );
}
