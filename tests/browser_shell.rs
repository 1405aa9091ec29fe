//! Browser tests (wasm-bindgen-test, headless Chromium): the app shell and its runtime config.
//! All tests in this file share one page, so each mounts into its own fresh element.
#![cfg(target_arch = "wasm32")]

use leptos::prelude::*;
use std::time::Duration;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement};
use xops_integrations::app::App;
use xops_integrations::config;
use xops_model::{ApiBase, ClientConfig};

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

fn fresh_root() -> HtmlElement {
    let el: HtmlElement = document().create_element("div").unwrap().unchecked_into();
    document().body().unwrap().append_child(&el).unwrap();
    el
}

async fn sleep(d: Duration) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, d.as_millis() as i32)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(p).await.unwrap();
}

/// Waits (up to 2 s) until `f` finds something; the reactive system updates the DOM asynchronously.
async fn wait_for<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    for _ in 0..100 {
        if let Some(v) = f() {
            return v;
        }
        sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting for {what}");
}

fn heading(root: &Element) -> Option<String> {
    root.query_selector("h1").ok().flatten().map(|h| h.text_content().unwrap_or_default())
}

fn set_path(path: &str) {
    web_sys::window().unwrap().history().unwrap().replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(path)).unwrap();
}

/// One story, one mount (the router's window listeners are per app, and all tests share a page):
/// a person follows a broken link, sees "Page not found" inside the shell, goes on to
/// Integrations from there, then Home from the side navigation.
#[wasm_bindgen_test]
async fn shell_routes_and_shows_not_found_inside_itself() {
    set_path("/no/such/page");
    let root = fresh_root();
    let handle = mount_to(root.clone(), || view! { <App config=ClientConfig::default()/> });

    assert_eq!(wait_for("a heading", || heading(&root)).await, "Page not found");
    assert!(root.text_content().unwrap().contains("/no/such/page"), "names the path it could not find");
    let nav = wait_for("the side navigation", || root.query_selector("nav[aria-label='Main']").ok().flatten()).await;
    let anchors = nav.query_selector_all("a").unwrap();
    let links: Vec<String> =
        (0..anchors.length()).filter_map(|i| anchors.item(i)).map(|n| n.text_content().unwrap_or_default()).collect();
    assert!(links.contains(&"Home".to_string()) && links.contains(&"Integrations".to_string()), "{links:?}");

    let onward: HtmlElement =
        root.query_selector("main a[href='/integrations']").unwrap().expect("a way on from Not found").unchecked_into();
    onward.click();
    wait_for("the Integrations heading", || (heading(&root).as_deref() == Some("Integrations")).then_some(())).await;
    assert_eq!(web_sys::window().unwrap().location().pathname().unwrap(), "/integrations");
    let nav_link = nav.query_selector("a[href='/integrations']").unwrap().unwrap();
    assert_eq!(nav_link.get_attribute("aria-current").as_deref(), Some("page"));
    assert_eq!(document().title(), "Integrations · Xops Integrations");
    // Focus moved to the new page after the client-side navigation.
    wait_for("focus on <main>", || (document().active_element().map(|e| e.id()).as_deref() == Some("main")).then_some(())).await;

    let home: HtmlElement = nav.query_selector("a[href='/']").unwrap().unwrap().unchecked_into();
    home.click();
    wait_for("the Home heading", || (heading(&root).as_deref() == Some("Home")).then_some(())).await;
    assert_eq!(web_sys::window().unwrap().location().pathname().unwrap(), "/");
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
