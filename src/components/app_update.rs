//! Keeping the app on the device and offering a new build. Once a person is signed in, the
//! service worker (dist/sw.js, from src/service_worker.js) is registered: it keeps this build's
//! files, so the app opens without the network. When a new build is deployed, the browser fetches
//! the new worker in the background; this bar then says a new version is ready, and only the
//! person's Reload switches to it (never a reload under their typing).

use crate::components::when::When;
use crate::erased::local_action;
use leptos::prelude::*;
use leptos::wasm_bindgen::closure::Closure;
use leptos::wasm_bindgen::JsCast;
use web_sys::{ServiceWorkerContainer, ServiceWorkerRegistration, ServiceWorkerState};

/// How often an open tab asks whether a new build is out (also whenever it becomes visible).
const CHECK_EVERY: std::time::Duration = std::time::Duration::from_secs(30 * 60);

/// Whether a new build waits; one per app (see `AppOwner`), shared by every frame it shows.
#[derive(Clone, Copy)]
struct NewBuild(RwSignal<bool>);

/// The one "a new build waits" flag of the app, made under `AppOwner` the first time it is asked
/// for, so frames that come and go (sign-out, sign-in) share it.
fn new_build() -> RwSignal<bool> {
    match use_context::<NewBuild>() {
        Some(NewBuild(waiting)) => waiting,
        None => {
            let make = || {
                let waiting = RwSignal::new(false);
                provide_context(NewBuild(waiting));
                waiting
            };
            // An embedder without the app's owner (the browser tests) keeps it where it is.
            match use_context::<crate::split::AppOwner>() {
                Some(app) => app.0.with(make),
                None => make(),
            }
        }
    }
}

/// The bar that offers the new build.
#[component]
pub fn UpdateNotice() -> impl IntoView {
    let waiting = new_build();
    let switching = local_action(|_: &()| switch_to_new_build());
    // Once switched, the page reloads: until then the button says it is under way.
    let switched = move || switching.pending().get() || switching.value().with(Option::is_some);
    view! {
        <When when=move || waiting.get()>
            <div class="update-notice" role="status">
                <span>"A new version of Xops Integrations is ready."</span>
                <button class="button primary" disabled=switched on:click=move |_| { switching.dispatch(()); }>
                    {move || if switched() { "Reloading…" } else { "Reload" }}
                </button>
            </div>
        </When>
    }
}

thread_local! {
    static REGISTERED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// What registers the service worker (once per page), which keeps this build on the device, and
/// watches for the next build. Made in a component (it needs the app's context), run later: in
/// idle time after sign-in (see `signed_in`), so the worker's downloads never compete with the
/// first page's.
pub fn keep_on_device() -> impl Fn() + Copy + 'static {
    let waiting = new_build();
    move || {
        if !REGISTERED.with(|r| r.replace(true)) {
            watch_for_new_builds(waiting);
        }
    }
}

fn container() -> Option<ServiceWorkerContainer> {
    let navigator = web_sys::window()?.navigator();
    // Browsers without service workers (or pages not in a secure context) have none.
    js_sys::Reflect::has(&navigator, &"serviceWorker".into()).ok()?.then(|| navigator.service_worker())
}

fn watch_for_new_builds(waiting: RwSignal<bool>) {
    let Some(container) = container() else { return };
    leptos::task::spawn_local(async move {
        let registered = wasm_bindgen_futures::JsFuture::from(container.register("/sw.js")).await;
        let registration: ServiceWorkerRegistration = match registered {
            Ok(r) => r.unchecked_into(),
            Err(e) => {
                let reason = e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())).unwrap_or_default();
                leptos::logging::warn!("the app cannot be kept on this device: {reason}");
                return;
            }
        };
        let notice = {
            let registration = registration.clone();
            move || {
                // A worker that waits while another controls this page is a new build (the first
                // worker of all activates at once and is no news).
                let new_one = registration.waiting().is_some() && container.controller().is_some();
                if new_one {
                    let _ = waiting.try_set(true);
                }
            }
        };
        notice();
        // A new worker found: tell once it has installed (its files are all here by then).
        let on_found = {
            let registration = registration.clone();
            let notice = notice.clone();
            Closure::<dyn Fn()>::new(move || {
                if let Some(installing) = registration.installing() {
                    let notice = notice.clone();
                    let watched = installing.clone();
                    let on_state = Closure::<dyn Fn()>::new(move || {
                        if watched.state() == ServiceWorkerState::Installed {
                            notice();
                        }
                    });
                    installing.set_onstatechange(Some(on_state.as_ref().unchecked_ref()));
                    on_state.forget();
                }
            })
        };
        registration.set_onupdatefound(Some(on_found.as_ref().unchecked_ref()));
        on_found.forget();
        // Ask for a new build now and then, and whenever the tab is looked at again.
        let check = move || {
            let _ = registration.update();
        };
        let periodic = check.clone();
        set_interval(periodic, CHECK_EVERY);
        if let Some(document) = web_sys::window().and_then(|w| w.document()) {
            let visible = document.clone();
            let on_visible = Closure::<dyn Fn()>::new(move || {
                if visible.visibility_state() == web_sys::VisibilityState::Visible {
                    check();
                }
            });
            let _ = document.add_event_listener_with_callback("visibilitychange", on_visible.as_ref().unchecked_ref());
            on_visible.forget();
        }
    });
}

/// The person pressed Reload: the waiting worker takes over, then this tab reloads into the new
/// build. Other tabs keep their build until they reload.
async fn switch_to_new_build() {
    let reload = || {
        if let Some(w) = web_sys::window() {
            let _ = w.location().reload();
        }
    };
    let Some(container) = container() else { return reload() };
    let registration = wasm_bindgen_futures::JsFuture::from(container.get_registration())
        .await
        .ok()
        .and_then(|r| r.dyn_into::<ServiceWorkerRegistration>().ok());
    match registration.and_then(|r| r.waiting()) {
        Some(waiting) => {
            let on_change = Closure::<dyn Fn()>::new(reload);
            container.set_oncontrollerchange(Some(on_change.as_ref().unchecked_ref()));
            on_change.forget();
            let _ = waiting.post_message(&"activate".into());
        }
        // Another tab switched already: this one only needs the reload.
        None => reload(),
    }
}
