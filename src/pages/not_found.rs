use crate::components::page::PageHeading;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_location;

#[component]
pub fn NotFound() -> impl IntoView {
    let path = use_location().pathname;
    view! {
        <PageHeading title="Page not found"/>
        <p>"There is no page at " <code>{move || path.get()}</code> "."</p>
        <p><A href="/">"Go to Home"</A> " or " <A href="/integrations">"open Integrations"</A> "."</p>
    }
}
