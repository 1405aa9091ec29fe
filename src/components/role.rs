//! What a viewer sees where others change things: the page or section says plainly that they can
//! look but not change, instead of offering buttons the store would refuse.

use super::page::PageHeading;
use crate::components::when::When;
use crate::routes;
use crate::session::Session;
use leptos::prelude::*;
use leptos_router::components::A;

/// The note a viewer sees in place of what they may not do.
#[component]
pub fn ViewerNote(#[prop(into)] text: String) -> impl IntoView {
    view! { <p class="read-only-note" data-testid="read-only-note">{text}</p> }
}

/// `children` for people who may change accounts; for a viewer, a page that says why not
/// (`title` is the page's own heading).
#[component]
pub fn ChangesAllowed(#[prop(into)] title: String, #[prop(into)] what: String, children: ChildrenFn) -> impl IntoView {
    let allowed = Session::expect_context().can_change_accounts();
    let title = StoredValue::new(title);
    let what = StoredValue::new(what);
    view! {
        <When
            when=move || allowed.get()
            fallback=move || view! {
                <PageHeading title=title.get_value()/>
                <ViewerNote text=format!("You are a viewer in this organization: you can see accounts and activity, but not {}. An owner or admin can, or can change your role.", what.get_value())/>
                <p><A href=routes::INTEGRATIONS>"Back to Integrations"</A></p>
            }
        >
            {children()}
        </When>
    }
}
