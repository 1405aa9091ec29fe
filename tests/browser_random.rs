//! Without a working random source (a broken or tampered-with browser), nothing random is made
//! up. A file of its own: it mounts the app, and a router left over from one mount would take the
//! next test's clicks.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used)] // test code: a failure is a failed test

mod support;

use support::*;
use wasm_bindgen_test::*;
use xops_integrations::session::SessionState;

wasm_bindgen_test_configure!(run_in_browser);

/// Replaces Web Crypto's random sources on this page with ones that throw, runs `f`, and puts them
/// back, as a broken (or tampered-with) browser would have them.
async fn without_random<T>(f: impl AsyncFnOnce() -> T) -> T {
    let crypto: wasm_bindgen::JsValue = web_sys::window().unwrap().crypto().unwrap().into();
    let throws = js_sys::Function::new_no_args("throw new Error('no entropy here')");
    for name in ["getRandomValues", "randomUUID"] {
        js_sys::Reflect::set(&crypto, &name.into(), &throws).unwrap();
    }
    let out = f().await;
    for name in ["getRandomValues", "randomUUID"] {
        // The own properties go; the prototype's real methods show through again.
        js_sys::Reflect::delete_property(wasm_bindgen::JsCast::unchecked_ref::<js_sys::Object>(&crypto), &name.into()).unwrap();
    }
    out
}

/// Without a working random source, nothing random is made up: no empty id, no all-zero External
/// ID (which would pass its parser and end up in an AWS trust policy); the AWS form says why.
#[wasm_bindgen_test]
async fn without_a_random_source_the_link_form_says_so_and_makes_nothing_up() {
    use xops_integrations::{certificate, routes};
    let (bytes, uuid) = without_random(async || (certificate::random_bytes(24), certificate::random_uuid())).await;
    let message = "cannot make secure random numbers";
    assert!(bytes.is_err_and(|e| e.to_string().contains(message)));
    assert!(uuid.is_err_and(|e| e.to_string().contains(message)));
    assert_eq!(certificate::random_uuid().map(|u| u.as_str().len()).ok(), Some(36), "and it works again afterwards");

    // The AWS form, opened for a new connection (another person's drafts: none).
    set_path(routes::LINK_AWS);
    let root = fresh_root();
    let mut me = me(true);
    me.user.id = fresh_id();
    let (handle, page) = without_random(async || {
        let handle = mount_app(&root, SessionState::SignedIn(me));
        let page = wait_for(message, || root.text_content().filter(|t| t.contains(message))).await;
        (handle, page)
    })
    .await;
    // The CloudFormation template would carry the External ID: none was made.
    assert!(!page.contains(&"0".repeat(48)), "{page}");
    drop(handle);
}
