//! Browser tests (wasm-bindgen-test, headless Chromium) of Sign in and Create account as the
//! sign-in module shows them. All tests share one page: each mounts into an element of its own.
//! Sending the forms to a real store is the end-to-end tests' part (tests/e2e).
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used)] // test code: a failure is a failed test

use std::cell::RefCell;
use std::time::Duration;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement, HtmlInputElement};
use xops_model::account::{OrganizationInfo, UserInfo};
use xops_model::{ApiBase, Me};
use xops_signin::{mount, next_from_search, set_api_base, Page};

wasm_bindgen_test_configure!(run_in_browser);

thread_local! {
    static LEFT_FOR: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

fn record_leave(to: &str) {
    LEFT_FOR.with_borrow_mut(|l| l.push(to.to_string()));
}

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

/// A fresh element with `page` in it, talking to a store that refuses every connection.
fn mount_page(page: Page, next: Option<&str>) -> Element {
    set_api_base(ApiBase::Url("http://127.0.0.1:9".into()));
    let root = document().create_element("div").unwrap();
    document().body().unwrap().append_child(&root).unwrap();
    mount(&root, page, next.map(str::to_string), record_leave);
    root
}

fn el(root: &Element, selector: &str) -> Element {
    root.query_selector(selector).unwrap().unwrap_or_else(|| panic!("no {selector}"))
}

fn text(root: &Element, selector: &str) -> String {
    el(root, selector).text_content().unwrap_or_default()
}

fn shown(root: &Element, selector: &str) -> bool {
    !el(root, selector).has_attribute("hidden")
}

fn input(root: &Element, selector: &str) -> HtmlInputElement {
    el(root, selector).unchecked_into()
}

/// Types into a field as a person would (an input event), then leaves it.
fn type_into(root: &Element, selector: &str, value: &str) {
    let field = input(root, selector);
    field.focus().unwrap();
    field.set_value(value);
    field.dispatch_event(&web_sys::Event::new("input").unwrap()).unwrap();
    field.blur().unwrap();
}

fn submit(root: &Element) {
    el(root, "button[type='submit']").unchecked_into::<HtmlElement>().click();
}

async fn sleep(d: Duration) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window().unwrap().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, d.as_millis() as i32).unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(p).await.unwrap();
}

async fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    for _ in 0..250 {
        if f() {
            return;
        }
        sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting for {what}");
}

/// Submitting an empty Sign in form explains both fields beside them (tied to the inputs for
/// screen readers), moves focus to the first, and sends nothing.
#[wasm_bindgen_test]
fn sign_in_explains_each_field_and_sends_nothing_until_right() {
    let root = mount_page(Page::SignIn, Some("/integrations?tab=linked"));
    assert_eq!(text(&root, "h1"), "Sign in");
    assert_eq!(document().title(), "Sign in · Xops Integrations");
    assert_eq!(text(&root, "label[for='email']"), "Email");
    assert_eq!(text(&root, "label[for='password']"), "Password");
    assert_eq!(el(&root, "#password").get_attribute("autocomplete").as_deref(), Some("current-password"));
    assert!(!shown(&root, "#email-error") && !shown(&root, ".form-alert"));

    submit(&root);
    assert!(shown(&root, "#email-error") && !text(&root, "#email-error").is_empty());
    assert_eq!(text(&root, "#password-error"), "Enter your password.");
    let email = el(&root, "#email");
    assert_eq!(email.get_attribute("aria-invalid").as_deref(), Some("true"));
    assert_eq!(email.get_attribute("aria-describedby").as_deref(), Some("email-error"));
    assert!(email.parent_element().unwrap().class_list().contains("field-invalid"));
    assert_eq!(document().active_element().map(|e| e.id()).as_deref(), Some("email"), "focus on the first wrong field");
    assert_eq!(text(&root, "button[type='submit']"), "Sign in", "nothing was sent");
    assert!(LEFT_FOR.with_borrow(Vec::is_empty));

    // Create account keeps where the person was headed.
    assert_eq!(el(&root, "a#switch").get_attribute("href").as_deref(), Some("/signup?next=%2Fintegrations%3Ftab%3Dlinked"));
    root.remove();
}

/// Create account checks each field by the store's rules when the person leaves it, keeps what
/// they typed, and clears a message as soon as the value is right.
#[wasm_bindgen_test]
fn create_account_checks_fields_as_the_person_leaves_them() {
    let root = mount_page(Page::CreateAccount, None);
    assert_eq!(text(&root, "h1"), "Create your account");
    assert_eq!(text(&root, "label[for='organization']"), "Organization name");
    assert_eq!(el(&root, "#password").get_attribute("aria-describedby").as_deref(), Some("password-hint"));
    assert_eq!(el(&root, "a#switch").get_attribute("href").as_deref(), Some("/login"));

    type_into(&root, "#email", "ada.contoso.com");
    type_into(&root, "#password", "short");
    assert!(text(&root, "#email-error").contains("needs an @"), "{}", text(&root, "#email-error"));
    let password_error = text(&root, "#password-error");
    assert!(password_error.contains("at least 12") && password_error.contains("has 5"), "{password_error}");
    assert_eq!(el(&root, "#password").get_attribute("aria-describedby").as_deref(), Some("password-hint password-error"));
    assert_eq!(input(&root, "#email").value(), "ada.contoso.com", "what the person typed stays");
    assert!(!shown(&root, "#organization-error"), "a field not yet typed in is not judged when another is left");

    // Fixing a field clears its message while typing.
    let email = input(&root, "#email");
    email.set_value("ada@contoso.com");
    email.dispatch_event(&web_sys::Event::new("input").unwrap()).unwrap();
    assert!(!shown(&root, "#email-error"));
    assert_eq!(el(&root, "#email").get_attribute("aria-invalid").as_deref(), Some("false"));
    assert_eq!(el(&root, "#email").get_attribute("aria-describedby"), None);
    root.remove();
}

/// When the store cannot be reached, the form says so above itself, keeps what was typed, and
/// can be sent again; while it is being sent, the button says so and cannot be pressed twice.
#[wasm_bindgen_test]
async fn an_unreachable_store_is_explained_and_nothing_typed_is_lost() {
    let root = mount_page(Page::SignIn, None);
    type_into(&root, "#email", "ada@contoso.com");
    type_into(&root, "#password", "correct horse battery staple");
    submit(&root);
    assert_eq!(text(&root, "button[type='submit']"), "Signing in…");
    assert!(el(&root, "button[type='submit']").has_attribute("disabled"));

    wait_until("the alert", || shown(&root, ".form-alert")).await;
    assert_eq!(text(&root, ".form-alert"), "Cannot reach Xops. Check your internet connection and try again.");
    assert_eq!(el(&root, ".form-alert").get_attribute("role").as_deref(), Some("alert"));
    assert_eq!(text(&root, "button[type='submit']"), "Sign in");
    assert!(!el(&root, "button[type='submit']").has_attribute("disabled"));
    assert_eq!(input(&root, "#email").value(), "ada@contoso.com");
    assert_eq!(input(&root, "#password").value(), "correct horse battery staple");
    assert!(LEFT_FOR.with_borrow(Vec::is_empty), "nowhere to go without a session");
    root.remove();
}

/// A crafted sign-in link never sends a person off this site after signing in: `next` is kept
/// only when it resolves to a page of this origin, else they land where they would anyway.
#[wasm_bindgen_test]
fn next_from_the_address_never_leads_off_site() {
    let me = Me {
        user: UserInfo { id: "00000000-0000-4000-8000-000000000001".parse().unwrap(), email: "ada@contoso.com".into() },
        organization: OrganizationInfo { id: "00000000-0000-4000-8000-000000000002".parse().unwrap(), name: "Contoso".into() },
        role: xops_model::Role::Owner,
        has_connected_account: true,
        passkey_required: false,
    };
    let land = |search: &str| xops_web::landing_path(&me, next_from_search(search));
    for evil in [
        "?next=%2F%09%2Fevil.example",
        "?next=%2F%0A%2Fevil.example",
        "?next=%2F%0D%2Fevil.example",
        "?next=https://evil.example/",
    ] {
        assert_eq!(land(evil), "/", "{evil}");
    }
    assert_eq!(land("?next=%2Fintegrations%3Ftab%3Dlinked"), "/integrations?tab=linked");
    assert_eq!(land(""), "/");
}

/// Until the organization has an account, those who may link one land on the first-login picker;
/// a viewer, who cannot, lands on Home.
#[wasm_bindgen_test]
fn only_those_who_may_link_land_on_the_picker() {
    use xops_model::Role;
    let me = |role| Me {
        user: UserInfo { id: "00000000-0000-4000-8000-000000000001".parse().unwrap(), email: "ada@contoso.com".into() },
        organization: OrganizationInfo { id: "00000000-0000-4000-8000-000000000002".parse().unwrap(), name: "Contoso".into() },
        role,
        has_connected_account: false,
        passkey_required: false,
    };
    assert_eq!(xops_web::landing_path(&me(Role::Owner), None), "/welcome");
    assert_eq!(xops_web::landing_path(&me(Role::Admin), None), "/welcome");
    assert_eq!(xops_web::landing_path(&me(Role::Viewer), None), "/");
}

/// This module shows exactly the pages the app leaves for (the loader in index.html starts it for
/// those paths; the end-to-end tests open each).
#[wasm_bindgen_test]
fn the_pages_are_the_routes_the_app_leaves_for() {
    use xops_web::routes;
    assert_eq!(Page::from_path(routes::LOGIN), Some(Page::SignIn));
    assert_eq!(Page::from_path(routes::SIGNUP), Some(Page::CreateAccount));
    assert_eq!(Page::from_path(routes::JOIN), Some(Page::Join));
    assert_eq!(Page::from_path(routes::RESET), Some(Page::Reset));
    assert_eq!(Page::from_path("/login/"), None);
    assert!(routes::is_public(routes::LOGIN) && routes::is_public(routes::SIGNUP) && routes::is_public(routes::JOIN));
    assert!(routes::is_public(routes::RESET));
    assert!(!routes::is_public(routes::HOME) && !routes::is_public(routes::MEMBERS));
}

/// index.html shows the page's form before this module has loaded (`Page::markup`). The module
/// takes that form over as it stands: the same fields with what was typed in them, and a press of
/// the button that came first (held back by the page, marked `data-submitted`) is sent now.
#[wasm_bindgen_test]
async fn the_form_shown_before_the_module_loaded_is_taken_over_with_what_was_typed() {
    set_api_base(ApiBase::Url("http://127.0.0.1:9".into()));
    let root = document().create_element("div").unwrap();
    document().body().unwrap().append_child(&root).unwrap();
    root.set_inner_html(&Page::SignIn.markup());
    let email = input(&root, "#email");
    email.set_value("ada@contoso.com");
    input(&root, "#password").set_value("correct horse battery staple");
    el(&root, "form").set_attribute("data-submitted", "").unwrap();

    mount(&root, Page::SignIn, None, record_leave);
    assert!(email.is_connected(), "the very field the person typed in stays");
    assert_eq!(input(&root, "#email").value(), "ada@contoso.com");
    assert!(!el(&root, "form").has_attribute("data-submitted"));
    assert_eq!(text(&root, "button[type='submit']"), "Signing in…", "the held press is sent");
    wait_until("the alert", || shown(&root, ".form-alert")).await;
    assert_eq!(text(&root, ".form-alert"), "Cannot reach Xops. Check your internet connection and try again.");
    assert_eq!(input(&root, "#password").value(), "correct horse battery staple");
    root.remove();

    // Another page's markup is not taken over: the right page replaces it.
    let root = document().create_element("div").unwrap();
    document().body().unwrap().append_child(&root).unwrap();
    root.set_inner_html(&Page::SignIn.markup());
    mount(&root, Page::CreateAccount, None, record_leave);
    assert_eq!(text(&root, "h1"), "Create your account");
    assert_eq!(el(&root, "form").get_attribute("data-page").as_deref(), Some(xops_web::routes::SIGNUP));
    root.remove();
}

/// The markup index.html carries never sends a form by itself: it posts (nothing typed ever goes
/// into an address) and the page's script holds a press back for the module.
#[wasm_bindgen_test]
fn the_markup_for_index_html_posts_and_names_its_page() {
    for page in Page::ALL {
        let html = page.markup();
        assert!(html.contains(&format!(r#"method="post" novalidate data-page="{}""#, page.path())), "{html}");
        assert!(!html.contains("action="), "{html}");
    }
}
