use crate::erased::local_action;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// A "Copy" button for one value. It says what it copied in a live region, so a screen reader
/// hears it too; if the browser refuses clipboard access, it says so.
#[component]
pub fn CopyButton(
    #[prop(into)] text: String,
    /// What is copied, for the button's accessible name ("Copy Tenant ID").
    #[prop(into)]
    what: String,
) -> impl IntoView {
    let label = format!("Copy {what}");
    let text = StoredValue::new(text);
    let copy = local_action(move |_: &()| {
        let text = text.get_value();
        async move { write_clipboard(&text).await }
    });
    let said = move || match copy.value().get() {
        None => "",
        Some(true) => "Copied",
        Some(false) => "Copy failed: select the text and copy it",
    };
    let on_click = move |_| {
        copy.dispatch(());
    };
    view! {
        <span class="copy">
            <button type="button" class="button small" aria-label=label on:click=on_click>"Copy"</button>
            <span class="copy-status" role="status">{said}</span>
        </span>
    }
}

async fn write_clipboard(text: &str) -> bool {
    // navigator.clipboard is still behind web-sys's unstable flag; reach it through Reflect.
    let Some(window) = web_sys::window() else { return false };
    let Ok(clipboard) = js_sys::Reflect::get(&window.navigator(), &"clipboard".into()) else { return false };
    let Ok(write) = js_sys::Reflect::get(&clipboard, &"writeText".into()) else { return false };
    let Some(write) = write.dyn_ref::<js_sys::Function>() else { return false };
    match write.call1(&clipboard, &text.into()).map(|p| p.unchecked_into::<js_sys::Promise>()) {
        Ok(p) => wasm_bindgen_futures::JsFuture::from(p).await.is_ok(),
        Err(_) => false,
    }
}
