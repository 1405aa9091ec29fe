//! Sign in and Create account: the first page a person opens, as a WebAssembly module of its own
//! with no framework (web-sys only). That page then downloads a few dozen KB instead of the whole
//! app (see docs/first-load.md).
//!
//! A person who signs in goes on to the app (`xops-integrations`, a separate module) with a full
//! page load, and the app sends a signed-out person here the same way. Both sides take their
//! rules from shared crates: the field checks are the model's (the store runs the same), and the
//! routes, the safe `next` target and where a person lands are `xops-web`'s.

mod api;
mod dom;
mod form;
mod page;

pub use api::set_api_base;
pub use form::mount;
pub use page::Page;

/// Shows the page the address names (the loader in index.html starts this module only for
/// Sign in, Create account, Join and Reset), and sends a person who is already signed in on to the app.
pub fn start() {
    let Some(window) = web_sys::window() else { return };
    let Some(document) = window.document() else { return };
    let location = window.location();
    let path = location.pathname().unwrap_or_default();
    let page = Page::from_path(&path).unwrap_or(Page::SignIn);
    let next = next_from_search(&location.search().unwrap_or_default());
    if let Some(boot) = document.get_element_by_id("boot") {
        boot.remove();
    }
    // index.html has usually put the page's form on screen already (see `Page::markup`).
    let main = match document.get_element_by_id("main") {
        Some(main) => main,
        None => {
            let Ok(main) = document.create_element("main") else { return };
            let _ = main.set_attribute("id", "main");
            let _ = main.set_attribute("class", "public");
            let _ = main.set_attribute("tabindex", "-1");
            if let Some(body) = document.body() {
                let _ = body.append_child(&main);
            }
            main
        }
    };
    let form = mount(&main, page, next, leave);
    prefetch_app(&main);
    wasm_bindgen_futures::spawn_local(async move {
        match page {
            // Someone signed in who opens an invitation or reset link sees it (and whose address
            // it is for) rather than being sent on.
            Page::Join | Page::Reset => form.show_link().await,
            _ => form.skip_if_signed_in().await,
        }
    });
}

/// The `next` page from the address's query (`?next=…`), if it is a safe page of this site.
pub fn next_from_search(search: &str) -> Option<String> {
    let params = web_sys::UrlSearchParams::new_with_str(search).ok()?;
    xops_web::safe_next(params.get("next"))
}

/// Once the person starts typing, fetches the app's first files into the browser's cache (their
/// names are in index.html's `xops-app-files`), so the app opens without waiting for them after
/// signing in. Not before: a visit that only looks at the page downloads only the page.
fn prefetch_app(main: &web_sys::Element) {
    let started = std::cell::Cell::new(false);
    dom::on(main, "input", move |_| {
        if started.replace(true) {
            return;
        }
        let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
        let files = document
            .query_selector("meta[name='xops-app-files']")
            .ok()
            .flatten()
            .and_then(|m| m.get_attribute("content"))
            .unwrap_or_default();
        for file in files.split_whitespace() {
            let Ok(link) = document.create_element("link") else { continue };
            let _ = link.set_attribute("rel", "prefetch");
            let _ = link.set_attribute("href", file);
            if let Some(head) = document.head() {
                let _ = head.append_child(&link);
            }
        }
    });
}

/// Goes to a page of the app: a full page load, which starts the app's own module. Replaces this
/// entry, so Back does not return to a form the person has finished with.
fn leave(to: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.location().replace(to);
    }
}

impl Page {
    pub fn from_path(path: &str) -> Option<Page> {
        Page::ALL.into_iter().find(|p| p.path() == path)
    }
}
