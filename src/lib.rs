//! Xops Integrations: the account-linking web app (Leptos, client-side rendered).
//!
//! `start` loads the runtime configuration (config.json next to index.html) and mounts the
//! app; `app.rs` holds the router, so the map of every screen is in one place.

pub mod accounts;
pub mod api;
pub mod app;
pub mod assertion;
pub mod boot;
pub mod certificate;
pub mod components;
pub mod config;
pub mod erased;
pub mod health;
pub mod keys;
pub mod link_kinds;
pub mod pages;
pub mod platform;
pub mod session;
pub mod signed_in_code;
pub mod split;
pub mod started;
pub mod sync;
pub mod tickets;

pub use xops_web::routes;

use leptos::prelude::*;

/// Loads `config.json`, then mounts the app into `<body>`. A broken config file is shown to the
/// person instead of the app, with what is wrong, so an operator can fix the deployment.
pub fn start() {
    read_early();
    wasm_bindgen_futures::spawn_local(async {
        let loaded = config::load().await;
        remove_boot_message();
        match loaded {
            Ok(cfg) => mount_to_body(move || view! { <app::App config=cfg/> }),
            Err(e) => mount_to_body(move || view! { <components::boot_error::BootError message=e.to_string()/> }),
        }
    });
}

fn remove_boot_message() {
    if let Some(el) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("boot")) {
        el.remove();
    }
}

/// Starts reading the device's copy of the person this browser last saw signed in, and fetching
/// the signed-in code (the sync engine), while the configuration and the session are asked for (see
/// `sync::early`). A sign-in page never starts the app, so this runs only where a signed-in
/// page is wanted.
fn read_early() {
    let path = web_sys::window().and_then(|w| w.location().pathname().ok()).unwrap_or_default();
    let Some(me) = session::remembered().filter(|_| !routes::is_public(&path)) else { return };
    sync::early::start(&me.user.id, &me.organization.id);
    signed_in_code::fetch_at_start();
}
