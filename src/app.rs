//! The router: every screen of the app, by its route. Find a screen here, then its module in
//! pages/. The paths are `routes`' (crates/web; `path!` takes literals, and tests/browser_shell.rs
//! opens each).
//! Which pages need a signed-in person is decided in one place: `components::shell`.

use crate::api::Api;
use crate::components::shell::Shell;
use crate::pages::account::IntegrationDetail;
use crate::pages::link::{LinkAws, LinkAzure, LinkMicrosoft365};
use crate::pages::{home::Home, integrations::Integrations, not_found::NotFound, welcome::Welcome};
use crate::session::Session;
use crate::split::lazy;
use crate::split_point;
use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;
use xops_model::ClientConfig;

/// The app's own reactive owner, for what a chunk starts that must outlive the page that
/// started it (the sync engine: see `components::signed_in`).
#[derive(Clone)]
pub struct AppOwner(pub Owner);

#[component]
pub fn App(config: ClientConfig) -> impl IntoView {
    provide_context(Api::new(config.api_base));
    Session::provide();
    if let Some(owner) = Owner::current() {
        provide_context(AppOwner(owner));
    }
    view! {
        <Router>
            <AppRoutes/>
        </Router>
    }
}

/// Every route inside the shell (separate from `App` so browser tests can mount it with a
/// session of their own).
#[component]
pub fn AppRoutes() -> impl IntoView {
    view! {
            <Shell>
                <Routes fallback=|| view! { <NotFound/> }>
                    <Route path=path!("/") view=|| lazy(home::preload_boxed, home::call_boxed)/>
                    <Route path=path!("/welcome") view=|| lazy(welcome::preload_boxed, welcome::call_boxed)/>
                    <Route path=path!("/integrations") view=|| lazy(integrations::preload_boxed, integrations::call_boxed)/>
                    <Route path=path!("/integrations/aws/new") view=|| lazy(link_aws::preload_boxed, link_aws::call_boxed)/>
                    <Route path=path!("/integrations/azure/new") view=|| lazy(link_azure::preload_boxed, link_azure::call_boxed)/>
                    <Route path=path!("/integrations/microsoft/m365/new") view=|| lazy(link_microsoft_365::preload_boxed, link_microsoft_365::call_boxed)/>
                    <Route path=path!("/integrations/:id") view=|| lazy(account::preload_boxed, account::call_boxed)/>
                </Routes>
            </Shell>
    }
}

// Sign in and Create account are not here: they are a module of their own (crates/signin), which
// index.html's loader starts for their paths. Every page here is loaded when first opened (see
// `split`), but Page not found: the pages
// every signed-in person sees come with the signed-in frame; the link forms (with the certificate
// code) and the account page (with Test connection) are chunks of their own. Two are `pub` for the
// signed-in frame, which fetches those chunks in idle time. `page!` makes a page a split point:
// its `call()` builds the page in its chunk.
macro_rules! page {
    ($chunk:ident, $vis:vis $name:ident, $component:ident) => {
        split_point!($chunk, $vis fn $name() -> AnyView { $component().into_any() });
    };
}
page!(signed_in, home, Home);
page!(signed_in, welcome, Welcome);
page!(signed_in, integrations, Integrations);
page!(link, link_aws, LinkAws);
page!(link, link_azure, LinkAzure);
page!(link, pub link_microsoft_365, LinkMicrosoft365);
page!(account, pub account, IntegrationDetail);
