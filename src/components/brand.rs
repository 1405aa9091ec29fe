use leptos::prelude::*;

/// The Xops mark (decorative; the word beside it names the product).
#[component]
pub fn BrandMark() -> impl IntoView {
    view! {
        <svg class="brand-mark" viewBox="0 0 32 32" aria-hidden="true" focusable="false">
            <rect width="32" height="32" rx="7"></rect>
            <path d="M9 9l14 14M23 9L9 23"></path>
        </svg>
    }
}
