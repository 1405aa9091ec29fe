//! Sign-in tickets on the account page: until when Xops can use the account while nobody has it
//! open, which browser signed the tickets, and how far ahead they are signed (owners and admins
//! choose; viewers read it).

use super::Account;
use crate::components::certificate::format_moment;
use crate::components::feedback::Feedback;
use crate::erased::local_action;
use crate::health::Checks;
use crate::tickets::{covered_until, Coverage, Tickets};
use leptos::prelude::*;
use xops_model::tickets::TicketPolicy;
use xops_model::Problem;

#[component]
pub(super) fn TicketsSection(account: Account) -> impl IntoView {
    let tickets = Tickets::expect_context();
    let checks = Checks::expect_context();
    let policy =
        Memo::new(move |_| account.current.with(|a| a.as_ref().map(|a| a.integration.ticket_policy)).unwrap_or_default());
    let error = RwSignal::new(None::<Problem>);
    let saved = RwSignal::new(None::<String>);
    let change = local_action(move |p: &TicketPolicy| {
        let p = *p;
        let changed = account.current.get_untracked().map(|a| a.integration).map(|mut i| {
            i.ticket_policy = p;
            i.updated_at = js_sys::Date::now() as i64;
            account.save(i)
        });
        async move {
            let Some(saving) = changed else { return };
            match saving.await {
                Ok(()) => saved.set(Some(format!("Saved: {}.", p.label()))),
                Err(e) => error.set(Some(e.into())),
            }
        }
    });
    let summary = move || {
        let now = checks.now();
        let id = account.id.get_value();
        if policy.get() == TicketPolicy::Off {
            return "Tickets are off: Xops can use this account only while someone has it open.".to_string();
        }
        match tickets.coverage() {
            Coverage::Unknown => "Looking up how far ahead Xops can use this account…".into(),
            Coverage::NotKept => "This Xops keeps no sign-in tickets, so it uses this account only while someone has it open. Whoever runs Xops can turn them on.".into(),
            Coverage::Failed(e) => format!("Xops could not say how far ahead it can use this account: {e}"),
            c => match covered_until(&c, &id, now) {
                Some(c) => format!(
                    "Xops can use this account until {} (tickets signed by {}).",
                    format_moment(c.covered_until),
                    c.signed_by.unwrap_or_else(|| "a browser".into())
                ),
                None => "Xops cannot use this account while nobody has it open: no tickets are signed yet. A browser that holds its key signs them while Xops is open in it.".into(),
            },
        }
    };
    let choose = move |ev: leptos::ev::Event| {
        let Some(p) = TicketPolicy::parse(&event_target_value(&ev)) else { return };
        if p == policy.get_untracked() {
            return;
        }
        error.set(None);
        saved.set(None);
        change.dispatch_local(p);
    };
    view! {
        <section class="panel" aria-labelledby="tickets-heading">
            <h2 id="tickets-heading">"Sign-in tickets"</h2>
            <p data-testid="ticket-horizon" role="status">{summary}</p>
            <details class="learn-more">
                <summary>"What is a ticket?"</summary>
                <p>
                    "A ticket lets Xops sign in to this account once, within one 10-minute window. "
                    "A browser that holds the account's key signs them ahead while Xops is open in it; the key itself never leaves that browser."
                </p>
            </details>
            {move || if account.can_change.get() {
                view! {
                    <div class="field">
                        <label for="ticket-policy">"Sign tickets ahead for"</label>
                        <select id="ticket-policy" prop:value=move || policy.get().value() on:change=choose
                            disabled=move || change.pending().get()>
                            {TicketPolicy::ALL.map(|p| view! { <option value=p.value()>{p.label()}</option> }).collect_view()}
                        </select>
                        <Feedback error done=saved/>
                    </div>
                }.into_any()
            } else {
                view! { <p>{move || format!("Tickets are signed ahead for: {}. An owner or admin can change this.", policy.get().label())}</p> }.into_any()
            }}
        </section>
    }
}
