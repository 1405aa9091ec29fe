//! Browser tests: what a signed-out person meets.
#![cfg(target_arch = "wasm32")]

mod support;

use support::*;
use wasm_bindgen_test::*;
use xops_integrations::session::SessionState;

wasm_bindgen_test_configure!(run_in_browser);

/// A signed-out person opens a deep link, is sent to Sign in (which remembers the link), goes
/// on to Create account, and gets told beside each field what is wrong, keeping what they typed.
#[wasm_bindgen_test]
async fn signed_out_person_is_sent_to_sign_in_and_sees_field_errors_beside_fields() {
    set_path("/integrations?tab=linked");
    let root = fresh_root();
    let handle = mount_app(&root, SessionState::SignedOut);

    wait_until("the Sign in page", || heading(&root).as_deref() == Some("Sign in")).await;
    assert_eq!(path_and_query(), "/login?next=%2Fintegrations%3Ftab%3Dlinked");
    assert!(root.query_selector("nav[aria-label='Main']").unwrap().is_none(), "no navigation before sign-in");
    let label = root.query_selector("label[for='email']").unwrap().expect("a real label for Email");
    assert_eq!(label.text_content().unwrap(), "Email");

    // Submitting an empty form explains both fields, and sends nothing.
    click(&root, "form button[type='submit']");
    wait_until("the email error", || root.query_selector("#email-error:not([hidden])").unwrap().is_some()).await;
    assert_eq!(root.query_selector("#password-error").unwrap().unwrap().text_content().unwrap(), "Enter your password.");
    assert_eq!(root.query_selector("#email").unwrap().unwrap().get_attribute("aria-invalid").as_deref(), Some("true"));
    assert_eq!(root.query_selector("#email").unwrap().unwrap().get_attribute("aria-describedby").as_deref(), Some("email-error"));

    click(&root, "a[href^='/signup']");
    wait_until("the Create account page", || heading(&root).as_deref() == Some("Create your account")).await;
    assert_eq!(path_and_query(), "/signup?next=%2Fintegrations%3Ftab%3Dlinked", "the deep link is kept");

    type_into(&root, "#email", "ada.contoso.com");
    type_into(&root, "#password", "short");
    wait_until("the email error", || root.query_selector("#email-error:not([hidden])").unwrap().is_some()).await;
    let email_error = root.query_selector("#email-error").unwrap().unwrap().text_content().unwrap();
    assert!(email_error.contains("needs an @"), "{email_error}");
    let password_error = root.query_selector("#password-error").unwrap().unwrap().text_content().unwrap();
    assert!(password_error.contains("at least 12") && password_error.contains("has 5"), "{password_error}");
    let typed: web_sys::HtmlInputElement = wasm_bindgen::JsCast::unchecked_into(root.query_selector("#email").unwrap().unwrap());
    assert_eq!(typed.value(), "ada.contoso.com", "what the person typed stays");

    // Fixing a field clears its message when they leave it.
    type_into(&root, "#email", "ada@contoso.com");
    wait_until("the email error to clear", || root.query_selector("#email-error[hidden]").unwrap().is_some()).await;
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

/// A signed-in person who opens a crafted sign-in link stays on this site.
#[wasm_bindgen_test]
async fn a_signed_in_person_is_never_sent_off_site_by_next() {
    for link in ["/login?next=%2F%09%2Fevil.example", "/login?next=%2F%0A%2Fevil.example", "/login?next=%2F%0D%2Fevil.example"] {
        set_path(link);
        let root = fresh_root();
        let handle = mount_app(&root, SessionState::SignedIn(me(true)));
        wait_until("Home", || path_and_query() == "/").await;
        drop(handle);
    }
}
