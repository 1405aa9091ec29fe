//! Home as the router opens it, in the first module: see `HomeFirst`. The rest of Home is in
//! the signed-in chunk (`pages::home`).

use crate::pages::chunks::{home, home_sections};
use crate::pages::home::HomeHeading;
use crate::session::Session;
use crate::signed_in_code::page;
use leptos::prelude::*;

/// Home as the router opens it, in the first module: when the session already says this
/// organization has a connected account (or the person is a viewer, who is never sent to the
/// picker), the heading and the welcome line show at once and the sections follow with the
/// signed-in code; otherwise the whole page waits for it (it may send the person to the picker).
#[component]
pub fn HomeFirst() -> impl IntoView {
    let session = Session::expect_context();
    let stays = session.me().is_some_and(|m| m.has_connected_account) || !session.can_change_accounts().get_untracked();
    let sections = (home_sections::preload_boxed, home_sections::call_boxed);
    match stays {
        true => view! { <HomeHeading/> {page(sections.0, sections.1)} }.into_any(),
        false => page(home::preload_boxed, home::call_boxed),
    }
}
