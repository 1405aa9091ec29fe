use crate::components::page::PageHeading;
use leptos::prelude::*;

#[component]
pub fn Home() -> impl IntoView {
    view! {
        <PageHeading title="Home"/>
        <p>"Your linked cloud accounts appear here."</p>
    }
}
