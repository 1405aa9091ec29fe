use crate::components::logos::{AwsLogo, AzureLogo, MicrosoftLogo};
use crate::components::page::PageHeading;
use crate::components::redirect::ReplaceWith;
use crate::session::Session;
use leptos::prelude::*;
use leptos_router::components::A;

/// The first-login picker: required until the organization has connected an account.
#[component]
pub fn Welcome() -> impl IntoView {
    let session = Session::expect_context();
    let connected = crate::session::has_connected_account(session, crate::sync::SyncEngine::expect_context());
    view! {
        <Show when=move || !connected() fallback=|| view! { <ReplaceWith to="/"/> }>
            <PageHeading title="Select your preferred cloud service or platform"/>
            <p class="lead">
                "Link your first account to get started. This selection is required to establish the initial account connection; "
                "you can link more accounts later from Integrations."
            </p>
            <ul class="choice-grid">
                <li>
                    <A href="/integrations/aws/new" attr:class="choice">
                        <AwsLogo/>
                        <span class="choice-title">"AWS"</span>
                        <span class="choice-text">"Link an Amazon Web Services account through a read-only role."</span>
                    </A>
                </li>
                <li>
                    <A href="/integrations/azure/new" attr:class="choice">
                        <AzureLogo/>
                        <span class="choice-title">"Azure"</span>
                        <span class="choice-text">"Link an Azure subscription or management group."</span>
                    </A>
                </li>
                <li>
                    <A href="/integrations/microsoft/m365/new" attr:class="choice">
                        <MicrosoftLogo/>
                        <span class="choice-title">"Microsoft"</span>
                        <span class="choice-text">"Link a Microsoft 365 (M365) tenant."</span>
                    </A>
                </li>
            </ul>
        </Show>
    }
}
