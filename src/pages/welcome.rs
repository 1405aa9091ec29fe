use crate::components::cloud_card::{Cloud, CloudLink};
use crate::components::page::PageHeading;
use crate::components::redirect::ReplaceWith;
use crate::components::when::When;
use crate::session::Session;
use leptos::prelude::*;

/// The first-login picker: required until the organization has connected an account.
#[component]
pub fn Welcome() -> impl IntoView {
    let session = Session::expect_context();
    let connected = crate::accounts::has_connected_account(session, crate::sync::SyncEngine::expect_context());
    view! {
        <When when=move || !connected() fallback=|| view! { <ReplaceWith to=crate::routes::HOME/> }>
            <PageHeading title="Select your preferred cloud service or platform"/>
            <p class="lead">
                "Link your first account to get started. This selection is required to establish the initial account connection; "
                "you can link more accounts later from Integrations."
            </p>
            <ul class="choice-grid">
                <li><CloudLink cloud=Cloud::Aws/></li>
                <li><CloudLink cloud=Cloud::Azure/></li>
                <li><CloudLink cloud=Cloud::Microsoft/></li>
            </ul>
        </When>
    }
}
