//! The "Link a New … Account" pages. Their forms arrive with the provider issues; until then
//! each shows its heading and the way back.

use crate::components::page::PageHeading;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
fn LinkPlaceholder(title: &'static str) -> impl IntoView {
    view! {
        <PageHeading title=title/>
        <p>"This form is not available yet."</p>
        <p><A href="/integrations">"Back to Integrations"</A></p>
    }
}

#[component]
pub fn LinkAws() -> impl IntoView {
    view! { <LinkPlaceholder title="Link a New AWS Account"/> }
}

#[component]
pub fn LinkAzure() -> impl IntoView {
    view! { <LinkPlaceholder title="Link a New Azure Account"/> }
}

#[component]
pub fn LinkMicrosoft365() -> impl IntoView {
    view! { <LinkPlaceholder title="Link a New Microsoft Account"/> }
}
