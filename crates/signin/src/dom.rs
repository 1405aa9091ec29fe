//! The few DOM operations the page needs, each failing quietly (a missing element is a page that
//! is already gone).

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, HtmlInputElement};

pub fn by_id(root: &Element, id: &str) -> Option<Element> {
    root.query_selector(&format!("#{id}")).ok().flatten()
}

pub fn input_value(root: &Element, id: &str) -> String {
    by_id(root, id).map(|e| e.unchecked_into::<HtmlInputElement>().value()).unwrap_or_default()
}

pub fn set_text(el: &Element, text: &str) {
    el.set_text_content(Some(text));
}

pub fn set_hidden(el: &Element, hidden: bool) {
    el.unchecked_ref::<HtmlElement>().set_hidden(hidden);
}

pub fn focus(root: &Element, id: &str) {
    if let Some(el) = by_id(root, id) {
        let _ = el.unchecked_into::<HtmlElement>().focus();
    }
}

/// Listens for `event` on `el` for the page's lifetime (the page is never taken down: leaving it
/// is a full page load).
pub fn on(el: &Element, event: &str, f: impl FnMut(web_sys::Event) + 'static) {
    let f = Closure::<dyn FnMut(web_sys::Event)>::new(f);
    let _ = el.add_event_listener_with_callback(event, f.as_ref().unchecked_ref());
    f.forget();
}
