//! The router: every screen of the app, by its route. Find a screen here, then its module in
//! pages/. The paths are `routes`' (crates/web; `path!` takes literals, and tests/browser_shell.rs
//! opens each).
//! Which pages need a signed-in person is decided in one place: `components::shell`.

use crate::api::Api;
use crate::components::shell::Shell;
use crate::pages::chunks::{
    account, activity, integrations, link_aws, link_azure, link_microsoft_365, members, security, welcome,
};
use crate::pages::home_first::HomeFirst;
use crate::pages::not_found::NotFound;
use crate::session::Session;
use crate::signed_in_code::page;
use crate::split::AppOwner;
use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;
use xops_model::ClientConfig;

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
                    <Route path=path!("/") view=HomeFirst/>
                    <Route path=path!("/welcome") view=|| page(welcome::preload_boxed, welcome::call_boxed)/>
                    <Route path=path!("/integrations") view=|| page(integrations::preload_boxed, integrations::call_boxed)/>
                    <Route path=path!("/integrations/aws/new") view=|| page(link_aws::preload_boxed, link_aws::call_boxed)/>
                    <Route path=path!("/integrations/azure/new") view=|| page(link_azure::preload_boxed, link_azure::call_boxed)/>
                    <Route path=path!("/integrations/microsoft/m365/new") view=|| page(link_microsoft_365::preload_boxed, link_microsoft_365::call_boxed)/>
                    <Route path=path!("/integrations/:id") view=|| page(account::preload_boxed, account::call_boxed)/>
                    <Route path=path!("/members") view=|| page(members::preload_boxed, members::call_boxed)/>
                    <Route path=path!("/activity") view=|| page(activity::preload_boxed, activity::call_boxed)/>
                    <Route path=path!("/security") view=|| page(security::preload_boxed, security::call_boxed)/>
                </Routes>
            </Shell>
    }
}
