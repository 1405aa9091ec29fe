//! The frame around every page of a signed-in person: the side navigation, the sync status, and
//! the sync engine that keeps this person's records. It is a chunk of its own (see `split`), so
//! the sign-in pages never download the sync engine.

use super::app_update::UpdateNotice;
use super::side_nav::SideNav;
use super::top_bar::TopBar;
use crate::health::Checks;
use crate::pages::account::background::Handles;
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
    // The tests running in this tab, like the engine, outlive any one page.
    if use_context::<Checks>().is_none() {
        match use_context::<crate::split::AppOwner>() {
            Some(app) => app.0.with(Checks::provide),
            None => Checks::provide(),
        };
    }
    if use_context::<crate::tickets::Tickets>().is_none() {
        match use_context::<crate::split::AppOwner>() {
            Some(app) => app.0.with(crate::tickets::Tickets::provide),
            None => crate::tickets::Tickets::provide(),
        };
    }
    let handles = Handles {
        api: crate::api::Api::expect_context(),
        engine: SyncEngine::expect_context(),
        session: Session::expect_context(),
        checks: Checks::expect_context(),
        tickets: crate::tickets::Tickets::expect_context(),
    };
    fetch_other_pages_when_idle(handles);
    // A person whose organization requires a passkey and who has none sees only the Security
    // page, wherever they are, until they add one (the store serves them nothing else).
    // (On the Security page itself, that page stays as it is when they do.)
    let session = Session::expect_context();
    let location = leptos_router::hooks::use_location();
    let must_add_passkey = Memo::new(move |_| {
        session.me().is_some_and(|m| m.passkey_required) && location.pathname.get() != crate::routes::SECURITY
    });
    let page = move || match must_add_passkey.get() {
        true => crate::split::lazy(crate::pages::chunks::security::preload_boxed, crate::pages::chunks::security::call_boxed),
        false => page().into_any(),
    };
    view! {
        <a class="skip-link" href="#main">"Skip to main content"</a>
        <div class="layout">
            <SideNav/>
            <div class="content">
                <UpdateNotice/>
                <TopBar/>
                <main id="main" tabindex="-1">{page}</main>
            </div>
        </div>
    }
}

/// Once the signed-in person's first page is up and the browser has nothing else to do, fetch
/// the code of every other page, so moving between pages never waits for the network and a
/// person who goes offline can still open each of them; then let the service worker keep the
/// whole build on the device (it finds those files in the browser's cache). A failure here is
/// not shown (a page says so, with Try again, if it is opened while its code is still missing).
/// Then start the background checks (their code is the account page's).
fn fetch_other_pages_when_idle(handles: Handles) {
    let keep_on_device = super::app_update::keep_on_device();
    let handles = StoredValue::new_local(handles);
    let fetch_all = move || {
        let Some(handles) = handles.try_get_value() else { return };
        leptos::task::spawn_local(async move {
            let _ = crate::pages::chunks::link_microsoft_365::preload().await;
            let _ = crate::pages::chunks::account::preload().await;
            if crate::pages::account::background::background_checks::call(handles).await.is_err() {
                leptos::logging::warn!("the background checks could not start: their code did not load");
            }
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
