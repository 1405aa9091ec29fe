//! The three clouds as cards: the first-login picker and the Integrations page show the same ones.

use crate::components::logos::{AwsLogo, AzureLogo, MicrosoftLogo};
use leptos::prelude::*;
use leptos_router::components::A;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cloud {
    Aws,
    Azure,
    Microsoft,
}

impl Cloud {
    fn title(self) -> &'static str {
        match self {
            Cloud::Aws => "AWS",
            Cloud::Azure => "Azure",
            Cloud::Microsoft => "Microsoft",
        }
    }
    fn text(self) -> &'static str {
        match self {
            Cloud::Aws => "Link an Amazon Web Services account through a read-only role.",
            Cloud::Azure => "Link an Azure subscription or management group.",
            Cloud::Microsoft => "Link Microsoft cloud products, such as a Microsoft 365 (M365) tenant.",
        }
    }
    /// Where its card leads when it is a link.
    pub fn href(self) -> &'static str {
        match self {
            Cloud::Aws => crate::routes::LINK_AWS,
            Cloud::Azure => crate::routes::LINK_AZURE,
            Cloud::Microsoft => crate::routes::LINK_MICROSOFT_365,
        }
    }
}

/// What a card shows: the logo, the name, one line, and (on Integrations) how many are linked.
#[component]
pub fn CloudCardBody(cloud: Cloud, #[prop(default = None)] count: Option<Signal<String>>) -> impl IntoView {
    let logo = match cloud {
        Cloud::Aws => view! { <AwsLogo/> }.into_any(),
        Cloud::Azure => view! { <AzureLogo/> }.into_any(),
        Cloud::Microsoft => view! { <MicrosoftLogo/> }.into_any(),
    };
    view! {
        {logo}
        <span class="choice-title">{cloud.title()}</span>
        <span class="choice-text">{cloud.text()}</span>
        {count.map(|c| view! { <span class="choice-count">{c}</span> })}
    }
}

/// A card that is a link to the cloud's link page.
#[component]
pub fn CloudLink(cloud: Cloud, #[prop(default = None)] count: Option<Signal<String>>) -> impl IntoView {
    view! {
        <A href=cloud.href() attr:class="choice">
            <CloudCardBody cloud=cloud count=count/>
        </A>
    }
}
