use leptos::prelude::*;

/// A page's heading, which also names the browser tab, so a person with many tabs (or a
/// screen reader announcing the title) knows where they are.
#[component]
pub fn PageHeading(#[prop(into)] title: String) -> impl IntoView {
    if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
        doc.set_title(&format!("{title} · Xops Integrations"));
    }
    view! { <h1 class="page-title">{title}</h1> }
}
