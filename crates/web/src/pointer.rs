//! Messages that appear when a field is left must not move what is under the pointer.

use std::cell::{Cell, RefCell};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

thread_local! {
    static POINTER_DOWN: Cell<bool> = const { Cell::new(false) };
    static AFTER_RELEASE: RefCell<Vec<Box<dyn FnOnce()>>> = const { RefCell::new(Vec::new()) };
    static TRACKING: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` now, or, when a pointer is pressed (the person left the field by pressing a button
/// or a link), just after it is released and its click has happened. A message that appears
/// when a field is left then never moves what is under the pointer between press and release,
/// so that click is never lost.
pub fn when_pointer_is_up(f: impl FnOnce() + 'static) {
    track_pointer();
    if POINTER_DOWN.get() {
        AFTER_RELEASE.with_borrow_mut(|later| later.push(Box::new(f)));
    } else {
        f();
    }
}

/// Starts following the pointer (once per page; every call after the first does nothing).
pub fn track_pointer() {
    if TRACKING.replace(true) {
        return;
    }
    let Some(window) = web_sys::window() else { return };
    let down = Closure::<dyn Fn()>::new(|| POINTER_DOWN.set(true));
    let up = Closure::<dyn Fn()>::new(|| {
        POINTER_DOWN.set(false);
        let later = AFTER_RELEASE.with_borrow_mut(std::mem::take);
        if !later.is_empty() {
            // After the click that this release makes (it is dispatched right after pointerup).
            let run = Closure::once_into_js(move || later.into_iter().for_each(|f| f()));
            if let Some(window) = web_sys::window() {
                let _ = window.set_timeout_with_callback(run.unchecked_ref());
            }
        }
    });
    // Capture phase: seen before any handler on the page can stop it.
    let _ = window.add_event_listener_with_callback_and_bool("pointerdown", down.as_ref().unchecked_ref(), true);
    for event in ["pointerup", "pointercancel"] {
        let _ = window.add_event_listener_with_callback_and_bool(event, up.as_ref().unchecked_ref(), true);
    }
    // Installed once for the page's lifetime.
    down.forget();
    up.forget();
}
