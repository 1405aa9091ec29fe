//! Activity: who changed which account or membership, when and from where, newest first, with
//! filters (account, person, kind) and "Show older". Each account's page shows its own history
//! (`HistorySection`). The store writes the log; nothing here changes it.

use crate::api::Api;
use crate::components::certificate::format_moment;
use crate::components::feedback::{ErrorLine, Loading};
use crate::components::page::PageHeading;
use crate::components::when::When;
use crate::erased::{local_action, local_resource};
use crate::routes;
use crate::sync::SyncEngine;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;
use xops_model::Problem;
use xops_model::{paths, ActivityEntry, ActivityFilter, ActivityKind, ActivityPage, Members, RecordId, UserId};

/// One entry: when, who did what, to which account, with its detail and address.
#[component]
fn Entry(entry: ActivityEntry) -> impl IntoView {
    let when = format_moment(entry.at);
    let accounts = SyncEngine::expect_context().accounts();
    let account = entry.account.clone().map(|id| {
        let name = entry.account_name.clone().unwrap_or_else(|| "an account".into());
        // Linked while the account is still there; its name only once it is gone.
        let live = accounts.with_untracked(|a| a.get(&id).is_some());
        if live {
            view! { " " <A href=routes::account(&id)>{name}</A> }.into_any()
        } else {
            view! { " " <span class="gone-account">{name}</span> }.into_any()
        }
    });
    view! {
        <li class="activity-entry" data-kind=entry.kind.as_str()>
            <p class="activity-what">
                <strong>{entry.actor_email.clone()}</strong> " " {entry.kind.label()} {account}
                {entry.detail.clone().map(|d| view! { <span class="activity-detail">{format!(" ({d})")}</span> })}
            </p>
            <p class="activity-when">{when} " · from " {entry.address.clone()}</p>
        </li>
    }
}

/// The pages "Show older" added, and the filters they belong to: pages of other filters (asked for
/// before the filters changed) are not shown.
#[derive(Default)]
struct Older {
    filters: ActivityFilter,
    entries: Vec<ActivityEntry>,
    next_before: Option<i64>,
    /// Whether a page was added (the next cursor is then this one's).
    loaded: bool,
}

/// A list of entries fetched with `filters` (a query without paging), with "Show older". The
/// newest page is a resource of the filters: a change of filters reads it again, and only the
/// answer to the latest filters counts. Older pages are an Action that adds to the list.
#[component]
fn EntryList(#[prop(into)] filters: Signal<ActivityFilter>, page_size: u32, older: bool) -> impl IntoView {
    let api = StoredValue::new(Api::expect_context());
    let fetch = move |filter: ActivityFilter| {
        let api = api.get_value();
        async move {
            api.get::<ActivityPage>(&filter.path(page_size))
                .await
                .map_err(|e| Problem::from(e).context(|m| format!("Could not load the activity: {m}")))
        }
    };
    let newest = local_resource(move || fetch(filters.get()));
    let older_pages = RwSignal::new(Older::default());
    let show_older = local_action(move |before: &i64| {
        let filters = filters.get_untracked();
        let page = fetch(ActivityFilter { before: Some(*before), ..filters.clone() });
        async move {
            let page = page.await?;
            older_pages.update(|o| {
                if o.filters != filters {
                    *o = Older { filters, ..Older::default() };
                }
                o.entries.extend(page.entries);
                o.next_before = page.next_before;
                o.loaded = true;
            });
            Ok::<(), Problem>(())
        }
    });
    // What shows: the newest page, then the older pages of these filters (pages asked for under
    // other filters are not), and the cursor of the page after the last one shown. One list,
    // made once per change, compared before anything that shows it runs again.
    let shown = Memo::new(move |_| {
        let mut entries = Vec::new();
        let mut next = None;
        newest.with(|p| {
            if let Some(Ok(page)) = p {
                entries.extend(page.entries.iter().cloned());
                next = page.next_before;
            }
        });
        older_pages.with(|o| {
            if o.loaded && filters.with(|now| o.filters == *now) {
                entries.extend(o.entries.iter().cloned());
                next = o.next_before;
            }
        });
        (entries, next)
    });
    let entries = move || shown.with(|(e, _)| e.clone());
    let next_before = move || shown.with(|(_, next)| *next);
    let error = Signal::derive(move || {
        let newest = newest.with(|p| p.as_ref().and_then(|p| p.as_ref().err().cloned()));
        newest.or_else(|| show_older.value().with(|v| v.as_ref().and_then(|v| v.as_ref().err().cloned())))
    });
    let loading = move || newest.with(Option::is_none) || show_older.pending().get();
    view! {
        <ErrorLine error/>
        <When when=move || shown.with(|(e, _)| !e.is_empty()) fallback=move || view! {
            {move || if loading() { view! { <Loading/> }.into_any() } else { view! { <p role="status">"Nothing here yet."</p> }.into_any() }}
        }>
            <ol class="activity-list" data-testid="activity-list">
                <For each=entries key=|e| e.seq let:entry>
                    <Entry entry=entry/>
                </For>
            </ol>
        </When>
        {older.then(|| view! {
            <When when=move || next_before().is_some()>
                <button type="button" class="button" disabled=loading
                    on:click=move |_| if let Some(before) = next_before() { show_older.dispatch(before); }>
                    {move || if loading() { "Loading…" } else { "Show older" }}
                </button>
            </When>
        })}
    }
}

/// One filter: a labelled select of `options` (value, text), with "all" first (the empty value).
#[component]
fn Filter(
    id: &'static str,
    label: &'static str,
    all: &'static str,
    value: RwSignal<String>,
    options: Signal<Vec<(String, String)>>,
) -> impl IntoView {
    let selected = move |v: String| move || value.with(|s| *s == v);
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <select id=id on:change=move |ev| value.set(event_target_value(&ev))>
                <option value="" selected=selected(String::new())>{all}</option>
                {move || options.get().into_iter().map(|(v, text)| {
                    view! { <option value=v.clone() selected=selected(v)>{text}</option> }
                }).collect_view()}
            </select>
        </div>
    }
}

#[component]
pub fn Activity() -> impl IntoView {
    let api = Api::expect_context();
    let query_map = use_query_map();
    let from_address = |name: &str| query_map.with_untracked(|q| q.get(name).unwrap_or_default());
    let account = RwSignal::new(from_address("account"));
    let person = RwSignal::new(from_address("person"));
    let kind = RwSignal::new(from_address("kind"));
    // The selects offer only values that read; an address typed or kept from elsewhere may not.
    let filters = Signal::derive(move || ActivityFilter {
        account: account.with(|a| RecordId::parse(a).ok()),
        person: person.with(|p| UserId::parse(p).ok()),
        kind: kind.with(|k| ActivityKind::parse(k)),
        before: None,
    });
    // The address follows the filters (replacing, not adding to, the history), so a filtered
    // view can be reloaded, bookmarked or sent to a colleague.
    let navigate = use_navigate();
    Effect::new(move |_| {
        let mut shown = filters.get().query();
        if !shown.is_empty() {
            shown.insert(0, '?');
        }
        let options = NavigateOptions { replace: true, scroll: false, ..NavigateOptions::default() };
        navigate(&format!("{}{shown}", routes::ACTIVITY), options);
    });
    let unknown_in_address = {
        let f = filters.get_untracked();
        [(account, f.account.is_none()), (person, f.person.is_none()), (kind, f.kind.is_none())]
            .into_iter()
            .any(|(typed, unread)| unread && !typed.with_untracked(String::is_empty))
    };
    let accounts = SyncEngine::expect_context().accounts();
    let account_options = Signal::derive(move || {
        accounts.with(|a| a.by_name().map(|x| (x.id.to_string(), x.integration.name.as_str().to_string())).collect::<Vec<_>>())
    });
    let people = local_resource(move || {
        let api = api.clone();
        async move {
            // Without the list, the Person filter offers only "Everyone"; the entries still show who.
            api.get::<Members>(paths::MEMBERS).await.map(|m| m.members).unwrap_or_else(|e| {
                leptos::logging::warn!("the Person filter could not list the members: {e}");
                Vec::new()
            })
        }
    });
    let people_options = Signal::derive(move || {
        people.get().unwrap_or_default().into_iter().map(|m| (m.id.to_string(), m.email)).collect::<Vec<_>>()
    });
    let kind_options =
        Signal::derive(|| ActivityKind::ALL.iter().map(|k| (k.as_str().to_string(), k.title().to_string())).collect());
    view! {
        <PageHeading title="Activity"/>
        <p class="lead">"Who linked, tested, renewed, renamed or disconnected an account, and who joined, left or changed role: newest first."</p>
        <form class="filters" on:submit=|ev| ev.prevent_default()>
            <Filter id="filter-account" label="Account" all="All accounts" value=account options=account_options/>
            <Filter id="filter-person" label="Person" all="Everyone" value=person options=people_options/>
            <Filter id="filter-kind" label="What happened" all="Everything" value=kind options=kind_options/>
        </form>
        {unknown_in_address.then(|| view! {
            <p class="notice" role="status">"This page's address asks for an account, person or kind of activity that Xops does not know, so that filter shows everything. Choose it again above."</p>
        })}
        <EntryList filters=filters page_size=50 older=true/>
    }
}

/// An account page's own history: its latest entries, and the way to all of them. It loads
/// again whenever `changed` notifies (the account changed: a test kept, a rename).
#[component]
pub fn HistorySection(account: RecordId, #[prop(into)] changed: Signal<()>) -> impl IntoView {
    let filter = ActivityFilter { account: Some(account.clone()), ..ActivityFilter::default() };
    let filters = Signal::derive(move || {
        changed.track();
        filter.clone()
    });
    view! {
        <section class="panel" aria-labelledby="history-heading">
            <h2 id="history-heading">"History"</h2>
            <EntryList filters=filters page_size=5 older=false/>
            <p><A href=routes::account_activity(&account)>"All of this account's activity"</A></p>
        </section>
    }
}
