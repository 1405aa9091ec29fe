use crate::components::page::PageHeading;
use crate::components::redirect::ReplaceWith;
use crate::session::Session;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn Home() -> impl IntoView {
    let session = Session::expect_context();
    let me = move || session.me();
    let connected = move || me().is_some_and(|m| m.has_connected_account);
    view! {
        // Until the organization has connected an account, the first-login picker comes first.
        <Show when=connected fallback=|| view! { <ReplaceWith to="/welcome"/> }>
            <PageHeading title="Home"/>
            <p class="lead">
                "Welcome, " <strong>{move || me().map(|m| m.user.email).unwrap_or_default()}</strong>
                ". You are working in " <strong>{move || me().map(|m| m.organization.name).unwrap_or_default()}</strong> "."
            </p>
            <section class="panel" aria-labelledby="linked-heading">
                <h2 id="linked-heading">"Linked accounts"</h2>
                <p>"Your organization has a connected cloud account. Manage it, or link more, from Integrations."</p>
                <A href="/integrations" attr:class="button primary">"Open Integrations"</A>
            </section>
        </Show>
    }
}
