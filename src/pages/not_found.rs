use crate::components::page::PageHeading;
use crate::routes;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_location;

#[component]
pub fn NotFound() -> impl IntoView {
    let path = use_location().pathname;
    view! {
        <PageHeading title="Page not found"/>
        <p>"There is no page at " <code>{move || path.get()}</code> "."</p>
        <p><A href=routes::HOME>"Go to Home"</A> " or " <A href=routes::INTEGRATIONS>"open Integrations"</A> "."</p>
    }
}
