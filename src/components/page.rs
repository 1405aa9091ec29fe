use leptos::prelude::*;

/// Moves keyboard focus to the element with this id (a field with a problem, a section).
pub fn focus(id: &str) {
    if let Some(el) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id(id)) {
        let _ = wasm_bindgen::JsCast::unchecked_ref::<web_sys::HtmlElement>(&el).focus();
    }
}

/// A page's heading, which also names the browser tab, so a person with many tabs (or a
/// screen reader announcing the title) knows where they are. It follows the title if it
/// changes (a renamed account).
#[component]
pub fn PageHeading(#[prop(into)] title: Signal<String>) -> impl IntoView {
    let set_document_title = move |t: &str| {
        if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
            doc.set_title(&format!("{t} · Xops Integrations"));
        }
    };
    set_document_title(&title.get_untracked());
    Effect::new(move |_| set_document_title(&title.get()));
    view! { <h1 class="page-title">{title}</h1> }
}
