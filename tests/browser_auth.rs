//! Browser tests: what a signed-out person meets in the app. Sign in and Create account are the
//! sign-in module's (crates/signin, tested there); the app's part is to send a person there with
//! a full page load, keeping where they were headed, and to accept only safe `next` targets.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used)] // test code: a failure is a failed test

mod support;

use support::*;
use wasm_bindgen_test::*;
use xops_integrations::session::SessionState;

wasm_bindgen_test_configure!(run_in_browser);

/// A signed-out person opens a deep link and is sent to Sign in, which remembers the link; no
/// navigation of the signed-in app is shown meanwhile.
#[wasm_bindgen_test]
async fn signed_out_person_is_sent_to_sign_in_with_the_deep_link_kept() {
    set_path("/integrations?tab=linked");
    let root = fresh_root();
    let handle = mount_app(&root, SessionState::SignedOut);
    let to = wait_for("the app to leave for Sign in", take_left_for).await;
    assert_eq!(to, "/login?next=%2Fintegrations%3Ftab%3Dlinked");
    assert!(root.query_selector("nav[aria-label='Main']").unwrap().is_none(), "no navigation before sign-in");
    assert_eq!(root.query_selector("[role='status']").unwrap().unwrap().text_content().unwrap(), "Opening Sign in…");
    drop(handle);

    // Home is where a signed-in person lands anyway: no `next` for it.
    set_path("/");
    let root = fresh_root();
    let handle = mount_app(&root, SessionState::SignedOut);
    assert_eq!(wait_for("the app to leave for Sign in", take_left_for).await, "/login");
    drop(handle);
}

/// Signing out starts afresh: Sign in without a `next`.
#[wasm_bindgen_test]
async fn signed_out_by_choice_goes_to_sign_in_without_next() {
    set_path("/integrations");
    let root = fresh_root();
    let handle = mount_app(&root, SessionState::SignedOutByChoice);
    assert_eq!(wait_for("the app to leave for Sign in", take_left_for).await, "/login");
    drop(handle);
}

/// `next` is resolved as the browser resolves URLs: a tab or line break inside "/\t/evil.example"
/// is dropped, which makes "//evil.example", another site. Only pages of this origin are kept.
#[wasm_bindgen_test]
fn next_is_kept_only_when_it_resolves_to_this_site() {
    use xops_integrations::session::safe_next;
    let next = |s: &str| safe_next(Some(s.to_string()));
    assert_eq!(next("/integrations?tab=linked").as_deref(), Some("/integrations?tab=linked"));
    assert_eq!(next("/integrations/microsoft/m365/new#guide").as_deref(), Some("/integrations/microsoft/m365/new#guide"));
    for evil in [
        "//evil.example",
        "/\\evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        "/\r/evil.example",
        "/\t\\evil.example",
        "\t//evil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        "integrations",
        "/login",
        "/signup?next=%2F",
    ] {
        assert_eq!(next(evil), None, "{evil:?}");
    }
    // An encoded tab stays an encoded tab: a path on this site, never another host.
    assert_eq!(next("/%09/evil.example").as_deref(), Some("/%09/evil.example"));
    assert_eq!(safe_next(None), None);
}
