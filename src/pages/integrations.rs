use crate::components::page::PageHeading;
use leptos::prelude::*;

#[component]
pub fn Integrations() -> impl IntoView {
    view! {
        <PageHeading title="Integrations"/>
        <p>"Link AWS, Azure and Microsoft accounts to Xops."</p>
    }
}
