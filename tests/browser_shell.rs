//! Browser tests (wasm-bindgen-test, headless Chromium): the app shell and its runtime config.
//! All tests in this file share one page, so each mounts into its own fresh element.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used)] // test code: a failure is a failed test

mod support;

use support::*;
use wasm_bindgen_test::*;
use xops_integrations::config;
use xops_integrations::session::SessionState;
use xops_model::ApiBase;

wasm_bindgen_test_configure!(run_in_browser);

/// One story, one mount (the router's window listeners are per app, and all tests share a page):
/// a signed-in person follows a broken link, sees "Page not found" inside the shell, goes on to
/// Integrations from there, then Home from the side navigation.
#[wasm_bindgen_test]
async fn shell_routes_and_shows_not_found_inside_itself() {
    set_path("/no/such/page");
    let root = fresh_root();
    let handle = mount_app(&root, SessionState::SignedIn(me(true)));

    assert_eq!(wait_for("a heading", || heading(&root)).await, "Page not found");
    assert!(root.text_content().unwrap().contains("/no/such/page"), "names the path it could not find");
    let nav = wait_for("the side navigation", || root.query_selector("nav[aria-label='Main']").ok().flatten()).await;
    let nav_text = nav.text_content().unwrap();
    for expected in ["Home", "Integrations", "ada@contoso.com", "Contoso", "Sign out"] {
        assert!(nav_text.contains(expected), "{expected} in {nav_text}");
    }

    click(&root, "main a[href='/integrations']");
    wait_until("the Integrations heading", || heading(&root).as_deref() == Some("Integrations")).await;
    assert_eq!(path_and_query(), "/integrations");
    let nav_link = nav.query_selector("a[href='/integrations']").unwrap().unwrap();
    assert_eq!(nav_link.get_attribute("aria-current").as_deref(), Some("page"));
    assert_eq!(document().title(), "Integrations · Xops Integrations");
    // Focus moved to the new page after the client-side navigation.
    wait_until("focus on <main>", || document().active_element().map(|e| e.id()).as_deref() == Some("main")).await;

    click(&nav, "a[href='/']");
    wait_until("the Home heading", || heading(&root).as_deref() == Some("Home")).await;
    assert_eq!(path_and_query(), "/");
    assert!(root.text_content().unwrap().contains("ada@contoso.com"), "Home greets the person");

    // The organization has a connected account: the first-login picker steps aside for Home.
    go_to("/welcome");
    wait_until("the picker to redirect to /", || path_and_query() == "/").await;
    wait_until("the Home heading", || heading(&root).as_deref() == Some("Home")).await;
    drop(handle);
}

#[wasm_bindgen_test]
async fn config_loads_from_a_file_and_a_missing_file_means_same_origin() {
    let url = "data:application/json,{\"api_base\":\"https://api.example.com/\"}";
    let cfg = config::load_from(url).await.unwrap();
    assert_eq!(cfg.api_base, ApiBase::Url("https://api.example.com".into()));

    // The test server has no config.json: the defaults apply.
    let cfg = config::load_from(&config::config_url()).await.unwrap();
    assert_eq!(cfg.api_base, ApiBase::SameOrigin);

    let err = config::load_from("data:application/json,{\"api_base\":\"ftp://x\"}").await.unwrap_err();
    assert!(err.to_string().contains("not valid") && err.to_string().contains("https://"), "{err}");
}

/// The router's path literals (app.rs) and the names the rest of the app links with (routes.rs)
/// are the same: each name opens its page, not "Page not found".
#[wasm_bindgen_test]
async fn every_named_route_opens_its_page() {
    use xops_integrations::routes;
    let signed_in = || SessionState::SignedIn(me(true));
    for (path, state, title) in [
        (routes::WELCOME, SessionState::SignedIn(me(false)), "Select your preferred cloud service or platform"),
        (routes::HOME, signed_in(), "Home"),
        (routes::INTEGRATIONS, signed_in(), "Integrations"),
        (routes::LINK_AWS, signed_in(), "Link a New AWS Account"),
        (routes::LINK_AZURE, signed_in(), "Link a New Azure Account"),
        (routes::LINK_MICROSOFT_365, signed_in(), "Link a New Microsoft Account"),
    ] {
        set_path(path);
        let root = fresh_root();
        let handle = mount_app(&root, state);
        wait_until(title, || heading(&root).as_deref() == Some(title)).await;
        assert_eq!(path_and_query(), path);
        drop(handle);
    }
    // Sign in and Create account are the sign-in module's: the app opens them with a full page load.
    for path in [routes::LOGIN, routes::SIGNUP] {
        set_path(path);
        let root = fresh_root();
        let handle = mount_app(&root, SessionState::SignedOut);
        wait_until(path, || take_left_for().as_deref() == Some(path)).await;
        drop(handle);
    }
}

/// `<When>`, the app's `<Show>`: while its condition holds, its children stay as they are (their
/// state, what was typed), however often what the condition reads changes; a flip shows the
/// fallback, and a flip back builds the children afresh.
#[wasm_bindgen_test]
async fn when_keeps_its_children_while_its_condition_holds() {
    use leptos::prelude::*;
    use wasm_bindgen::JsCast;
    use xops_integrations::components::when::When;

    /// A child with state of its own: how often it was pressed.
    #[component]
    fn Presses() -> impl IntoView {
        let presses = RwSignal::new(0);
        view! { <button class="presses" on:click=move |_| presses.update(|n| *n += 1)>{move || presses.get().to_string()}</button> }
    }

    let root = fresh_root();
    let count = RwSignal::new(1);
    let handle = leptos::mount::mount_to(root.clone(), move || {
        view! {
            <When when=move || count.get() != 0 fallback=|| view! { <p class="none">"None yet"</p> }>
                <input class="typed"/>
                <Presses/>
            </When>
        }
    });
    let input = |root: &web_sys::HtmlElement| {
        root.query_selector("input.typed").unwrap().map(|e| e.unchecked_into::<web_sys::HtmlInputElement>())
    };
    let presses = |root: &web_sys::HtmlElement| root.query_selector("button.presses").unwrap().and_then(|b| b.text_content());
    let first = wait_for("the children", || input(&root)).await;
    first.set_value("kept");
    click(&root, "button.presses");
    click(&root, "button.presses");
    wait_until("two presses", || presses(&root).as_deref() == Some("2")).await;
    assert!(root.query_selector("p.none").unwrap().is_none(), "no fallback while it holds");

    // What the condition reads changes twice; the condition still holds.
    count.set(2);
    sleep(std::time::Duration::from_millis(50)).await;
    count.set(3);
    sleep(std::time::Duration::from_millis(50)).await;
    let now = input(&root).expect("the children are still shown");
    assert!(now.is_same_node(Some(&first)), "the same input, not one built again");
    assert_eq!(now.value(), "kept");
    assert_eq!(presses(&root).as_deref(), Some("2"), "the child's own state is kept");

    count.set(0);
    wait_until("the fallback", || root.query_selector("p.none").unwrap().is_some()).await;
    assert!(input(&root).is_none(), "the children are gone while it does not hold");

    count.set(4);
    let again = wait_for("the children again", || input(&root)).await;
    assert!(!again.is_same_node(Some(&first)) && again.value().is_empty(), "built afresh after a flip");
    assert_eq!(presses(&root).as_deref(), Some("0"));
    assert!(root.query_selector("p.none").unwrap().is_none());
    drop(handle);
}
