//! The router: every screen of the app, by its route. Find a screen here, then its file in pages/.

use crate::components::shell::Shell;
use crate::pages::{home::Home, integrations::Integrations, not_found::NotFound};
use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;
use xops_model::ClientConfig;

/// The runtime configuration, available to every component through context.
#[derive(Clone)]
pub struct AppConfig(pub ClientConfig);

impl AppConfig {
    pub fn expect_context() -> AppConfig {
        expect_context::<AppConfig>()
    }
}

#[component]
pub fn App(config: ClientConfig) -> impl IntoView {
    provide_context(AppConfig(config));
    view! {
        <Router>
            <Shell>
                <Routes fallback=|| view! { <NotFound/> }>
                    <Route path=path!("/") view=Home/>
                    <Route path=path!("/integrations") view=Integrations/>
                </Routes>
            </Shell>
        </Router>
    }
}
