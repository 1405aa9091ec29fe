//! Rename: a new name, unique among the organization's accounts of the same provider.

use super::{name_label, Account};
use crate::accounts::names_taken;
use crate::components::field::TextField;
use crate::erased::local_action;
use crate::sync::SyncEngine;
use leptos::prelude::*;
use xops_model::unique_name;

#[component]
pub(super) fn RenameSection(account: Account) -> impl IntoView {
    let accounts = SyncEngine::expect_context().accounts();
    let new_name =
        RwSignal::new(account.current.get_untracked().map(|a| a.integration.name.as_str().to_string()).unwrap_or_default());
    let name_error = RwSignal::new(None::<String>);
    let saved = RwSignal::new(None::<String>);
    let renaming = local_action(move |changed: &xops_model::Integration| {
        let saving = account.save(changed.clone());
        async move {
            match saving.await {
                Ok(()) => saved.set(Some("Renamed.".into())),
                Err(e) => name_error.set(Some(e.to_string())),
            }
        }
    });
    let rename = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(None);
        let Some(mut changed) = account.integration() else { return };
        let taken = accounts.with_untracked(|l| names_taken(l, account.provider, Some(account.id.get_value().as_str())));
        changed.name = match unique_name(&new_name.get_untracked(), taken.iter().map(String::as_str)) {
            Ok(n) => n,
            Err(e) => return name_error.set(Some(e.message)),
        };
        name_error.set(None);
        changed.updated_at = js_sys::Date::now() as i64;
        renaming.dispatch_local(changed);
    };
    view! {
        <section aria-labelledby="rename-heading">
            <h3 id="rename-heading">"Rename"</h3>
            <form class="form inline-form" on:submit=rename novalidate>
                <TextField id="account-name" label=name_label(account.provider) value=new_name error=name_error/>
                <button class="button primary" type="submit">"Rename"</button>
                <p class="form-success" role="status" class:idle=move || saved.with(Option::is_none)>{move || saved.get().unwrap_or_default()}</p>
            </form>
        </section>
    }
}
