//! One tab at a time: `navigator.locks.request` (the Web Locks API), called through JS
//! reflection because web-sys exposes it only behind an unstable flag. Where the API is
//! missing, the work simply runs (a second tab then at worst repeats a request, which the
//! store answers idempotently).

use js_sys::{Function, Promise, Reflect};
use std::future::Future;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// A promise and the function that resolves it. (The executor runs at once, so the function is
/// always there; `None` is only the type's way of saying so.)
fn deferred() -> Option<(Promise, Function)> {
    let mut resolve_out = None;
    let promise = Promise::new(&mut |resolve, _| resolve_out = Some(resolve));
    resolve_out.map(|resolve| (promise, resolve))
}

pub async fn exclusive<T>(name: &str, work: impl Future<Output = T>) -> T {
    let locks = web_sys::window()
        .map(|w| JsValue::from(w.navigator()))
        .and_then(|n| Reflect::get(&n, &"locks".into()).ok())
        .filter(|l| !l.is_undefined() && !l.is_null());
    let request =
        locks.as_ref().and_then(|l| Reflect::get(l, &"request".into()).ok()).and_then(|f| f.dyn_into::<Function>().ok());
    let (Some(locks), Some(request), Some((granted, grant)), Some((released, release))) =
        (locks, request, deferred(), deferred())
    else {
        return work.await;
    };
    let on_granted = Closure::once_into_js(move |_lock: JsValue| -> JsValue {
        let _ = grant.call0(&JsValue::NULL);
        released.into()
    });
    let held = match request.call2(&locks, &JsValue::from_str(name), &on_granted) {
        Ok(p) => p.dyn_into::<Promise>().ok(),
        Err(_) => None,
    };
    if held.is_some() {
        let _ = JsFuture::from(granted).await;
    }
    let out = work.await;
    let _ = release.call0(&JsValue::NULL);
    if let Some(p) = held {
        let _ = JsFuture::from(p).await;
    }
    out
}
