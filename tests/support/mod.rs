//! Helpers for the browser tests (each tests/browser_*.rs file is its own page).
#![allow(dead_code)]

use leptos::prelude::*;
use std::time::Duration;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, HtmlInputElement};
use xops_integrations::api::Api;
use xops_integrations::app::AppRoutes;
use xops_integrations::components::redirect::Leave;
use xops_integrations::session::{Session, SessionState};
use xops_model::account::{OrganizationInfo, UserInfo};
use xops_model::{ApiBase, Guid, Me};

pub fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

pub fn fresh_root() -> HtmlElement {
    let el: HtmlElement = document().create_element("div").unwrap().unchecked_into();
    document().body().unwrap().append_child(&el).unwrap();
    el
}

pub async fn sleep(d: Duration) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window().unwrap().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, d.as_millis() as i32).unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(p).await.unwrap();
}

/// Waits (up to 2 s) until `f` finds something; the reactive system updates the DOM asynchronously.
pub async fn wait_for<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    for _ in 0..100 {
        if let Some(v) = f() {
            return v;
        }
        sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting for {what}");
}

pub async fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    wait_for(what, || f().then_some(())).await
}

pub fn heading(root: &Element) -> Option<String> {
    root.query_selector("h1").ok().flatten().map(|h| h.text_content().unwrap_or_default())
}

pub fn set_path(path: &str) {
    web_sys::window().unwrap().history().unwrap().replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(path)).unwrap();
}

/// Navigates as the browser's Back/Forward would: a new history entry, then popstate.
pub fn go_to(path: &str) {
    let w = web_sys::window().unwrap();
    w.history().unwrap().push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(path)).unwrap();
    w.dispatch_event(&web_sys::Event::new("popstate").unwrap()).unwrap();
}

pub fn path_and_query() -> String {
    let l = web_sys::window().unwrap().location();
    format!("{}{}", l.pathname().unwrap(), l.search().unwrap())
}

pub fn click(root: &Element, selector: &str) {
    let el: HtmlElement = root.query_selector(selector).unwrap().unwrap_or_else(|| panic!("no {selector}")).unchecked_into();
    el.click();
}

/// Types into an input as a person would (an input event per change), then leaves it.
pub fn type_into(root: &Element, selector: &str, text: &str) {
    let input: HtmlInputElement =
        root.query_selector(selector).unwrap().unwrap_or_else(|| panic!("no {selector}")).unchecked_into();
    input.focus().unwrap();
    input.set_value(text);
    input.dispatch_event(&web_sys::Event::new("input").unwrap()).unwrap();
    input.blur().unwrap();
    input.dispatch_event(&web_sys::Event::new("blur").unwrap()).unwrap();
}

/// The id numbered `n` of any id type (`RecordId`, `UserId`, ...): the same `n` is the same id.
pub fn test_id<T: From<Guid>>(n: u64) -> T {
    let mut bytes = [0u8; 16];
    bytes[8..].copy_from_slice(&n.to_be_bytes());
    T::from(Guid::from_random(bytes))
}

/// An id no other test uses (an organization's own IndexedDB databases, say).
pub fn fresh_id<T: From<Guid>>() -> T {
    T::from(xops_integrations::certificate::random_uuid().unwrap())
}

pub fn me(has_connected_account: bool) -> Me {
    Me {
        user: UserInfo { id: test_id(1), email: "ada@contoso.com".into() },
        organization: OrganizationInfo { id: test_id(2), name: "Contoso".into() },
        role: xops_model::Role::Owner,
        has_connected_account,
        passkey_required: false,
    }
}

thread_local! {
    static LEFT_FOR: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn record_leave(to: &str) {
    LEFT_FOR.with_borrow_mut(|l| l.push(to.to_string()));
}

/// Where the app last left for with a full page load (Sign in, Create account), and forgets it.
pub fn take_left_for() -> Option<String> {
    LEFT_FOR.with_borrow_mut(|l| l.drain(..).next_back())
}

/// Mounts every route with the given session (no store is asked). A full page load the app
/// starts is recorded (`take_left_for`) instead of ending the test page.
pub fn mount_app(root: &HtmlElement, state: SessionState) -> leptos::mount::UnmountHandle<impl Mountable> {
    take_left_for();
    leptos::mount::mount_to(root.clone(), move || {
        provide_context(Leave(record_leave));
        provide_context(Api::new(ApiBase::SameOrigin));
        Session::provide_state(state);
        xops_integrations::sync::SyncEngine::provide();
        view! { <leptos_router::components::Router><AppRoutes/></leptos_router::components::Router> }
    })
}
