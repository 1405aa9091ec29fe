//! What index.html's loader asked the network for before the app ran (`src/loader/start.js`):
//! the configuration and, with the API on the page's own origin, who is signed in. So the
//! session's answer arrives while the first module downloads, not after it has started. Each is
//! taken once, by the code that would otherwise ask (`config::load`, the session's first ask),
//! and only if the loader asked the very address that code would; otherwise (a browser test, a
//! page built before this, an API elsewhere) the caller asks itself.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// The loader's promise `name`, taken (a second take finds none).
fn take(name: &str) -> Option<js_sys::Promise> {
    let window = web_sys::window()?;
    let asked = js_sys::Reflect::get(&window, &JsValue::from_str("__xopsStart")).ok().filter(JsValue::is_object)?;
    let promise = js_sys::Reflect::get(&asked, &JsValue::from_str(name)).ok()?;
    let _ = js_sys::Reflect::delete_property(asked.unchecked_ref::<js_sys::Object>(), &JsValue::from_str(name));
    promise.dyn_into().ok()
}

/// The answer the loader got from `url` (absolute), when it asked that address: `Some(Err)`
/// when the request failed (offline), `None` when it did not ask or asked elsewhere.
async fn answer(name: &str, url: &str) -> Option<Result<web_sys::Response, JsValue>> {
    match JsFuture::from(take(name)?).await {
        Ok(value) => {
            let response = value.dyn_into::<web_sys::Response>().ok()?;
            (response.url() == url).then_some(Ok(response))
        }
        Err(e) => Some(Err(e)),
    }
}

/// The configuration file's answer (see `answer`).
pub async fn config(url: &str) -> Option<Result<web_sys::Response, JsValue>> {
    answer("config", url).await
}

/// The session's answer, if the loader got one from `url` (a failed request is asked again by
/// the caller, which then says what failed).
pub async fn session(url: &str) -> Option<web_sys::Response> {
    answer("session", url).await?.ok()
}

/// `path` on this page's origin as an absolute address.
pub fn absolute(path: &str) -> Option<String> {
    let href = web_sys::window()?.location().href().ok()?;
    web_sys::Url::new_with_base(path, &href).ok().map(|u| u.href())
}
