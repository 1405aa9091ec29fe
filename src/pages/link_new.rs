//! The AWS and Azure link pages. Their forms arrive with their issue; until then each shows its
//! heading and the way back. (Microsoft 365's form is in link_m365.rs.)

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
