use super::redirect::{current_path_and_query, login_path_returning_here, LeaveFor};
use super::signed_in::SignedInFrame;
use crate::routes;
use crate::session::{Session, SessionState};
use leptos::prelude::*;
use leptos::wasm_bindgen::JsCast;
use leptos_router::hooks::use_location;

#[derive(Debug, Clone, PartialEq)]
enum Frame {
    /// Sign in / create account: pages of the sign-in module, opened with a full page load (the
    /// loader never starts the app for them, but a link inside the app may lead there).
    Public,
    Checking,
    /// Signed out: to Sign in, and back here afterwards.
    NeedsSignIn,
    /// Signed out by choice: to Sign in, starting afresh.
    SignedOutByChoice,
    Unreachable(String),
    SignedIn,
}

/// The frame around every page. The one place that decides what a page needs: public pages
/// belong to the sign-in module; every other page needs a session, and a signed-out person is
/// sent to Sign in (and brought back here afterwards).
#[component]
pub fn Shell(children: ChildrenFn) -> impl IntoView {
    let session = Session::expect_context();
    let location = use_location();
    let frame = Memo::new(move |_| {
        if routes::is_public(&location.pathname.get()) {
            return Frame::Public;
        }
        match session.state().get() {
            SessionState::Checking => Frame::Checking,
            SessionState::SignedOut => Frame::NeedsSignIn,
            SessionState::SignedOutByChoice => Frame::SignedOutByChoice,
            SessionState::Unreachable(reason) => Frame::Unreachable(reason),
            SessionState::SignedIn(_) => Frame::SignedIn,
        }
    });
    // After a navigation, move focus to the new page so keyboard and screen-reader users start
    // reading there (a full page load does this by itself; a client-side route change does not).
    Effect::new(move |previous: Option<String>| {
        let path = location.pathname.get();
        if previous.is_some_and(|p| p != path) {
            focus_main();
        }
        path
    });
    let children = StoredValue::new(children);
    move || match frame.get() {
        Frame::Public => view! { <LeaveFor to=current_path_and_query()/> }.into_any(),
        Frame::Checking => view! {
            <p class="boot-message" role="status">"Loading Xops Integrations…"</p>
        }
        .into_any(),
        Frame::NeedsSignIn => view! { <LeaveFor to=login_path_returning_here()/> }.into_any(),
        Frame::SignedOutByChoice => view! { <LeaveFor to=routes::LOGIN/> }.into_any(),
        Frame::Unreachable(reason) => view! {
            <main id="main" class="boot-error" tabindex="-1">
                <h1>"Xops is not reachable"</h1>
                <p role="alert">{reason}</p>
                <button class="button primary" disabled=move || session.asking() on:click=move |_| session.refresh()>
                    {move || if session.asking() { "Trying again…" } else { "Try again" }}
                </button>
            </main>
        }
        .into_any(),
        Frame::SignedIn => view! { <SignedInFrame page=children.get_value()/> }.into_any(),
    }
}

fn focus_main() {
    let main = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("main"))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(main) = main {
        let _ = main.focus();
    }
}
