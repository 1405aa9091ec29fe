//! The three clouds' marks, drawn inline (decorative: the text beside them names the cloud).

use leptos::prelude::*;

#[component]
pub fn MicrosoftLogo() -> impl IntoView {
    view! {
        <svg class="logo" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
            <rect x="1" y="1" width="10" height="10" fill="#f25022"></rect>
            <rect x="13" y="1" width="10" height="10" fill="#7fba00"></rect>
            <rect x="1" y="13" width="10" height="10" fill="#00a4ef"></rect>
            <rect x="13" y="13" width="10" height="10" fill="#ffb900"></rect>
        </svg>
    }
}

#[component]
pub fn AzureLogo() -> impl IntoView {
    view! {
        <svg class="logo" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
            <path d="M9.2 2.5h5.3L8.9 20.4a1 1 0 0 1-.9.6H3.2a.8.8 0 0 1-.8-1L8.3 3.2a1 1 0 0 1 .9-.7z" fill="#0a5fc4"></path>
            <path d="M17.1 14.6H9.4a.4.4 0 0 0-.3.8l5 4.6c.2.2.5.3.8.3h5.2z" fill="#1d8fe6"></path>
            <path d="M14.5 2.5 21.6 20a.8.8 0 0 1-.8 1h-5.4a.8.8 0 0 0 .8-1L9.2 2.5z" fill="#37b6f5"></path>
        </svg>
    }
}

#[component]
pub fn AwsLogo() -> impl IntoView {
    view! {
        <svg class="logo logo-aws" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
            <text x="12" y="13" text-anchor="middle" font-size="9.5" font-weight="700" font-family="Arial, sans-serif">"aws"</text>
            <path d="M4 16.5c4.8 2.8 11 2.8 16 0" fill="none" stroke="#ff9900" stroke-width="1.6" stroke-linecap="round"></path>
            <path d="M18.2 15.4l2.1 1-1 2.1" fill="none" stroke="#ff9900" stroke-width="1.6" stroke-linecap="round" stroke-linejoin="round"></path>
        </svg>
    }
}
