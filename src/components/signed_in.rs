//! The frame around every page of a signed-in person: the side navigation, the sync status, and
//! the sync engine that keeps this person's records. It is a chunk of its own (see `split`), so
//! the sign-in pages never download the sync engine.

use super::side_nav::SideNav;
use super::top_bar::TopBar;
use crate::session::Session;
use crate::sync::SyncEngine;
use leptos::prelude::*;

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
        let app = expect_context::<crate::app::AppOwner>();
        app.0.with(|| {
            let engine = SyncEngine::provide();
            crate::sync::follow_session(engine, Session::expect_context());
        });
    }
    view! {
        <a class="skip-link" href="#main">"Skip to main content"</a>
        <div class="layout">
            <SideNav/>
            <div class="content">
                <TopBar/>
                <main id="main" tabindex="-1">{page()}</main>
            </div>
        </div>
    }
}
