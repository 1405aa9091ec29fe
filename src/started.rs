//! Work started now and awaited later. A Rust future does nothing until it is polled, so one that
//! should run while the caller does something else (a request on its way while the previous page
//! is processed, a read while the app starts) is spawned at once with `Started::new` and its
//! output collected with `output`.

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

pub struct Started<T> {
    /// Settles once `out` is filled.
    done: js_sys::Promise,
    out: Rc<RefCell<Option<T>>>,
}

impl<T: 'static> Started<T> {
    pub fn new(work: impl Future<Output = T> + 'static) -> Started<T> {
        let out = Rc::new(RefCell::new(None));
        let slot = out.clone();
        let done = wasm_bindgen_futures::future_to_promise(async move {
            let value = work.await;
            *slot.borrow_mut() = Some(value);
            Ok(JsValue::UNDEFINED)
        });
        Started { done, out }
    }

    /// The work's output, once it has finished. (`None` only if the work panicked, which aborts
    /// a release build anyway.)
    pub async fn output(self) -> Option<T> {
        let _ = JsFuture::from(self.done).await;
        self.out.borrow_mut().take()
    }
}

/// Resolves after `ms` milliseconds (a browser timer), for a pause between tries.
pub async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// Resolves once the browser has painted what is on the page now (the next animation frame, then
/// a task after it), so work started after it never holds up that paint.
pub async fn after_paint() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let Some(w) = web_sys::window() else {
            let _ = resolve.call0(&JsValue::UNDEFINED);
            return;
        };
        let after = wasm_bindgen::closure::Closure::once_into_js(move || {
            if let Some(w) = web_sys::window() {
                let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0);
            }
        });
        let _ = w.request_animation_frame(after.unchecked_ref());
    });
    let _ = JsFuture::from(promise).await;
}
