//! The router: every screen of the app, by its route. Find a screen here, then its module in
//! pages/. The paths are routes.rs's (`path!` takes literals; tests/browser_shell.rs opens each).
//! Which pages need a signed-in person is decided in one place: `components::shell`.

use crate::api::Api;
use crate::components::shell::Shell;
use crate::pages::account::IntegrationDetail;
use crate::pages::auth::{login::Login, signup::Signup};
use crate::pages::link::{LinkAws, LinkAzure, LinkMicrosoft365};
use crate::pages::{home::Home, integrations::Integrations, not_found::NotFound, welcome::Welcome};
use crate::session::Session;
use crate::sync::SyncEngine;
use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;
use xops_model::ClientConfig;

#[component]
pub fn App(config: ClientConfig) -> impl IntoView {
    provide_context(Api::new(config.api_base));
    let session = Session::provide();
    let engine = SyncEngine::provide();
    crate::sync::follow_session(engine, session);
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
                    <Route path=path!("/login") view=Login/>
                    <Route path=path!("/signup") view=Signup/>
                    <Route path=path!("/") view=Home/>
                    <Route path=path!("/welcome") view=Welcome/>
                    <Route path=path!("/integrations") view=Integrations/>
                    <Route path=path!("/integrations/aws/new") view=LinkAws/>
                    <Route path=path!("/integrations/azure/new") view=LinkAzure/>
                    <Route path=path!("/integrations/microsoft/m365/new") view=LinkMicrosoft365/>
                    <Route path=path!("/integrations/:id") view=IntegrationDetail/>
                </Routes>
            </Shell>
    }
}
