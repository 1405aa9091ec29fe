//! The pages as split points, for the router (app.rs) and for the signed-in frame, which fetches
//! the link and account chunks in idle time. `page!` makes a page a split point: its `call()`
//! builds the page in its chunk, fetched when the page is first opened (see `split`).
//!
//! Every page but Page not found is here. The pages every signed-in person sees come with the
//! signed-in frame; the link forms (with the certificate code) and the account page (with Test
//! connection) are chunks of their own. Sign in and Create account are not here: they are a module
//! of their own (crates/signin), which index.html's loader starts for their paths.

use crate::pages::account::background::Handles;
use crate::pages::account::IntegrationDetail;
use crate::pages::activity::Activity;
use crate::pages::home::{Home, HomeSections};
use crate::pages::integrations::Integrations;
use crate::pages::link::{LinkAws, LinkAzure, LinkMicrosoft365};
use crate::pages::members::Members;
use crate::pages::security::Security;
use crate::pages::welcome::Welcome;
use crate::split_point;
use leptos::prelude::*;
use leptos::wasm_bindgen::JsCast;

macro_rules! page {
    ($chunk:ident, $vis:vis $name:ident, $component:ident) => {
        split_point!($chunk, $vis fn $name() -> AnyView { $component().into_any() });
    };
}
page!(signed_in, pub home, Home);
page!(signed_in, pub home_sections, HomeSections);
page!(signed_in, pub welcome, Welcome);
page!(signed_in, pub integrations, Integrations);
page!(link, pub link_aws, LinkAws);
page!(link, pub link_azure, LinkAzure);
page!(link, pub link_microsoft_365, LinkMicrosoft365);
page!(account, pub account, IntegrationDetail);
page!(team, pub members, Members);
page!(team, pub activity, Activity);
page!(team, pub security, Security);

/// Once the signed-in person's first page is up and the browser has nothing else to do, fetch
/// the code of every other page, so moving between pages never waits for the network and a
/// person who goes offline can still open each of them; then let the service worker keep the
/// whole build on the device (it finds those files in the browser's cache). A failure here is
/// not shown (a page says so, with Try again, if it is opened while its code is still missing).
/// Then start the background checks (their code is the account page's).
pub fn fetch_other_pages_when_idle(handles: Handles) {
    let keep_on_device = crate::components::app_update::keep_on_device();
    let handles = StoredValue::new_local(handles);
    let fetch_all = move || {
        let Some(handles) = handles.try_get_value() else { return };
        leptos::task::spawn_local(async move {
            let _ = link_microsoft_365::preload().await;
            let _ = account::preload().await;
            if crate::pages::account::background::background_checks::call(handles).await.is_err() {
                leptos::logging::warn!("the background checks could not start: their code did not load");
            }
            let _ = members::preload().await;
            keep_on_device();
        })
    };
    // Give the first page's own requests (the records) a head start, then wait for idle time.
    set_timeout(
        move || {
            // (Safari has no idle callback: there, now.)
            let callback = leptos::wasm_bindgen::closure::Closure::once_into_js(fetch_all);
            let idle = web_sys::window().map(|w| w.request_idle_callback(callback.unchecked_ref()));
            if !matches!(idle, Some(Ok(_))) {
                fetch_all();
            }
        },
        std::time::Duration::from_secs(2),
    );
}
