use super::side_nav::SideNav;
use super::top_bar::TopBar;
use leptos::prelude::*;
use leptos::wasm_bindgen::JsCast;
use leptos_router::hooks::use_location;

/// The frame around every page: skip link, side navigation on the left, the top bar, and the page.
#[component]
pub fn Shell(children: Children) -> impl IntoView {
    let location = use_location();
    // After a navigation, move focus to the new page so keyboard and screen-reader users start
    // reading there (a full page load does this by itself; a client-side route change does not).
    Effect::new(move |previous: Option<String>| {
        let path = location.pathname.get();
        if previous.is_some_and(|p| p != path) {
            focus_main();
        }
        path
    });
    view! {
        <a class="skip-link" href="#main">"Skip to main content"</a>
        <div class="layout">
            <SideNav/>
            <div class="content">
                <TopBar/>
                <main id="main" tabindex="-1">{children()}</main>
            </div>
        </div>
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
